package io.kvcourier.cli;

import io.kvcourier.notify.ProxyListener;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kvcourier demo --in-process} with a small workload: exit 0, every byte verified, every request notified. */
class DemoInProcessTest {

    @Test
    void smallWorkloadVerifiesEveryByteAndPrintsTheSummary() {
        Set<String> before = kvcourierThreads();
        CliRun r = CliRun.of("demo", "--in-process", "--requests", "6", "--chunks", "3", "--chunk-bytes", "64K",
                "--window", "2");
        assertEquals(Main.EXIT_OK, r.exitCode(), r.out() + r.err());
        String total = String.valueOf(6 * 3 * 65_536);
        assertTrue(r.out().contains("6 requests x 3 chunks x 64 KiB = 1.1 MiB"), r.out());
        assertTrue(r.row("requests committed").equals("6 / 6"), r.out());
        assertTrue(r.row("chunks verified").equals("18 / 18"), r.out());
        assertTrue(r.row("bytes verified").startsWith(total + " of " + total + " "), r.out());
        assertTrue(r.row("throughput").matches("\\d+\\.\\d+ [GM]B/s .*"), r.out());
        assertTrue(r.row("request latency p50").matches("\\d+\\.\\d{3} ms"), r.out());
        assertTrue(r.row("request latency p99").matches("\\d+\\.\\d{3} ms"), r.out());
        assertEquals("6 / 6 requests", r.row("notifications"));
        assertTrue(r.row("notify latency p99").matches("\\d+\\.\\d{3} ms"), r.out());
        assertEquals("OK: every byte verified", r.row("result"));
        assertTrue(r.err().contains("progress: 6/6 requests (100%)"), r.err());
        assertEquals(before, kvcourierThreads(), "the demo's threads are gone");
    }

    @Test
    void warmUpRequestsAreVerifiedButLeftOutOfTheTimedRows() {
        CliRun r = CliRun.of("demo", "--in-process", "--requests", "7", "--chunks", "2", "--chunk-bytes", "64K",
                "--window", "2", "--warmup", "3", "--staging");
        assertEquals(Main.EXIT_OK, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("; chunks copied into staging; the first 3 requests warm up"), r.out());
        assertEquals("7 / 7", r.row("requests committed"));
        assertEquals("14 / 14", r.row("chunks verified"));
        assertTrue(r.row("throughput").matches("\\d+\\.\\d+ [GM]B/s .*, 512 KiB in \\d+\\.\\d+ s after the warm-up"),
                r.row("throughput"));
        assertTrue(r.row("warm-up").matches("3 requests \\(384 KiB\\) in \\d+\\.\\d+ s, before the timed ones"),
                r.row("warm-up"));
        assertEquals("OK: every byte verified", r.row("result"));

        CliRun plain = CliRun.of("demo", "--in-process", "--requests", "3", "--chunks", "2", "--chunk-bytes", "16K",
                "--warmup", "0");
        assertEquals(Main.EXIT_OK, plain.exitCode(), plain.out() + plain.err());
        assertTrue(plain.out().contains("; chunks in registered memory (zero-copy)\n"), plain.out());
        assertFalse(plain.out().contains("  warm-up "), plain.out());
        assertTrue(plain.row("throughput").endsWith(" s"), plain.row("throughput"));
    }

    @Test
    void notificationsGoToAnExternalProxyWhenOneIsGiven() throws Exception {
        try (ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0)) {
            CliRun r = CliRun.of("demo", "--in-process", "--requests", "4", "--chunks", "2", "--chunk-bytes", "32K",
                    "--proxy-port", String.valueOf(proxy.port()), "--req-id-prefix", "ext");
            assertEquals(Main.EXIT_OK, r.exitCode(), r.out() + r.err());
            assertTrue(r.out().contains("; proxy external at 127.0.0.1:" + proxy.port()), r.out());
            assertEquals("sent to 127.0.0.1:" + proxy.port() + " (not measured here)", r.row("notifications"));
            for (int i = 0; i < 4; i++) {
                assertTrue(proxy.awaitReady("ext-" + i, 1, Duration.ofSeconds(30)), "ext-" + i);
            }
        }
    }

    @Test
    void repeatedRunsLeakNoFileDescriptors() throws Exception {
        String[] args = {"demo", "--in-process", "--requests", "3", "--chunks", "2", "--chunk-bytes", "16K"};
        assertEquals(Main.EXIT_OK, CliRun.of(args).exitCode()); // warm-up: classes, JIT, jar handles
        long after1 = openFds();
        assertEquals(Main.EXIT_OK, CliRun.of(args).exitCode());
        assertEquals(Main.EXIT_OK, CliRun.of(args).exitCode());
        assertEquals(after1, openFds(), "sockets, eventfds and epoll fds are all closed after each run");
    }

    private static long openFds() throws Exception {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /** Live platform threads named kvcourier-* (the decode loop, the proxy listener, progress threads). */
    private static Set<String> kvcourierThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("kvcourier-")).collect(Collectors.toSet());
    }
}
