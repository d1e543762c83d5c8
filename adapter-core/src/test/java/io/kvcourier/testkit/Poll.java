package io.kvcourier.testkit;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Bounded polling, for a condition with no latch or fd to wait on: a counter another thread sets, or a state that the
 * polling itself advances (a connection the test thread drives).
 */
public final class Poll {
    private static final long PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private Poll() {
    }

    /** Checks {@code condition} about once a millisecond until it holds or {@code timeout} passes; whether it held. */
    public static boolean until(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            LockSupport.parkNanos(PAUSE_NANOS);
        }
        return true;
    }
}
