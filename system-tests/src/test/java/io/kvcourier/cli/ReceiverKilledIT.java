package io.kvcourier.cli;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.kvcourier.cli.TwoProcessIT.CHUNK;
import static io.kvcourier.cli.TwoProcessIT.WAIT;
import static io.kvcourier.cli.TwoProcessIT.receiverConfig;
import static io.kvcourier.cli.TwoProcessIT.senderConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Killing the receiver process mid-transfer: the sender's tasks fail within the configured deadlines, and the
 * sender exits non-zero with the reason instead of hanging; with {@code --keep-going} it survives the outage and
 * commits again once a new receiver is up on the same ports.
 */
class ReceiverKilledIT {
    private static final double DEADLINE_SEC = 2;

    @Test
    void senderFailsWithinTheDeadlineAndExitsWithTheReason() throws Exception {
        try (JarProcess receiver = JarProcess.start("killed-receiver", "receiver", "--config",
                receiverConfig(0, 0, DEADLINE_SEC))) {
            Lines.Event ready = Lines.parse(receiver.out.await("READY ", WAIT));
            try (JarProcess sender = JarProcess.start("killed-sender", "sender", "--config",
                    senderConfig(ready, 0, DEADLINE_SEC), "--requests", "100000", "--chunks", "4", "--chunk-bytes",
                    String.valueOf(CHUNK), "--window", "2")) {
                sender.out.await("STORED ", WAIT); // transfers are under way
                receiver.process.destroyForcibly();
                assertTrue(receiver.process.waitFor(10, TimeUnit.SECONDS));
                long killed = System.nanoTime();

                // in-flight batches fail after at most the transfer/allocation deadline, then the sender stops
                int rc = sender.awaitExit(Duration.ofSeconds(30));
                long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - killed);
                assertEquals(Main.EXIT_FAILURE, rc, sender.stderr());
                assertTrue(seconds <= 4 * DEADLINE_SEC + 5, "the sender ended " + seconds + " s after the kill");
                List<String> lines = sender.out.all();
                assertTrue(lines.stream().anyMatch(l -> l.startsWith("STORED ") && l.contains(" ok=false ")), lines.toString());
                Lines.Event done = Lines.parse(lines.stream().filter(l -> l.startsWith("DONE ")).findFirst().orElseThrow());
                assertTrue(Integer.parseInt(done.get("failed")) >= 1, done.toString());
                assertTrue(Integer.parseInt(done.get("not_submitted")) > 0, done.toString());
                String reason = sender.stderr().lines().filter(l -> l.startsWith("kvcourier sender: ")).findFirst()
                        .orElseThrow(() -> new AssertionError("no reason line: " + sender.stderr()));
                assertTrue(reason.contains("requests were not committed on the receiver"), reason);
            }
        }
    }

    @Test
    void senderWithKeepGoingSurvivesAndCommitsToANewReceiverOnTheSamePorts() throws Exception {
        JarProcess first = JarProcess.start("outage-receiver-1", "receiver", "--config", receiverConfig(0, 0, DEADLINE_SEC));
        try {
            Lines.Event ready = Lines.parse(first.out.await("READY ", WAIT));
            int init = Integer.parseInt(ready.get("init"));
            int alloc = Integer.parseInt(ready.get("alloc"));
            try (JarProcess sender = JarProcess.start("outage-sender", "sender", "--config",
                    senderConfig(ready, 0, DEADLINE_SEC), "--requests", "100000", "--chunks", "2", "--chunk-bytes",
                    String.valueOf(CHUNK), "--window", "1", "--keep-going", "--timeout", "80")) {
                sender.out.await("STORED ", WAIT);
                first.process.destroyForcibly();
                assertTrue(first.process.waitFor(10, TimeUnit.SECONDS));
                String failed = sender.out.await("STORED ", WAIT);
                while (!failed.contains(" ok=false ")) {
                    failed = sender.out.await("STORED ", WAIT);
                }
                assertTrue(sender.process.isAlive(), "the sender keeps going after a failure");

                try (JarProcess second = JarProcess.start("outage-receiver-2", "receiver", "--config",
                        receiverConfig(init, alloc, DEADLINE_SEC))) {
                    Lines.Event again = Lines.parse(second.out.await("READY ", WAIT));
                    assertEquals(String.valueOf(init), again.get("init"));
                    String line = sender.out.await("STORED ", WAIT);
                    while (!line.contains(" ok=true ")) {
                        line = sender.out.await("STORED ", WAIT);
                    }
                    // the new receiver verifies what it now receives (an endless workload can outgrow its buffer,
                    // so an early batch may be evicted before it is locked: wait for a verified one)
                    String verified = second.out.await("VERIFIED ", WAIT);
                    while (!verified.contains(" ok=true ")) {
                        verified = second.out.await("VERIFIED ", WAIT);
                    }
                    assertFalse(first.process.isAlive());
                }
            }
        } finally {
            first.close();
        }
    }
}
