package io.kvcourier.channel.verbs;

import io.kvcourier.event.CompletionPoller;
import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.L2Adapter;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

import static io.kvcourier.channel.verbs.VerbsRxeTest.PAGE;
import static io.kvcourier.channel.verbs.VerbsRxeTest.scaled;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two {@link PdL2Adapter}s with {@code transfer_channel: verbs} on a real device (rxe0 in the CI VM): random
 * chunks stored, looked up, loaded and compared byte for byte; a forced remote access error fails its store
 * task (nothing committed) and the next task succeeds over a rebuilt connection; close leaks no RDMA fd or
 * progress thread.
 */
@Tag("rdma")
class VerbsAdapterRxeTest {
    private final Random random = new Random(11);

    private static Map<String, Object> config(String role) {
        Map<String, Object> m = VerbsStartupTest.config(role);
        int s = (int) Math.ceil(VerbsRxeTest.SCALE);
        m.put("handshake_timeout_sec", 10 * s);
        m.put("transfer_timeout_sec", 10 * s);
        m.put("allocation_timeout_sec", 10 * s);
        m.put("shutdown_timeout_sec", 5 * s);
        return m;
    }

    private static List<ObjectKey> keys(String prefix, int n) {
        List<ObjectKey> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            keys.add(ObjectKey.of((prefix + "-" + i).getBytes(), "llama", 0));
        }
        return keys;
    }

    private List<MemoryObj> chunks(Arena arena, int n, boolean fill) {
        List<MemoryObj> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            MemorySegment seg = arena.allocate(PAGE, 64);
            if (fill) {
                byte[] data = new byte[(int) PAGE];
                random.nextBytes(data);
                MemorySegment.copy(MemorySegment.ofArray(data), 0, seg, 0, PAGE);
            }
            out.add(MemoryObj.ofBytes(seg));
        }
        return out;
    }

    private static <T> T await(CompletionPoller poller, Duration timeout, Supplier<T> result) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T r = result.get();
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

    private static Boolean store(L2Adapter sender, CompletionPoller poller, List<ObjectKey> keys, List<MemoryObj> objs) {
        long id = sender.submitStoreTask(keys, objs);
        Map<Long, Boolean> seen = new java.util.HashMap<>();
        return await(poller, scaled(60), () -> {
            seen.putAll(sender.popCompletedStoreTasks());
            return seen.get(id);
        });
    }

    private static Bitmap lookup(L2Adapter receiver, CompletionPoller poller, List<ObjectKey> keys) {
        long id = receiver.submitLookupAndLockTask(keys);
        return await(poller, scaled(30), () -> receiver.queryLookupAndLockResult(id));
    }

    @Test
    void storeLookupLoadEveryByteAForcedErrorRecoversAndCloseLeaksNothing() throws Exception {
        VerbsRxeTest.requireDevice();
        // The JDK's virtual-thread pollers and jeromq keep fds of their own once used, so count the RDMA ones.
        long fdsBefore = VerbsRxeTest.verbsFds();
        try (Arena arena = Arena.ofShared()) {
            assertThat(VerbsRxeTest.verbsFds()).isZero();
            PdL2Adapter receiver = PdL2Adapter.create(PdL2AdapterConfig.fromMap(config("receiver")));
            PdL2Adapter sender = null;
            try {
                Map<String, Object> s = config("sender");
                s.put("peer_init_port", receiver.initPorts());
                s.put("peer_alloc_port", receiver.allocPorts());
                sender = PdL2Adapter.create(PdL2AdapterConfig.fromMap(s));
                try (CompletionPoller sp = CompletionPoller.forAdapter(sender);
                     CompletionPoller rp = CompletionPoller.forAdapter(receiver)) {
                    List<ObjectKey> first = keys("first", 4);
                    List<MemoryObj> data = chunks(arena, 4, true);
                    assertThat(VerbsRxeTest.verbsFds()).as("device fds and completion channels held").isPositive();
                    assertThat(store(sender, sp, first, data)).isTrue();

                    Bitmap found = lookup(receiver, rp, first);
                    assertThat(found).isNotNull();
                    for (int i = 0; i < 4; i++) {
                        assertThat(found.test(i)).as("key %d committed", i).isTrue();
                    }
                    List<MemoryObj> loaded = chunks(arena, 4, false);
                    long loadId = receiver.submitLoadTask(first, loaded);
                    Bitmap loadBits = await(rp, scaled(30), () -> receiver.queryLoadResult(loadId));
                    assertThat(loadBits).isNotNull();
                    for (int i = 0; i < 4; i++) {
                        assertThat(loadBits.test(i)).isTrue();
                        assertThat(loaded.get(i).segment().mismatch(data.get(i).segment())).as("chunk %d bytes", i)
                                .isEqualTo(-1);
                    }
                    receiver.submitUnlock(first);

                    VerbsConnection.CORRUPT_RKEY_BATCHES.set(1);
                    List<ObjectKey> broken = keys("broken", 2);
                    assertThat(store(sender, sp, broken, chunks(arena, 2, true))).as("wrong rkey").isFalse();
                    Bitmap none = lookup(receiver, rp, broken);
                    assertThat(none.test(0) || none.test(1)).as("nothing committed").isFalse();

                    List<ObjectKey> after = keys("after", 2);
                    List<MemoryObj> afterData = chunks(arena, 2, true);
                    assertThat(store(sender, sp, after, afterData)).as("next task, rebuilt connection").isTrue();
                    List<MemoryObj> afterLoaded = chunks(arena, 2, false);
                    assertThat(lookup(receiver, rp, after).test(1)).isTrue();
                    long id2 = receiver.submitLoadTask(after, afterLoaded);
                    assertThat(await(rp, scaled(30), () -> receiver.queryLoadResult(id2))).isNotNull();
                    assertThat(afterLoaded.get(1).segment().mismatch(afterData.get(1).segment())).isEqualTo(-1);
                    receiver.submitUnlock(after);
                }
            } finally {
                VerbsConnection.CORRUPT_RKEY_BATCHES.set(0);
                if (sender != null) {
                    sender.close();
                }
                receiver.close();
            }
        }
        assertThat(VerbsRxeTest.verbsThreads()).isZero();
        assertThat(VerbsRxeTest.verbsFds()).isEqualTo(fdsBefore);
    }
}
