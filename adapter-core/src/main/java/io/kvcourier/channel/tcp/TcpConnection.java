package io.kvcourier.channel.tcp;

import io.kvcourier.agent.CloseHelper;
import io.kvcourier.channel.BatchCompletion;
import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ControlReplySink;
import io.kvcourier.channel.WriteBatch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A sender's tcp data connection to one receiver. Batches go out in turn, each as one or more frames
 * ({@link TcpFrames}), and complete from their ACKs (acks arrive in frame order) on the sender's progress
 * thread. Several batches may be in flight; a dead peer (EOF, reset, an acknowledgement of a batch that is not
 * the oldest one sent) fails all of them at once and closes the connection.
 *
 * <p><b>Who writes.</b> The batch being sent is guarded by a send lock. {@link #write} on an idle connection
 * takes it without waiting and, for a batch of at most {@value #DIRECT_WRITE_BYTES} bytes, sends it itself with
 * non-blocking writes, saving the hand-off to the progress thread (a thread wake-up: the largest cost of one
 * small batch on a busy machine). What the socket does not take at once is left to the progress thread, and larger
 * batches and writes that find the connection busy go to it through the ring. The progress thread never waits for the
 * lock (a writer holding it wakes the progress thread when it leaves work behind). Sent batches await their ack in an
 * {@link AckQueue}, which the progress thread reads without the lock. Neither path allocates. Completions run on the
 * progress thread (except a batch refused before it was queued, which fails on the writing thread).
 *
 * <p>A {@link FrameWriter} cuts the frames into socket writes; an {@link AckReader} reads ACKs and replies.
 * <b>Control and eager stores (data versions 3 and 4):</b> {@link #sendControl} appends a CONTROL frame to the
 * outbox of {@link ControlExchanges} and, when the connection is idle, writes it right there (else the progress
 * thread does, between batches). Replies are read with the ACKs and handed to their sink on the progress thread;
 * when the connection closes, every exchange still unanswered is reported lost. {@link #sendEager} adds the EAGER
 * frame as a write of its own. Once warm, none of this allocates (an eager store: its completion's wrapper).
 */
public final class TcpConnection implements ChannelConnection {
    private static final System.Logger LOG = System.getLogger(TcpConnection.class.getName());
    /** Most batches sent and not yet acknowledged on one connection; further batches wait. */
    static final int MAX_UNACKED = 1024;
    /**
     * Largest batch a writer on the fast path sends itself; a larger one goes to the progress thread whole (on 2
     * cores, a 2 MiB batch started by the writer and finished by the progress thread ran at 0.8x the raw pump, 1.1-1.3x
     * when the progress thread sent it all).
     */
    static final long DIRECT_WRITE_BYTES = 256 << 10;

    private final TcpSender sender;
    private final SocketChannel ch;
    private final String peer;
    /** The data version the handshake chose ({@link TcpFrames#VERSION} to {@link TcpFrames#VERSION_EAGER}). */
    private final int dataVersion;
    private final CompletableFuture<Void> closedFuture = new CompletableFuture<>();
    /** Guards the batch being sent (the fields below it); never waited for on the hot path. */
    private final ReentrantLock lock = new ReentrantLock();
    private final AckQueue unacked = new AckQueue(MAX_UNACKED);
    /** Batches handed to the progress thread (in the ring or {@link #pending}) and not started yet. */
    private final AtomicInteger queued = new AtomicInteger();
    private volatile boolean open = true;
    private volatile String closeReason = "closed";
    /** A writer left a batch half-sent, or a write failed: the progress thread takes over. */
    private volatile boolean leftover;

    private final ControlExchanges control = new ControlExchanges();
    private final AckReader ackReader;
    private final FrameWriter frames;

    // Progress thread only:
    private SelectionKey key;
    private final BatchFifo pending = new BatchFifo();
    /** The socket was full; OP_WRITE is wanted. */
    private boolean waitingWritable;
    /** The socket takes more again: resume the piece in progress. */
    private boolean resume;

    // Guarded by lock:
    private volatile boolean finished;
    /** A write on the fast path failed; the progress thread closes the connection. */
    private Exception broken;
    /** The buffer being written (a frame piece or the control frames), null between pieces. */
    private ByteBuffer piece;

    TcpConnection(TcpSender sender, SocketChannel ch, String peer, int dataVersion) {
        this.sender = sender;
        this.ch = ch;
        this.peer = peer;
        this.dataVersion = dataVersion;
        this.ackReader = new AckReader(this, ch, peer, dataVersion, unacked, lock, control);
        this.frames = new FrameWriter(sender);
    }

    /**
     * Sends {@code batch}: the caller's thread validates it (a failure completes at once), then sends it itself (the
     * connection was idle: see the class comment) or hands it to the progress thread; neither allocates. {@code
     * completion} runs on the progress thread with the ACK or the failure; the bytes are read until it runs.
     */
    @Override
    public void write(WriteBatch batch, BatchCompletion completion) {
        ChannelException bad = sender.validate(batch);
        if (bad != null) {
            completion.batchDone(batch, bad);
            return;
        }
        if (!open) {
            completion.batchDone(batch, closedError());
            return;
        }
        if (sender.directWrites && !sender.exited() && queued.get() == 0 && batch.totalBytes() <= DIRECT_WRITE_BYTES
                && lock.tryLock()) {
            boolean taken = false;
            try {
                // piece == null: no control frame is half-written either
                if (!finished && broken == null && frames.current() == null && piece == null
                        && queued.get() == 0 && unacked.hasRoom()) {
                    taken = true;
                    bad = frames.resolveRegions(batch);
                    if (bad == null) {
                        piece = frames.start(batch, completion);
                        sendLocked(null);
                        if (frames.current() != null || broken != null) {
                            leftover = true;
                        }
                    }
                }
            } finally {
                lock.unlock();
            }
            if (leftover || queued.get() > 0 || control.queued()) {
                // A half-sent batch, or batches or control frames the progress thread could not start while we
                // held the lock.
                sender.wakeUp();
            }
            if (bad != null) {
                completion.batchDone(batch, bad); // never queued
                return;
            }
            if (taken) {
                return;
            }
        }
        queued.incrementAndGet();
        sender.enqueue(this, batch, completion);
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    /** True while open on a connection whose handshake chose data version {@value TcpFrames#VERSION_CONTROL}. */
    @Override
    public boolean carriesControl() {
        return open && dataVersion >= TcpFrames.VERSION_CONTROL;
    }

    @Override
    public boolean carriesEager() { // version 4
        return open && dataVersion >= TcpFrames.VERSION_EAGER;
    }

    /** A CONTROL frame flagged {@link TcpFrames#FLAG_EAGER_FOLLOWS}, then the EAGER frame: a write like any other. */
    @Override
    public boolean sendEager(long exchangeId, byte[] bytes, int offset, int length, ControlReplySink sink,
                             WriteBatch batch, BatchCompletion completion) {
        boolean sent = dataVersion >= TcpFrames.VERSION_EAGER && batch.size() <= sender.maxEntriesPerFrame
                && sendControl(exchangeId, bytes, offset, length, sink, TcpFrames.FLAG_EAGER_FOLLOWS);
        if (sent) {
            write(batch, new EagerWrite(exchangeId, completion));
        }
        return sent;
    }

    @Override
    public boolean repliesOnProgressThread() {
        return true; // read with the acks
    }

    int dataVersion() { // the one the handshake chose
        return dataVersion;
    }

    /**
     * Queues a CONTROL frame (copied into the outbox) and writes it at once when the connection is idle, else the
     * progress thread sends it before the next batch. Never blocks; allocates nothing once warm. False when closed,
     * not carrying control, or the request is not 1..{@value TcpFrames#MAX_CONTROL_BYTES} bytes long.
     */
    @Override
    public boolean sendControl(long exchangeId, byte[] bytes, int offset, int length, ControlReplySink sink) {
        return sendControl(exchangeId, bytes, offset, length, sink, (byte) 0);
    }

    private boolean sendControl(long exchangeId, byte[] bytes, int offset, int length, ControlReplySink sink,
                                byte flags) {
        if (dataVersion < TcpFrames.VERSION_CONTROL || length < 1 || length > TcpFrames.MAX_CONTROL_BYTES
                || sink == null || !control.queue(this, exchangeId, bytes, offset, length, sink, flags)) {
            return false;
        }
        boolean sent = false;
        if (sender.directWrites && !sender.exited() && lock.tryLock()) {
            try {
                if (!finished && broken == null && frames.current() == null && piece == null) {
                    sendLocked(null); // the outbox goes first; then nothing else (no batch of the progress thread's)
                    sent = piece == null && broken == null && !control.queued();
                    leftover |= !sent;
                }
            } finally {
                lock.unlock();
            }
        }
        if (!sent || control.queued()) { // checked after the unlock: a frame queued while we held the lock is sent
            sender.wakeUp();
        }
        return true;
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
     * Fences: stops sending, closes the socket and fails every pending write; when it returns the channel
     * no longer reads this connection's batches (bounded by the shutdown deadline). Idempotent.
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
        if (!CloseHelper.awaitClosed(closedFuture, sender.shutdownNanos) && !Thread.currentThread().isInterrupted()) {
            LOG.log(System.Logger.Level.ERROR, "closing {0} did not finish within the shutdown deadline", describe());
        }
    }

    private ChannelException closedError() {
        return new ChannelException("tcp connection to " + peer + " is closed: " + closeReason);
    }

    // ------------------------------------------------------------------------------ progress thread

    void register() {
        if (finished) {
            return;
        }
        try {
            key = ch.register(sender.selector().selector(), SelectionKey.OP_READ, this);
        } catch (ClosedChannelException | ClosedSelectorException | IllegalArgumentException e) {
            closeNow(new ChannelException("tcp connection to " + peer + " could not be registered: " + e));
            return;
        }
        sender.activate(this);
    }

    /** Takes a queued write off the ring: the progress thread, or any thread once the sender stopped. */
    void accept(WriteBatch batch, BatchCompletion completion) {
        if (sender.exited() || finished) {
            queued.decrementAndGet();
            Completions.run(batch, completion, closedError()); // never started: nothing reads it
            return;
        }
        pending.add(batch, completion);
    }

    void onWritable() {
        waitingWritable = false;
        resume = true; // the duty cycle pumps right after the selector
    }

    /**
     * Sends as much as the socket takes (the piece in progress, then the next pieces and batches), or closes the
     * connection when a write failed. Batches that cannot start fail into {@code done}. Progress thread; returns the
     * number of socket writes. Never waits for the send lock: a writer holding it wakes this thread when it leaves
     * work behind.
     */
    int pump(Completions done) {
        if (finished || waitingWritable || (pending.isEmpty() && !leftover && !resume && !control.queued())) {
            return 0;
        }
        if (!lock.tryLock()) {
            return 0;
        }
        int writes = 0;
        Exception failed;
        try {
            leftover = false;
            resume = false;
            if (finished) {
                return 0;
            }
            if (broken == null) {
                writes = sendLocked(done);
            }
            failed = broken;
            waitingWritable = failed == null && piece != null; // the socket is full: wait until it takes more
            int want = waitingWritable ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ;
            if (key != null && key.interestOps() != want) { // not registered yet: registration asks for reads
                key.interestOps(want);
            }
        } finally {
            lock.unlock();
        }
        if (failed != null) {
            closeNow(new ChannelException("tcp write to " + peer + " failed: " + failed.getMessage(), failed));
            return writes + 1;
        }
        return writes;
    }

    /**
     * Writes pieces until the socket is full ({@link #piece} is then left unfinished) or nothing is left; under
     * the lock. A write error is kept in {@link #broken}. {@code done} is the progress thread's: it may start queued
     * batches and fails into it those that cannot start; a writer on the fast path passes null (its own batch only).
     */
    private int sendLocked(Completions done) {
        int writes = 0;
        try {
            while (true) {
                if (piece == null && !nextPiece(done)) {
                    return writes;
                }
                ch.write(piece);
                writes++;
                if (piece.hasRemaining()) {
                    return writes; // the socket is full
                }
                piece = null;
                frames.pieceWritten();
            }
        } catch (IOException | RuntimeException e) {
            broken = e;
            return writes;
        }
    }

    /**
     * Prepares the next piece to write; false when every batch this thread may send is sent. A batch whose last
     * byte is in the socket is queued for its ack here, before anything else (and so before the lock is
     * released): its ack may already be on its way.
     */
    private boolean nextPiece(Completions done) {
        while (true) {
            if (frames.current() == null) {
                if (control.queued() && (piece = control.take()) != null) {
                    return true; // between batches: the queued control frames go first
                }
                if (done == null || pending.isEmpty() || !unacked.hasRoom()) {
                    return false;
                }
                WriteBatch b = pending.peekBatch();
                BatchCompletion c = pending.peekCompletion();
                pending.remove();
                queued.decrementAndGet();
                ChannelException bad = frames.resolveRegions(b);
                if (bad != null) {
                    done.add(b, c, bad);
                    continue;
                }
                piece = frames.start(b, c);
                return true;
            }
            piece = frames.nextPiece();
            if (piece != null) {
                return true;
            }
            // Every byte of the batch is in the socket: its memory is read no more.
            unacked.add(frames.current(), frames.currentDone());
            frames.finish();
        }
    }

    /**
     * {@code region} was unregistered: if the batch being sent still reads from it, the connection closes (a
     * frame cannot be abandoned half-way); batches not started yet fail when they come up. Progress thread.
     */
    void stopReading(LocalRegions.Region region) {
        String why;
        lock.lock();
        try {
            why = finished || frames.current() == null ? null : frames.stillReading(region);
        } finally {
            lock.unlock();
        }
        if (why != null) {
            closeNow(new ChannelException(why));
        }
    }

    /** Reads ACKs and control replies; progress thread. */
    void onReadable(Completions done) {
        ackReader.onReadable(done);
    }

    /**
     * Closes the socket and fails every pending write with {@code why}. Runs on the progress thread, or on
     * any thread once that thread has exited. Idempotent.
     */
    void closeNow(ChannelException why) {
        Completions failed = new Completions();
        lock.lock(); // a writer on the fast path finishes its non-blocking writes first
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
            CloseHelper.quietClose(ch);
            piece = null;
            frames.fail(failed, why);
            frames.forgetCallerViews();
            unacked.failAll(failed, why);
            queued.addAndGet(-pending.failAll(failed, why));
        } finally {
            lock.unlock();
        }
        ControlExchanges.Lost lost = control.close();
        sender.connections.remove(this);
        if (sender.onProgressThread()) {
            sender.deactivate(this);
        }
        failed.run(); // outside the lock: a completion may write again (and fail at once)
        lost.tell(why.getMessage());
        LOG.log(System.Logger.Level.DEBUG, "{0} closed: {1}", describe(), why.getMessage());
        closedFuture.complete(null);
    }
}
