package io.kvcourier.cli;

import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A prefill node against a recording router: it stores exactly its share of the plan, each request to the decode
 * node the plan names, as one task of chunks x ranks keys whose bytes verify; a failed request stops it.
 */
class PrefillNodeTest {
    private static final long CHUNK = 1024;

    /** What the node asked for; completes every store at once with {@code true}, except to {@code failing}. */
    private static final class RecordingRouter implements DecodeRouter {
        record Store(String reqId, int decode, List<Integer> ranks, TransferSpec spec, boolean contentOk) {
        }

        final List<Store> stores = Collections.synchronizedList(new ArrayList<>());
        final int decodes;
        final int failing;
        boolean closed;

        RecordingRouter(int decodes, int failing) {
            this.decodes = decodes;
            this.failing = failing;
        }

        @Override
        public int decodeNodes() {
            return decodes;
        }

        @Override
        public CompletionStage<Boolean> store(List<ObjectKey> keys, List<MemoryObj> objects, TransferSpec spec,
                                              int decode) {
            boolean contentOk = true;
            List<Integer> ranks = new ArrayList<>();
            try (var arena = java.lang.foreign.Arena.ofConfined()) {
                var scratch = arena.allocate(CHUNK);
                for (int k = 0; k < keys.size(); k++) {
                    ranks.add(keys.get(k).tpRank());
                    contentOk &= KeyedChunks.mismatch(keys.get(k), objects.get(k).segment(), CHUNK, scratch) < 0;
                }
            }
            stores.add(new Store(spec.reqId(), decode, ranks, spec, contentOk));
            return CompletableFuture.supplyAsync(() -> decode != failing);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void aNodeStoresItsShareEachRequestToItsDecodeNodeOnEveryRank() {
        ClusterPlan plan = new ClusterPlan(2, 3, 2, 30, 3, CHUNK, 2, "t");
        for (int node = 0; node < plan.prefill(); node++) {
            RecordingRouter router = new RecordingRouter(3, -1);
            List<PrefillNode.Stored> told = new ArrayList<>();
            PrefillNode.Result r = new PrefillNode(plan, node, router, told::add).run(Duration.ofSeconds(60));
            assertTrue(r.success(), r.reason());
            assertEquals(plan.requestsOfPrefill(node), r.requests());
            assertEquals(r.requests(), r.ok());
            assertEquals(r.requests() * plan.bytesPerRequest(), r.bytesCommitted());
            assertEquals(r.requests(), router.stores.size());
            assertEquals(r.requests(), told.size());
            for (RecordingRouter.Store s : router.stores) {
                int i = plan.indexOf(s.reqId());
                assertEquals(node, plan.prefillOf(i), s.reqId());
                assertEquals(plan.decodeOf(i), s.decode(), s.reqId());
                assertEquals(new TransferSpec(s.reqId(), true, 6), s.spec());
                assertEquals(List.of(0, 0, 0, 1, 1, 1), s.ranks());
                assertTrue(s.contentOk(), s.reqId());
            }
            assertFalse(router.closed, "the router stays the caller's");
        }
    }

    @Test
    void aFailedRequestStopsTheNodeAndNamesTheRequestAndItsDecodeNode() {
        ClusterPlan plan = new ClusterPlan(1, 2, 1, 40, 1, CHUNK, 1, "f");
        RecordingRouter router = new RecordingRouter(2, 1);
        List<PrefillNode.Stored> told = new ArrayList<>();
        PrefillNode.Result r = new PrefillNode(plan, 0, router, told::add).run(Duration.ofSeconds(60));
        assertFalse(r.success());
        assertEquals(1, r.failed()); // window 1: request f-1 (decode 1) fails, nothing more is submitted
        assertEquals(1, r.ok());
        assertEquals(38, r.notSubmitted());
        assertTrue(r.reason().contains("request f-1 to decode node 1 was not committed"), r.reason());
        PrefillNode.Stored failed = told.get(1);
        assertFalse(failed.ok());
        assertEquals(0, failed.bytes());
        assertNull(told.get(0).problem());
    }
}
