package io.kvcourier.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code java -jar kvcourier.jar cluster} as a child JVM (which starts a proxy, decode and prefill JVMs): on loopback
 * addresses it verifies every byte of a 2P2D TP-2 run; a decode node killed mid-run makes it exit 1 naming that node,
 * with every child gone; as root it runs in network namespaces, removes a stale one first and leaves none behind,
 * also when stopped by SIGTERM. Each run starts five JVMs: on a loaded 2-core machine a run takes tens of seconds, so
 * the runs are bounded by their own --timeout (120 s) and the tests by more than that.
 */
@Timeout(240)
class ClusterIT {
    private static final Duration RUN = Duration.ofSeconds(180);
    private static final int REQUESTS = 16;
    private static final int CHUNKS = 2;
    private static final int TP = 2;
    private static final int CHUNK = 64 * 1024;

    private static List<String> smallRun(String... extra) {
        List<String> args = new ArrayList<>(List.of("cluster", "--prefill", "2", "--decode", "2", "--tp", String.valueOf(TP),
                "--requests", String.valueOf(REQUESTS), "--chunks", String.valueOf(CHUNKS), "--chunk-bytes",
                String.valueOf(CHUNK), "--window", "2", "--timeout", "120"));
        args.addAll(List.of(extra));
        return args;
    }

    private static void assertVerifiedEverything(JarProcess cluster, int rc) {
        String out = String.join("\n", cluster.out.all());
        assertEquals(Main.EXIT_OK, rc, out + "\n" + cluster.stderr());
        Lines.Event result = Lines.parse(cluster.out.all().stream().filter(l -> l.startsWith("RESULT ")).findFirst()
                .orElseThrow(() -> new AssertionError("no RESULT line: " + out)));
        assertEquals("true", result.get("ok"), out);
        assertEquals(String.valueOf(REQUESTS), result.get("stored"), out);
        assertEquals(String.valueOf(REQUESTS), result.get("verified_requests"), out);
        assertEquals(String.valueOf((long) REQUESTS * CHUNKS * TP * CHUNK), result.get("verified_bytes"), out);
        assertEquals(String.valueOf(REQUESTS * TP), result.get("notifications"), out);
        assertTrue(Long.parseLong(result.get("p99_us")) > 0, out);
        assertTrue(out.contains("OK: every byte verified, every request notified once per rank"), out);
    }

    /** The NODE lines printed so far: name to pid. */
    private static List<Lines.Event> nodes(JarProcess cluster) {
        return cluster.out.all().stream().filter(l -> l.startsWith("NODE ")).map(Lines::parse).toList();
    }

    private static void assertAllGone(List<Lines.Event> nodes) throws Exception {
        for (Lines.Event n : nodes) {
            var handle = ProcessHandle.of(n.longValue("pid"));
            if (handle.isPresent()) {
                try {
                    handle.get().onExit().get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new AssertionError(n.get("name") + " (pid " + n.get("pid") + ") outlived the cluster run");
                }
            }
        }
    }

    @Test
    void onLoopbackAddressesEveryByteIsVerifiedOnTheDecodeNodeItWasRoutedTo() throws Exception {
        try (JarProcess cluster = JarProcess.start("cluster", smallRun("--no-netns").toArray(String[]::new))) {
            int rc = cluster.awaitExit(RUN);
            assertVerifiedEverything(cluster, rc);
            String out = String.join("\n", cluster.out.all());
            assertTrue(out.contains("loopback addresses (--no-netns)") || out.contains("loopback addresses (not root"), out);
            List<Lines.Event> nodes = nodes(cluster);
            assertEquals(List.of("proxy", "decode-0", "decode-1", "prefill-0", "prefill-1"),
                    nodes.stream().map(n -> n.get("name")).toList());
            assertEquals(List.of("127.0.0.2", "127.0.0.100", "127.0.0.101"),
                    nodes.subList(0, 3).stream().map(n -> n.get("addr")).toList());
            assertAllGone(nodes);
        }
    }

