package io.kvcourier.pd;

import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One store task on its way through the sender engine. Made by the caller's {@code submitStoreTask} (the only
 * allocation on the caller's thread besides the key and object arrays), planned into batches on the control
 * thread, finished by whichever thread completes its last batch — the channel's progress thread on the commit
 * acknowledgement, or the control thread on an allocation failure. {@link #finish} runs exactly once.
 */
final class StoreTask implements Runnable {
    final long id;
    final ObjectKey[] keys;
    final MemoryObj[] objects;
    final TransferSpec spec;
    private final SenderEngine engine;
    /** Batches not finished yet, plus one held by the planner until every batch was started. */
    private final AtomicInteger open = new AtomicInteger(1);
    private volatile boolean failed;
    private final AtomicInteger finished = new AtomicInteger();

    StoreTask(SenderEngine engine, long id, List<ObjectKey> keys, List<MemoryObj> objects, TransferSpec spec) {
        this.engine = engine;
        this.id = id;
        this.keys = keys.toArray(new ObjectKey[0]);
        this.objects = objects.toArray(new MemoryObj[0]);
        this.spec = spec;
    }

    /** Plans and starts the batches; runs on the control thread. */
    @Override
    public void run() {
        engine.start(this);
    }

    /** A batch was started (control thread, while planning). */
    void batchStarted() {
        open.incrementAndGet();
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
        if (open.decrementAndGet() == 0) {
            finish(!failed);
        }
    }

    /** Records the result once: later calls (close racing the last batch) do nothing. */
    boolean finish(boolean ok) {
        if (!finished.compareAndSet(0, 1)) {
            return false;
        }
        engine.taskFinished(this, ok);
        return true;
    }

    boolean isFinished() {
        return finished.get() != 0;
    }
}
