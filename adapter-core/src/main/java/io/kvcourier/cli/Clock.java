package io.kvcourier.cli;

import java.time.Instant;

/** Wall-clock microseconds, for timestamps compared across processes of one machine. */
final class Clock {
    private Clock() {
    }

    /** Microseconds since the epoch (Linux gives microsecond resolution or better). */
    static long wallMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
