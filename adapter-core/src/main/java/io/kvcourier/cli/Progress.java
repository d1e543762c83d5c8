package io.kvcourier.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar on a terminal ({@code \r}-redrawn, at most every 100 ms), or, when the stream is not a terminal,
 * a plain line at every 10 % step. Called from any thread; {@link #finish()} ends the bar with a newline.
 */
final class Progress {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final boolean terminal;
    private final int total;
    private final long totalBytes;
    private long startNanos = System.nanoTime();
    private long lastDrawNanos;
    private int lastDecile = -1;
    private boolean drawn;

    Progress(PrintStream out, boolean terminal, int totalRequests, long totalBytes) {
        this.out = out;
        this.terminal = terminal;
        this.total = totalRequests;
        this.totalBytes = totalBytes;
    }

    /** Whether this JVM's stderr looks like a terminal (a console that is a terminal). */
    static boolean stderrIsTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    /** The transfer starts now (the rate is measured from here). */
    synchronized void start() {
        startNanos = System.nanoTime();
    }

    /** The transfer started at {@code nanos} ({@link System#nanoTime()}). */
    synchronized void startAt(long nanos) {
        startNanos = nanos;
    }

    /** A rate in GB/s, or MB/s below 1 GB/s (decimal units). */
    static String rate(double bytesPerSecond) {
        return bytesPerSecond >= 1e9 ? String.format(Locale.ROOT, "%.2f GB/s", bytesPerSecond / 1e9)
                : String.format(Locale.ROOT, "%.1f MB/s", bytesPerSecond / 1e6);
    }

    synchronized void update(int done, long bytes) {
        long now = System.nanoTime();
        double secs = Math.max(1e-9, (now - startNanos) / 1e9);
        String rate = rate(bytes / secs);
        if (terminal) {
            if (done < total && now - lastDrawNanos < 100_000_000L) {
                return;
            }
            lastDrawNanos = now;
            int filled = total == 0 ? WIDTH : (int) ((long) done * WIDTH / total);
            out.print("\r[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + done + "/" + total
                    + " requests  " + Doctor.human(bytes) + " / " + Doctor.human(totalBytes) + "  " + rate + "   ");
            out.flush();
            drawn = true;
        } else {
            int decile = total == 0 ? 10 : (int) ((long) done * 10 / total);
            if (decile != lastDecile) {
                lastDecile = decile;
                long percent = total == 0 ? 100 : (long) done * 100 / total;
                out.println("progress: " + done + "/" + total + " requests (" + percent + "%), "
                        + Doctor.human(bytes) + ", " + rate);
                out.flush();
            }
        }
    }

    synchronized void finish() {
        if (terminal && drawn) {
            out.println();
            out.flush();
        }
    }
}
