package io.kvcourier.pd;

import io.kvcourier.channel.MockMemoryChannel;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.Poll;
import io.kvcourier.wire.AllocRequest;
import io.kvcourier.wire.AllocResponse;
import io.kvcourier.wire.WireCodec;
import io.kvcourier.wire.WireFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A receiver handles one sender's in-band allocation requests in the order they came, also when one of them had to go
 * to the control thread to wait for room and room came before the control thread got to it: a later request (here
 * the request's last batch) then waits behind it instead of being allocated first on the thread that read it. Had
 * the last batch gone first, it would have ended the request's reservation, and the earlier batch would have opened
 * the request again and left its reservation behind.
 */
@Timeout(60)
class InBandRequestOrderTest {
    private static final long PAGE = PdPair.CHUNK;
    private static final long WAIT_MS = 20_000;

    @Test
    void aLaterRequestWaitsBehindOneQueuedOnTheControlThread() throws Exception {
        Map<String, Object> settings = PdPair.base("receiver");
        settings.put("buffer_size", 2 * PAGE);
        settings.put("peer_init_port", List.of(0));
        settings.put("peer_alloc_port", List.of(0));
        settings.put("allocation_timeout_sec", 20);
        settings.put("transfer_timeout_sec", 20);
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        try (ReceiverEngine engine = new ReceiverEngine(PdL2AdapterConfig.fromMap(settings), executor,
                MockMemoryChannel.FACTORY)) {
            ReceiverStore store = engine.store();
            // Both pages hold committed keys that are locked: nothing can be evicted for room.
            List<ObjectKey> held = PdPair.keys("held", 2);
            AllocRequest fill = request(held, "", false, 0);
            int batchId = store.allocate("filler", fill, ReceiverStore.parse(fill)).reply().remoteIndexes()[0];
            assertThat(store.onBatchLanded("filler", batchId)).isTrue();
            assertThat(store.lookupAndLock(held).popcount()).isEqualTo(2);

            // Hold the control thread up.
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            assertThat(engine.control().execute(() -> {
                holding.countDown();
                try {
                    release.await(WAIT_MS, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            })).isTrue();
            assertThat(holding.await(WAIT_MS, TimeUnit.MILLISECONDS)).isTrue();

            List<String> answered = new CopyOnWriteArrayList<>();
            List<AllocResponse> replies = new CopyOnWriteArrayList<>();
            try {
                // The request's first batch finds no room: it goes to the (held) control thread to wait.
                send(engine, request(PdPair.keys("first", 1), "r1", false, 2), "first", answered, replies);
                // Room comes while the control thread is still held: the locked keys may now be evicted.
                store.unlock(held);
                // The last batch: there is room now, and nothing waits in the control thread's queue of waiting
                // allocations yet; it must still be handled after the first batch.
                send(engine, request(PdPair.keys("last", 1), "r1", true, 2), "last", answered, replies);
                assertThat(answered).as("nothing is answered before the first batch").isEmpty();
            } finally {
                release.countDown(); // before the engine closes, whatever failed: its close runs on that thread
            }
            assertThat(Poll.until(() -> answered.size() == 2, Duration.ofMillis(WAIT_MS))).isTrue();
            assertThat(answered).containsExactly("first", "last");
            for (AllocResponse r : replies) {
                assertThat(r.remoteIndexes()).as("allocated").hasSize(1).doesNotContain(-1);
            }
            assertThat(store.reservedPages()).as("the last batch ended the request's reservation").isZero();
        } finally {
            executor.close();
        }
    }

    private static AllocRequest request(List<ObjectKey> keys, String reqId, boolean last, int total) {
        return new AllocRequest(keys.stream().map(ObjectKey::toCanonicalString).toList(), 4, new long[] {PAGE},
                "uint8", (int) PAGE, reqId, last, total);
    }

    /** Hands the request to the engine as a data connection's reader would, recording when it is answered. */
    private static void send(ReceiverEngine engine, AllocRequest req, String name, List<String> answered,
                             List<AllocResponse> replies) {
        byte[] bytes = WireCodec.encode(req);
        engine.onInBandRequest("sender-1", bytes, 0, bytes.length, (b, off, len) -> {
            try {
                replies.add(WireCodec.decode(b, off, len, AllocResponse.class));
            } catch (WireFormatException e) {
                throw new AssertionError("the reply does not decode", e);
            }
            answered.add(name);
        });
    }
}
