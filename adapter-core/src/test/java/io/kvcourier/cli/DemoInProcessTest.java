package io.kvcourier.cli;

import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /** Live platform threads named kvcourier-* (the decode loop, the proxy listener, progress threads). */
    private static Set<String> kvcourierThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("kvcourier-")).collect(Collectors.toSet());
    }
}