    @Test
    void aDecodeNodeThatDiesFailsTheRunNamingItAndNoChildOutlivesIt() throws Exception {
        try (JarProcess cluster = JarProcess.start("cluster-killed", "cluster", "--prefill", "2", "--decode", "2", "--tp",
                "2", "--requests", "2000", "--chunks", "2", "--chunk-bytes", "4K", "--window", "2", "--no-netns",
                "--timeout", "120")) {
            Lines.Event decode1 = Lines.parse(cluster.out.await("NODE name=decode-1 ", RUN));
            cluster.out.await("NODE name=prefill-1 ", RUN);
            ProcessHandle victim = ProcessHandle.of(decode1.longValue("pid")).orElseThrow();
            long killed = System.nanoTime();
            victim.destroyForcibly();
            int rc = cluster.awaitExit(Duration.ofSeconds(90));
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - killed);
            String err = cluster.stderr();
            assertEquals(Main.EXIT_FAILURE, rc, String.join("\n", cluster.out.all()) + "\n" + err);
            assertTrue(seconds < 60, "the run ended " + seconds + " s after the kill, its timeout is 120 s");
            assertTrue(err.contains("kvcourier cluster: decode-1 (pid " + victim.pid() + ") exited unexpectedly with 137 "
                    + "(killed)"), err);
            assertTrue(err.contains("kvcourier cluster: child logs are in "), err);
            assertTrue(cluster.out.all().stream().anyMatch(l -> l.startsWith("RESULT ok=false ")), cluster.out.all().toString());
            assertEquals(5, nodes(cluster).size(), cluster.out.all().toString());
            assertAllGone(nodes(cluster));
        }
    }

    @Test
    void aRunThatCannotFinishInTimeEndsAtItsTimeoutSayingWhatItWaitedFor() throws Exception {
        long start = System.nanoTime();
        try (JarProcess cluster = JarProcess.start("cluster-timeout", "cluster", "--prefill", "1", "--decode", "1",
                "--requests", "50000", "--chunks", "1", "--chunk-bytes", "4K", "--window", "1", "--no-netns",
                "--timeout", "6")) {
            int rc = cluster.awaitExit(Duration.ofSeconds(90));
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            String err = cluster.stderr();
            assertEquals(Main.EXIT_FAILURE, rc, err);
            assertTrue(err.contains("kvcourier cluster: timed out after 6.0 s waiting for "), err);
            // the bound plus JVM startup and the children's cleanup (a kill and wait each), never the 50000 requests
            assertTrue(seconds < 60, "ended after " + seconds + " s");
            assertAllGone(nodes(cluster));
        }
    }

    @Test
    void asRootEachNodeIsInItsOwnNetworkNamespaceAndNoneIsLeftBehind() throws Exception {
        String why = NetworkNamespaces.unavailableReason();
        assumeTrue(why == null, "network namespaces need root and iproute2: " + why);
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        String stale = NetworkNamespaces.namespaceName(gone.pid(), "decode-0");
        NetworkNamespaces.run(List.of("ip", "netns", "add", stale)); // as a crashed run leaves it
        try (JarProcess cluster = JarProcess.start("cluster-netns", smallRun().toArray(String[]::new))) {
            cluster.out.await("NODE name=prefill-1 ", RUN);
            List<String> during = NetworkNamespaces.listOurs();
            assertFalse(NetworkNamespaces.run(List.of("ip", "-4", "addr", "show")).contains("10.213."),
                    "no address of the test subnet in the root namespace");
            int rc = cluster.awaitExit(RUN);
            assertVerifiedEverything(cluster, rc);
            String out = String.join("\n", cluster.out.all());
            assertTrue(out.contains("removed network namespaces left by a run that is gone: " + stale), out);
            assertTrue(out.contains("kvcourier cluster: network namespaces kvcc-" + cluster.process.pid() + "-*"), out);
            String prefix = NetworkNamespaces.PREFIX + cluster.process.pid() + "-";
            assertEquals(5, nodes(cluster).size(), out);
            for (Lines.Event n : nodes(cluster)) {
                assertEquals(prefix + n.get("name"), n.get("netns"), n.toString());
                assertTrue(NetworkNamespaces.inSubnet(n.get("addr")), n.toString());
                assertTrue(during.contains(n.get("netns")), during.toString());
            }
            assertTrue(during.contains(prefix + "bridge"), during.toString());
            assertFalse(during.contains(stale), during.toString());
            assertEquals(List.of(), NetworkNamespaces.listOurs().stream().filter(n -> n.startsWith(prefix)).toList());
            assertAllGone(nodes(cluster));
        } finally {
            if (NetworkNamespaces.listOurs().contains(stale)) {
                NetworkNamespaces.run(List.of("ip", "netns", "delete", stale));
            }
        }
    }

    @Test
    void asRootSigtermKillsTheNodesAndDeletesTheNamespaces() throws Exception {
        String why = NetworkNamespaces.unavailableReason();
        assumeTrue(why == null, "network namespaces need root and iproute2: " + why);
        try (JarProcess cluster = JarProcess.start("cluster-sigterm", "cluster", "--prefill", "2", "--decode", "2",
                "--tp", "2", "--requests", "2000", "--chunks", "2", "--chunk-bytes", "4K", "--window", "2",
                "--timeout", "120")) {
            cluster.out.await("NODE name=prefill-1 ", RUN);
            String prefix = NetworkNamespaces.PREFIX + cluster.process.pid() + "-";
            assertEquals(6, NetworkNamespaces.listOurs().stream().filter(n -> n.startsWith(prefix)).count(),
                    NetworkNamespaces.listOurs().toString());
            cluster.process.destroy(); // SIGTERM
            int rc = cluster.awaitExit(Duration.ofSeconds(60));
            assertTrue(rc != Main.EXIT_OK, "exit " + rc);
            assertEquals(List.of(), NetworkNamespaces.listOurs().stream().filter(n -> n.startsWith(prefix)).toList());
            assertAllGone(nodes(cluster));
        }
    }
}
