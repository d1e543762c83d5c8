package io.kvcourier.pd;

import io.kvcourier.channel.BatchCompletion;
import io.kvcourier.channel.BatchRefusedException;
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
    /** The eager store's bytes landed or were refused ({@link #eagerDone}); bit 4 is the admission's RELEASED. */
    static final int EAGER_SETTLED = 8;

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
    /** The steps after which the write may go: COPIED | REPLIED, and EAGER_SETTLED while an eager store is out. */
    volatile int ready = COPIED | REPLIED;
    /**
     * The batch's bytes went right behind its AllocRequest ({@link io.kvcourier.channel.ChannelConnection#sendEager})
     * and the channel has not said how that ended: the batch may not end before, for the channel may still read
     * them. An end asked for meanwhile is kept ({@link #endDeferred}) and happens when the channel has said it.
     */
    volatile boolean eagerOut;
    /** The receiver committed the eager bytes: once the reply is in, the batch is done without a write. */
    volatile boolean eagerLanded;
    /** Guarded by this: an end asked for while {@link #eagerOut} ({@code deferredFailure} null: committed). */
    boolean endDeferred;
    String deferredFailure;
    /** Already in the engine's list of batches with a commit deadline (an eager store's ack, then its write). */
    boolean tracked;
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

    /** Marks a step; true when this call completed the {@link #ready} steps (the caller then issues the write). */
    boolean step(int bit) {
        int before;
        do { // a CAS loop rather than getAndUpdate: its lambda would capture bit, an object per step
            before = steps;
        } while (!STEPS.compareAndSet(this, before, before | bit));
        int all = ready;
        return before != all && (before | bit) == all;
    }

    /**
     * Control thread, before the AllocRequest goes: its bytes go right behind it; false undoes that when they did not
     * go after all (then no channel will tell {@link #eagerDone}, and an end asked for meanwhile happens now).
     */
    void sendingEager(boolean sending) {
        if (sending) {
            ready = COPIED | REPLIED | EAGER_SETTLED;
            eagerOut = true;
            return;
        }
        ready = COPIED | REPLIED;
        endEager(false);
    }

    /** The eager store is over: ends the batch if an end was asked for meanwhile; true when it did. */
    private boolean endEager(boolean landed) {
        boolean end;
        String failure;
        synchronized (this) {
            eagerLanded = landed;
            eagerOut = false;
            end = endDeferred;
            failure = deferredFailure;
        }
        if (end) {
            engine.writes.finishBatch(this, failure);
        }
        return end;
    }

    /**
     * Channel thread (or the control thread, for a write refused at once): how the eager store ended. Committed, it
     * ends the batch once the reply is in; refused, the batch is written as usual once the reply is in; failed
     * otherwise, the connection goes and the batch fails.
     */
    private void eagerDone(WriteBatch eager, ChannelException failure) {
        if (endEager(failure == null)) {
            return;
        }
        if (failure != null && !(failure instanceof BatchRefusedException)) {
            engine.writes.onWritten(this, failure);
        } else if (step(EAGER_SETTLED)) {
            engine.control.runOrExecute(() -> engine.writes.issueWrite(this));
        }
    }

    /** The completion of the eager store's bytes. */
    BatchCompletion eagerCompletion() {
        return this::eagerDone;
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
