package io.kvcourier.pd;

import io.kvcourier.control.ControlAgent;
import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.WriteBatch;
import io.kvcourier.control.InBandExchanges;
import io.kvcourier.jfr.AllocationEvent;
import io.kvcourier.jfr.Jfr;
import io.kvcourier.staging.StagingBuffer;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

/**
 * Admission of the sender's batches (control thread): a batch starts when its rank is connected, has a free
 * slot ({@code max_inflight_batches}) and local memory is there — a registered region, the chunks themselves on a
 * channel that reads caller segments (tcp, mock_memory), or staging pages within its receiver's share ({@code
 * peer_staging_share}) — else it waits, in order, up to the allocation deadline.
 * Starting sends the AllocRequest and copies L1 → staging so that the copy overlaps the round trip; the batch's
 * pages go back once it ended and no copy can still be writing them.
 */
final class BatchAdmission {
    private static final System.Logger LOG = System.getLogger(SenderEngine.class.getName());
    private static final int RELEASED = 4;

    private final SenderEngine engine;
    private final StagingBuffer staging;
    private final ControlAgent control;
    private final InBandExchanges inBand;
    private final Regions regions;
    private final PeerRegistry peers;
    /** {@code peer_staging_share}: of the staging pages, the share one receiver may hold while several are used. */
    private final double stagingShare;
    private final int maxInflight;
    private final boolean inBandControl;
    /**
     * The smallest chunk the channel reads from its own segment ({@link
     * io.kvcourier.channel.ChannelSender#callerSegmentMinBytes}; -1 never): batches of native chunks at least that
     * large skip staging ({@code sender_zero_copy: false} stages every batch that does not lie in a registered region).
     */
    private final long callerSegmentMinBytes;
    /** How long a batch's allocation reply may take: allocation + transfer deadline + grace. */
    private final long replyWaitNanos;
    private final ArrayDeque<SenderBatch> waiting = new ArrayDeque<>();
    private final Runnable retry = this::retry;
    /** Batches waiting for admission; read by other threads to decide whether to wake the control thread. */
    private volatile int waitingCount;
    /** Scratch for the staging pages a batch takes (control thread); the batch keeps only their offsets. */
    private int[] pageScratch = new int[16];
    /** Batches admitted that read caller memory as it is (a registered region or their own segments); any thread. */
    volatile long zeroCopyBatches;
    /** Batches whose bytes went right behind their AllocRequest; any thread reads, the control thread writes. */
    volatile long eagerStores;
    /** Batches admitted into staging pages (copied); any thread reads, the control thread writes. */
    volatile long stagedBatches;
    /** Copies too large for the control thread, on the virtual-thread executor. */
    final StagingCopier<SenderBatch> copier;

    BatchAdmission(SenderEngine engine) {
        this.engine = engine;
        this.staging = engine.staging;
        this.control = engine.control;
        this.copier = new StagingCopier<>(engine.executor, this::copy);
        this.inBand = engine.inBand;
        this.regions = engine.regions;
        this.peers = engine.peers;
        this.stagingShare = engine.config.peerStagingShare();
        this.maxInflight = engine.maxInflight;
        this.inBandControl = engine.inBandControl;
        this.callerSegmentMinBytes = engine.config.senderZeroCopy() ? engine.channel.callerSegmentMinBytes() : -1;
        // The receiver may wait up to its allocation deadline for room, and for keys another allocation has in
        // flight up to that allocation's transfer deadline: wait a little longer for its answer.
        this.replyWaitNanos = engine.allocTimeoutNanos + engine.transferTimeoutNanos + engine.replyGraceNanos;
    }

    /**
     * Control thread: starts the batch if its rank is connected, has a free slot and local memory is there; else
     * it waits. Until a rank's data connection exists, its batches wait for the handshake before they allocate:
     * the receiver's transfer deadline starts at allocation, and a first handshake can take a while.
     */
    void admit(SenderBatch batch, long deadlineNanos) {
        batch.transferDeadlineNanos = deadlineNanos; // the admission deadline until the write goes out
        RankPeer peer = batch.peer;
        if (!peer.connected()) {
            peer.awaitingHandshake.add(batch);
            engine.connections.ensureConnection(peer);
            return;
        }
        // Behind its own receiver's waiting batches; another receiver's waiting ones do not hold it up.
        if (peer.owner.admissionWaiting > 0 || !tryStart(batch)) {
            enqueue(batch);
        }
    }

    private void enqueue(SenderBatch batch) {
        waiting.add(batch);
        batch.peer.owner.admissionWaiting++;
        waitingCount = waiting.size();
    }

