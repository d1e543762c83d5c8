package io.kvcourier.channel.tcp;

import io.kvcourier.channel.BatchCompletion;
import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.WriteBatch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A sender's tcp data connection to one receiver. {@link #write} queues a batch (any thread); the sender's
 * progress thread sends its DATA frames from the staging pages in order, then its COMMIT, and completes the
 * future from the matching ACK (acks arrive in COMMIT order). Several batches may be in flight; a dead peer
 * (EOF, reset, a bad ack) fails all of them at once and closes the connection.
 */
public final class TcpConnection implements ChannelConnection {
    private static final System.Logger LOG = System.getLogger(TcpConnection.class.getName());

    private record Pending(WriteBatch batch, CompletableFuture<Void> future) {
    }

    private final TcpSender sender;
    private final SocketChannel ch;
    private final String peer;
    private final ConcurrentLinkedQueue<Pending> outbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean kickQueued = new AtomicBoolean();
    private final Runnable kick = this::onKick;
    private final CompletableFuture<Void> closedFuture = new CompletableFuture<>();
    private final ReentrantLock closeLock = new ReentrantLock();
    private volatile boolean open = true;
    private volatile String closeReason = "closed";

    // Progress thread only:
    private SelectionKey key;
    private final ArrayDeque<Pending> unacked = new ArrayDeque<>();
    private final ByteBuffer header = ByteBuffer.allocateDirect(TcpFrames.HEADER_BYTES);
    private final ByteBuffer acks = ByteBuffer.allocateDirect(64 * TcpFrames.ACK_BYTES);
    private Pending current;
    private int entry;
    private long entryDone;
    private ByteBuffer payload;
    private boolean finished;

    TcpConnection(TcpSender sender, SocketChannel ch, String peer) {
        this.sender = sender;
        this.ch = ch;
        this.peer = peer;
        header.limit(0);
    }

    @Override
    public void write(WriteBatch batch, BatchCompletion completion) {
        if (!batch.stagingOnly()) {
            completion.batchDone(batch, new ChannelException("tcp writes from the staging buffer only"));
            return;
        }
        writeFuture(batch).whenComplete((v, e) -> completion.batchDone(batch, e == null ? null
                : e instanceof ChannelException ce ? ce : new ChannelException(String.valueOf(e.getMessage()), e)));
    }

