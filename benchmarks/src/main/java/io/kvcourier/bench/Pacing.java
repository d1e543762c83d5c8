package io.kvcourier.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The open-loop issuers' clock: waits until an intended start without being late for it. A plain park to the
 * intended start wakes 150-200 us late on this machine kind (timer slack plus the wake-up of an idle CPU), and an
 * open-loop latency counts from the intended start, so that lateness would be charged to the system measured. The
 * issuers of every e2e row (kvcourier, the floor pump, and the Python peer's {@code lmcache_pd_loop.py}) park
 * until {@link #SPIN_NANOS} before the start and yield from there.
 */
final class Pacing {
    /** How long before an intended start the issuer stops parking and yields instead. */
    static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    private Pacing() {
    }

    /** Returns at or just after {@code intendedNanos} ({@link System#nanoTime()}); allocates nothing. */
    static void awaitStart(long intendedNanos) {
        long left;
        while ((left = intendedNanos - System.nanoTime()) > SPIN_NANOS) {
            LockSupport.parkNanos(left - SPIN_NANOS);
        }
        while (intendedNanos - System.nanoTime() > 0) {
            Thread.yield();
        }
    }
}
