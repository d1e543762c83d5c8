package io.kvcourier.channel.tcp;

import io.kvcourier.agent.CloseHelper;
import io.kvcourier.channel.BatchCompletion;
import io.kvcourier.channel.BatchRefusedException;
import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ControlReplySink;
import io.kvcourier.channel.WriteBatch;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * small batch on a busy machine). What the socket does not take at once is left to the progress thread, and
 * larger batches and writes that find the connection busy go to it through the ring.
 * The progress thread never waits for the lock (a writer holding it wakes the progress thread when it leaves work
 * behind). Sent batches await their ack in an {@link AckQueue}, which the progress thread reads without
 * the lock. Neither path allocates. Completions run on the progress thread (except a batch refused before it
 * was queued, which fails on the writing thread).
 *
 * <p>Socket calls are single-buffer (see {@link RegionViews} for why). A frame's first write is one bounce
 * buffer: the descriptor block and up to {@value #LEAD_BYTES} bytes of payload copied behind it, so that a small
 * batch arrives with one write and the receiver never wakes up for a descriptor whose payload is still on its way
 * (measured: that second wake-up halved the rate of 64 KiB batches on a busy 2-core machine). Then each larger
 * entry (above {@value #SMALL_ENTRY_BYTES} bytes) goes straight from its page or region view (large entries that
 * lie next to each other in local memory in one write), and runs of smaller ones are packed into the bounce
 * buffer again. With room in the socket buffer, a batch costs one write per run of neighbouring large entries,
 * plus one.
 *
 * <p><b>Control (data version {@value TcpFrames#VERSION_CONTROL}).</b> {@link #sendControl} appends a CONTROL frame
 * to an outbox under its own short lock, notes the exchange's sink and, when the connection is idle, writes it right
 * there with a non-blocking write (else the progress thread does, as soon as no batch is half-sent: control frames go
 * between batches only). Replies are read with the ACKs on the progress thread and handed to their sink; when the
 * connection closes, every exchange still unanswered is reported lost to its sink. Once warm, neither allocates.
 */
public final class TcpConnection implements ChannelConnection {
    private static final System.Logger LOG = System.getLogger(TcpConnection.class.getName());
    /** Entries of at most this many bytes are copied into the bounce buffer instead of written on their own. */
    static final int SMALL_ENTRY_BYTES = 16 << 10;
    /** Payload bytes copied behind a frame's descriptor block, so that both arrive with one write. */
    static final int LEAD_BYTES = 64 << 10;
    /** The bounce buffer: a full descriptor block and the lead payload. */
    private static final int BOUNCE_BYTES = TcpFrames.MAX_DESCRIPTOR_BYTES + LEAD_BYTES;
    private static final int ACK_BUFFER = 1024 * TcpFrames.ACK_BYTES;
    /** Initial control outbox, in bytes: a few requests of ordinary size. */
    private static final int CONTROL_BUFFER = 16 << 10;
    /** A reply buffer larger than this goes after its reply. */
    private static final int KEEP_REPLY_BYTES = 64 << 10;

    /** Most batches sent and not yet acknowledged on one connection; further batches wait. */
    static final int MAX_UNACKED = 1024;
    /**
     * Largest batch a writer on the fast path sends itself. A small batch then goes out without a hand-off; a
     * larger one goes to the progress thread whole, so that it neither holds the writer (the sender engine's
     * control thread) for long nor is handed over half-way (measured on 2 cores: a 2 MiB batch that the writer
     * started and the progress thread finished ran at 0.8x the raw pump, 1.1-1.3x when the progress thread sent
     * it all).
     */
    static final long DIRECT_WRITE_BYTES = 256 << 10;

    private final TcpSender sender;
    private final SocketChannel ch;
    private final String peer;
    /** The data version the handshake chose ({@link TcpFrames#VERSION} or {@link TcpFrames#VERSION_CONTROL}). */
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

    /** Guards the control outbox and the exchanges in flight (below); held briefly, never while waiting. */
    private final ReentrantLock controlLock = new ReentrantLock();
    /** CONTROL frames queued and not yet handed to the send path, in write mode; grows for a large request. */
    private ByteBuffer controlOut = ByteBuffer.allocateDirect(CONTROL_BUFFER);
    /** Exchanges sent and not answered: ids and their sinks, {@code controlCount} of them. */
    private long[] controlIds = new long[16];
    private ControlReplySink[] controlSinks = new ControlReplySink[16];
    private int controlCount;
    /** The connection closed: no more exchanges (guarded by controlLock). */
    private boolean controlClosed;
    /** The outbox holds frames (set under controlLock). */
    private volatile boolean controlQueued;

    // Progress thread only:
    private SelectionKey key;
    /** The CONTROL_REPLY being read: its exchange, length and the bytes so far. */
    private boolean inReply;
    private long replyId;
    private int replyLength;
    private int replyRead;
    private byte[] reply = new byte[0];
    private final BatchFifo pending = new BatchFifo();
    private final ByteBuffer acks = ByteBuffer.allocateDirect(ACK_BUFFER);
    /** The socket was full; OP_WRITE is wanted. */
    private boolean waitingWritable;
    /** The socket takes more again: resume the piece in progress. */
    private boolean resume;

    // Guarded by lock:
    private volatile boolean finished;
    /** A write on the fast path failed; the progress thread closes the connection. */
    private Exception broken;
    private final ByteBuffer bounce = ByteBuffer.allocateDirect(BOUNCE_BYTES);
    /** The control frames being written (swapped with {@link #controlOut}). */
    private ByteBuffer controlSending = ByteBuffer.allocateDirect(CONTROL_BUFFER);
    private final MemorySegment bounceMemory = MemorySegment.ofBuffer(bounce);
    private RegionViews[] views = new RegionViews[2];
    /** The batch being sent, its completion and the region of each of its entries. */
    private WriteBatch current;
    private BatchCompletion currentDone;
    private LocalRegions.Region[] currentRegions = new LocalRegions.Region[16];
    /** Entries below {@code frameEnd} belong to the frame being sent; {@code entry} is the next to go out. */
    private int frameEnd;
    private int entry;
    /** Bytes of {@code entry} already handed to a view piece. */
    private long entrySent;
    /** The buffer being written (the bounce buffer or a view), null between pieces. */
    private ByteBuffer piece;
    /** The region {@link #piece} reads from; null for the bounce buffer. */
    private LocalRegions.Region pieceRegion;

    TcpConnection(TcpSender sender, SocketChannel ch, String peer, int dataVersion) {
        this.sender = sender;
        this.ch = ch;
        this.peer = peer;
        this.dataVersion = dataVersion;
    }

    /**
     * Sends {@code batch}. The caller's thread validates it (every entry inside a local region; a failure
     * completes at once), then either sends it itself (the connection was idle: see the class comment) or
     * hands it to the progress thread; neither allocates. {@code completion} runs on the progress thread when
     * the receiver acknowledged the commit, or with the failure. The batch's local bytes are read until the
     * completion runs, never after.
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
                if (!finished && broken == null && current == null && piece == null && queued.get() == 0
                        && unacked.hasRoom()) {
                    taken = true;
                    bad = resolveRegions(batch);
                    if (bad == null) {
                        startBatch(batch, completion);
                        sendLocked(null);
                        if (current != null || broken != null) {
                            leftover = true;
                        }
                    }
                }
            } finally {
                lock.unlock();
            }
            if (leftover || queued.get() > 0 || controlQueued) {
                // A half-sent batch, or batches or control frames the progress thread could not start while we held
                // the lock.
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

    /** The data version the handshake chose for this connection. */
    int dataVersion() {
        return dataVersion;
    }

    /**
     * Queues a CONTROL frame (the bytes are copied into the outbox) and writes it at once when the connection is idle,
     * else leaves it to the progress thread, which sends it before the next batch. Never blocks; allocates nothing
     * once the outbox and the table of exchanges have grown to the traffic. False when the connection is closed, does
     * not carry control, or the request is empty or longer than {@value TcpFrames#MAX_CONTROL_BYTES} bytes.
     */
    @Override
    public boolean sendControl(long exchangeId, byte[] bytes, int offset, int length, ControlReplySink sink) {
        if (dataVersion < TcpFrames.VERSION_CONTROL || length < 1 || length > TcpFrames.MAX_CONTROL_BYTES
                || sink == null) {
            return false;
        }
        controlLock.lock();
        try {
            if (controlClosed || !open) {
                return false;
            }
            int need = TcpFrames.CONTROL_HEAD_BYTES + length;
            if (controlOut.remaining() < need) {
                ByteBuffer bigger = ByteBuffer.allocateDirect(Math.max(2 * controlOut.capacity(),
                        controlOut.position() + need));
                controlOut.flip();
                bigger.put(controlOut);
                controlOut = bigger;
            }
            TcpFrames.putControlHead(controlOut, TcpFrames.CONTROL, exchangeId, length);
            controlOut.put(bytes, offset, length);
            if (controlCount == controlIds.length) {
                controlIds = Arrays.copyOf(controlIds, 2 * controlCount);
                controlSinks = Arrays.copyOf(controlSinks, 2 * controlCount);
            }
            controlIds[controlCount] = exchangeId;
            controlSinks[controlCount] = sink;
            controlCount++;
            controlQueued = true;
        } finally {
            controlLock.unlock();
        }
        boolean sent = false;
        if (sender.directWrites && !sender.exited() && lock.tryLock()) {
            try {
                if (!finished && broken == null && current == null && piece == null) {
                    sendLocked(null); // the outbox goes first; then nothing else (no batch of the progress thread's)
                    sent = piece == null && broken == null && !controlQueued;
                    if (!sent) {
                        leftover = true;
                    }
                }
            } finally {
                lock.unlock();
            }
        }
        if (!sent || controlQueued) { // checked after the unlock: a frame queued while we held the lock is sent
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
        if (finished) {
            return;
        }
        try {
            key = ch.register(sender.selector(), SelectionKey.OP_READ, this);
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
     * Sends as much as the socket takes (the piece in progress, then the next pieces and batches), or closes
     * the connection when a write failed. Batches that cannot start fail into {@code done}. Progress thread;
     * returns the number of socket writes. Never waits for the send lock: a writer holding it wakes this
     * thread when it leaves work behind.
     */
    int pump(Completions done) {
        if (finished || waitingWritable || (pending.isEmpty() && !leftover && !resume && !controlQueued)) {
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
            wantWrite(waitingWritable);
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
     * the lock. A write error is kept in {@link #broken}. {@code done} is the
     * progress thread's: it may start queued batches and fails into it those that cannot start; a writer on the
     * fast path passes null and sends its own batch only.
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
                pieceRegion = null;
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
            if (current == null) {
                if (controlQueued && takeControl()) {
                    return true; // between batches: the queued control frames go first
                }
                if (done == null || pending.isEmpty() || !unacked.hasRoom()) {
                    return false;
                }
                WriteBatch b = pending.peekBatch();
                BatchCompletion c = pending.peekCompletion();
                pending.remove();
                queued.decrementAndGet();
                ChannelException bad = resolveRegions(b);
                if (bad != null) {
                    done.add(b, c, bad);
                    continue;
                }
                startBatch(b, c);
                return true;
            }
            if (entry < frameEnd) {
                nextPayloadPiece();
                return true;
            }
            if (frameEnd < current.size()) {
                beginFrame(frameEnd);
                return true;
            }
            // Every byte of the batch is in the socket: its memory is read no more.
            unacked.add(current, currentDone);
            Arrays.fill(currentRegions, 0, current.size(), null);
            current = null;
            currentDone = null;
        }
    }

    /** Makes the queued control frames the next piece (under the send lock, between batches); false when none. */
    private boolean takeControl() {
        controlLock.lock();
        try {
            controlQueued = false;
            if (controlOut.position() == 0) {
                return false;
            }
            ByteBuffer out = controlOut;
            controlOut = controlSending;
            controlOut.clear();
            controlSending = out;
        } finally {
            controlLock.unlock();
        }
        controlSending.flip();
        piece = controlSending;
        pieceRegion = null;
        return true;
    }

    private void startBatch(WriteBatch b, BatchCompletion c) {
        current = b;
        currentDone = c;
        beginFrame(0);
    }

    /** Looks up each entry's region again: it may have been unregistered since the write was queued. */
    private ChannelException resolveRegions(WriteBatch b) {
        int n = b.size();
        if (currentRegions.length < n) {
            currentRegions = new LocalRegions.Region[Math.max(n, 2 * currentRegions.length)];
        }
        int[] ids = b.localRegions();
        for (int i = 0; i < n; i++) {
            LocalRegions.Region r = sender.regions.find(ids[i]);
            if (r == null || b.localOffsets()[i] > r.byteSize() - b.lengths()[i]) {
                Arrays.fill(currentRegions, 0, i, null);
                return new ChannelException("local region " + ids[i] + " of write batch entry " + i
                        + " was unregistered before the batch was sent");
            }
            currentRegions[i] = r;
        }
        return null;
    }

    /** The descriptor block of the frame starting at entry {@code first}, and the lead payload behind it. */
    private void beginFrame(int first) {
        int n = current.size();
        frameEnd = Math.min(n, first + sender.maxEntriesPerFrame);
        bounce.clear();
        TcpFrames.putHead(bounce, frameEnd == n, frameEnd - first, current.batchId());
        int[] pages = current.remotePages();
        long[] lengths = current.lengths();
        for (int i = first; i < frameEnd; i++) {
            TcpFrames.putEntry(bounce, pages[i], lengths[i]);
        }
        entry = first;
        entrySent = 0;
        bounce.limit(bounce.position() + LEAD_BYTES);
        pack(true);
        bounce.flip();
        piece = bounce;
    }

    /**
     * Copies payload behind what the bounce buffer holds, as much as fits: whole small entries, and for the
     * frame's first piece ({@code lead}) also the first bytes of a large entry, which then continues from its view.
     */
    private void pack(boolean lead) {
        long[] lengths = current.lengths();
        long[] offsets = current.localOffsets();
        while (entry < frameEnd && bounce.hasRemaining()) {
            long length = lengths[entry];
            boolean small = length <= SMALL_ENTRY_BYTES;
            long left = length - entrySent;
            if (small ? left > bounce.remaining() : !lead) {
                return;
            }
            int n = (int) Math.min(left, bounce.remaining());
            int at = bounce.position();
            MemorySegment.copy(currentRegions[entry].memory, offsets[entry] + entrySent, bounceMemory, at, n);
            bounce.position(at + n);
            entrySent += n;
            if (entrySent == length) {
                entry++;
                entrySent = 0;
            }
            if (!small) {
                return; // a large entry's first bytes end the lead piece
            }
        }
    }

    /**
     * The next payload piece: packed small entries, or one view over the rest of a large entry and the large
     * entries right behind it in the same region (a run of neighbouring pages goes out in one write), at most to
     * the end of the view's window.
     */
    private void nextPayloadPiece() {
        long[] lengths = current.lengths();
        long[] offsets = current.localOffsets();
        long length = lengths[entry];
        if (length <= SMALL_ENTRY_BYTES) {
            bounce.clear();
            pack(false);
            bounce.flip();
            piece = bounce;
            return;
        }
        LocalRegions.Region r = currentRegions[entry];
        RegionViews v = viewsOf(r);
        long at = offsets[entry] + entrySent;
        long limit = v.spanInWindow(at, Long.MAX_VALUE);
        long left = length - entrySent;
        pieceRegion = r;
        if (left >= limit) {
            piece = v.view(at, (int) limit);
            entrySent += limit;
            if (entrySent == length) {
                entry++;
                entrySent = 0;
            }
            return;
        }
        long span = left;
        int next = entry + 1;
        while (next < frameEnd && lengths[next] > SMALL_ENTRY_BYTES && currentRegions[next] == r
                && offsets[next] == offsets[next - 1] + lengths[next - 1] && span + lengths[next] <= limit) {
            span += lengths[next];
            next++;
        }
        piece = v.view(at, (int) span);
        entry = next;
        entrySent = 0;
    }

    private RegionViews viewsOf(LocalRegions.Region r) {
        if (r.slot >= views.length) {
            views = Arrays.copyOf(views, r.slot + 2);
        }
        RegionViews v = views[r.slot];
        if (v == null || v.memory() != r.memory) {
            v = new RegionViews(r.memory);
            views[r.slot] = v;
        }
        return v;
    }

    private void wantWrite(boolean on) {
        if (key == null) {
            return; // not registered yet: registration asks for reads, and the next pump comes after it
        }
        int want = on ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ;
        if (key.interestOps() != want) {
            key.interestOps(want);
        }
    }

    /**
     * {@code region} was unregistered: if the batch being sent still reads from it, the connection closes (a
     * frame cannot be abandoned half-way); batches not started yet fail when they come up. Progress thread.
     */
    void stopReading(LocalRegions.Region region) {
        String why = null;
        lock.lock();
        try {
            if (finished || current == null) {
                return;
            }
            boolean reads = pieceRegion == region;
            for (int i = entry; i < current.size() && !reads; i++) {
                reads = currentRegions[i] == region;
            }
            if (reads) {
                why = "local region " + region.id + " was unregistered while batch " + current.batchId()
                        + " was being sent from it";
            }
        } finally {
            lock.unlock();
        }
        if (why != null) {
            closeNow(new ChannelException(why));
        }
    }

    /**
     * Reads acknowledgements (in bulk) and completes their batches into {@code done}. Progress thread; takes no
     * lock (a writer may be sending the next batch meanwhile).
     */
    void onReadable(Completions done) {
        boolean more = true;
        while (more && open) {
            int n;
            try {
                n = ch.read(acks);
            } catch (IOException e) {
                closeNow(new ChannelException("tcp read from " + peer + " failed: " + e.getMessage(), e));
                return;
            }
            if (n < 0) {
                closeNow(new ChannelException("tcp receiver " + peer + " closed the connection"));
                return;
            }
            more = !acks.hasRemaining(); // the buffer filled up: there may be more
            acks.flip();
            String bad = null;
            while (bad == null) {
                if (inReply) {
                    int take = Math.min(replyLength - replyRead, acks.remaining());
                    if (take == 0) {
                        break;
                    }
                    acks.get(reply, replyRead, take);
                    replyRead += take;
                    if (replyRead == replyLength) {
                        inReply = false;
                        deliverReply();
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
                    bad = onReplyHead(acks.get(at + 1), acks.getShort(at + 2), acks.getInt(at + 4),
                            acks.getLong(at + 8));
                    continue;
                }
                if (acks.remaining() < TcpFrames.ACK_BYTES) {
                    break;
                }
                acks.position(at + TcpFrames.ACK_BYTES);
                bad = onAck(acks.get(at), acks.get(at + 1), acks.getShort(at + 2), acks.getInt(at + 4), done);
            }
            acks.compact();
            if (bad != null) {
                closeNow(new ChannelException(bad));
                return;
            }
        }
    }

    /** A CONTROL_REPLY's head: its message bytes follow. Returns why it is unacceptable, or null. */
    private String onReplyHead(byte flags, short reserved, int length, long id) {
        if (flags != 0 || reserved != 0) {
            return "tcp receiver " + peer + " sent a control reply with non-zero flags or reserved bytes (flags "
                    + flags + ", reserved " + reserved + ")";
        }
        if (length < 1 || length > TcpFrames.MAX_CONTROL_BYTES) {
            return "tcp receiver " + peer + " sent a control reply of " + length + " bytes (1.."
                    + TcpFrames.MAX_CONTROL_BYTES + ")";
        }
        controlLock.lock();
        try {
            if (indexOfExchange(id) < 0) {
                return "tcp receiver " + peer + " sent a control reply for exchange " + id + ", which is not in flight";
            }
        } finally {
            controlLock.unlock();
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

    /** The whole reply is in: its sink gets it (the exchange was checked to be in flight when its head came). */
    private void deliverReply() {
        ControlReplySink sink = null;
        controlLock.lock();
        try {
            int i = indexOfExchange(replyId);
            if (i >= 0) {
                sink = controlSinks[i];
                controlCount--;
                controlIds[i] = controlIds[controlCount];
                controlSinks[i] = controlSinks[controlCount];
                controlSinks[controlCount] = null;
            }
        } finally {
            controlLock.unlock();
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

    /** The exchange's slot, or -1; under controlLock. */
    private int indexOfExchange(long id) {
        for (int i = 0; i < controlCount; i++) {
            if (controlIds[i] == id) {
                return i;
            }
        }
        return -1;
    }

    /** Completes the oldest unacknowledged batch; returns why the ack is unacceptable, or null. */
    private String onAck(byte type, byte committed, short reserved, int batch, Completions done) {
        if (unacked.isEmpty() || unacked.peekBatch().batchId() != batch) {
            // A writer may have put the batch's last byte into the socket and not yet queued it for its ack (the
            // receiver was that quick). Its writes are non-blocking, so wait for it; then the batch is queued,
            // or the ack is wrong (e.g. early: for a batch still being sent, whose memory is still being read).
            while (lock.isLocked() && !lock.isHeldByCurrentThread()) {
                Thread.yield();
            }
        }
        if (type != TcpFrames.ACK || reserved != 0 || (committed != 0 && committed != 1) || unacked.isEmpty()
                || unacked.peekBatch().batchId() != batch) {
            return "tcp receiver " + peer + " sent an unexpected acknowledgement (type " + type + ", batch " + batch
                    + "; expected " + (unacked.isEmpty() ? "none" : "batch " + unacked.peekBatch().batchId()) + ")";
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
            pieceRegion = null;
            if (current != null) {
                failed.add(current, currentDone, why);
                current = null;
                currentDone = null;
                Arrays.fill(currentRegions, null);
            }
            while (!unacked.isEmpty()) {
                failed.add(unacked.peekBatch(), unacked.peekCompletion(), why);
                unacked.remove();
            }
            while (!pending.isEmpty()) {
                failed.add(pending.peekBatch(), pending.peekCompletion(), why);
                pending.remove();
                queued.decrementAndGet();
            }
        } finally {
            lock.unlock();
        }
        long[] lostIds;
        ControlReplySink[] lostSinks;
        controlLock.lock();
        try {
            controlClosed = true;
            controlQueued = false;
            lostIds = Arrays.copyOf(controlIds, controlCount);
            lostSinks = Arrays.copyOf(controlSinks, controlCount);
            Arrays.fill(controlSinks, null);
            controlCount = 0;
        } finally {
            controlLock.unlock();
        }
        sender.connections.remove(this);
        if (sender.onProgressThread()) {
            sender.deactivate(this);
        }
        failed.run(); // outside the lock: a completion may write again (and fail at once)
        for (int i = 0; i < lostIds.length; i++) {
            try {
                lostSinks[i].onConnectionLost(lostIds[i], why.getMessage());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "control reply sink failed", e);
            }
        }
        LOG.log(System.Logger.Level.DEBUG, "{0} closed: {1}", describe(), why.getMessage());
        closedFuture.complete(null);
    }
}
