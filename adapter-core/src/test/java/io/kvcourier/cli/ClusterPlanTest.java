package io.kvcourier.cli;

import io.kvcourier.l2.ObjectKey;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cluster's routing plan, its decode targets on the command line, TP-ranked keys and its arguments. */
class ClusterPlanTest {

    @Test
    void decodeNodesAreRoundRobinAndEveryPrefillNodeSendsToEveryDecodeNode() {
        for (int p = 1; p <= 4; p++) {
            for (int d = 1; d <= 4; d++) {
                ClusterPlan plan = new ClusterPlan(p, d, 2, 64, 1, 1, 1, "r");
                Set<List<Integer>> pairs = new HashSet<>();
                int[] perDecode = new int[d];
                int[] perPrefill = new int[p];
                for (int i = 0; i < plan.requests(); i++) {
                    assertEquals(i % d, plan.decodeOf(i));
                    pairs.add(List.of(plan.prefillOf(i), plan.decodeOf(i)));
                    perDecode[plan.decodeOf(i)]++;
                    perPrefill[plan.prefillOf(i)]++;
                    assertEquals(i, plan.indexOf(plan.reqId(i)));
                }
                assertEquals(p * d, pairs.size(), p + "P" + d + "D: every pair carries requests");
                for (int k = 0; k < d; k++) {
                    assertEquals(perDecode[k], plan.requestsOfDecode(k));
                }
                for (int k = 0; k < p; k++) {
                    assertEquals(perPrefill[k], plan.requestsOfPrefill(k));
                }
            }
        }
    }

    @Test
    void requestIdsOfAnotherRunAreNotThisRunsOnes() {
        ClusterPlan plan = new ClusterPlan(1, 1, 1, 10, 1, 1, 1, "run");
        assertEquals(-1, plan.indexOf("run-10"));
        assertEquals(-1, plan.indexOf("run-01"));
        assertEquals(-1, plan.indexOf("other-1"));
        assertEquals(-1, plan.indexOf("run-x"));
    }

    @Test
    void ranksOfARequestShareTheChunkHashButNotTheContent() {
        ObjectKey r0 = KeyedChunks.key("req-1", 3, 4096, KeyedChunks.kvRank(0, 2));
        ObjectKey r1 = KeyedChunks.key("req-1", 3, 4096, KeyedChunks.kvRank(1, 2));
        assertEquals(0, r0.tpRank());
        assertEquals(1, r1.tpRank());
        assertEquals(KeyedChunks.meta(r0), KeyedChunks.meta(r1));
        assertNotEquals(r0, r1);
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            var a = arena.allocate(4096);
            var b = arena.allocate(4096);
            KeyedChunks.fill(r0, a, 4096);
            KeyedChunks.fill(r1, b, 4096);
            assertNotEquals(-1, a.mismatch(b));
        }
        assertThrows(IllegalArgumentException.class, () -> KeyedChunks.kvRank(2, 2));
    }

    @Test
    void decodeTargetsRoundTripAndBadOnesNameTheOption() throws Exception {
        List<DecodeTarget> t = List.of(new DecodeTarget("10.213.0.100", List.of(4000, 4001), List.of(5000, 5001)),
                new DecodeTarget("127.0.0.101", List.of(4002, 4003), List.of(5002, 5003)));
        assertEquals("10.213.0.100:4000,4001:5000,5001;127.0.0.101:4002,4003:5002,5003", DecodeTarget.formatAll(t));
        assertEquals(t, DecodeTarget.parseAll("targets", DecodeTarget.formatAll(t)));
        for (String bad : List.of("h:1", "h:1,2:3", "h:0:1", "h:x:1", ":1:2", "h:1:2;")) {
            UsageException e = assertThrows(UsageException.class, () -> DecodeTarget.parseAll("targets", bad), bad);
            assertTrue(e.getMessage().startsWith("--targets: target '"), e.getMessage());
        }
    }

    @Test
    void clusterArgumentsAreCheckedAndNamed() {
        CliRun r = CliRun.of("cluster", "--decode", "2");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertEquals("kvcourier cluster: --prefill is required (see kvcourier cluster --help)", r.oneErrorLine());
        r = CliRun.of("cluster", "--prefill", "2", "--decode", "17");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertEquals("kvcourier cluster: --decode must be an integer in 1..16, got '17'", r.oneErrorLine());
        r = CliRun.of("cluster", "--prefill", "1", "--decode", "1", "--tp", "9");
        assertEquals("kvcourier cluster: --tp must be an integer in 1..8, got '9'", r.oneErrorLine());
        r = CliRun.of("cluster", "--prefill", "1", "--decode", "1", "--netns");
        assertEquals("kvcourier cluster: unknown option --netns (see kvcourier cluster --help)", r.oneErrorLine());
        r = CliRun.of("cluster", "--help");
        assertEquals(Main.EXIT_OK, r.exitCode());
        assertTrue(r.out().contains("10.213.0.0/24"), r.out());
    }

    @Test
    void aPrefillNodeChecksItsTargetsAgainstTheRanks() {
        String sender = "{\"role\":\"sender\",\"peer_host\":\"127.0.0.1\",\"peer_init_port\":[1],\"peer_alloc_port\":[2],"
                + "\"transfer_channel\":\"tcp\",\"proxy_port\":0}";
        CliRun r = CliRun.of("cluster-prefill", "--config", sender, "--targets", "127.0.0.1:4000:5000", "--node", "0",
                "--prefill", "1", "--tp", "2");
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.err());
        assertEquals("kvcourier cluster-prefill: --targets: 127.0.0.1:4000:5000 has 1 ports per list, --tp is 2",
                r.oneErrorLine());
        r = CliRun.of("cluster-prefill", "--config", sender, "--targets", "127.0.0.1:4000:5000", "--node", "1",
                "--prefill", "1");
        assertEquals("kvcourier cluster-prefill: --node must be an integer in 0..0, got '1'", r.oneErrorLine());
    }
}
