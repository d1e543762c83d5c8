package io.kvcourier.cli;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What ends a long-running command ({@code receiver}, {@code proxy}): SIGTERM/SIGINT (a shutdown hook that
 * waits, bounded, for the command to finish its cleanup) and, when asked, end of file on stdin (how a parent
 * process that holds the pipe says "stop"). Install with {@link #install}, then {@link #await}, clean up, and
 * {@link #finished()}.
 */
final class StopSignal {
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch cleaned = new CountDownLatch(1);
    private final Duration cleanupBound;
    private Thread hook;

    private StopSignal(Duration cleanupBound) {
        this.cleanupBound = cleanupBound;
    }

    /**
     * @param stdin read until EOF on a daemon thread when not {@code null}
     * @param cleanupBound how long the shutdown hook waits for the cleanup
     */
    static StopSignal install(InputStream stdin, Duration cleanupBound) {
        StopSignal s = new StopSignal(cleanupBound);
        s.hook = new Thread(s::onShutdown, "kvcourier-shutdown");
        Runtime.getRuntime().addShutdownHook(s.hook);
        if (stdin != null) {
            Thread.ofPlatform().daemon(true).name("kvcourier-stdin-eof").start(() -> {
                try {
                    byte[] buf = new byte[256];
                    while (stdin.read(buf) >= 0) {
                        // discard; only EOF matters
                    }
                } catch (IOException e) {
                    // a broken pipe is an EOF too
                }
                s.stop.countDown();
            });
        }
        return s;
    }

    private void onShutdown() {
        stop.countDown();
        try {
            cleaned.await(cleanupBound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Asks the command to stop (as a signal would). */
    void trigger() {
        stop.countDown();
    }

    /** Waits until stopped (a signal, stdin EOF, or {@link #trigger()}). */
    void await() throws InterruptedException {
        stop.await();
    }

    /** The cleanup is done: lets a pending shutdown go on, and removes the hook when the JVM is not exiting. */
    void finished() {
        cleaned.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook is running and returns now
        }
    }
}
