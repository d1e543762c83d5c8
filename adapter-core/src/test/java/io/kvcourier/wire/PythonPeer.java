package io.kvcourier.wire;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The real Python stack (msgspec, pyzmq) as a child process for interop tests (docs/TRAPS.md#trap-9, docs/TRAPS.md#trap-35).
 * {@code -Dkvcourier.python} names the interpreter; when it is empty the test is skipped, unless
 * {@code -Dkvcourier.requirePython=true}, which makes it fail. Every wait is bounded.
 */
public final class PythonPeer implements AutoCloseable {
    private static final String EOF = "\u0000EOF";

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuilder stderr = new StringBuilder();
    private final Thread stdoutReader;
    private final Thread stderrReader;

    private PythonPeer(Process process) {
        this.process = process;
        this.stdoutReader = Thread.ofVirtual().name("python-stdout").start(() -> pump(process, true));
        this.stderrReader = Thread.ofVirtual().name("python-stderr").start(() -> pump(process, false));
    }

    /** @return the configured interpreter; skips or fails the test when there is none */
    public static String interpreter() {
        String python = System.getProperty("kvcourier.python", "").trim();
        if (python.isEmpty()) {
            if (Boolean.getBoolean("kvcourier.requirePython")) {
                fail("kvcourier.requirePython=true but kvcourier.python is empty");
            }
            assumeTrue(false, "kvcourier.python not set: Python interop test skipped");
        }
        return python;
    }

    /** @return the folder holding pd_messages.py and the interop scripts */
    public static Path scriptDir() {
        String root = System.getProperty("kvcourier.repoRoot", "");
        Path dir = root.isEmpty() ? Path.of("src/test/python").toAbsolutePath()
                : Path.of(root, "adapter-core", "src", "test", "python");
        if (!Files.isDirectory(dir)) {
            dir = Path.of("src/test/python").toAbsolutePath();
        }
        return dir;
    }

    /** Starts {@code python <script> args...} in the script folder. */
    public static PythonPeer start(String script, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(interpreter());
        cmd.add("-u");
        cmd.add(scriptDir().resolve(script).toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(scriptDir().toFile());
        pb.environment().put("PYTHONPATH", scriptDir().toString());
        return new PythonPeer(pb.start());
    }

    private void pump(Process p, boolean out) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                out ? p.getInputStream() : p.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (out) {
                    lines.add(line);
                } else {
                    synchronized (stderr) {
                        stderr.append(line).append('\n');
                    }
                }
            }
        } catch (IOException ignored) {
            // the process went away; EOF below
        } finally {
            if (out) {
                lines.add(EOF);
            }
        }
    }

    /** Writes one line to the child's stdin and flushes it (stdin stays open). */
    public void sendLine(String line) throws IOException {
        var in = process.getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /** Closes the child's stdin (the interop scripts take it as the signal to finish). */
    public void closeInput() throws IOException {
        process.getOutputStream().close();
    }

    /** Writes text to the child's stdin and closes it. */
    public void sendInputAndClose(String text) throws IOException {
        try (var in = process.getOutputStream()) {
            in.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** @return the next stdout line, or fails the test after {@code timeout} or at end of output */
    public String nextLine(Duration timeout) throws InterruptedException {
        String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null) {
            fail("no line from python within " + timeout + "; stderr:\n" + stderr());
        }
        if (line == EOF) {
            lines.add(EOF);
            fail("python ended its output early; stderr:\n" + stderr());
        }
        return line;
    }

    /** @return all stdout lines until the process ends, bounded by {@code timeout} */
    public List<String> remainingLines(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> out = new ArrayList<>();
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
            if (line == null) {
                fail("python did not finish within " + timeout + "; got " + out + "; stderr:\n" + stderr());
            }
            if (line == EOF) {
                return out;
            }
            out.add(line);
        }
    }

    /** @return the exit code, waiting at most {@code timeout} (the process is killed after it) */
    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            fail("python did not exit within " + timeout + "; stderr:\n" + stderr());
        }
        return process.exitValue();
    }

    public String stderr() {
        synchronized (stderr) {
            return stderr.toString();
        }
    }

    /** Kills the process if it still runs and waits (bounded) for it and the output readers. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        try {
            process.waitFor(10, TimeUnit.SECONDS);
            stdoutReader.join(Duration.ofSeconds(10));
            stderrReader.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
