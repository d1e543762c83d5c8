package io.kvcourier.pd;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Runs the L1 → staging copies too large for the control thread on the adapter's virtual-thread executor, through
 * one long-lived virtual thread that parks between copies: handing it a batch is a field write and an unpark, where
 * a virtual thread per copy cost about 500 bytes (thread, continuation, name, executor wrappers) on the control
 * thread. A copy that arrives while the worker is busy gets a virtual thread of its own, as before, so concurrent
 * copies still run side by side.
 *
 * <p>States: {@code NONE} (no worker yet), {@code IDLE} (the worker is parked or about to park), {@code BUSY} (a
 * batch was handed over and not copied yet), {@code CLOSED}. A submitter that moves the state to {@code BUSY} owns
 * the single slot; the worker empties it, copies, and only then goes back to {@code IDLE}. {@link #close} lets the
 * worker finish what it holds and end; later copies get their own virtual threads (which the executor's shutdown
 * refuses once the adapter closes, as before).
 */
final class StagingCopier<T> implements Runnable {
    private static final int NONE = 0;
    private static final int IDLE = 1;
    private static final int BUSY = 2;
    private static final int CLOSED = 3;
    @SuppressWarnings("rawtypes") // a field updater names the raw class
    private static final AtomicIntegerFieldUpdater<StagingCopier> STATE =
            AtomicIntegerFieldUpdater.newUpdater(StagingCopier.class, "state");

    private final Executor executor;
    private final Consumer<T> copy;
    private volatile int state = NONE;
    /** The batch handed to the worker (written by the submitter that set BUSY, emptied by the worker). */
    private volatile T next;
    private volatile Thread worker;
    private volatile boolean closing;

    /**
     * @param executor the adapter's virtual-thread executor
     * @param copy     copies one batch and records the step; must not throw
     */
    StagingCopier(Executor executor, Consumer<T> copy) {
        this.executor = executor;
        this.copy = copy;
    }

    /** Copies {@code batch} on a virtual thread: the idle worker's, else a new one. Any thread; never blocks. */
    void submit(T batch) {
        if (STATE.compareAndSet(this, IDLE, BUSY)) {
            next = batch;
            LockSupport.unpark(worker);
            return;
        }
        if (STATE.compareAndSet(this, NONE, BUSY)) {
            next = batch;
            try {
                executor.execute(this);
                return;
            } catch (RejectedExecutionException e) {
                next = null;
                state = CLOSED;
                throw e;
            }
        }
        executor.execute(() -> copy.accept(batch));
    }

    /** The worker: copies what it is handed, parks in between, ends after {@link #close}. */
    @Override
    public void run() {
        worker = Thread.currentThread();
        while (true) {
            T b = next;
            if (b != null) {
                next = null;
                copy.accept(b);
                if (closing) {
                    state = CLOSED; // refuses new hand-offs from here on
                    return;
                }
                state = IDLE; // the next submitter sets BUSY, writes next, then unparks (the permit is kept)
                continue;
            }
            if (Thread.interrupted()) {
                closing = true; // nobody interrupts it; if someone does, it ends rather than spin on park
            }
            if (closing && STATE.compareAndSet(this, IDLE, CLOSED)) {
                return;
            }
            LockSupport.park(this);
        }
    }

    /** Whether the worker exists and waits for a batch (tests). */
    boolean idle() {
        return state == IDLE;
    }

    /** Lets the worker finish its batch, if any, and end. Idempotent. */
    void close() {
        closing = true;
        Thread w = worker;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }
}
