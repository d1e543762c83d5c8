package io.kvcourier.channel.verbs;

import io.kvcourier.event.CompletionPoller;
import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;
import io.kvcourier.verbs.GidEntry;
import io.kvcourier.verbs.RdmaDevice;
import io.kvcourier.verbs.RdmaPort;
import io.kvcourier.verbs.Verbs;
import io.kvcourier.verbs.gen.verbs_h;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static io.kvcourier.channel.verbs.VerbsRxeTest.PAGE;
import static io.kvcourier.channel.verbs.VerbsRxeTest.scaled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * RDMA across hosts: a sender adapter in one soft-RoCE guest stores chunks into a receiver adapter in another
 * guest; the two rxe devices sit on different NICs with different IPv4 addresses in different subnets, so
 * every RDMA WRITE is a routed RoCE v2 packet between two GIDs. Each side uses the GID index of its own IPv4
 * address. The sender stores two tasks: the first opens the connection (handshake, QPs), the second is timed
 * alone and reported as the cross-host store throughput. The receiver learns of the commits from its commit
 * listener, then looks up, loads and compares every byte with what the sender stored (both derive the chunks
 * from one seed).
 *
 * <p>One JVM runs one role, chosen by {@code kvcourier.crossHost.role} ({@code sender} or {@code receiver}) with
 * {@code kvcourier.crossHost.localIp} and {@code kvcourier.crossHost.peerIp}; {@code .ci/rxe}'s two-guest step
 * sets them. Without them (every other run, surefire included) the test is skipped. Tagged
 * {@code rdma-cross-host}, not {@code rdma}: the single-guest group does not select it.
 */
