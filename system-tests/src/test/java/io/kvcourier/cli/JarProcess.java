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

/**
 * A {@code kvcourier} command run from the built jar in a child JVM (this JVM's java, the same native-access and
 * msgpack flags; docs/TRAPS.md#trap-28). stdout lines are collected as they come ({@link LineSink}); stderr goes to a log under
 * {@code target/it-logs}. {@link #close()} destroys the process if it still runs.
 */
final class JarProcess implements AutoCloseable {
    final LineSink out = new LineSink();
    final Process process;
    final Path log;
    private final Thread reader;

    private JarProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
        this.reader = Thread.ofPlatform().daemon(true).name("it-stdout-" + process.pid()).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    out.stream.println(line);
                }
            } catch (IOException e) {
                // process gone
            }
        });
    }

    static Path jar() {
        Path local = Path.of("target", "kvcourier.jar");
        if (Files.isRegularFile(local)) {
            return local.toAbsolutePath();
        }
        Path fromRoot = Path.of(System.getProperty("kvcourier.repoRoot", "."), "adapter-core", "target", "kvcourier.jar");
        if (!Files.isRegularFile(fromRoot)) {
            throw new IllegalStateException("target/kvcourier.jar is missing: run the ITs with mvn verify (after package)");
        }
        return fromRoot.toAbsolutePath();
    }

    static JarProcess start(String name, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ChildJvm.JVM_FLAGS);
        cmd.add("-jar");
        cmd.add(jar().toString());
        cmd.addAll(List.of(args));
        Path logs = Files.createDirectories(Path.of("target", "it-logs"));
        Path log = logs.resolve(name + "-" + System.nanoTime() + ".log");
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        return new JarProcess(p, log);
    }

    /** The exit code, or fails if the process is still running after {@code timeout}. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("process did not exit within " + timeout + "; stderr: " + stderr());
        }
        reader.join(Duration.ofSeconds(10));
        return process.exitValue();
    }

    String stderr() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    void closeStdin() throws IOException {
        process.getOutputStream().close();
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
}