    /** Control thread: starts a batch now if it can; false when it has to wait (nothing was taken). */
    private boolean tryStart(SenderBatch batch) {
        RankPeer peer = batch.peer;
        if (peer.inflight.get() >= maxInflight) {
            return false;
        }
        if (!localMemory(batch)) {
            return false;
        }
        peer.inflight.incrementAndGet();
        if (Jfr.allocation()) {
            batch.jfr = Jfr.begin(new AllocationEvent());
        }
        long replyDeadline = System.nanoTime() + replyWaitNanos;
        ChannelConnection via = peer.connection;
        WriteBatch eager = inBandControl ? eagerWrite(batch, via) : null;
        if (eager != null) {
            batch.connection = via; // dropped if the eager bytes fail or their ACK is late
            batch.sendingEager(true);
        }
        if (inBandControl && inBand.submit(via, batch, replyDeadline, eager, eager == null ? null
                : batch.eagerCompletion())) {
            batch.allocatedOn = via; // its bytes may go only there: see SenderBatch#allocatedOn
        } else {
            peer.alloc.submit(batch, replyDeadline);
        }
        if (eager != null && batch.sentEager()) {
            eagerStores = eagerStores + 1; // single writer: the control thread
        } else if (eager != null) {
            batch.sendingEager(false);
        }
        engine.connections.ensureConnection(peer);
        if (batch.staged) {
            if (batch.bytes() <= SenderEngine.INLINE_COPY_BYTES) {
                copy(batch); // the request is on its way: this copy overlaps the round trip, on no other thread
            } else {
                copier.submit(batch);
            }
        }
        return true;
    }

    /**
     * The batch's bytes as an eager store ({@link ChannelConnection#sendEager}: right behind its AllocRequest), or
     * null: only a batch that reads caller memory in place (nothing to copy first) of at most {@link
     * SenderEngine#eagerMaxBytes} (a receiver that cannot allocate at once discards them), on a connection that
     * carries eager stores.
     */
    private WriteBatch eagerWrite(SenderBatch batch, ChannelConnection via) {
        if (batch.staged || via == null || !via.carriesEager() || batch.bytes() > engine.eagerMaxBytes
                || !engine.eagerStores) {
            return null;
        }
        return new WriteBatch(batch.regions, batch.offsets, engine.planner.shared.identity(batch.size()),
                batch.lengths, staging.pageSize(), batch.segments);
    }

    /**
     * Control thread: the batch's local regions and offsets — a registered region when every object lies in
     * one, else the objects' own segments when the channel reads them as they are (both zero-copy), else staging
     * pages (false when not enough are free).
     */
    private boolean localMemory(SenderBatch batch) {
        int n = batch.size();
        if (regions.count() > 0) {
            int[] regionIds = new int[n];
            long[] offsets = new long[n];
            if (regions.resolve(batch, regionIds, offsets)) {
                return readInPlace(batch, regionIds, offsets);
            }
        }
        if (callerSegmentMinBytes > 0 && readableInPlace(batch, callerSegmentMinBytes)) {
            MemorySegment[] segments = new MemorySegment[n];
            for (int i = 0; i < n; i++) {
                segments[i] = batch.object(i).segment();
            }
            batch.segments = segments;
            return readInPlace(batch, engine.planner.shared.callerRegions(n), engine.planner.shared.zeroOffsets(n));
        }
        ReceiverPeer owner = batch.peer.owner;
        int held = owner.pages.get();
        // The page count is known once the first store fixed the page size.
        if (held > 0 && held + n > Math.max(1, (int) (stagingShare * staging.pageCount()))
                && peers.shareApplies()) {
            return false; // over its share: waits for its own pages, leaves the rest to the other receivers
        }
        if (pageScratch.length < n) {
            pageScratch = new int[Math.max(n, 2 * pageScratch.length)];
        }
        if (!staging.allocator().tryAllocate(pageScratch, n)) {
            return false;
        }
        owner.pages.addAndGet(n);
        long[] offsets = new long[n]; // the pages are known by their offsets from here on (see freePages)
        for (int i = 0; i < n; i++) {
            offsets[i] = staging.pageOffset(pageScratch[i]);
        }
        batch.staged = true;
        stagedBatches = stagedBatches + 1;
        batch.regions = engine.planner.shared.zeros(n); // all WriteBatch.STAGING
        batch.offsets = offsets;
        return true;
    }

    /** The batch reads caller memory where it lies (zero-copy): nothing to copy, so its copy step is done. */
    private boolean readInPlace(SenderBatch batch, int[] regionIds, long[] offsets) {
        batch.regions = regionIds;
        batch.offsets = offsets;
        batch.step(SenderBatch.COPIED);
        zeroCopyBatches = zeroCopyBatches + 1; // single writer: the control thread
        return true;
    }

