package io.kvcourier.pd;

import io.kvcourier.channel.BatchCompletion;
import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.ChannelSettings;
import io.kvcourier.channel.ConnectionWrappingSender;
import io.kvcourier.channel.ControlReplySink;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.channel.MockMemoryChannel;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.channel.WriteBatch;
import io.kvcourier.channel.tcp.TcpChannel;
import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.notify.ProxyListener;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.Poll;
import io.kvcourier.testkit.TaskWaiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * xPyD: one sender adapter storing each request to the receiver named for it ({@link ReceiverTarget}), peers made on
 * first use and reused, closed when idle, refused beyond {@code max_peers}, backed off after a failure, and kept from
 * starving each other of staging pages. Receivers are adapters in this JVM over the real ZMQ control plane.
 */
@Timeout(120)
class PerRequestTargetTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Receiver adapters of one test, closed together. */
    private static final class Receivers implements AutoCloseable {
        final List<PdL2Adapter> open = new ArrayList<>();
        final TransferChannelFactory channel;
        final String kind;

        Receivers(String kind, TransferChannelFactory channel) {
            this.kind = kind;
            this.channel = channel;
        }

        /** A receiver with {@code ranks} port pairs on ephemeral ports (or the given ones). */
        PdL2Adapter start(int ranks, List<Integer> init, List<Integer> alloc) {
            return start(ranks, init, alloc, m -> { });
        }

        PdL2Adapter start(int ranks, List<Integer> init, List<Integer> alloc, Consumer<Map<String, Object>> tweaks) {
            Map<String, Object> r = PdPair.base("receiver");
            r.put("transfer_channel", kind);
            r.put("peer_init_port", init != null ? init : zeros(ranks));
            r.put("peer_alloc_port", alloc != null ? alloc : zeros(ranks));
            tweaks.accept(r);
            PdL2Adapter a = new PdL2Adapter(PdL2AdapterConfig.fromMap(r), channel);
            open.add(a);
            return a;
        }

        PdL2Adapter start() {
            return start(1, null, null);
        }

        @Override
        public void close() {
            for (PdL2Adapter a : open) {
                a.close();
            }
        }
    }

    private static List<Integer> zeros(int n) {
        List<Integer> z = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            z.add(0);
        }
        return z;
    }

    private static ReceiverTarget target(PdL2Adapter receiver) {
        return ReceiverTarget.of("127.0.0.1", receiver.initPorts(), receiver.allocPorts());
    }

    private static TransferChannelFactory factory(String kind) {
        return "tcp".equals(kind) ? TcpChannel.FACTORY : MockMemoryChannel.FACTORY;
    }

    /** A sender whose configured peer is {@code configured}; {@code tweaks} adjust its config. */
    private static PdL2Adapter sender(Receivers rs, PdL2Adapter configured, Consumer<Map<String, Object>> tweaks) {
        Map<String, Object> s = PdPair.base("sender");
        s.put("transfer_channel", rs.kind);
        s.put("peer_init_port", configured.initPorts());
        s.put("peer_alloc_port", configured.allocPorts());
        s.put("allocation_timeout_sec", 20);
        s.put("transfer_timeout_sec", 20);
        tweaks.accept(s);
        return new PdL2Adapter(PdL2AdapterConfig.fromMap(s), rs.channel);
    }

    /** Whether {@code receiver} holds exactly {@code objs} under {@code keys} (lookup, load, compare, unlock). */
    private static boolean holds(PdL2Adapter receiver, PdPair chunks, List<ObjectKey> keys, List<MemoryObj> objs)
            throws Exception {
        Bitmap found = receiver.async().lookupAndLock(keys).toCompletableFuture().get(10, TimeUnit.SECONDS);
        if (found.popcount() != keys.size()) {
            receiver.submitUnlock(keys);
            return false;
        }
        List<MemoryObj> into = chunks.emptyChunks(keys.size());
        Bitmap loaded = receiver.async().load(keys, into).toCompletableFuture().get(10, TimeUnit.SECONDS);
        receiver.submitUnlock(keys);
        if (loaded.popcount() != keys.size()) {
            return false;
        }
        for (int i = 0; i < keys.size(); i++) {
            if (!PdPair.sameBytes(objs.get(i), into.get(i), PdPair.CHUNK)) {
                return false;
            }
        }
        return true;
    }

    private static int lookupCount(PdL2Adapter receiver, List<ObjectKey> keys) throws Exception {
        Bitmap found = receiver.async().lookupAndLock(keys).toCompletableFuture().get(10, TimeUnit.SECONDS);
        receiver.submitUnlock(keys);
        return found.popcount();
    }

    @SuppressWarnings("unchecked") // reportStatus() documents "peers" as a list of maps
    private static List<Map<String, Object>> peers(PdL2Adapter sender) {
        return (List<Map<String, Object>>) sender.reportStatus().get("peers");
    }

    /** The status map of the sender's peer for {@code t}, or null when it has none open. */
    private static Map<String, Object> peer(PdL2Adapter sender, ReceiverTarget t) {
        for (Map<String, Object> m : peers(sender)) {
            if (t.peerName().equals(m.get("target"))) {
                return m;
            }
        }
        return null;
    }

    private static Object peerField(PdL2Adapter sender, ReceiverTarget t, String field) {
        Map<String, Object> m = peer(sender, t);
        return m == null ? null : m.get(field);
    }

    // ------------------------------------------------------------------------------------------------ tests

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "mock_memory"})
    void eachRequestLandsOnTheReceiverItNamesAndOnlyThere(String kind) throws Exception {
        try (Receivers rs = new Receivers(kind, factory(kind)); PdPair chunks = chunkSource()) {
            List<PdL2Adapter> receivers = List.of(rs.start(), rs.start(), rs.start());
            try (PdL2Adapter sender = sender(rs, receivers.get(0), m -> { });
                 TaskWaiter ws = new TaskWaiter(sender)) {
                List<List<ObjectKey>> keys = new ArrayList<>();
                List<List<MemoryObj>> objs = new ArrayList<>();
                List<Long> ids = new ArrayList<>();
                for (int req = 0; req < 9; req++) {
                    keys.add(PdPair.keys(kind + "-req" + req, 3));
                    objs.add(chunks.randomChunks(3));
                    ReceiverTarget t = target(receivers.get(req % 3));
                    ids.add(sender.submitStoreTask(keys.get(req), objs.get(req),
                            new TransferSpec("req" + req, true, 3), t));
                }
                for (long id : ids) {
                    assertThat(ws.awaitStore(id, WAIT)).as("store %d", id).isTrue();
                }
                assertThat(PdPair.status(receivers.get(1), "data_count")).as("its three requests").isEqualTo(9);
                for (int req = 0; req < 9; req++) {
                    PdL2Adapter chosen = receivers.get(req % 3);
                    assertThat(holds(chosen, chunks, keys.get(req), objs.get(req))).as("req%d on its receiver", req)
                            .isTrue();
                    for (PdL2Adapter other : receivers) {
                        if (other != chosen) {
                            assertThat(lookupCount(other, keys.get(req))).as("req%d elsewhere", req).isZero();
                        }
                    }
                }
                // Receiver 0 is also the configured peer: a store without a target goes there, over the same peer.
                List<ObjectKey> plainKeys = PdPair.keys(kind + "-plain", 2);
                List<MemoryObj> plain = chunks.randomChunks(2);
                assertThat(ws.awaitStore(sender.submitStoreTask(plainKeys, plain, TransferSpec.NONE), WAIT)).isTrue();
                assertThat(holds(receivers.get(0), chunks, plainKeys, plain)).isTrue();
                assertThat(peers(sender)).as("one peer per receiver, reused").hasSize(3);
            }
        }
    }

    @Test
    void aClosedReceiverFailsOnlyItsOwnStoresAndAReceiverAddedLaterIsUsed() throws Exception {
        try (Receivers rs = new Receivers("tcp", TcpChannel.FACTORY); PdPair chunks = chunkSource()) {
            PdL2Adapter a = rs.start();
            PdL2Adapter b = rs.start();
            PdL2Adapter c = rs.start();
            ReceiverTarget ta = target(a);
            ReceiverTarget tb = target(b);
            ReceiverTarget tc = target(c);
            try (PdL2Adapter sender = sender(rs, a, m -> { }); TaskWaiter ws = new TaskWaiter(sender)) {
                for (ReceiverTarget t : List.of(ta, tb, tc)) {
                    assertThat(ws.awaitStore(sender.submitStoreTask(PdPair.keys("warm" + t.peerName(), 2),
                            chunks.randomChunks(2), TransferSpec.NONE, t), WAIT)).isTrue();
                }
                // B goes away while a store to it may be on its way.
                long racing = sender.submitStoreTask(PdPair.keys("racing", 2), chunks.randomChunks(2),
                        TransferSpec.NONE, tb);
                b.close();
                // docs/FAILURES.md: a lost receiver's stores fail within about heartbeat_timeout_sec (2 s), far
                // inside the 20 s allocation and transfer deadlines this sender has.
                assertThat(ws.awaitStore(racing, Duration.ofSeconds(10))).as("the racing store ends").isNotNull();
                for (int round = 0; round < 3; round++) {
                    long toB = sender.submitStoreTask(PdPair.keys("b" + round, 2), chunks.randomChunks(2),
                            TransferSpec.NONE, tb);
                    List<ObjectKey> ka = PdPair.keys("a" + round, 2);
                    List<MemoryObj> oa = chunks.randomChunks(2);
                    List<ObjectKey> kc = PdPair.keys("c" + round, 2);
                    List<MemoryObj> oc = chunks.randomChunks(2);
                    long toA = sender.submitStoreTask(ka, oa, TransferSpec.NONE, ta);
                    long toC = sender.submitStoreTask(kc, oc, TransferSpec.NONE, tc);
                    // At once while B's peer backs off; else at its handshake deadline (5 s): never the 20 s ones.
                    assertThat(ws.awaitStore(toB, Duration.ofSeconds(15))).as("store to closed B").isFalse();
                    assertThat(ws.awaitStore(toA, WAIT)).as("store to A").isTrue();
                    assertThat(ws.awaitStore(toC, WAIT)).as("store to C").isTrue();
                    assertThat(holds(a, chunks, ka, oa)).isTrue();
                    assertThat(holds(c, chunks, kc, oc)).isTrue();
                }
                assertThat(((Number) peerField(sender, tb, "failures")).intValue()).isGreaterThanOrEqualTo(1);
                // A receiver started now is used without restarting the sender.
                PdL2Adapter d = rs.start();
                List<ObjectKey> kd = PdPair.keys("d", 3);
                List<MemoryObj> od = chunks.randomChunks(3);
                assertThat(ws.awaitStore(sender.submitStoreTask(kd, od, new TransferSpec("req-d", true, 3),
                        target(d)), WAIT)).isTrue();
                assertThat(holds(d, chunks, kd, od)).isTrue();
            }
        }
    }

    @Test
    void oneNotificationPerRankOfTheRequestsTarget() throws Exception {
        try (ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0);
             Receivers rs = new Receivers("mock_memory", MockMemoryChannel.FACTORY); PdPair chunks = chunkSource()) {
            PdL2Adapter one = rs.start();
            PdL2Adapter two = rs.start(2, null, null);
            try (PdL2Adapter sender = sender(rs, one, m -> {
                m.put("proxy_host", "127.0.0.1");
                m.put("proxy_port", proxy.port());
            }); TaskWaiter ws = new TaskWaiter(sender)) {
                List<ObjectKey> keys = new ArrayList<>(PdPair.keys("r0", 2, 0));
                keys.addAll(PdPair.keys("r1", 2, 1 << 16));
                List<MemoryObj> objs = chunks.randomChunks(4);
                assertThat(ws.awaitStore(sender.submitStoreTask(keys, objs, new TransferSpec("tp2", true, 4),
                        target(two)), WAIT)).isTrue();
                assertThat(holds(two, chunks, keys, objs)).as("each rank's keys on that rank's ports").isTrue();
                assertThat(ws.awaitStore(sender.submitStoreTask(PdPair.keys("tp1", 1), chunks.randomChunks(1),
                        new TransferSpec("tp1", true, 1)), WAIT)).isTrue();
                assertThat(proxy.awaitReady("tp1", 1, WAIT)).isTrue();
                assertThat(proxy.awaitReady("tp2", 2, WAIT)).as("one per rank of the 2-rank target").isTrue();
                assertThat(proxy.count("tp2")).isEqualTo(2);
                assertThat(proxy.count("tp1")).as("the configured peer has one rank").isEqualTo(1);
            }
        }
    }

    @Test
    void maxPeersRefusesANewReceiverWhileNoneIsIdleAndAnIdleOneMakesRoom() throws Exception {
        try (Receivers rs = new Receivers("mock_memory", MockMemoryChannel.FACTORY); PdPair chunks = chunkSource();
             java.net.ServerSocket silent = new java.net.ServerSocket(0, 50,
                     java.net.InetAddress.getLoopbackAddress())) {
            PdL2Adapter a = rs.start();
            PdL2Adapter b = rs.start();
            // A receiver that accepts connections and never answers: a store to it stays in its handshake.
            ReceiverTarget mute = ReceiverTarget.of("127.0.0.1", List.of(silent.getLocalPort()),
                    List.of(silent.getLocalPort()));
            try (PdL2Adapter sender = sender(rs, a, m -> {
                m.put("max_peers", 1);
                m.put("handshake_timeout_sec", 3);
            }); TaskWaiter ws = new TaskWaiter(sender)) {
                long stuck = sender.submitStoreTask(PdPair.keys("mute", 1), chunks.randomChunks(1),
                        TransferSpec.NONE, mute);
                assertThat(Poll.until(() -> peer(sender, mute) != null, WAIT)).isTrue();
                long refused = sender.submitStoreTask(PdPair.keys("refused", 1), chunks.randomChunks(1),
                        TransferSpec.NONE, target(b));
                assertThat(ws.awaitStore(refused, WAIT)).as("refused at once").isFalse();
                assertThat(ws.awaitStore(stuck, WAIT)).as("the handshake deadline ends it").isFalse();
                // The mute peer is idle now (backing off): it makes room for B.
                assertThat(ws.awaitStore(sender.submitStoreTask(PdPair.keys("b", 1), chunks.randomChunks(1),
                        TransferSpec.NONE, target(b)), WAIT)).isTrue();
                assertThat(peers(sender)).extracting(m -> m.get("target")).containsExactly(target(b).peerName());
            }
        }
    }

    @Test
    void aFailedReceiverIsBackedOffThenUsedAgainOnceItIsBack() throws Exception {
        try (Receivers rs = new Receivers("tcp", TcpChannel.FACTORY); PdPair chunks = chunkSource()) {
            PdL2Adapter a = rs.start();
            PdL2Adapter b = rs.start();
            ReceiverTarget tb = target(b);
            try (PdL2Adapter sender = sender(rs, a, m -> m.put("peer_retry_backoff_sec", 8));
                 TaskWaiter ws = new TaskWaiter(sender)) {
                assertThat(ws.awaitStore(sender.submitStoreTask(PdPair.keys("b1", 1), chunks.randomChunks(1),
                        TransferSpec.NONE, tb), WAIT)).isTrue();
                b.close();
                assertThat(Poll.until(() -> "backoff".equals(peerField(sender, tb, "state")), WAIT))
                        .as("the lost receiver opens the breaker").isTrue();
                assertThat(ws.awaitStore(sender.submitStoreTask(PdPair.keys("b2", 1), chunks.randomChunks(1),
                        TransferSpec.NONE, tb), WAIT)).isFalse();
                assertThat(((Number) peerField(sender, tb, "fast_failed")).longValue()).as("failed without trying")
                        .isEqualTo(1);
                assertThat(((Number) peerField(sender, tb, "backoff_until")).longValue()).isPositive();
                // B comes back on the same ports; once the back-off is over, stores to it succeed again.
                PdL2Adapter back = rs.start(1, tb.initPorts(), tb.allocPorts());
                assertThat(Poll.until(() -> !"backoff".equals(peerField(sender, tb, "state")), WAIT)).isTrue();
                List<ObjectKey> k = PdPair.keys("b3", 2);
                List<MemoryObj> o = chunks.randomChunks(2);
                assertThat(ws.awaitStore(sender.submitStoreTask(k, o, TransferSpec.NONE, tb), WAIT)).isTrue();
                assertThat(holds(back, chunks, k, o)).isTrue();
                assertThat(Poll.until(() -> Integer.valueOf(0).equals(peerField(sender, tb, "failures")), WAIT))
                        .as("a committed store resets the breaker").isTrue();
            }
        }
    }

    @Test
    void idlePeersAreClosedAndTheirFdsReleased() throws Exception {
        try (Receivers rs = new Receivers("tcp", TcpChannel.FACTORY); PdPair chunks = chunkSource()) {
            PdL2Adapter a = rs.start();
            List<PdL2Adapter> targets = List.of(rs.start(), rs.start(), rs.start());
            try (PdL2Adapter sender = sender(rs, a, m -> m.put("peer_idle_timeout_sec", 0.5));
                 TaskWaiter ws = new TaskWaiter(sender)) {
                // Warm-up: classes, JDK threads, the sender's channel thread.
                assertThat(ws.awaitStore(sender.submitStoreTask(PdPair.keys("w", 1), chunks.randomChunks(1),
                        TransferSpec.NONE, target(targets.get(0))), WAIT)).isTrue();
                assertThat(Poll.until(() -> peers(sender).isEmpty(), WAIT)).isTrue();
                long fds0 = fdCount();
                int threads0 = Thread.activeCount();
                for (int round = 0; round < 2; round++) {
                    for (PdL2Adapter t : targets) {
                        assertThat(ws.awaitStore(sender.submitStoreTask(PdPair.keys("i" + round + t.initPorts(), 2),
                                chunks.randomChunks(2), TransferSpec.NONE, target(t)), WAIT)).isTrue();
                    }
                    assertThat(Poll.until(() -> peers(sender).isEmpty(), WAIT)).as("closed when idle").isTrue();
                }
                // Sockets close asynchronously (ZMQ's reaper, the receivers' progress threads): wait, then compare.
                assertThat(Poll.until(() -> fdCountQuietly() <= fds0 + 2, WAIT))
                        .as("file descriptors back to %d (+2), now %d", fds0, fdCountQuietly()).isTrue();
                assertThat(Thread.activeCount()).as("no thread per peer").isLessThanOrEqualTo(threads0 + 2);
            }
        }
    }

    @Test
    void aStalledReceiverKeepsOnlyItsShareOfStagingAndAnotherKeepsStoring() throws Exception {
        StallingChannel ch = new StallingChannel(2); // the sender's second data connection: to A
        try (Receivers rs = new Receivers("mock_memory", ch); PdPair chunks = chunkSource()) {
            PdL2Adapter a = rs.start();
            PdL2Adapter b = rs.start();
            ReceiverTarget ta = target(a);
            ReceiverTarget tb = target(b);
            // 16 staging pages; each receiver may hold 8 while both are in use.
            try (PdL2Adapter sender = sender(rs, a, m -> { }); TaskWaiter ws = new TaskWaiter(sender)) {
                assertThat(ws.awaitStore(sender.submitStoreTask(PdPair.keys("b0", 1), chunks.randomChunks(1),
                        TransferSpec.NONE, tb), WAIT)).isTrue();
                // Every write to A is held (never lands, never acknowledged): A stalls with the pages it took.
                long stalled = sender.submitStoreTask(PdPair.keys("a1", 8), chunks.randomChunks(8),
                        TransferSpec.NONE, ta);
                assertThat(Poll.until(() -> ch.stalledWrites.get() == 1, WAIT)).isTrue();
                long waiting = sender.submitStoreTask(PdPair.keys("a2", 8), chunks.randomChunks(8),
                        TransferSpec.NONE, ta);
                List<ObjectKey> kb = PdPair.keys("b1", 6);
                List<MemoryObj> ob = chunks.randomChunks(6);
                assertThat(ws.awaitStore(sender.submitStoreTask(kb, ob, TransferSpec.NONE, tb), WAIT))
                        .as("B stores while A is stalled").isTrue();
                assertThat(holds(b, chunks, kb, ob)).isTrue();
                assertThat(((Number) peerField(sender, ta, "pages")).intValue()).as("A's share").isEqualTo(8);
                assertThat(sender.popCompletedStoreTasks()).as("A's stores are still on their way")
                        .doesNotContainKeys(stalled, waiting);
            }
        }
    }

    @Test
    void aTargetsOwnCurveKeyAuthenticatesItsReceiver() throws Exception {
        org.zeromq.ZMQ.Curve.KeyPair server = org.zeromq.ZMQ.Curve.generateKeyPair();
        try (Receivers rs = new Receivers("mock_memory", MockMemoryChannel.FACTORY); PdPair chunks = chunkSource()) {
            PdL2Adapter plain = rs.start();
            PdL2Adapter secured = rs.start(1, null, null, m -> {
                m.put("curve_secret_key", server.secretKey);
                m.put("curve_public_key", server.publicKey);
            });
            byte[] key = org.zeromq.ZMQ.Curve.z85Decode(server.publicKey);
            ReceiverTarget withKey = new ReceiverTarget("127.0.0.1", secured.initPorts(), secured.allocPorts(), key);
            ReceiverTarget withoutKey = target(secured);
            // The senders' own configs have no CURVE: the plain receiver is reached as before.
            try (PdL2Adapter sender = sender(rs, plain, m -> { }); TaskWaiter ws = new TaskWaiter(sender)) {
                List<ObjectKey> k = PdPair.keys("curve", 2);
                List<MemoryObj> o = chunks.randomChunks(2);
                assertThat(ws.awaitStore(sender.submitStoreTask(k, o, TransferSpec.NONE, withKey), WAIT)).isTrue();
                assertThat(holds(secured, chunks, k, o)).isTrue();
                assertThat(ws.awaitStore(sender.submitStoreTask(PdPair.keys("plain", 1), chunks.randomChunks(1),
                        TransferSpec.NONE), WAIT)).isTrue();
            }
            // Stores naming the same host and init ports share one peer: a second sender shows the key matters.
            try (PdL2Adapter sender = sender(rs, plain, m -> m.put("handshake_timeout_sec", 1));
                 TaskWaiter ws = new TaskWaiter(sender)) {
                assertThat(ws.awaitStore(sender.submitStoreTask(PdPair.keys("nokey", 1), chunks.randomChunks(1),
                        TransferSpec.NONE, withoutKey), WAIT)).as("no key: no handshake").isFalse();
                assertThat(lookupCount(secured, PdPair.keys("nokey", 1))).isZero();
            }
        }
    }

    @Test
    void targetsAndTheNewConfigKeysAreValidatedNamingTheField() {
        assertThatThrownBy(() -> ReceiverTarget.of("", List.of(1), List.of(1))).hasMessageContaining("host");
        assertThatThrownBy(() -> ReceiverTarget.of("h", List.of(1, 2), List.of(1)))
                .hasMessageContaining("allocPorts");
        assertThatThrownBy(() -> ReceiverTarget.of("h", List.of(0), List.of(1))).hasMessageContaining("initPorts[0]");
        assertThatThrownBy(() -> ReceiverTarget.of("h", List.of(), List.of())).hasMessageContaining("initPorts");
        assertThatThrownBy(() -> new ReceiverTarget("h", List.of(1), List.of(1), new byte[5]))
                .hasMessageContaining("curveServerKey");
        ReceiverTarget t = ReceiverTarget.fromDisaggSpec(Map.of("req_id", "r", "receiver_host", "10.0.0.3",
                "receiver_init_port", List.of(7100, 7101), "receiver_alloc_port", List.of(7200, 7201)));
        assertThat(t).isEqualTo(ReceiverTarget.of("10.0.0.3", List.of(7100, 7101), List.of(7200, 7201)));
        assertThat(t.ranks()).isEqualTo(2);
        assertThatThrownBy(() -> ReceiverTarget.fromDisaggSpec(Map.of("receiver_host", "h",
                "receiver_init_port", List.of(1)))).hasMessageContaining("receiver_alloc_port");
        for (var bad : List.of(Map.entry("max_peers", (Object) 0), Map.entry("peer_idle_timeout_sec", (Object) 0),
                Map.entry("peer_retry_backoff_sec", (Object) (-1)), Map.entry("peer_staging_share", (Object) 0),
                Map.entry("peer_staging_share", (Object) 1.5))) {
            Map<String, Object> m = PdPair.base("sender");
            m.put("peer_init_port", List.of(1));
            m.put("peer_alloc_port", List.of(1));
            m.put(bad.getKey(), bad.getValue());
            assertThatThrownBy(() -> PdL2AdapterConfig.fromMap(m)).as(bad.toString())
                    .isInstanceOf(ConfigException.class).hasMessageContaining(bad.getKey());
        }
        assertThat(PdL2AdapterConfig.help()).contains("max_peers", "peer_idle_timeout_sec", "peer_retry_backoff_sec",
                "peer_staging_share");
    }

    // ---------------------------------------------------------------------------------------------- helpers

    /** mock_memory, except that every write on the sender's n-th data connection is held until it is closed. */
    private static final class StallingChannel implements TransferChannelFactory {
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger stalledWrites = new AtomicInteger();
        final int stall;

        StallingChannel(int stall) {
            this.stall = stall;
        }

        @Override
        public ChannelSender openSender(ChannelSettings settings, StagingBuffer staging) throws ChannelException {
            return new ConnectionWrappingSender(MockMemoryChannel.FACTORY.openSender(settings, staging),
                    c -> connections.incrementAndGet() == stall ? new Stalled(c) : c);
        }

        @Override
        public ChannelReceiver openReceiver(ChannelSettings settings, StagingBuffer staging, LandingListener listener)
                throws ChannelException {
            return MockMemoryChannel.FACTORY.openReceiver(settings, staging, listener);
        }

        private final class Stalled implements ChannelConnection {
            private final ChannelConnection inner;
            private final List<Map.Entry<WriteBatch, BatchCompletion>> held = new ArrayList<>();
            private boolean closed;

            Stalled(ChannelConnection inner) {
                this.inner = inner;
            }

            @Override
            public void write(WriteBatch batch, BatchCompletion completion) {
                synchronized (this) {
                    if (!closed) {
                        held.add(Map.entry(batch, completion));
                        stalledWrites.incrementAndGet();
                        return;
                    }
                }
                completion.batchDone(batch, new ChannelException("closed"));
            }

            @Override
            public boolean carriesControl() {
                return inner.carriesControl();
            }

            @Override
            public boolean sendControl(long id, byte[] bytes, int offset, int length, ControlReplySink sink) {
                return inner.sendControl(id, bytes, offset, length, sink);
            }

            @Override
            public boolean isOpen() {
                return inner.isOpen();
            }

            @Override
            public String describe() {
                return "stalled " + inner.describe();
            }

            @Override
            public void close() {
                List<Map.Entry<WriteBatch, BatchCompletion>> fail;
                synchronized (this) {
                    closed = true;
                    fail = List.copyOf(held);
                    held.clear();
                }
                inner.close();
                for (var e : fail) {
                    e.getValue().batchDone(e.getKey(), new ChannelException("fenced"));
                }
            }
        }
    }

    /** Random chunks and destination buffers from a throwaway pair's arena (its adapters are not used). */
    private static PdPair chunkSource() {
        return new PdPair();
    }

    private static long fdCount() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    private static long fdCountQuietly() {
        try {
            return fdCount();
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }
}