@Tag("rdma-cross-host")
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class VerbsCrossHostRxeTest {
    static final String ROLE = "kvcourier.crossHost.role";
    static final String LOCAL_IP = "kvcourier.crossHost.localIp";
    static final String PEER_IP = "kvcourier.crossHost.peerIp";
    /** Fixed ports on the receiver's address: the sender in the other guest has no other way to learn them. */
    static final int INIT_PORT = 17300;
    static final int ALLOC_PORT = 17400;
    /** Chunks of the first store task (which opens the connection); the rest form the timed second task. */
    static final int FIRST = 2;
    static final int CHUNKS = 8;
    static final long SEED = 14;

    @Test
    void senderInOneGuestStoresReceiverInTheOtherLoadsEveryByte() throws Exception {
        String role = System.getProperty(ROLE, "");
        assumeTrue(!role.isEmpty(), ROLE + " unset: runs only in .ci/rxe's two-guest step");
        assertThat(role).as(ROLE).isIn("sender", "receiver");
        String localIp = System.getProperty(LOCAL_IP, "");
        String peerIp = System.getProperty(PEER_IP, "");
        assertThat(localIp).as(LOCAL_IP).isNotBlank().isNotEqualTo(peerIp);
        assertThat(peerIp).as(PEER_IP).isNotBlank();
        VerbsRxeTest.requireDevice();

        List<RdmaDevice> devices = Verbs.listDevices();
        int gidIndex = roceV2GidIndexOf(devices, "rxe0", localIp);
        assertThat(DeviceSelector.choose(devices, "rxe0", 1, -1).gidIndex())
                .as("gid_index -1 picks the GID of the guest's only IPv4 address").isEqualTo(gidIndex);
        Map<String, Object> config = config(role, localIp, peerIp, gidIndex);
        try (Arena arena = Arena.ofShared()) {
            List<MemoryObj> expected = chunks(arena, true);
            if (role.equals("sender")) {
                send(config, expected);
            } else {
                receive(config, arena, expected);
            }
        }
    }

    private static void send(Map<String, Object> config, List<MemoryObj> data) throws Exception {
        List<ObjectKey> keys = keys();
        try (PdL2Adapter sender = PdL2Adapter.create(PdL2AdapterConfig.fromMap(config));
             CompletionPoller poller = CompletionPoller.forAdapter(sender)) {
            Map<Long, Boolean> seen = new HashMap<>();
            // The receiver's JVM may still be starting: the handshake waits for it (handshake_timeout_sec).
            long t0 = System.nanoTime();
            store(sender, poller, seen, keys.subList(0, FIRST), data.subList(0, FIRST), "first");
            long t1 = System.nanoTime();
            store(sender, poller, seen, keys.subList(FIRST, CHUNKS), data.subList(FIRST, CHUNKS), "second");
            long t2 = System.nanoTime();
            VerbsRxeTest.writeThroughput(String.format(
                    "verbs cross-host store %d x %d B, %s -> %s: %.2f MB/s (the first store, %d chunks with the"
                            + " handshake: %.1f s)", CHUNKS - FIRST, PAGE, config.get("bind_host"), config.get("peer_host"),
                    (CHUNKS - FIRST) * PAGE / ((t2 - t1) / 1e3), FIRST, (t1 - t0) / 1e9));
        }
    }

    private static void store(PdL2Adapter sender, CompletionPoller poller, Map<Long, Boolean> seen,
                              List<ObjectKey> keys, List<MemoryObj> data, String which) {
        long id = sender.submitStoreTask(keys, data);
        Boolean ok = await(poller, scaled(10), () -> {
            seen.putAll(sender.popCompletedStoreTasks());
            return seen.get(id);
        });
        assertThat(ok).as("the %s store task completed", which).isNotNull();
        assertThat(ok).as("the %s store task succeeded", which).isTrue();
    }

    private static void receive(Map<String, Object> config, Arena arena, List<MemoryObj> expected) throws Exception {
        List<ObjectKey> keys = keys();
        Set<ObjectKey> pending = new HashSet<>(keys);
        CountDownLatch landed = new CountDownLatch(1);
        try (PdL2Adapter receiver = PdL2Adapter.create(PdL2AdapterConfig.fromMap(config));
             CompletionPoller poller = CompletionPoller.forAdapter(receiver)) {
            receiver.setCommitListener(committed -> {
                synchronized (pending) {
                    committed.forEach(pending::remove);
                    if (pending.isEmpty()) {
                        landed.countDown();
                    }
                }
            });
            assertThat(landed.await(scaled(12).toMillis(), TimeUnit.MILLISECONDS))
                    .as("every key from the sender at " + config.get("peer_host") + " committed").isTrue();

            long lookupId = receiver.submitLookupAndLockTask(keys);
            Bitmap found = await(poller, scaled(1), () -> receiver.queryLookupAndLockResult(lookupId));
            assertThat(found).as("lookup result").isNotNull();
            List<MemoryObj> loaded = chunks(arena, false);
            long loadId = receiver.submitLoadTask(keys, loaded);
            Bitmap loadedBits = await(poller, scaled(1), () -> receiver.queryLoadResult(loadId));
            assertThat(loadedBits).as("load result").isNotNull();
            for (int i = 0; i < CHUNKS; i++) {
                assertThat(found.test(i)).as("key %d found", i).isTrue();
                assertThat(loadedBits.test(i)).as("key %d loaded", i).isTrue();
                assertThat(loaded.get(i).segment().mismatch(expected.get(i).segment())).as("chunk %d bytes", i)
                        .isEqualTo(-1);
            }
            receiver.submitUnlock(keys);
        }
    }

    /** The index of {@code ipv4}'s RoCE v2 GID ({@code ::ffff:a.b.c.d}) on port 1 of {@code device}. */
    static int roceV2GidIndexOf(List<RdmaDevice> devices, String device, String ipv4) {
        String[] o = ipv4.split("\\.");
        assertThat(o).as("IPv4 address %s", ipv4).hasSize(4);
        String want = String.format("0000:0000:0000:0000:0000:ffff:%02x%02x:%02x%02x", Integer.parseInt(o[0]),
                Integer.parseInt(o[1]), Integer.parseInt(o[2]), Integer.parseInt(o[3]));
        for (RdmaDevice d : devices) {
            for (RdmaPort p : d.name().equals(device) ? d.ports() : List.<RdmaPort>of()) {
                for (GidEntry g : p.portNum() == 1 ? p.gids() : List.<GidEntry>of()) {
                    if (g.gid().equals(want) && g.type() == verbs_h.IBV_GID_TYPE_ROCE_V2()) {
                        return g.index();
                    }
                }
            }
        }
        throw new AssertionError("no RoCE v2 GID " + want + " for " + ipv4 + " on " + device + " port 1: "
                + DeviceSelector.describe(devices));
    }

    private static Map<String, Object> config(String role, String localIp, String peerIp, int gidIndex) {
        Map<String, Object> m = VerbsStartupTest.config(role);
        m.put("bind_host", localIp);
        m.put("peer_host", role.equals("sender") ? peerIp : localIp);
        m.put("peer_init_port", List.of(INIT_PORT));
        m.put("peer_alloc_port", List.of(ALLOC_PORT));
        m.put("rdma_device", "rxe0");
        m.put("buffer_size", (int) (2 * CHUNKS * PAGE));
        m.put("gid_index", gidIndex);
        int s = (int) Math.ceil(VerbsRxeTest.SCALE);
        m.put("handshake_timeout_sec", 10 * s);
        m.put("transfer_timeout_sec", 10 * s);
        m.put("allocation_timeout_sec", 10 * s);
        m.put("shutdown_timeout_sec", 5 * s);
        return m;
    }

    private static List<ObjectKey> keys() {
        List<ObjectKey> keys = new ArrayList<>();
        for (int i = 0; i < CHUNKS; i++) {
            keys.add(ObjectKey.of(("cross-host-" + i).getBytes(), "llama", 0));
        }
        return keys;
    }

    /** {@link #CHUNKS} pages; {@code fill}: the bytes both roles derive from {@link #SEED}. */
    private static List<MemoryObj> chunks(Arena arena, boolean fill) {
        Random random = new Random(SEED);
        List<MemoryObj> out = new ArrayList<>();
        for (int i = 0; i < CHUNKS; i++) {
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
}
