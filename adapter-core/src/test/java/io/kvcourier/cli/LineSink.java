package io.kvcourier.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A PrintStream whose lines a test can wait for, as they are printed. */
final class LineSink extends OutputStream {
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> all = new ArrayList<>();
    final PrintStream stream = new PrintStream(this, true, StandardCharsets.UTF_8);

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            String s = line.toString(StandardCharsets.UTF_8);
            line.reset();
            all.add(s);
            lines.add(s);
        } else {
            line.write(b);
        }
    }

    /** The next line that starts with {@code prefix} (skipping others), or fails after {@code timeout}. */
    String await(String prefix, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            String s = lines.poll(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (s == null) {
                throw new AssertionError("no line starting with " + prefix + " within " + timeout + "; got " + all());
            }
            if (s.startsWith(prefix)) {
                return s;
            }
        }
    }

    synchronized List<String> all() {
        return List.copyOf(all);
    }
}
