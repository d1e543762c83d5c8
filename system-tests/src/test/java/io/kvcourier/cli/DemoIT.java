package io.kvcourier.cli;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code java -jar kvcourier.jar demo} as a child JVM with a small workload: by default it starts the receiver and
 * the sender as two more JVMs over tcp with its embedded proxy; it exits 0 and prints the summary.
 */
class DemoIT {

    @Test
    void demoInSeparateJvmsVerifiesEveryByte() throws Exception {
        try (JarProcess demo = JarProcess.start("demo", "demo", "--requests", "8", "--chunks", "4", "--chunk-bytes",
                "128K", "--window", "2")) {
            int rc = demo.awaitExit(Duration.ofSeconds(100));
            String out = String.join("\n", demo.out.all());
            assertEquals(Main.EXIT_OK, rc, out + "\n" + demo.stderr());
            assertTrue(out.contains("over tcp between two JVMs (receiver, sender); proxy embedded"), out);
            String total = String.valueOf(8 * 4 * 131_072);
            assertTrue(out.contains("requests committed   8 / 8"), out);
            assertTrue(out.contains("chunks verified      32 / 32"), out);
            assertTrue(out.contains("bytes verified       " + total + " of " + total), out);
            assertTrue(out.contains("notifications        8 / 8 requests"), out);
            assertTrue(out.matches("(?s).*request latency p99  \\d+\\.\\d{3} ms.*"), out);
            assertTrue(out.matches("(?s).*notify latency p50   \\d+\\.\\d{3} ms.*"), out);
            assertTrue(out.contains("result               OK: every byte verified"), out);
            // the raw pump of the same bytes between the same two JVMs, and kvcourier's fraction of it
            assertTrue(out.matches("(?s).*raw TCP pump         \\d+\\.\\d+ [GM]B/s .*same bytes between the same two "
                    + "JVMs, 2 batches in flight.*"), out);
            assertTrue(out.matches("(?s).*vs raw pump          \\d+\\.\\d{2} of the raw pump's throughput.*"), out);
        }
    }

    @Test
    void badArgumentsExit2WithOneLine() throws Exception {
        try (JarProcess demo = JarProcess.start("demo-bad", "demo", "--chunk-bytes", "lots")) {
            assertEquals(Main.EXIT_USAGE, demo.awaitExit(Duration.ofSeconds(60)));
            assertEquals("kvcourier demo: --chunk-bytes must be a byte count (e.g. 4096, 64K, 2MiB) in 1..1073741824, "
                    + "got 'lots'", demo.stderr().strip());
        }
    }
}
