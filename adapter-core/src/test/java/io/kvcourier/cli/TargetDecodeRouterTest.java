package io.kvcourier.cli;

import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A prefill node's one sender adapter serves every decode node: requests name their node per request, and each
 * lands on the node the plan routes it to. Two TP-2 receiver adapters in this JVM on loopback, over tcp.
 */
@Timeout(120)
class TargetDecodeRouterTest {
    private static final long CHUNK = 4096;
    private static final int TP = 2;

    private static Map<String, Object> base(String role) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "pd");
        m.put("role", role);
        m.put("peer_host", "127.0.0.1");
        m.put("transfer_channel", "tcp");
        m.put("chunk_bytes", CHUNK);
        m.put("allocation_timeout_sec", 20);
        m.put("transfer_timeout_sec", 20);
        m.put("handshake_timeout_sec", 20);
        m.put("shutdown_timeout_sec", 2);
        return m;
    }

    private static PdL2Adapter receiver() {
        Map<String, Object> m = base("receiver");
        m.put("bind_host", "127.0.0.1");
        m.put("peer_init_port", Collections.nCopies(TP, 0));
        m.put("peer_alloc_port", Collections.nCopies(TP, 0));
        m.put("proxy_port", 0);
        m.put("buffer_size", 256 * CHUNK);
        return PdL2Adapter.create(PdL2AdapterConfig.fromMap(m));
    }

    @Test
    void oneSenderAdapterStoresEachRequestOnTheDecodeNodeThePlanNames() throws Exception {
        ClusterPlan plan = new ClusterPlan(1, 2, TP, 8, 3, CHUNK, 2, "tdr");
        try (PdL2Adapter d0 = receiver(); PdL2Adapter d1 = receiver()) {
            List<PdL2Adapter> decodes = List.of(d0, d1);
            List<DecodeTarget> targets = decodes.stream()
                    .map(d -> new DecodeTarget("127.0.0.1", d.initPorts(), d.allocPorts())).toList();
            Map<String, Object> s = base("sender");
            s.put("peer_init_port", Collections.nCopies(TP, 1)); // a placeholder the router never uses
            s.put("peer_alloc_port", Collections.nCopies(TP, 1));
            s.put("buffer_size", plan.window() * plan.bytesPerRequest());
            try (TargetDecodeRouter router = TargetDecodeRouter.start(PdL2AdapterConfig.fromMap(s), targets)) {
                List<PrefillNode.Stored> told = Collections.synchronizedList(new ArrayList<>());
                PrefillNode.Result r = new PrefillNode(plan, 0, router, told::add).run(Duration.ofSeconds(60));
                assertTrue(r.success(), r.reason());
                assertEquals(8, r.ok());

                Set<String> peers = new HashSet<>();
                @SuppressWarnings("unchecked") // reportStatus() documents "peers" as a list of maps
                List<Map<String, Object>> status = (List<Map<String, Object>>) router.adapter().reportStatus().get("peers");
                for (Map<String, Object> p : status) {
                    assertEquals(false, p.get("configured"), p.toString());
                    peers.add((String) p.get("target"));
                }
                assertEquals(Set.of("127.0.0.1:" + d0.initPorts(), "127.0.0.1:" + d1.initPorts()), peers,
                        "one adapter, one peer per decode node: " + status);

                for (PrefillNode.Stored st : told) {
                    int i = plan.indexOf(st.reqId());
                    assertEquals(plan.decodeOf(i), st.decode(), st.reqId());
                    assertEquals(plan.keysPerRequest(), found(decodes.get(st.decode()), keys(plan, st.reqId())),
                            st.reqId() + " on its decode node");
                    assertEquals(0, found(decodes.get(1 - st.decode()), keys(plan, st.reqId())),
                            st.reqId() + " on the other decode node");
                }
            }
        }
    }

    private static List<ObjectKey> keys(ClusterPlan plan, String reqId) {
        List<ObjectKey> keys = new ArrayList<>();
        for (int rank = 0; rank < plan.tp(); rank++) {
            for (int c = 0; c < plan.chunks(); c++) {
                keys.add(KeyedChunks.key(reqId, c, plan.chunkBytes(), KeyedChunks.kvRank(rank, plan.tp())));
            }
        }
        return keys;
    }

    private static int found(PdL2Adapter receiver, List<ObjectKey> keys) throws Exception {
        Bitmap b = receiver.async().lookupAndLock(keys).toCompletableFuture().get(10, TimeUnit.SECONDS);
        if (b.popcount() > 0) {
            receiver.submitUnlock(keys);
        }
        return b.popcount();
    }
}
