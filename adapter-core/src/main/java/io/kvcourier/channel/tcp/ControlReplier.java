package io.kvcourier.channel.tcp;

import io.kvcourier.channel.ControlRequestHandler;

import java.util.Arrays;

/**
 * Sends the reply to one control request over the inbound data connection it came on: at once when called on the
 * progress thread (the handler answered during the call), else copied and handed to the progress thread. At most
 * once.
 */
final class ControlReplier implements ControlRequestHandler.Replier {
    private final InboundDataConnection conn;
    private final long id;
    private boolean replied;

    ControlReplier(InboundDataConnection conn, long id) {
        this.conn = conn;
        this.id = id;
    }

    @Override
    public void reply(byte[] bytes, int offset, int length) {
        synchronized (this) {
            if (replied) {
                return; // one reply per request
            }
            replied = true;
        }
        TcpReceiver receiver = conn.receiver;
        if (receiver.onProgressThread()) {
            conn.out.queueReply(id, bytes, offset, length);
            return;
        }
        byte[] copy = Arrays.copyOfRange(bytes, offset, offset + length);
        receiver.submit(() -> conn.out.queueReply(id, copy, 0, copy.length));
    }
}
