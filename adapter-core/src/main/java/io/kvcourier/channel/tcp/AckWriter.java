package io.kvcourier.channel.tcp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;

/**
 * The outgoing side of an inbound data connection: ACKs and control replies, whole frames in the order queued,
 * gathered in one buffer and written together (one write for all the acks of a read pass). Progress thread only.
 */
final class AckWriter {
    private static final int ACK_BUFFER = 1024 * TcpFrames.ACK_BYTES;
    /** Most bytes of ACKs and control replies a connection holds for a sender that does not read them. */
    private static final int MAX_OUT_BYTES = 2 * (TcpFrames.CONTROL_HEAD_BYTES + TcpFrames.MAX_CONTROL_BYTES);

    private final InboundDataConnection conn;
    /** ACKs and control replies waiting to be written, in write mode; grows for large replies. */
    private ByteBuffer out = ByteBuffer.allocateDirect(ACK_BUFFER);

    AckWriter(InboundDataConnection conn) {
        this.conn = conn;
    }

    /** Queues the ACK of {@code batch}; drops the connection when the sender does not read its acks. */
    void putAck(int batch, boolean committed) {
        if (out.remaining() < TcpFrames.ACK_BYTES) {
            flush();
            if (!conn.open || out.remaining() < TcpFrames.ACK_BYTES) {
                conn.drop("sender does not read its acknowledgements");
                return;
            }
        }
        TcpFrames.putAck(out, batch, committed);
    }

    /**
     * Queues the reply to exchange {@code id} behind the ACKs already queued and writes what the socket takes.
     * Dropped when the connection has closed: the sender fails the exchange itself.
     */
    void queueReply(long id, byte[] bytes, int offset, int length) {
        if (!conn.open) {
            return;
        }
        if (length < 1 || length > TcpFrames.MAX_CONTROL_BYTES) {
            InboundDataConnection.LOG.log(System.Logger.Level.ERROR, "control reply of {0} bytes cannot be sent "
                    + "(1..{1}); closing the connection so that the sender fails the exchange", length,
                    TcpFrames.MAX_CONTROL_BYTES);
            conn.close();
            return;
        }
        int need = TcpFrames.CONTROL_HEAD_BYTES + length;
        if (out.remaining() < need) {
            flush();
            if (!conn.open) {
                return;
            }
            if (out.remaining() < need && !grow(need)) {
                conn.drop("sender does not read its acknowledgements");
                return;
            }
        }
        TcpFrames.putControlHead(out, TcpFrames.CONTROL_REPLY, id, length);
        out.put(bytes, offset, length);
        conn.receiver.controlReplies.incrementAndGet();
        flush();
    }

    /** Makes room for {@code need} more bytes behind the queued ones; false beyond {@link #MAX_OUT_BYTES}. */
    private boolean grow(int need) {
        long wanted = (long) out.position() + need;
        if (wanted > MAX_OUT_BYTES) {
            return false;
        }
        ByteBuffer bigger = ByteBuffer.allocateDirect((int) Math.max(wanted, Math.min(MAX_OUT_BYTES,
                2L * out.capacity())));
        out.flip();
        bigger.put(out);
        out = bigger;
        return true;
    }

    /** Writes what is queued and asks for OP_WRITE while anything is left. */
    void flush() {
        if (!conn.open) {
            return;
        }
        if (out.position() > 0) {
            try {
                out.flip();
                conn.ch.write(out);
                out.compact();
            } catch (IOException e) {
                conn.lost("acknowledgement write failed: " + e.getMessage());
                return;
            }
        }
        int want = out.position() > 0 ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ;
        SelectionKey key = conn.key;
        if (key.interestOps() != want) {
            key.interestOps(want);
        }
    }
}