    /**
     * Whether every chunk of the batch is native memory (a socket cannot read a heap segment in place) of at least
     * {@code minBytes} (the channel would copy smaller ones on its writing thread; staged, their copy overlaps the
     * allocation round trip and neighbouring pages go out in one write).
     */
    private static boolean readableInPlace(SenderBatch batch, long minBytes) {
        for (int i = 0; i < batch.size(); i++) {
            if (!batch.object(i).segment().isNative() || batch.lengths[i] < minBytes) {
                return false;
            }
        }
        return true;
    }

    /** Control thread: starts waiting batches in order while they can start; fails those past their deadline. */
    void retry() {
        long now = System.nanoTime();
        int waited = waiting.size();
        for (int i = 0; i < waited && !waiting.isEmpty(); i++) {
            SenderBatch b = waiting.poll();
            b.peer.owner.admissionWaiting--;
            if (b.done) {
                continue;
            }
            if (engine.closing) {
                engine.writes.failBatch(b, "sender is closing");
                continue;
            }
            if (tryStart(b)) {
                continue;
            }
            if (now - b.transferDeadlineNanos >= 0) {
                LOG.log(System.Logger.Level.WARNING, "rank {0}: no slot or staging pages for {1} within the "
                        + "allocation deadline ({2} batches in flight, {3} staging pages free)", b.peer.rank, b,
                        b.peer.inflight.get(), staging.allocator().available());
                b.timedOut = true;
                engine.writes.failBatch(b, "no slot or staging pages within the allocation deadline");
                continue;
            }
            waiting.add(b); // keeps its place relative to the others still waiting
            b.peer.owner.admissionWaiting++;
        }
        waitingCount = waiting.size();
    }

    /** Control thread: fails the rank's batches that wait for admission; the others keep their places. */
    void failWaiting(RankPeer peer, String why) {
        int waited = waiting.size();
        for (int i = 0; i < waited && !waiting.isEmpty(); i++) {
            SenderBatch b = waiting.poll();
            b.peer.owner.admissionWaiting--;
            if (b.done) {
                continue;
            }
            if (b.peer == peer) {
                engine.writes.failBatch(b, why);
                continue;
            }
            waiting.add(b);
            b.peer.owner.admissionWaiting++;
        }
        waitingCount = waiting.size();
    }

    /** Control thread, at close: fails every waiting batch. */
    void failAll(String why) {
        for (SenderBatch b; (b = waiting.poll()) != null; ) {
            engine.writes.failBatch(b, why);
        }
        waitingCount = 0;
    }

    /** Control thread: the batch waiting longest (its admission deadline comes first), or null. */
    SenderBatch oldest() {
        return waiting.peek();
    }

    /** Any thread: local memory or a slot was released; the control thread retries waiting batches. */
    void released() {
        if (waitingCount > 0) {
            control.execute(retry);
        }
    }

    /** L1 → staging (control thread or a virtual thread), then the write if the allocation reply is already in. */
    private void copy(SenderBatch batch) {
        try {
            MemorySegment dst = staging.segment();
            for (int i = 0; i < batch.size(); i++) {
                MemorySegment.copy(batch.object(i).segment(), 0, dst, batch.offsets[i], batch.lengths[i]);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "copying " + batch + " into staging failed", e);
            if (!control.execute(() -> engine.writes.failBatch(batch, "copy into staging failed: " + e))) {
                engine.writes.failBatch(batch, "copy into staging failed");
            }
        } finally {
            int before = SenderBatch.STEPS.getAndUpdate(batch, v -> v | SenderBatch.COPIED);
            if ((before & RELEASED) != 0) {
                freePages(batch); // the batch ended while the copy ran; its pages go back now
            } else if ((before & SenderBatch.REPLIED) != 0 && !batch.done) {
                control.execute(() -> engine.writes.issueWrite(batch));
            }
        }
    }

    /** Any thread: the batch is over; its staging pages go back once no copy can still be writing them. */
    void releaseLocal(SenderBatch batch) {
        int before = SenderBatch.STEPS.getAndUpdate(batch, v -> v | RELEASED);
        if ((before & RELEASED) == 0 && (!batch.staged || (before & SenderBatch.COPIED) != 0)) {
            freePages(batch);
        }
    }

    private void freePages(SenderBatch batch) {
        if (batch.staged) {
            staging.allocator().freeAtOffsets(batch.offsets, staging.pageSize());
            batch.peer.owner.pages.addAndGet(-batch.offsets.length);
        }
    }
}
