package io.kvcourier.pd;

import io.kvcourier.jfr.Jfr;
import io.kvcourier.jfr.StoreTaskEvent;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;

import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One store task on its way through the sender engine. Made by the caller's {@code submitStoreTask} (the only
 * allocation on the caller's thread besides the key and object arrays), planned into batches on the control
 * thread, finished by whichever thread completes its last batch — the channel's progress thread on the commit
 * acknowledgement, or the control thread on an allocation failure. {@link #finish} runs exactly once.
 *
 * <p>The engine is the same for both APIs; only the {@link Completion} differs: {@code null} for the eventfd
 * contract (the adapter records the result in its ledger), a stage's completion for the async API.
 */
final class StoreTask implements Runnable {
    /** Where an async task's result goes (instead of the ledger and its eventfd); called once, must not block. */
    interface Completion {
        void storeDone(StoreTask task, boolean ok);
    }

    final long id;
    final ObjectKey[] keys;
    final MemoryObj[] objects;
    final TransferSpec spec;
    /** The receiver named for this store, or {@code null} for the configured peer. */
    final ReceiverTarget target;
    /** {@code null}: the eventfd contract; else the async API's sink. */
    final Completion completion;
    /** The JFR event timing this task, made at submit only while the event is enabled. */
    final StoreTaskEvent jfr;
    private final SenderEngine engine;
    /** The first batch failure's reason (for JFR and the async API), and whether a deadline caused it. */
    private volatile String failure;
    private volatile boolean timedOut;
    // Counters as updated fields rather than AtomicInteger objects: two objects fewer per task on the store path.
    private static final AtomicIntegerFieldUpdater<StoreTask> OPEN =
            AtomicIntegerFieldUpdater.newUpdater(StoreTask.class, "open");
    private static final AtomicIntegerFieldUpdater<StoreTask> FINISHED =
            AtomicIntegerFieldUpdater.newUpdater(StoreTask.class, "finished");
    /** Batches not finished yet, plus one held by the planner until every batch was started. */
    private volatile int open = 1;
    private volatile boolean failed;
    private volatile int finished;
    /** Links in the engine's {@link LiveTasks} (guarded by it). */
    StoreTask livePrev;
    StoreTask liveNext;

    StoreTask(SenderEngine engine, long id, List<ObjectKey> keys, List<MemoryObj> objects, TransferSpec spec) {
        this(engine, id, keys, objects, spec, null, null);
    }

    StoreTask(SenderEngine engine, long id, List<ObjectKey> keys, List<MemoryObj> objects, TransferSpec spec,
              Completion completion) {
        this(engine, id, keys, objects, spec, null, completion);
    }

    StoreTask(SenderEngine engine, long id, List<ObjectKey> keys, List<MemoryObj> objects, TransferSpec spec,
              ReceiverTarget target, Completion completion) {
        this.engine = engine;
        this.id = id;
        this.keys = keys.toArray(new ObjectKey[0]);
        this.objects = objects.toArray(new MemoryObj[0]);
        this.spec = spec;
        this.target = target;
        this.completion = completion;
        this.jfr = Jfr.storeTask() ? Jfr.begin(new StoreTaskEvent()) : null;
    }

    /** The decode ranks of this store's receiver: the proxy is sent one notification per rank. */
    int receiverRanks() {
        return target == null ? engine.ranks() : target.ranks();
    }

    /** Plans and starts the batches; runs on the control thread. */
    @Override
    public void run() {
        engine.start(this);
    }

    /** A batch was started (control thread, while planning). */
    void batchStarted() {
        OPEN.incrementAndGet(this);
    }

    /** Every batch was started: releases the planner's hold (control thread). */
    void planned() {
        batchDone(true);
    }

    /** One batch (or the planner's hold) finished; the last one finishes the task. Any thread. */
    void batchDone(boolean ok) {
        if (!ok) {
            failed = true;
        }
        if (OPEN.decrementAndGet(this) == 0) {
            finish(!failed);
        }
    }

    /** Records the result once: later calls (close racing the last batch) do nothing. */
    boolean finish(boolean ok) {
        if (!FINISHED.compareAndSet(this, 0, 1)) {
            return false;
        }
        engine.taskFinished(this, ok);
        return true;
    }

    boolean isFinished() {
        return finished != 0;
    }

    /** A batch failed: remembers the first reason (any thread; a race between two failures keeps either). */
    void noteFailure(String why, boolean deadline) {
        if (failure == null) {
            failure = why;
            timedOut = deadline;
        }
    }

    /** The first failure's reason, or {@code null}. */
    String failure() {
        return failure;
    }

    /** Whether the first failure was a deadline passing (allocation, handshake or transfer). */
    boolean timedOut() {
        return timedOut;
    }
}
