package io.kvcourier.pd;

import io.kvcourier.control.AllocExchange;
import io.kvcourier.control.AllocPool;
import io.kvcourier.control.ControlAgent;
import io.kvcourier.control.ControlSecurity;
import io.kvcourier.control.Endpoints;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.wire.CancelNotif;
import io.kvcourier.wire.WireEncoder;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.wire.AllocRequest;
import io.kvcourier.wire.AllocResponse;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.PythonPeer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import java.nio.ByteBuffer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kvcourier side that sends AllocRequests and reads the replies (the control thread's {@link AllocPool}
 * DEALERs and {@link HeldKeys}, which applies {@link AllocResponses#remotePagesFor} and aborts failed requests) against a
 * Python ROUTER that answers like current upstream {@code PDBackendAsync} ({@code upstream_receiver.py}): dedup
 * replies, replies out of order across two DEALERs (a request parked for admission is answered after a later
 * one), and {@code -1}. The script serves no channel handshake; no data is written.
 */
@Timeout(180)
class UpstreamReceiverInteropTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int PAGES = 8;
    private static final long[] SHAPE = {2, 2, 16, 64};

    /** The script's event lines, read in order; every line read is kept. */
    private static final class Events {
        final PythonPeer py;
        final List<Map<String, Object>> seen = new ArrayList<>();

        Events(PythonPeer py) {
            this.py = py;
        }

        /** Reads lines until one matches (bounded by {@link #WAIT} per line). */
        Map<String, Object> until(Predicate<Map<String, Object>> match) throws InterruptedException {
            while (true) {
                Map<String, Object> e = JsonReader.parseObject(py.nextLine(WAIT));
                seen.add(e);
                if (match.test(e)) {
                    return e;
                }
            }
        }

        Map<String, Object> until(String event, String reqId) throws InterruptedException {
            return until(e -> event.equals(e.get("event")) && reqId.equals(e.get("req_id")));
        }

        int indexOf(Map<String, Object> e) {
            return seen.indexOf(e);
        }
    }

    private static List<String> wire(List<ObjectKey> keys) {
        return keys.stream().map(ObjectKey::toCanonicalString).toList();
    }

    private static AllocRequest request(List<String> keys, String reqId, boolean last, int total) {
        return new AllocRequest(keys, 1, SHAPE, "bfloat16", 16, reqId, last, total);
    }

    private static List<String> strings(Object jsonList) {
        return ((List<?>) jsonList).stream().map(String.class::cast).toList();
    }

    private static void assertPages(int[] pages, int n) {
        assertThat(pages).hasSize(n);
        assertThat(java.util.Arrays.stream(pages).min().orElse(0)).as("a page for every key").isNotNegative();
    }

    /** One exchange over {@code pool} (on the control thread), waited for here. */
    private static PdMessage exchange(ControlAgent agent, AllocPool pool, PdMessage request) throws Exception {
        CompletableFuture<PdMessage> reply = new CompletableFuture<>();
        AllocExchange x = new AllocExchange() {
            @Override
            protected ByteBuffer encode(WireEncoder encoder) {
                return encoder.encode(request);
            }

            @Override
            protected void onReply(PdMessage r) {
                reply.complete(r);
            }

            @Override
            protected void onFailure(String why, boolean timedOut) {
                reply.completeExceptionally(new IllegalStateException(why));
            }
        };
        agent.execute(() -> pool.submit(x, System.nanoTime() + WAIT.toNanos()));
        return reply.get(WAIT.toSeconds() + 5, TimeUnit.SECONDS);
    }

    private static AllocResponse call(ControlAgent agent, AllocPool pool, AllocRequest req) throws Exception {
        PdMessage reply = exchange(agent, pool, req);
        assertThat(reply).isInstanceOf(AllocResponse.class);
        return (AllocResponse) reply;
    }

    /** A DEALER pool of one socket, like one rank's connection of a kvcourier sender with id {@code senderId}. */
    private static AllocPool pool(ControlAgent agent, String endpoint, String senderId) throws Exception {
        CompletableFuture<AllocPool> made = new CompletableFuture<>();
        agent.execute(() -> {
            AllocPool p = new AllocPool(agent, endpoint, senderId, ControlSecurity.NONE, 1, new WireEncoder());
            agent.add(p);
            made.complete(p);
        });
        return made.get(10, TimeUnit.SECONDS);
    }

    /** The engine's canceller: CancelNotif on the pool, waited for (failures fail the test). */
    private static HeldKeys.Canceller cancelOn(ControlAgent agent, AllocPool pool) {
        return (reqId, keys) -> {
            try {
                exchange(agent, pool, new CancelNotif(reqId, keys));
            } catch (Exception e) {
                throw new AssertionError("CancelNotif failed", e);
            }
        };
    }

    private static int[] accept(HeldKeys held, String reqId, List<String> keys, AllocResponse reply,
                                HeldKeys.Canceller canceller) {
        return held.accept(0, reqId, keys.size(), i -> ObjectKey.parse(keys.get(i)), reply, canceller);
    }

    @Test
    void kvcourierReadsAnUpstreamReceiversRepliesAndCancelsWhatAFailedRequestHolds() throws Exception {
        PythonPeer.interpreter();
        HeldKeys held = new HeldKeys();
        try (PythonPeer py = PythonPeer.start("upstream_receiver.py", Integer.toString(PAGES));
             ControlAgent agent = new ControlAgent("interop-control")) {
            Events events = new Events(py);
            int port = ((Long) events.until(e -> "listening".equals(e.get("event"))).get("port")).intValue();
            String endpoint = Endpoints.connect("127.0.0.1", port);
            {
                AllocPool one = pool(agent, endpoint, "kvc-one");
                AllocPool two = pool(agent, endpoint, "kvc-two");
                HeldKeys.Canceller cancelOne = cancelOn(agent, one);
                HeldKeys.Canceller cancelTwo = cancelOn(agent, two);

                // Dedup: the second batch repeats K1; upstream lists it as already sent, pages for the rest.
                List<String> k = wire(PdPair.keys("k", 4));
                int[] b1 = accept(held, "r1", k.subList(0, 2), call(agent, one, request(k.subList(0, 2), "r1", false, 5)),
                        cancelOne);
                assertPages(b1, 2);
                assertThat(events.until("reply", "r1").get("already")).isEqualTo(List.of());
                List<String> batch2 = k.subList(1, 4);
                AllocResponse r2 = call(agent, one, request(batch2, "r1", true, 5));
                assertThat(events.until("reply", "r1").get("already")).as("the script's view").isEqualTo(List.of(0L));
                assertThat(r2.alreadySentIndexes()).containsExactly(0);
                assertThat(r2.remoteIndexes()).hasSize(2);
                int[] pages2 = accept(held, "r1", batch2, r2, cancelOne);
                assertThat(pages2).as("K1 is not written; K2 and K3 go to the listed pages, in order")
                        .containsExactly(AllocResponses.ALREADY_SENT, r2.remoteIndexes()[0], r2.remoteIndexes()[1]);
                assertThat(held.heldBy("r1")).containsExactlyInAnyOrderElementsOf(k);

                // Out of order on two DEALERs: "late" waits for admission until "fill" is cancelled on the other.
                List<String> fill = wire(PdPair.keys("fill", 4));
                assertPages(accept(held, "fill", fill, call(agent, two, request(fill, "fill", false, 7)), cancelTwo), 4);
                List<String> late = wire(PdPair.keys("late", 2));
                CompletableFuture<AllocResponse> lateReply = new CompletableFuture<>();
                Thread.ofVirtual().start(() -> {
                    try {
                        lateReply.complete(call(agent, one, request(late, "late", true, 2)));
                    } catch (Throwable e) {
                        lateReply.completeExceptionally(e);
                    }
                });
                events.until("parked", "late");
                cancelTwo.cancel("fill", held.release("fill", List.of()));
                AllocResponse lr = lateReply.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertPages(accept(held, "late", late, lr, cancelOne), 2);
                Map<String, Object> fillCancel = events.until("cancel", "fill");
                assertThat(strings(fillCancel.get("keys"))).as("the fill request's keys, named by kvcourier")
                        .containsExactlyInAnyOrderElementsOf(fill);
                Map<String, Object> cancelReply = events.until("reply", "fill");
                Map<String, Object> lateAnswer = events.until("reply", "late");
                Map<String, Object> lateRequest = events.seen.stream()
                        .filter(e -> "request".equals(e.get("event")) && "late".equals(e.get("req_id"))).findFirst()
                        .orElseThrow();
                assertThat(events.indexOf(lateRequest)).as("late was sent first").isLessThan(events.indexOf(fillCancel));
                assertThat(events.indexOf(cancelReply)).as("and answered last").isLessThan(events.indexOf(lateAnswer));
                assertThat(lateAnswer.get("identity")).asString().startsWith("kvc-one/");
                assertThat(cancelReply.get("identity")).asString().startsWith("kvc-two/");

                // A -1 next to pages this reply did allocate: the request aborts and cancels those pages too.
                List<String> g = wire(PdPair.keys("g", 2));
                String failing = ObjectKey.of(new byte[] {1}, "fail", 0).toCanonicalString();
                List<String> batch = List.of(g.get(0), failing, g.get(1));
                AllocResponse partial = call(agent, one, request(batch, "r2", true, 3));
                assertThat(partial.remoteIndexes()[1]).isEqualTo(-1);
                assertThat(accept(held, "r2", batch, partial, cancelOne)).as("the store fails").isNull();
                Map<String, Object> c2 = events.until("cancel", "r2");
                assertThat(strings(c2.get("keys"))).as("CancelNotif names the pages the failing reply allocated")
                        .containsExactlyInAnyOrderElementsOf(g);
                assertThat(held.heldBy("r2")).isEmpty();

                // Upstream's own -1: a request larger than the buffer gets [-1] * n.
                List<String> z = wire(PdPair.keys("z", 1));
                AllocResponse tooBig = call(agent, one, request(z, "r3", false, PAGES + 1));
                assertThat(tooBig.remoteIndexes()).containsExactly(-1);
                assertThat(accept(held, "r3", z, tooBig, cancelOne)).isNull();
                assertThat(events.until("cancel", "r3").get("keys")).as("nothing held, the reservation released")
                        .isEqualTo(List.of());
                assertThat(held.heldBy("r3")).isEmpty();
            }
            py.closeInput();
            Map<String, Object> bye = events.until(e -> "bye".equals(e.get("event")));
            assertThat(bye.get("free")).as("K0..K3 and late's 2 pages stay; fill and r2 were freed")
                    .isEqualTo((long) PAGES - 6);
            assertThat(bye.get("reserved")).isEqualTo(0L);
            assertThat(py.waitFor(WAIT)).as("exit code; stderr: %s", py.stderr()).isZero();
        }
    }
}
