package io.kvcourier.pd;

import io.kvcourier.channel.BatchCompletion;
import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.WriteBatch;
import io.kvcourier.control.AllocExchange;
import io.kvcourier.jfr.AllocationEvent;
import io.kvcourier.jfr.BatchTransferEvent;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.WireEncoder;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.IntFunction;

/**
 * One AllocRequest's worth of a store task (full chunks of one shape for one receiver rank, at most one
 * partial chunk last) and its way through the pipeline: local memory (staging pages, a registered region, or the
 * chunks' own segments),
 * the allocation exchange, the L1 → staging copy (overlapping the allocation), the write, the commit
 * acknowledgement. State changes happen on the control thread, except {@link #batchDone} (the channel's
 * thread) and the copy (a virtual thread); {@link #steps} joins the copy and the allocation reply.
 */
final class SenderBatch extends AllocExchange implements BatchCompletion, IntFunction<ObjectKey> {
    static final int COPIED = 1;
    static final int REPLIED = 2;

    final SenderEngine engine;
    final StoreTask task;
    final RankPeer peer;
    /** Positions in the task's key/object arrays (read only: may be shared with other batches). */
    final int[] positions;
    final boolean lastOfPart;
    final int totalChunks;
    /** Data bytes of each chunk (read only: may be shared with other batches). */
    final long[] lengths;
    /**
     * The copies are in staging pages (their byte offsets are {@link #offsets}), false when the batch reads a
     * registered region (zero-copy).
     */
    boolean staged;
    /** Local regions (read only: the all-staging array is shared) and offsets of each chunk. */
    int[] regions;
    long[] offsets;
    /** The chunks' own segments when the channel reads them as they are (zero-copy from any memory), else null. */
    MemorySegment[] segments;
    /** COPIED | REPLIED once both happened, the write may go; more bits for admission ({@link #STEPS}). */
    volatile int steps;
    static final AtomicIntegerFieldUpdater<SenderBatch> STEPS =
            AtomicIntegerFieldUpdater.newUpdater(SenderBatch.class, "steps");
    /** The write, once the allocation was answered and some key needs writing. */
    WriteBatch write;
    /** The connection the write went on (control thread), for dropping it when the batch times out. */
    ChannelConnection connection;
    /**
     * The data connection that carried the allocation in-band, or null (allocated over ZMQ). Its bytes are written on
     * that connection only: a receiver frees an in-band allocation once every connection that could have carried
     * its reply is closed (docs/FAILURES.md), so writing it on a later connection could land in freed pages.
     */
    ChannelConnection allocatedOn;
    long transferDeadlineNanos;
    volatile boolean done;
    /** Set before the batch is failed because a deadline passed (its allocation, admission or commit). */
    volatile boolean timedOut;
    /**
     * The JFR event timing the batch's current step, made only while that event is enabled: an {@link
     * AllocationEvent} until the allocation reply, then a {@link BatchTransferEvent} until the commit (one field:
     * the steps follow each other, and the batch stays small on the store path).
     */
    jdk.jfr.Event jfr;

    /**
     * @param positions the batch's positions in the task's arrays (never written: may be shared)
     * @param lengths   each chunk's data bytes (never written: may be shared)
     */
    SenderBatch(SenderEngine engine, StoreTask task, RankPeer peer, int[] positions, long[] lengths,
                boolean lastOfPart, int totalChunks) {
        this.engine = engine;
        this.task = task;
        this.peer = peer;
        this.positions = positions;
        this.lengths = lengths;
        this.lastOfPart = lastOfPart;
        this.totalChunks = totalChunks;
    }

    int size() {
        return positions.length;
    }

    /** Bytes of data in the batch. */
    long bytes() {
        long sum = 0;
        for (long l : lengths) {
            sum += l;
        }
        return sum;
    }

    MemoryObj object(int i) {
        return task.objects[positions[i]];
    }

    ObjectKey key(int i) {
        return task.keys[positions[i]];
    }

    /** {@link #key}: the batch itself names its keys to {@link HeldKeys#accept} (no method reference per reply). */
    @Override
    public ObjectKey apply(int i) {
        return key(i);
    }

    /** Marks a step; true when this call completed both (the caller then issues the write). */
    boolean step(int bit) {
        int before;
        do { // a CAS loop rather than getAndUpdate: its lambda would capture bit, an object per step
            before = steps;
        } while (!STEPS.compareAndSet(this, before, before | bit));
        return before != (COPIED | REPLIED) && (before | bit) == (COPIED | REPLIED);
    }

    /**
     * The AllocRequest, written from the keys' cached UTF-8 forms: straight from the task's key array when the
     * batch is a contiguous run of it (always with one receiver rank), else from a copy of its keys.
     */
    @Override
    protected ByteBuffer encode(WireEncoder encoder) {
        int n = positions.length;
        ObjectKey[] keys = task.keys;
        int from = positions[0];
        if (positions[n - 1] - from != n - 1) {
            keys = new ObjectKey[n];
            for (int i = 0; i < n; i++) {
                keys[i] = task.keys[positions[i]];
            }
            from = 0;
        }
        MemoryObj head = object(0);
        MemoryObj last = object(n - 1);
        return encoder.encodeAllocRequest(keys, from, n, head.fmt().value(), engine.planner.fullShape(head),
                head.dtype().wireName(), (int) last.tokens(), task.spec.reqId(),
                task.spec.isLastPrefill() && lastOfPart, totalChunks);
    }

    @Override
    protected void onReply(PdMessage reply) {
        engine.allocations.onReply(this, reply);
    }

    @Override
    protected void onFailure(String why, boolean timedOut) {
        engine.allocations.onFailure(this, why, timedOut);
    }

    @Override
    public void batchDone(WriteBatch batch, ChannelException failure) {
        engine.writes.onWritten(this, failure);
    }

    @Override
    public String toString() {
        return "batch of task " + task.id + " (" + positions.length + " keys, rank " + peer.rank + ")";
    }
}
