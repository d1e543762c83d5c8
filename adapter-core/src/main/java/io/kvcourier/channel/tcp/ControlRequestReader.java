package io.kvcourier.channel.tcp;

import io.kvcourier.channel.ControlRequestHandler;

import java.nio.ByteBuffer;

/**
 * The in-band CONTROL request being read on an inbound data connection (data version
 * {@value TcpFrames#VERSION_CONTROL}): its head is checked, its message bytes gathered, and the whole request handed
 * to the receiver's {@link ControlRequestHandler} with a {@link ControlReplier} for its answer. Progress thread only.
 */
final class ControlRequestReader {
    /** Message bytes kept buffered for the next control request; a larger request's buffer goes after it. */
    private static final int KEEP_CONTROL_BYTES = 64 << 10;

    private final InboundDataConnection conn;
    /** A CONTROL frame's head was read and its message bytes are being read into {@code bytes}. */
    private boolean active;
    private long id;
    private boolean eagerFollows;
    private int length;
    private int read;
    private byte[] bytes = new byte[0];

    ControlRequestReader(InboundDataConnection conn) {
        this.conn = conn;
    }

    /** A request's message bytes are being read. */
    boolean active() {
        return active;
    }

    /** Forgets the request in progress (the connection closed). */
    void reset() {
        active = false;
    }

    /**
     * Parses the CONTROL frame head at {@code at} in {@code in}: 0 when accepted (its message follows), a positive
     * count of bytes still missing, or -1 when the connection was dropped.
     */
    int begin(ByteBuffer in, int at, int dataVersion) {
        if (in.remaining() < TcpFrames.CONTROL_HEAD_BYTES) {
            return TcpFrames.CONTROL_HEAD_BYTES - in.remaining();
        }
        byte flags = in.get(at + 1);
        short reserved = in.getShort(at + 2);
        int n = in.getInt(at + 4);
        long exchange = in.getLong(at + 8);
        boolean eager = flags == TcpFrames.FLAG_EAGER_FOLLOWS && dataVersion >= TcpFrames.VERSION_EAGER;
        if ((flags != 0 && !eager) || reserved != 0) {
            conn.drop("control frame with non-zero flags or reserved bytes (flags " + flags + ", reserved " + reserved
                    + ")");
            return -1;
        }
        if (n < 1 || n > TcpFrames.MAX_CONTROL_BYTES) {
            conn.drop("control frame of " + n + " bytes (1.." + TcpFrames.MAX_CONTROL_BYTES + ")");
            return -1;
        }
        in.position(at + TcpFrames.CONTROL_HEAD_BYTES);
        if (bytes.length < n) {
            bytes = new byte[Math.max(n, 1024)];
        }
        active = true;
        id = exchange;
        eagerFollows = eager;
        length = n;
        read = 0;
        return 0;
    }

    /** Takes the request's bytes that {@code in} holds; hands the request over once it is complete. */
    void take(ByteBuffer in) {
        int n = Math.min(length - read, in.remaining());
        in.get(bytes, read, n);
        read += n;
        if (read == length) {
            done();
        }
    }

    /** A control request is in: the handler gets it (its bytes are valid during the call only). */
    private void done() {
        active = false;
        byte[] request = bytes;
        if (bytes.length > KEEP_CONTROL_BYTES) {
            bytes = new byte[0];
        }
        TcpReceiver receiver = conn.receiver;
        ControlRequestHandler h = receiver.controlHandler();
        if (h == null) {
            conn.drop("control request, but this receiver takes none (no control handler)");
            return;
        }
        receiver.controlRequests.incrementAndGet();
        ControlReplier replier = new ControlReplier(conn, id, eagerFollows);
        try {
            h.onControlRequest(conn.senderId, request, 0, length, replier);
        } catch (RuntimeException e) {
            InboundDataConnection.LOG.log(System.Logger.Level.ERROR, "control handler failed on a request of "
                    + conn.senderId, e);
        } finally {
            replier.handled();
        }
    }
}