    /**
     * Queues {@code batch}; the future completes when the receiver acknowledged its commit, or exceptionally
     * with a {@link ChannelException}. The batch's staging bytes are read by the progress thread until then
     * (or until {@link #close()} returned).
     */
    private CompletableFuture<Void> writeFuture(WriteBatch batch) {
        long limit = sender.staging.byteSize();
        for (int i = 0; i < batch.size(); i++) {
            if (batch.localOffsets()[i] > limit - batch.lengths()[i]) {
                return CompletableFuture.failedFuture(new ChannelException("write batch entry " + i + " (offset "
                        + batch.localOffsets()[i] + ", " + batch.lengths()[i] + " bytes) is outside the sender's "
                        + limit + "-byte staging buffer"));
            }
        }
        if (!open) {
            return CompletableFuture.failedFuture(closedError());
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        Pending p = new Pending(batch, f);
        outbox.add(p);
        if (!open) {
            if (outbox.remove(p)) {
                f.completeExceptionally(closedError());
            }
            return f;
        }
        if (kickQueued.compareAndSet(false, true)) {
            sender.submit(kick);
        }
        return f;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public String describe() {
        return "tcp " + peer;
    }

    /** Completes once this connection is closed (by {@link #close()}, a failure, or the sender closing). */
    public CompletionStage<Void> closedStage() {
        return closedFuture.copy();
    }

    /**
     * Fences: stops sending, closes the socket and fails every pending write; when it returns the progress
     * thread no longer reads this connection's staging pages (bounded by the shutdown deadline). Idempotent.
     */
    @Override
    public void close() {
        if (closedFuture.isDone()) {
            return;
        }
        open = false;
        ChannelException why = new ChannelException("tcp connection to " + peer + " was closed");
        if (sender.onProgressThread()) {
            closeNow(why);
            return;
        }
        sender.submit(() -> closeNow(why));
        if (sender.exited()) {
            closeNow(why); // no progress thread any more: nothing else touches this connection
        }
        try {
            closedFuture.get(sender.shutdownNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            LOG.log(System.Logger.Level.ERROR, "closing {0} did not finish within the shutdown deadline", describe());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e); // never completed exceptionally
        }
    }

    private ChannelException closedError() {
        return new ChannelException("tcp connection to " + peer + " is closed: " + closeReason);
    }

    // ------------------------------------------------------------------------------ progress thread

    void register() {
        try {
            key = ch.register(sender.selector(), SelectionKey.OP_READ, this);
        } catch (ClosedChannelException | ClosedSelectorException | IllegalArgumentException e) {
            closeNow(new ChannelException("tcp connection to " + peer + " could not be registered: " + e));
        }
    }

    private void onKick() {
        kickQueued.set(false);
        pump();
    }

    /** Sends as much as the socket takes: the frame in progress, then the next frames and batches. */
    void pump() {
        if (key == null || finished) {
            return;
        }
        try {
            while (open) {
                if (header.hasRemaining()) {
                    ch.write(header);
                    if (header.hasRemaining()) {
                        wantWrite(true);
                        return;
                    }
                }
                if (payload != null) {
                    ch.write(payload);
                    if (payload.hasRemaining()) {
                        wantWrite(true);
                        return;
                    }
                    payload = null;
                }
                if (current == null) {
                    current = outbox.poll();
                    if (current == null) {
                        wantWrite(false);
                        return;
                    }
                    entry = 0;
                    entryDone = 0;
                }
                WriteBatch b = current.batch;
                header.clear();
                if (entry < b.size()) {
                    long length = b.lengths()[entry];
                    int frame = (int) Math.min(length - entryDone, TcpFrames.MAX_FRAME_BYTES);
                    header.put(TcpFrames.DATA).put((byte) 0).putShort((short) 0).putInt(b.batchId())
                            .putInt(b.remotePages()[entry]).putInt(frame).putLong(entryDone).flip();
                    payload = sender.windows.window(b.localOffsets()[entry] + entryDone, frame);
                    entryDone += frame;
                    if (entryDone == length) {
                        entry++;
                        entryDone = 0;
                    }
                } else {
                    header.put(TcpFrames.COMMIT).put((byte) 0).putShort((short) 0).putInt(b.batchId())
                            .putInt(0).putInt(0).putLong(0).flip();
                    unacked.add(current);
                    current = null;
                }
            }
        } catch (IOException e) {
            closeNow(new ChannelException("tcp write to " + peer + " failed: " + e.getMessage(), e));
        }
    }

    private void wantWrite(boolean on) {
        int want = on ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ;
        if (key.interestOps() != want) {
            key.interestOps(want);
        }
    }

    /** Reads acknowledgements and completes their futures. */
    void onReadable() {
        try {
            int n = ch.read(acks);
            if (n < 0) {
                closeNow(new ChannelException("tcp receiver " + peer + " closed the connection"
                        + (unacked.isEmpty() && current == null ? "" : " with batches in flight")));
                return;
            }
        } catch (IOException e) {
            closeNow(new ChannelException("tcp read from " + peer + " failed: " + e.getMessage(), e));
            return;
        }
        acks.flip();
        while (acks.remaining() >= TcpFrames.ACK_BYTES) {
            int at = acks.position();
            byte type = acks.get(at);
            byte committed = acks.get(at + 1);
            int batch = acks.getInt(at + 4);
            acks.position(at + TcpFrames.ACK_BYTES);
            Pending p = unacked.peek();
            if (type != TcpFrames.ACK || p == null || p.batch.batchId() != batch) {
                acks.clear();
                closeNow(new ChannelException("tcp receiver " + peer + " sent an unexpected acknowledgement (type "
                        + type + ", batch " + batch + ")"));
                return;
            }
            unacked.poll();
            if (committed == 1) {
                p.future.complete(null);
            } else {
                p.future.completeExceptionally(new ChannelException("tcp receiver " + peer + " did not commit batch "
                        + batch + " (its allocation is gone or not this sender's)"));
            }
        }
        acks.compact();
    }

    /**
     * Closes the socket and fails every pending write with {@code why}. Runs on the progress thread, or on
     * any thread once that thread has exited. Idempotent.
     */
    void closeNow(ChannelException why) {
        closeLock.lock();
        try {
            if (finished) {
                return;
            }
            finished = true;
            open = false;
            closeReason = why.getMessage();
            if (key != null) {
                key.cancel();
            }
            TcpSender.closeQuietly(ch);
            payload = null;
            if (current != null) {
                current.future.completeExceptionally(why);
                current = null;
            }
            Pending p;
            while ((p = unacked.poll()) != null) {
                p.future.completeExceptionally(why);
            }
            while ((p = outbox.poll()) != null) {
                p.future.completeExceptionally(why);
            }
        } finally {
            closeLock.unlock();
        }
        sender.connections.remove(this);
        LOG.log(System.Logger.Level.DEBUG, "{0} closed: {1}", describe(), why.getMessage());
        closedFuture.complete(null);
    }
}
