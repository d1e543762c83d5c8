package io.kvcourier.pd;

import io.kvcourier.agent.Agent;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The receiver's housekeeping duty: every {@value #PERIOD_MS} ms it reaps the store ({@link ReceiverStore#reap}),
 * which expires late allocations, fences their senders through the {@link ReceiverStore.Fencer} and frees their
 * pages, and frees stale keys. It runs on its own {@link io.kvcourier.agent.AgentRunner} with a blocking idle
 * strategy: between reaps it waits until the next one is due or until the runner closes it (a sticky signal,
 * never an interrupt: fencing may touch sockets). Reaping stays off the allocation path and the control thread.
 *
 * <p>All but {@link #wakeUpSignal()} run on the agent's thread.
 */
final class ReceiverHousekeeping implements Agent {
    private static final System.Logger LOG = System.getLogger(ReceiverEngine.class.getName());
    /** Time between the end of one reap and the start of the next, in milliseconds. */
    static final long PERIOD_MS = 50;
    private static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(PERIOD_MS);

    private final ReceiverStore store;
    private final ReceiverStore.Fencer fencer;
    private final Semaphore wakeUp = new Semaphore(0);
    /** When the next reap is due (System.nanoTime); the first is due at once. */
    private long nextReapNanos = System.nanoTime();
    /** A reap threw: housekeeping has stopped (logged once) and the agent only waits to be closed. */
    private boolean failed;

    ReceiverHousekeeping(ReceiverStore store, ReceiverStore.Fencer fencer) {
        this.store = store;
        this.fencer = fencer;
    }

    @Override
    public String roleName() {
        return "kvcourier-receiver-housekeeping";
    }

    /** Reaps when a reap is due; 1 when it reaped. */
    @Override
    public int doWork() {
        long now = System.nanoTime();
        if (failed || now - nextReapNanos < 0) {
            return 0;
        }
        try {
            store.reap(now, fencer);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "receiver housekeeping failed", e);
            failed = true;
            return 0;
        }
        nextReapNanos = System.nanoTime() + PERIOD_NANOS;
        return 1;
    }

    /** Waits until the next reap is due or the runner signals (closing). */
    @Override
    public void awaitWork() throws InterruptedException {
        long left = failed ? Long.MAX_VALUE : nextReapNanos - System.nanoTime();
        if (left > 0 && wakeUp.tryAcquire(left, TimeUnit.NANOSECONDS)) {
            wakeUp.drainPermits();
        }
    }

    @Override
    public void wakeUpSignal() {
        wakeUp.release();
    }
}
