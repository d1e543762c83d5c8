package io.kvcourier.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * Side values a forked benchmark JVM hands back to the driver: one file per value in the directory named by
 * the system property {@value #DIR_PROPERTY} (set by the driver through {@code jvmArgsAppend}). Also the
 * per-thread allocation counter the submit suite uses.
 */
final class BenchOut {
    static final String DIR_PROPERTY = "kvcourier.bench.out";

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private BenchOut() {
    }

    /** Bytes allocated on the Java heap by the current thread so far (HotSpot's TLAB accounting). */
    static long threadAllocatedBytes() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    /** Writes {@code value} under {@code name}; does nothing when the property is not set (a plain JMH run). */
    static void write(String name, double value) {
        String dir = System.getProperty(DIR_PROPERTY);
        if (dir == null || dir.isEmpty()) {
            return;
        }
        try {
            Files.writeString(Path.of(dir, name), String.format(Locale.ROOT, "%.6f", value));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a value written by a fork, if there is one. */
    static OptionalDouble read(Path dir, String name) {
        Path p = dir.resolve(name);
        if (!Files.isRegularFile(p)) {
            return OptionalDouble.empty();
        }
        try {
            return OptionalDouble.of(Double.parseDouble(Files.readString(p).trim()));
        } catch (IOException | NumberFormatException e) {
            return OptionalDouble.empty();
        }
    }
}
