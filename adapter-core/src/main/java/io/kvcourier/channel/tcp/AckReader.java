package io.kvcourier.channel.tcp;

import io.kvcourier.channel.BatchCompletion;
import io.kvcourier.channel.BatchRefusedException;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.WriteBatch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Reads what a receiver sends back on one {@link TcpConnection}: ACKs, which complete the oldest batch sent (acks
 * arrive in frame order), and CONTROL_REPLYs, which go to their exchange ({@link ControlExchanges}). Anything else
 * closes the connection. Progress thread only; takes no send lock (a writer may be sending the next batch meanwhile).
 */
final class AckReader {
    private static final int ACK_BUFFER = 1024 * TcpFrames.ACK_BYTES;

    private final TcpConnection connection;
    private final SocketChannel ch;
    private final String peer;
    private final int dataVersion;
    private final AckQueue unacked;
    private final ReentrantLock sendLock;
    private final ControlExchanges control;
    private final ByteBuffer acks = ByteBuffer.allocateDirect(ACK_BUFFER);

    AckReader(TcpConnection connection, SocketChannel ch, String peer, int dataVersion, AckQueue unacked,
            ReentrantLock sendLock, ControlExchanges control) {
        this.connection = connection;
        this.ch = ch;
        this.peer = peer;
        this.dataVersion = dataVersion;
        this.unacked = unacked;
        this.sendLock = sendLock;
        this.control = control;
    }

    /** Reads acknowledgements (in bulk) and completes their batches into {@code done}. */
    void onReadable(Completions done) {
        boolean more = true;
        while (more && connection.isOpen()) {
            int n;
            try {
                n = ch.read(acks);
            } catch (IOException e) {
                connection.closeNow(new ChannelException("tcp read from " + peer + " failed: " + e.getMessage(), e));
                return;
            }
            if (n < 0) {
                connection.closeNow(new ChannelException("tcp receiver " + peer + " closed the connection"));
                return;
            }
            more = !acks.hasRemaining(); // the buffer filled up: there may be more
            acks.flip();
            String bad = parse(done);
            acks.compact();
            if (bad != null) {
                connection.closeNow(new ChannelException(bad));
                return;
            }
        }
    }

    /** Takes every whole ACK and reply (head) that the buffer holds; returns why one is unacceptable, or null. */
    private String parse(Completions done) {
        String bad = null;
        while (bad == null) {
            if (control.readingReply()) {
                if (!control.takeReply(acks)) {
                    break;
                }
                continue;
            }
            int at = acks.position();
            if (acks.remaining() >= 1 && acks.get(at) == TcpFrames.CONTROL_REPLY
                    && dataVersion >= TcpFrames.VERSION_CONTROL) {
                if (acks.remaining() < TcpFrames.CONTROL_HEAD_BYTES) {
                    break;
                }
                acks.position(at + TcpFrames.CONTROL_HEAD_BYTES);
                bad = control.onReplyHead(peer, acks.get(at + 1), acks.getShort(at + 2), acks.getInt(at + 4),
                        acks.getLong(at + 8));
                continue;
            }
            if (acks.remaining() < TcpFrames.ACK_BYTES) {
                break;
            }
            acks.position(at + TcpFrames.ACK_BYTES);
            bad = onAck(acks.get(at), acks.get(at + 1), acks.getShort(at + 2), acks.getInt(at + 4), done);
        }
        return bad;
    }

    /** The id the oldest unacknowledged batch's ACK names (an eager frame's: its exchange). */
    private int expected() {
        return EagerWrite.ackId(unacked.peekBatch(), unacked.peekCompletion());
    }

    /** Completes the oldest unacknowledged batch; returns why the ack is unacceptable, or null. */
    private String onAck(byte type, byte committed, short reserved, int batch, Completions done) {
        if (unacked.isEmpty() || expected() != batch) {
            // A writer may have put the batch's last byte into the socket and not yet queued it for its ack (the
            // receiver was that quick). Its writes are non-blocking, so wait for it; then the batch is queued,
            // or the ack is wrong (e.g. early: for a batch still being sent, whose memory is still being read).
            while (sendLock.isLocked() && !sendLock.isHeldByCurrentThread()) {
                Thread.yield();
            }
        }
        if (type != TcpFrames.ACK || reserved != 0 || (committed != 0 && committed != 1) || unacked.isEmpty()
                || expected() != batch) {
            return "tcp receiver " + peer + " sent an unexpected acknowledgement (type " + type + ", batch " + batch
                    + "; expected " + (unacked.isEmpty() ? "none" : "batch " + expected()) + ")";
        }
        WriteBatch b = unacked.peekBatch();
        BatchCompletion c = unacked.peekCompletion();
        unacked.remove();
        // A refusal fails this batch only: the connection stays open for the sender's other batches.
        done.add(b, c, committed == 1 ? null : new BatchRefusedException("tcp receiver " + peer
                + " refused batch " + batch + " (its allocation expired or was cancelled, or the batch was "
                + "incomplete); the store can be retried"));
        return null;
    }
}
