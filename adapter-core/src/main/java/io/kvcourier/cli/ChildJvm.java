package io.kvcourier.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A {@code kvcourier} command in a child JVM: the same java ({@code -Dkvcourier.java}, else
 * {@code java.home}), the same native-access and msgpack flags and class path as this one. Its stdout lines are
 * parsed ({@link Lines}) and handed to a consumer on a reader thread; its stderr goes to a log file. Owns the
 * process: {@link #close()} destroys it if it is still running.
 */
final class ChildJvm implements AutoCloseable {
    static final List<String> JVM_FLAGS =
            List.of("--enable-native-access=ALL-UNNAMED", "-Dmsgpack.universal-buffer=true");

    private final String name;
    private final Process process;
    private final Path log;
    private final Thread reader;

    private ChildJvm(String name, Process process, Path log, Consumer<Lines.Event> events) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.reader = Thread.ofPlatform().daemon(true).name("kvcourier-" + name + "-stdout").start(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    Lines.Event e = Lines.parse(line);
                    if (e != null) {
                        try {
                            events.accept(e);
                        } catch (RuntimeException ex) {
                            System.getLogger(ChildJvm.class.getName()).log(System.Logger.Level.WARNING,
                                    name + ": cannot use line '" + line + "': " + ex);
                        }
                    }
                }
            } catch (IOException e) {
                // the process ended or was destroyed
            }
        });
    }

    /** The java launcher to use for children. */
    static String javaExecutable() {
        String j = System.getProperty("kvcourier.java", "");
        return j.isEmpty() ? Path.of(System.getProperty("java.home"), "bin", "java").toString() : j;
    }

    /** Starts {@code kvcourier <args>} with stderr to {@code logDir/name.log}. */
    static ChildJvm start(String name, List<String> args, Path logDir, Consumer<Lines.Event> events)
            throws IOException {
        return start(name, List.of(), args, logDir, events);
    }

    /**
     * Starts {@code kvcourier <args>} with extra JVM flags (after the usual ones) and stderr to
     * {@code logDir/name.log}.
     */
    static ChildJvm startWithFlags(String name, List<String> jvmFlags, List<String> args, Path logDir,
            Consumer<Lines.Event> events) throws IOException {
        return start(name, List.of(), jvmFlags, args, logDir, events);
    }

    /**
     * Starts {@code prefix... java ... kvcourier <args>} (e.g. prefix {@code ip netns exec NS}, which execs java in
     * that network namespace, so the child's pid is the JVM's) with stderr to {@code logDir/name.log}.
     */
    static ChildJvm start(String name, List<String> prefix, List<String> args, Path logDir,
                          Consumer<Lines.Event> events) throws IOException {
        return start(name, prefix, List.of(), args, logDir, events);
    }

    private static ChildJvm start(String name, List<String> prefix, List<String> jvmFlags, List<String> args,
                                  Path logDir, Consumer<Lines.Event> events) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(javaExecutable());
        cmd.addAll(JVM_FLAGS);
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(args);
        Path log = logDir.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(log.toFile());
        return new ChildJvm(name, pb.start(), log, events);
    }

    Process process() {
        return process;
    }

    Path log() {
        return log;
    }

    /** Closes the child's stdin (a receiver started with {@code --stop-on-stdin-eof} then stops). */
    void closeStdin() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // already gone
        }
    }

    /** Waits up to {@code timeout} for the child to exit and its stdout to be read; the exit code or -1. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return -1;
        }
        reader.join(Duration.ofSeconds(5));
        return process.exitValue();
    }

    /**
     * Calls {@code onExit} with the exit code once the child has exited and every line of its stdout was handed to
     * the consumer (on a thread of the common pool).
     */
    void onExit(java.util.function.IntConsumer onExit) {
        process.onExit().thenRun(() -> {
            try {
                reader.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            onExit.accept(process.exitValue());
        });
    }

    /** The last {@code n} lines of the child's stderr log. */
    String logTail(int n) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
