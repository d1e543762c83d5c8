package io.kvcourier.channel.tcp;

import io.kvcourier.channel.ControlReplySink;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-band control exchanges of one {@link TcpConnection} (data version {@value TcpFrames#VERSION_CONTROL}):
 * the outbox of CONTROL frames not yet handed to the send path, the exchanges sent and not answered (ids and their
 * sinks), and the CONTROL_REPLY being read. The outbox and the table are guarded by a short lock of their own,
 * never held while waiting; the reply being read is the progress thread's. Once warm, nothing here allocates.
 */
final class ControlExchanges {
    private static final System.Logger LOG = System.getLogger(TcpConnection.class.getName());
    /** Initial control outbox, in bytes: a few requests of ordinary size. */
    private static final int CONTROL_BUFFER = 16 << 10;
    /** A reply buffer larger than this goes after its reply. */
    private static final int KEEP_REPLY_BYTES = 64 << 10;

    /** The exchanges a closed connection left unanswered; each sink is told once. */
    record Lost(long[] ids, ControlReplySink[] sinks) {
        void tell(String why) {
            for (int i = 0; i < ids.length; i++) {
                try {
                    sinks[i].onConnectionLost(ids[i], why);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "control reply sink failed", e);
                }
            }
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    /** CONTROL frames queued and not yet handed to the send path, in write mode; grows for a large request. */
    private ByteBuffer out = ByteBuffer.allocateDirect(CONTROL_BUFFER);
    /** The control frames being written (swapped with {@link #out}); under the connection's send lock. */
    private ByteBuffer sending = ByteBuffer.allocateDirect(CONTROL_BUFFER);
    /** Exchanges sent and not answered: ids and their sinks, {@code count} of them. */
    private long[] ids = new long[16];
    private ControlReplySink[] sinks = new ControlReplySink[16];
    private int count;
    /** The connection closed: no more exchanges (guarded by the lock). */
    private boolean closed;
    /** The outbox holds frames (set under the lock). */
    private volatile boolean queued;

    // The CONTROL_REPLY being read (progress thread): its exchange, length and the bytes so far.
    private boolean inReply;
    private long replyId;
    private int replyLength;
    private int replyRead;
    private byte[] reply = new byte[0];

    /**
     * Appends a CONTROL frame to the outbox and notes its sink; false when the connection is closed ({@code
     * connection} is asked under the lock).
     */
    boolean queue(TcpConnection connection, long exchangeId, byte[] bytes, int offset, int length,
            ControlReplySink sink, byte flags) {
        lock.lock();
        try {
            if (closed || !connection.isOpen()) {
                return false;
            }
            int need = TcpFrames.CONTROL_HEAD_BYTES + length;
            if (out.remaining() < need) {
                ByteBuffer bigger = ByteBuffer.allocateDirect(Math.max(2 * out.capacity(), out.position() + need));
                out.flip();
                bigger.put(out);
                out = bigger;
            }
            TcpFrames.putControlHead(out, TcpFrames.CONTROL, flags, exchangeId, length);
            out.put(bytes, offset, length);
            if (count == ids.length) {
                ids = Arrays.copyOf(ids, 2 * count);
                sinks = Arrays.copyOf(sinks, 2 * count);
            }
            ids[count] = exchangeId;
            sinks[count] = sink;
            count++;
            queued = true;
        } finally {
            lock.unlock();
        }
        return true;
    }

    /** The outbox holds frames not yet handed to the send path. */
    boolean queued() {
        return queued;
    }

    /** The queued control frames as the next piece to write (under the send lock, between batches); null if none. */
    ByteBuffer take() {
        lock.lock();
        try {
            queued = false;
            if (out.position() == 0) {
                return null;
            }
            ByteBuffer full = out;
            out = sending;
            out.clear();
            sending = full;
        } finally {
            lock.unlock();
        }
        sending.flip();
        return sending;
    }

    /** A CONTROL_REPLY's message bytes are being read. */
    boolean readingReply() {
        return inReply;
    }

    /** A CONTROL_REPLY's head from {@code peer}: its message bytes follow. Returns why it is unacceptable, or null. */
    String onReplyHead(String peer, byte flags, short reserved, int length, long id) {
        if (flags != 0 || reserved != 0) {
            return "tcp receiver " + peer + " sent a control reply with non-zero flags or reserved bytes (flags "
                    + flags + ", reserved " + reserved + ")";
        }
        if (length < 1 || length > TcpFrames.MAX_CONTROL_BYTES) {
            return "tcp receiver " + peer + " sent a control reply of " + length + " bytes (1.."
                    + TcpFrames.MAX_CONTROL_BYTES + ")";
        }
        lock.lock();
        try {
            if (indexOf(id) < 0) {
                return "tcp receiver " + peer + " sent a control reply for exchange " + id + ", which is not in flight";
            }
        } finally {
            lock.unlock();
        }
        if (reply.length < length) {
            reply = new byte[Math.max(length, 1024)];
        }
        inReply = true;
        replyId = id;
        replyLength = length;
        replyRead = 0;
        return null;
    }

    /** Takes the reply's bytes that {@code in} holds; false when it holds none. Delivers a complete reply. */
    boolean takeReply(ByteBuffer in) {
        int take = Math.min(replyLength - replyRead, in.remaining());
        if (take == 0) {
            return false;
        }
        in.get(reply, replyRead, take);
        replyRead += take;
        if (replyRead == replyLength) {
            inReply = false;
            deliverReply();
        }
        return true;
    }

    /** The whole reply is in: its sink gets it (the exchange was checked to be in flight when its head came). */
    private void deliverReply() {
        ControlReplySink sink = null;
        lock.lock();
        try {
            int i = indexOf(replyId);
            if (i >= 0) {
                sink = sinks[i];
                count--;
                ids[i] = ids[count];
                sinks[i] = sinks[count];
                sinks[count] = null;
            }
        } finally {
            lock.unlock();
        }
        byte[] bytes = reply;
        if (reply.length > KEEP_REPLY_BYTES) {
            reply = new byte[0];
        }
        if (sink == null) {
            return; // closed meanwhile: its sink was told
        }
        try {
            sink.onControlReply(replyId, bytes, 0, replyLength);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "control reply sink failed", e);
        }
    }

    /** The exchange's slot, or -1; under the lock. */
    private int indexOf(long id) {
        for (int i = 0; i < count; i++) {
            if (ids[i] == id) {
                return i;
            }
        }
        return -1;
    }

    /** The connection closed: no more exchanges; returns those left unanswered, for their sinks to be told. */
    Lost close() {
        lock.lock();
        try {
            closed = true;
            queued = false;
            Lost lost = new Lost(Arrays.copyOf(ids, count), Arrays.copyOf(sinks, count));
            Arrays.fill(sinks, null);
            count = 0;
            return lost;
        } finally {
            lock.unlock();
        }
    }
}
