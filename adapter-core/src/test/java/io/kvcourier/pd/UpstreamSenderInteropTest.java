package io.kvcourier.pd;

import io.kvcourier.l2.ObjectKey;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.Poll;
import io.kvcourier.testkit.TaskWaiter;
import io.kvcourier.wire.PythonPeer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Python sender that follows current upstream {@code PDBackendAsync} ({@code upstream_sender.py}: msgspec and
 * pyzmq, its reply validation copied rule for rule) against a kvcourier receiver's alloc port. After every step
 * the script reports its view (the reply, its verdict) and this test checks the receiver's (status counters,
 * lookups, pages in use). The script has no data plane kvcourier speaks, so this test reports its batches as
 * landed, the way a one-sided channel does ({@link LandingCapture}).
 */
@Timeout(180)
class UpstreamSenderInteropTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** The script's chunk: bfloat16 [2, 2, 16, 64]. */
    private static final long CHUNK = 2L * 2 * 16 * 64 * 2;
    private static final int PAGES = 16;

    private final LandingCapture channel = new LandingCapture();

    /** The script's lines, one step at a time. */
    private record Script(PythonPeer py) {
        Map<String, Object> step(String name) throws InterruptedException {
            String line = py.nextLine(WAIT);
            Map<String, Object> view = JsonReader.parseObject(line);
            assertThat(view.get("step")).as("script line %s; stderr: %s", line, py.stderr()).isEqualTo(name);
            return view;
        }

        void go() throws IOException {
            py.sendLine("go");
        }
    }

    @Test
    void anUpstreamSenderIsServedAndNeverAbortsARequestTheReceiverCouldServe() throws Exception {
        PythonPeer.interpreter();
        Map<String, Object> cfg = PdPair.base("receiver");
        cfg.put("peer_init_port", List.of(0));
        cfg.put("peer_alloc_port", List.of(0));
        cfg.put("buffer_size", PAGES * CHUNK);
        cfg.put("chunk_bytes", CHUNK);
        cfg.put("transfer_timeout_sec", 60); // nothing expires unless the test says so
        cfg.put("allocation_timeout_sec", 5);
        try (PdL2Adapter receiver = new PdL2Adapter(PdL2AdapterConfig.fromMap(cfg), channel);
             TaskWaiter wr = new TaskWaiter(receiver);
             PythonPeer py = PythonPeer.start("upstream_sender.py", receiver.allocPorts().get(0).toString(),
                     receiver.initPorts().get(0).toString(), Integer.toString(PAGES))) {
            Script s = new Script(py);
            Map<String, Object> hello = s.step("hello");
            String a = (String) hello.get("identity");
            String b = (String) hello.get("identity_b");
            s.go();

            // A fresh request in two batches: the first reserves total_chunks, the last releases the rest.
            Map<String, Object> f1 = s.step("fresh-1");
            assertSent(f1, List.of(), 2);
            assertStatus(receiver, 2, 2, 0);
            assertThat(visible(wr, receiver, keys(f1))).as("allocated, not landed: invisible").isZero();
            assertThat(channel.land(a, firstPage(f1))).isTrue();
            assertThat(visible(wr, receiver, keys(f1))).isEqualTo(2);
            s.go();
            Map<String, Object> f2 = s.step("fresh-2");
            assertSent(f2, List.of(), 2);
            assertThat(f2.get("proxy")).as("upstream would notify the proxy now").isEqualTo(true);
            assertStatus(receiver, 4, 0, 2);
            assertThat(channel.land(a, firstPage(f2))).isTrue();
            s.go();

            // Keys the receiver committed: listed as already sent, pages only for the new key.
            Map<String, Object> dc = s.step("dup-committed");
            assertSent(dc, List.of(0L, 2L), 1);
            assertThat((List<?>) dc.get("to_send")).hasSize(1);
            assertStatus(receiver, 5, 0, 4);
            assertThat(channel.land(a, firstPage(dc))).isTrue();
            assertThat(PdPair.status(receiver, "data_count")).isEqualTo(5);
            s.go();

            // Keys in flight for another request: the reply waits until they committed.
            Map<String, Object> ia = s.step("inflight-a");
            assertSent(ia, List.of(), 2);
            s.go();
            s.step("inflight-b-sent");
            assertThat(Poll.until(() -> PdPair.status(receiver, "waiting_allocations") == 1, WAIT))
                    .as("the receiver holds the reply").isTrue();
            assertStatus(receiver, 7, 0, 5);
            assertThat(channel.land(a, firstPage(ia))).isTrue();
            Map<String, Object> ib = s.step("inflight-b");
            assertSent(ib, List.of(0L), 1);
            assertThat(PdPair.status(receiver, "waiting_allocations")).isZero();
            assertThat(channel.land(a, firstPage(ib))).isTrue();
            assertThat(visible(wr, receiver, keys(ia, ib))).isEqualTo(3);
            s.go();

            // Two DEALERs: the request sent first waits for a key in flight, the other is answered before it.
            Map<String, Object> hold = s.step("hold");
            assertSent(hold, List.of(), 1);
            s.go();
            Map<String, Object> first = s.step("concurrent-first");
            assertThat(first.get("dealer")).as("the later request's reply comes first").isEqualTo("b");
            assertSent(first, List.of(), 2);
            assertThat(Poll.until(() -> PdPair.status(receiver, "waiting_allocations") == 1, WAIT)).isTrue();
            assertThat(channel.land(a, firstPage(hold))).isTrue();
            Map<String, Object> second = s.step("concurrent-second");
            assertThat(second.get("dealer")).isEqualTo("a");
            assertSent(second, List.of(0L), 1);
            assertThat(channel.land(b, firstPage(first))).isTrue();
            assertThat(channel.land(a, firstPage(second))).isTrue();
            assertStatus(receiver, 12, 0, 12);
            s.go();

            // More chunks than the buffer can ever hold: [-1] * n at once; upstream aborts (nothing to cancel).
            Map<String, Object> big = s.step("over-capacity");
            assertThat(big.get("outcome")).isEqualTo("aborted");
            assertThat(big.get("remote")).isEqualTo(List.of(-1L, -1L));
            assertThat(big.get("cancel")).isNull();
            assertStatus(receiver, 12, 0, 12);
            s.go();

            // Cumulative overflow: the receiver rolls the request back; the sender's CancelNotif is answered.
            Map<String, Object> o1 = s.step("overflow-1");
            assertSent(o1, List.of(), 2);
            assertThat(channel.land(a, firstPage(o1))).isTrue();
            assertStatus(receiver, 14, 0, 14);
            s.go();
            Map<String, Object> o2 = s.step("overflow-2");
            assertThat(o2.get("outcome")).isEqualTo("aborted");
            assertCancelled(o2, keys(o1));
            assertStatus(receiver, 12, 0, 12);
            assertThat(visible(wr, receiver, keys(o1))).isZero();
            s.go();

            // cancel_request mid-request: the receiver frees the pages and the rest of the reservation now.
            Map<String, Object> c1 = s.step("cancel-1");
            assertSent(c1, List.of(), 2);
            assertStatus(receiver, 14, 1, 12);
            s.go();
            Map<String, Object> cx = s.step("cancel");
            assertCancelled(cx, keys(c1));
            assertThat(Poll.until(() -> PdPair.status(receiver, "pages_in_use") == 12, WAIT))
                    .as("in-flight pages are fenced, then freed").isTrue();
            assertStatus(receiver, 12, 0, 12);
            assertThat(visible(wr, receiver, keys(c1))).isZero();
            s.go();

            // Garbage: answered [-1], counted, and the port keeps serving.
            Map<String, Object> g = s.step("garbage");
            assertThat(g.get("reply_type")).isEqualTo("AllocResponse");
            assertThat(g.get("remote")).isEqualTo(List.of(-1L));
            assertThat(g.get("already")).isEqualTo(List.of());
            assertThat(PdPair.status(receiver, "malformed_messages")).isEqualTo(1);
            s.go();

            s.step("done");
            assertThat(py.waitFor(WAIT)).as("exit code; stderr: %s", py.stderr()).isZero();
        }
    }

    private static void assertSent(Map<String, Object> view, List<Long> already, int pages) {
        assertThat(view.get("outcome")).as("the upstream sender's verdict on %s", view).isEqualTo("sent");
        assertThat(view.get("already")).isEqualTo(already);
        assertThat((List<?>) view.get("remote")).hasSize(pages).allSatisfy(p -> assertThat((Long) p).isNotNegative());
    }

    private static void assertCancelled(Map<String, Object> view, List<ObjectKey> keys) {
        @SuppressWarnings("unchecked") // the script's JSON view holds the CancelNotif as an object
        Map<String, Object> cancel = (Map<String, Object>) view.get("cancel");
        assertThat(cancel).as("the sender sent a CancelNotif").isNotNull();
        assertThat(((List<?>) cancel.get("keys")).stream().map(k -> ObjectKey.parse((String) k)).toList())
                .containsExactlyInAnyOrderElementsOf(keys);
        assertThat(cancel.get("reply_type")).isEqualTo("AllocResponse");
        assertThat(cancel.get("reply_remote")).as("CancelNotif is answered AllocResponse([], [])").isEqualTo(List.of());
        assertThat(cancel.get("reply_already")).isEqualTo(List.of());
    }

    private static void assertStatus(PdL2Adapter receiver, int pagesInUse, int reserved, int committed) {
        Map<String, Object> st = receiver.reportStatus();
        assertThat(st).as("receiver status").containsEntry("pages_in_use", pagesInUse)
                .containsEntry("reserved_pages", reserved).containsEntry("data_count", committed);
    }

    /** The batch id the receiver gave the allocation: its first page. */
    private static int firstPage(Map<String, Object> view) {
        return ((Long) ((List<?>) view.get("remote")).get(0)).intValue();
    }

    @SafeVarargs
    private static List<ObjectKey> keys(Map<String, Object>... views) {
        java.util.LinkedHashSet<ObjectKey> keys = new java.util.LinkedHashSet<>();
        for (Map<String, Object> v : views) { // the array itself never leaves this method
            for (Object k : (List<?>) v.get("keys")) {
                keys.add(ObjectKey.parse((String) k));
            }
        }
        return List.copyOf(keys);
    }

    /** How many of {@code keys} lookup finds (their locks released again). */
    private static int visible(TaskWaiter wr, PdL2Adapter receiver, List<ObjectKey> keys) {
        int found = wr.awaitLookup(receiver.submitLookupAndLockTask(keys), WAIT).popcount();
        receiver.submitUnlock(keys);
        return found;
    }
}
