package io.kvcourier.channel.tcp;

import io.kvcourier.channel.ControlRequestHandler;

import java.util.Arrays;

/**
 * Sends the reply to one control request over the inbound data connection it came on: at once when called on the
 * progress thread (the handler answered during the call), else copied and handed to the progress thread. At most
 * once. For a request flagged {@link TcpFrames#FLAG_EAGER_FOLLOWS}, a reply that allocated every key during the
 * handler's call also leaves its pages to the connection's {@link EagerGrants}, for the EAGER frame that follows.
 */
final class ControlReplier implements ControlRequestHandler.Replier {
    private final InboundDataConnection conn;
    private final long id;
    /** The request announced an EAGER frame, and the handler's call has not returned yet (progress thread). */
    private boolean eagerWindow;
    private boolean replied;

    ControlReplier(InboundDataConnection conn, long id, boolean eagerFollows) {
        this.conn = conn;
        this.id = id;
        this.eagerWindow = eagerFollows;
    }

    /** The handler's call returned: a reply that comes later grants nothing to an EAGER frame (progress thread). */
    void handled() {
        eagerWindow = false;
    }

    @Override
    public void replyAllocated(byte[] bytes, int offset, int length, int[] keyPages) {
        if (eagerWindow && conn.receiver.onProgressThread() && keyPages.length > 0) {
            synchronized (this) {
                if (replied) {
                    return;
                }
            }
            conn.eagerGrants.put(id, keyPages); // before the reply: the EAGER frame may be read right after
        }
        reply(bytes, offset, length);
    }

    @Override
    public boolean connectionOpen() {
        return conn.open;
    }

    @Override
    public boolean closeConnection() {
        return conn.receiver.closeConnection(conn);
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
