package io.kvcourier.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running {@link ChildReceiver} with this JVM's java, flags and class path; its stderr goes to
 * ours, its stdout lines are read with {@link #expect}, lines are sent to its stdin with {@link #send}. Owns the
 * process: {@link #close()} closes its stdin (the child then exits) and kills it if it does not exit.
 */
final class ChildJvm implements AutoCloseable {
    static final long EXPECT_SECONDS = 60;
    final Process process;
    final BufferedReader out;
    final Writer in;

    ChildJvm(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(JmhRunner.JVM_FLAGS));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ChildReceiver.class.getName());
        cmd.addAll(List.of(args));
        process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    /**
     * The next line starting with {@code prefix} (other lines are logging). Bounded: a child that prints
     * nothing for {@value #EXPECT_SECONDS} s is killed, which ends the read.
     */
    String expect(String prefix) throws IOException {
        CountDownLatch answered = new CountDownLatch(1);
        Thread.ofVirtual().name("bench-child-watchdog").start(() -> {
            try {
                if (!answered.await(EXPECT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(prefix)) {
                    return line.substring(prefix.length()).trim();
                }
            }
        } finally {
            answered.countDown();
        }
        throw new IOException("child receiver exited (or was killed after " + EXPECT_SECONDS
                + " s of silence) before printing " + prefix.trim());
    }

    void send(String line) throws IOException {
        in.write(line);
        in.write('\n');
        in.flush();
    }

    @Override
    public void close() throws IOException {
        in.close();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly(); // no more waiting: the child goes now
            Thread.currentThread().interrupt();
        }
    }
}
