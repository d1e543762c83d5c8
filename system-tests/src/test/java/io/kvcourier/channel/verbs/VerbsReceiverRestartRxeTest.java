package io.kvcourier.channel.verbs;

import io.kvcourier.event.CompletionPoller;
import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.L2Adapter;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.notify.ProxyListener;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.kvcourier.channel.verbs.VerbsRxeTest.PAGE;
import static io.kvcourier.channel.verbs.VerbsRxeTest.scaled;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * On rxe0: the receiver adapter dies in the middle of a transfer (its pages allocated, the sender's writes
 * not yet landed). The store fails within 2 s × {@code kvcourier.deadlineScale} (the alloc connection's end tells
 * the sender; no deadline runs out) and the proxy is still told; the sender stays
 * healthy, and once a receiver is back on the same ports its next store succeeds with every byte verified.
 */
@Tag("rdma")
class VerbsReceiverRestartRxeTest {
    private final Random random = new Random(5);

    private static Map<String, Object> config(String role) {
        Map<String, Object> m = VerbsStartupTest.config(role);
        int s = (int) Math.ceil(VerbsRxeTest.SCALE);
        m.put("handshake_timeout_sec", 5 * s);
        m.put("transfer_timeout_sec", 2 * s);
        m.put("allocation_timeout_sec", 2 * s);
        m.put("shutdown_timeout_sec", 5 * s);
        m.put("notify_timeout_sec", 10 * s);
        return m;
    }

    private List<MemoryObj> chunks(Arena arena, int n) {
        List<MemoryObj> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            MemorySegment seg = arena.allocate(PAGE, 64);
            byte[] data = new byte[(int) PAGE];
            random.nextBytes(data);
            MemorySegment.copy(MemorySegment.ofArray(data), 0, seg, 0, PAGE);
            out.add(MemoryObj.ofBytes(seg));
        }
        return out;
    }

    private static List<ObjectKey> keys(String prefix, int n) {
        List<ObjectKey> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            keys.add(ObjectKey.of((prefix + "-" + i).getBytes(), "llama", 0));
        }
        return keys;
    }

    private static Boolean store(L2Adapter sender, CompletionPoller poller, List<ObjectKey> keys, List<MemoryObj> objs,
                                 TransferSpec spec, Duration timeout) {
        long id = sender.submitStoreTask(keys, objs, spec);
        Map<Long, Boolean> seen = new HashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            seen.putAll(sender.popCompletedStoreTasks());
            Boolean r = seen.get(id);
            if (r != null) {
                return r;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            poller.await(Duration.ofNanos(left));
        }
    }

    private static PdL2Adapter receiverOn(List<Integer> initPorts, List<Integer> allocPorts) {
        Map<String, Object> r = config("receiver");
        r.put("peer_init_port", initPorts);
        r.put("peer_alloc_port", allocPorts);
        return PdL2Adapter.create(PdL2AdapterConfig.fromMap(r));
    }

    @Test
    void receiverDiesMidTransferTheStoreFailsInTimeAndTheSenderRecoversOnTheSamePorts() throws Exception {
        VerbsRxeTest.requireDevice();
        try (Arena arena = Arena.ofShared(); ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0)) {
            PdL2Adapter first = receiverOn(List.of(0), List.of(0));
            List<Integer> init = first.initPorts();
            List<Integer> alloc = first.allocPorts();
            Map<String, Object> s = config("sender");
            s.put("peer_init_port", init);
            s.put("peer_alloc_port", alloc);
            s.put("proxy_port", proxy.port());
            try (PdL2Adapter sender = PdL2Adapter.create(PdL2AdapterConfig.fromMap(s));
                 CompletionPoller sp = CompletionPoller.forAdapter(sender)) {
                assertThat(store(sender, sp, keys("warm", 2), chunks(arena, 2), new TransferSpec("warm", true, 2),
                        scaled(60))).as("connected").isTrue();
                java.util.concurrent.CountDownLatch onTheWire = new java.util.concurrent.CountDownLatch(1);
                java.util.concurrent.CountDownLatch goOn = new java.util.concurrent.CountDownLatch(1);
                VerbsConnection.HOLD_WRITES = new java.util.concurrent.CountDownLatch[] {onTheWire, goOn};
                long t0;
                java.util.concurrent.CompletableFuture<Boolean> lost;
                try {
                    lost = java.util.concurrent.CompletableFuture.supplyAsync(() -> store(sender, sp, keys("lost", 2),
                            chunks(arena, 2), new TransferSpec("lost", true, 2), scaled(60)));
                    assertThat(onTheWire.await(scaled(60).toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
                            .as("pages allocated, write about to be posted").isTrue();
                    first.close(); // the receiver dies mid-transfer
                    t0 = System.nanoTime();
                } finally {
                    VerbsConnection.HOLD_WRITES = null;
                    goOn.countDown();
                }
                assertThat(lost.get(scaled(120).toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
                        .as("completes, as failed").isFalse();
                Duration toFailure = Duration.ofNanos(System.nanoTime() - t0);
                System.out.println("verbs: receiver closed mid-transfer -> store failed after " + toFailure.toMillis()
                        + " ms (bound: 2 s x kvcourier.deadlineScale " + VerbsRxeTest.SCALE + ")");
                assertThat(toFailure).as("within 2 s x kvcourier.deadlineScale of the receiver's death (docs/FAILURES.md)")
                        .isLessThan(scaled(2));
                assertThat(proxy.awaitReady("lost", 1, scaled(30))).as("the proxy is still told").isTrue();

                try (PdL2Adapter second = receiverOn(init, alloc); CompletionPoller rp = CompletionPoller.forAdapter(second)) {
                    List<ObjectKey> back = keys("back", 3);
                    List<MemoryObj> data = chunks(arena, 3);
                    assertThat(store(sender, sp, back, data, new TransferSpec("back", true, 3), scaled(60)))
                            .as("the same sender succeeds against the receiver on the same ports").isTrue();
                    List<MemoryObj> loaded = new ArrayList<>();
                    for (int i = 0; i < 3; i++) {
                        loaded.add(MemoryObj.ofBytes(arena.allocate(PAGE, 64)));
                    }
                    long id = second.submitLoadTask(back, loaded);
                    long deadline = System.nanoTime() + scaled(30).toNanos();
                    Bitmap bits;
                    while ((bits = second.queryLoadResult(id)) == null && System.nanoTime() < deadline) {
                        rp.await(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                    }
                    assertThat(bits).isNotNull();
                    assertThat(bits.popcount()).isEqualTo(3);
                    for (int i = 0; i < 3; i++) {
                        assertThat(loaded.get(i).segment().mismatch(data.get(i).segment())).as("chunk %d", i).isEqualTo(-1);
                    }
                    assertThat(proxy.awaitReady("back", 1, scaled(30))).isTrue();
                }
            } finally {
                first.close();
            }
        }
    }
}
