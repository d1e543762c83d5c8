package io.kvcourier.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One decode node of the soak: {@code kvcourier receiver} in a child JVM (Native Memory Tracking on), restarted on
 * the same alloc and init ports after each SIGKILL. Its {@code VERIFIED} lines go to the soak's ledger. It stops on
 * stdin EOF, so it does not outlive a test JVM that dies.
 */
final class SoakReceiver implements AutoCloseable {
    private final String name;
    private final Path logDir;
    private final Consumer<Lines.Event> verified;
    private int allocPort;
    private int initPort;
    private int incarnation;
    private ChildJvm child;

    SoakReceiver(String name, Path logDir, Consumer<Lines.Event> verified) {
        this.name = name;
        this.logDir = logDir;
        this.verified = verified;
    }

    static String config(int initPort, int allocPort, int pages, long chunk, double deadlineSec) {
        return "{\"type\":\"pd\",\"role\":\"receiver\",\"peer_host\":\"127.0.0.1\",\"bind_host\":\"127.0.0.1\","
                + "\"peer_init_port\":[" + initPort + "],\"peer_alloc_port\":[" + allocPort + "],"
                + "\"transfer_channel\":\"tcp\",\"buffer_size\":" + pages * chunk + ",\"chunk_bytes\":" + chunk
                + ",\"proxy_port\":0,\"allocation_timeout_sec\":" + deadlineSec + ",\"transfer_timeout_sec\":"
                + deadlineSec + ",\"handshake_timeout_sec\":" + deadlineSec + ",\"shutdown_timeout_sec\":1}";
    }

    /**
     * Starts an incarnation (the first one on ephemeral ports, later ones on the same ports) and waits for its
     * READY line. A port can be taken for a moment after a kill (an ephemeral connection reusing it): then it
     * tries again, up to 10 times.
     */
    synchronized void start(int pages, long chunk, double deadlineSec, long decodeDelayMs) throws Exception {
        String last = "";
        for (int attempt = 0; attempt < 10; attempt++) {
            CompletableFuture<Lines.Event> ready = new CompletableFuture<>();
            ChildJvm c = ChildJvm.startWithFlags(name + "-" + incarnation++,
                    List.of("-XX:NativeMemoryTracking=summary", "-Xmx192m", "-XX:+UseSerialGC"),
                    List.of("receiver", "--config", config(initPort, allocPort, pages, chunk, deadlineSec),
                            "--decode-delay-ms", String.valueOf(decodeDelayMs), "--stop-on-stdin-eof"), logDir, e -> {
                        if (e.word().equals("READY")) {
                            ready.complete(e);
                        } else if (e.word().equals("VERIFIED")) {
                            verified.accept(e);
                        }
                    });
            c.process().onExit().thenRun(() -> ready.completeExceptionally(new IOException("exited")));
            try {
                Lines.Event e = ready.get(60, TimeUnit.SECONDS);
                allocPort = Integer.parseInt(e.get("alloc"));
                initPort = Integer.parseInt(e.get("init"));
                child = c;
                return;
            } catch (ExecutionException | TimeoutException e) {
                last = c.logTail(5);
                c.close();
            }
        }
        throw new AssertionError(name + " did not start on ports " + allocPort + "/" + initPort + ": " + last);
    }

    /** SIGKILL: no shutdown hook, no close() in the child. */
    synchronized void kill() throws InterruptedException {
        if (child != null) {
            child.process().destroyForcibly();
            if (!child.process().waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError(name + " survived SIGKILL for 30 s");
            }
            child = null;
        }
    }

    synchronized boolean alive() {
        return child != null && child.process().isAlive();
    }

    synchronized long pid() {
        return child.process().pid();
    }

    synchronized int allocPort() {
        return allocPort;
    }

    synchronized int initPort() {
        return initPort;
    }

    /** Kills the current incarnation (the soak is over; its results are in). Idempotent. */
    @Override
    public synchronized void close() {
        if (child != null) {
            child.close();
            child = null;
        }
    }

    /** The log tail of the current incarnation, for failure messages. */
    synchronized String logTail() {
        return child == null ? "(not running)" : child.logTail(20);
    }
}
