package io.kvcourier.pd;

import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.channel.MockMemoryChannel;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.channel.tcp.RawTcpClient;
import io.kvcourier.channel.tcp.TcpChannel;
import io.kvcourier.channel.tcp.TcpConnection;
import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.AllocRequest;
import io.kvcourier.wire.AllocResponse;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.TcpInitRequest;
import io.kvcourier.wire.TcpInitResponse;
import io.kvcourier.wire.WireCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** Two adapters in one JVM over the tcp channel, and the receiver store fencing a tcp sender. */
@Timeout(60)
class TcpAdapterTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Consumer<Map<String, Object>> TCP = m -> m.put("transfer_channel", "tcp");

    /** The tcp factory, keeping what it opened so a test can reach the channel under an adapter. */
    static final class Capturing implements TransferChannelFactory {
        final List<ChannelReceiver> receivers = new CopyOnWriteArrayList<>();
        final List<TcpConnection> connections = new CopyOnWriteArrayList<>();
        /** Runs once, on the receiver's progress thread, right after the next DATA frame was admitted. */
        volatile Runnable onAdmit;

        @Override
        public ChannelSender openSender(PdL2AdapterConfig config, StagingBuffer staging) throws ChannelException {
            ChannelSender s = TcpChannel.FACTORY.openSender(config, staging);
            return new ChannelSender() {
                @Override
                public Handshake beginConnect(String senderId) throws ChannelException {
                    Handshake hs = s.beginConnect(senderId);
                    return new Handshake() {
                        @Override
                        public PdMessage request() {
                            return hs.request();
                        }

                        @Override
                        public ChannelConnection complete(PdMessage reply) throws ChannelException {
                            TcpConnection c = (TcpConnection) hs.complete(reply);
                            connections.add(c);
                            return c;
                        }

                        @Override
                        public void abort() {
                            hs.abort();
                        }
                    };
                }

                @Override
                public void close() {
                    s.close();
                }
            };
        }

        @Override
        public ChannelReceiver openReceiver(PdL2AdapterConfig config, StagingBuffer staging, LandingListener listener)
                throws ChannelException {
            LandingListener hooked = new LandingListener() {
                @Override
                public boolean admitWrite(String senderId, int batchId, int page, long offsetInPage, long length) {
                    boolean ok = listener.admitWrite(senderId, batchId, page, offsetInPage, length);
                    Runnable hook = onAdmit;
                    if (ok && hook != null) {
                        onAdmit = null;
                        hook.run();
                    }
                    return ok;
                }

                @Override
                public boolean onBatchLanded(String senderId, int batchId) {
                    return listener.onBatchLanded(senderId, batchId);
                }
            };
            ChannelReceiver r = TcpChannel.FACTORY.openReceiver(config, staging, hooked);
            receivers.add(r);
            return r;
        }
    }

    @Test
    void concurrentStoresOverTcpAreLookedUpAndLoadedByteForByte() {
        try (PdPair p = new PdPair(TcpChannel.FACTORY, TCP, TCP);
             TaskWaiter ws = new TaskWaiter(p.sender); TaskWaiter wr = new TaskWaiter(p.receiver)) {
            List<ObjectKey> allKeys = new ArrayList<>();
            List<MemoryObj> allSrc = new ArrayList<>();
            List<Long> ids = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                List<ObjectKey> keys = PdPair.keys("tcp" + t, 3);
                List<MemoryObj> src = p.randomChunks(3);
                allKeys.addAll(keys);
                allSrc.addAll(src);
                ids.add(p.sender.submitStoreTask(keys, src, new TransferSpec("req-" + t, true, 3)));
            }
            MemoryObj full = p.kvChunk(2, 16, 512);    // 64 KiB: one page
            MemoryObj partial = p.kvChunk(2, 5, 512);  // a partial last chunk
            List<ObjectKey> kvKeys = PdPair.keys("kv", 2);
            allKeys.addAll(kvKeys);
            allSrc.add(full);
            allSrc.add(partial);
            ids.add(p.sender.submitStoreTask(kvKeys, List.of(full, partial)));
            for (long id : ids) {
                assertThat(ws.awaitStore(id, WAIT)).as("store %d", id).isTrue();
            }
            assertThat(p.receiver.reportStatus()).containsEntry("data_count", allKeys.size());

            Bitmap found = wr.awaitLookup(p.receiver.submitLookupAndLockTask(allKeys), WAIT);
            assertThat(found.popcount()).isEqualTo(allKeys.size());
            List<MemoryObj> dst = p.emptyChunks(allKeys.size());
            Bitmap loaded = wr.awaitLoad(p.receiver.submitLoadTask(allKeys, dst), WAIT);
            assertThat(loaded.popcount()).isEqualTo(allKeys.size());
            for (int i = 0; i < allKeys.size(); i++) {
                long len = allSrc.get(i).shapeBytes();
                assertThat(PdPair.sameBytes(allSrc.get(i), dst.get(i), len)).as("chunk %d", i).isTrue();
            }
            assertThat(allSrc.get(allSrc.size() - 1).shapeBytes()).isLessThan(PdPair.CHUNK);
            p.receiver.submitUnlock(allKeys);
            assertThat(p.receiver.reportStatus()).containsEntry("pages_in_use", 0);
        }
    }

    /**
     * Zero-copy stores over tcp and mock_memory: objects inside memory registered with registerMemory are sent
     * straight from it (a registered channel region) and land byte for byte; after unregisterMemory the same
     * objects still store (through staging).
     */
    @Test
    void storesFromRegisteredMemoryLandByteForByte() {
        for (TransferChannelFactory factory : List.of(TcpChannel.FACTORY, MockMemoryChannel.FACTORY)) {
            Consumer<Map<String, Object>> kind = factory == TcpChannel.FACTORY ? TCP : m -> { };
            try (PdPair p = new PdPair(factory, kind, kind); TaskWaiter ws = new TaskWaiter(p.sender);
                 TaskWaiter wr = new TaskWaiter(p.receiver)) {
                java.lang.foreign.MemorySegment pool = p.arena.allocate(4 * PdPair.CHUNK, 4096);
                List<MemoryObj> src = new ArrayList<>();
                java.util.Random random = new java.util.Random(3);
                for (int i = 0; i < 4; i++) {
                    java.lang.foreign.MemorySegment chunk = pool.asSlice(i * PdPair.CHUNK, PdPair.CHUNK);
                    byte[] data = new byte[(int) PdPair.CHUNK];
                    random.nextBytes(data);
                    java.lang.foreign.MemorySegment.copy(data, 0, chunk, java.lang.foreign.ValueLayout.JAVA_BYTE, 0,
                            data.length);
                    src.add(MemoryObj.ofBytes(chunk));
                }
                p.sender.registerMemory(pool);
                assertThat(p.sender.reportStatus()).containsEntry("registered_regions", 1);
                List<ObjectKey> keys = PdPair.keys("zc-" + factory.getClass().getSimpleName(), 4);
                assertThat(ws.awaitStore(p.sender.submitStoreTask(keys.subList(0, 2), src.subList(0, 2)), WAIT)).isTrue();
                assertThat(p.sender.unregisterMemory(pool)).isTrue();
                assertThat(ws.awaitStore(p.sender.submitStoreTask(keys.subList(2, 4), src.subList(2, 4)), WAIT)).isTrue();
                List<MemoryObj> dst = p.emptyChunks(4);
                assertThat(wr.awaitLoad(p.receiver.submitLoadTask(keys, dst), WAIT).popcount()).isEqualTo(4);
                for (int i = 0; i < 4; i++) {
                    assertThat(PdPair.sameBytes(src.get(i), dst.get(i), PdPair.CHUNK)).as("chunk %d", i).isTrue();
                }
            }
        }
    }

    @Test
    void tensorParallelRanksShareOneDataListenerOverTwoConnections() {
        Capturing channel = new Capturing();
        Map<String, Object> r = withTcp(PdPair.base("receiver"));
        r.put("peer_init_port", List.of(0, 0));
        r.put("peer_alloc_port", List.of(0, 0));
        try (PdL2Adapter receiver = new PdL2Adapter(PdL2AdapterConfig.fromMap(r), channel)) {
            Map<String, Object> s = withTcp(PdPair.base("sender"));
            s.put("peer_init_port", receiver.initPorts());
            s.put("peer_alloc_port", receiver.allocPorts());
            try (PdL2Adapter sender = new PdL2Adapter(PdL2AdapterConfig.fromMap(s), channel);
                 PdPair helper = new PdPair(); TaskWaiter ws = new TaskWaiter(sender); TaskWaiter wr = new TaskWaiter(receiver)) {
                List<ObjectKey> keys = new ArrayList<>(PdPair.keys("tp", 3, 0));            // rank 0
                keys.addAll(PdPair.keys("tp", 3, (2 << 24) | (1 << 16)));                   // rank 1
                List<MemoryObj> src = helper.randomChunks(6);
                assertThat(ws.awaitStore(sender.submitStoreTask(keys, src, new TransferSpec("tp", true, 6)), WAIT)).isTrue();
                assertThat(channel.receivers).hasSize(1);
                assertThat(channel.connections).as("one data connection per rank").hasSize(2);
                List<MemoryObj> dst = helper.emptyChunks(6);
                assertThat(wr.awaitLoad(receiver.submitLoadTask(keys, dst), WAIT).popcount()).isEqualTo(6);
                for (int i = 0; i < 6; i++) {
                    assertThat(PdPair.sameBytes(src.get(i), dst.get(i), PdPair.CHUNK)).as("chunk %d", i).isTrue();
                }
            }
        }
    }

    @Test
    void senderReconnectsAfterItsConnectionWasDropped() throws Exception {
        Capturing channel = new Capturing();
        try (PdPair p = new PdPair(channel, TCP, TCP); TaskWaiter ws = new TaskWaiter(p.sender);
             TaskWaiter wr = new TaskWaiter(p.receiver)) {
            assertThat(ws.awaitStore(p.sender.submitStoreTask(PdPair.keys("one", 2), p.randomChunks(2)), WAIT)).isTrue();
            assertThat(channel.connections).hasSize(1);
            TcpConnection first = channel.connections.get(0);

            channel.receivers.get(0).fence((String) p.sender.reportStatus().get("sender_id"));
            first.closedStage().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(p.sender.reportStatus()).containsEntry("connected_ranks", 0);

            List<ObjectKey> keys = PdPair.keys("two", 2);
            List<MemoryObj> src = p.randomChunks(2);
            assertThat(ws.awaitStore(p.sender.submitStoreTask(keys, src), WAIT)).isTrue();
            assertThat(channel.connections).as("a new handshake and connection").hasSize(2);
            List<MemoryObj> dst = p.emptyChunks(2);
            assertThat(wr.awaitLoad(p.receiver.submitLoadTask(keys, dst), WAIT).popcount()).isEqualTo(2);
            assertThat(PdPair.sameBytes(src.get(1), dst.get(1), PdPair.CHUNK)).isTrue();
        }
    }

    @Test
    void aReceiverKilledMidTransferFailsTheStoreWithinTheTransferDeadline() {
        Capturing channel = new Capturing();
        try (PdPair p = new PdPair(channel, TCP, TCP); TaskWaiter ws = new TaskWaiter(p.sender)) {
            assertThat(ws.awaitStore(p.sender.submitStoreTask(PdPair.keys("warm", 1), p.randomChunks(1)), WAIT)).isTrue();
            ChannelReceiver data = channel.receivers.get(0);
            channel.onAdmit = data::close; // the data listener dies mid-batch; the control plane stays up
            long start = System.nanoTime();
            assertThat(ws.awaitStore(p.sender.submitStoreTask(PdPair.keys("lost", 4), p.randomChunks(4)), WAIT))
                    .isFalse();
            // The dead connection or the refused reconnect fails it at once, well within transfer_timeout_sec = 2.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            assertThat(p.receiver.reportStatus()).as("only the first task's key committed").containsEntry("data_count", 1);
        }
    }

    @Test
    void aFencedAllocationIsReapedAndALateWriteCannotLand() throws Exception {
        long chunk = PdPair.CHUNK;
        PdL2AdapterConfig config = PdL2AdapterConfig.fromMap(withTcp(PdPair.base("receiver")));
        try (StagingBuffer staging = new StagingBuffer(8 * chunk)) {
            ReceiverStore store = new ReceiverStore(staging, chunk, TimeUnit.SECONDS.toNanos(1),
                    TimeUnit.SECONDS.toNanos(60), TimeUnit.SECONDS.toNanos(60));
            ChannelReceiver channel = TcpChannel.FACTORY.openReceiver(config, staging, store);
            try {
                List<ObjectKey> keys = PdPair.keys("late", 1);
                AllocRequest req = new AllocRequest(List.of(keys.get(0).toCanonicalString()), 4, new long[] {chunk},
                        "uint8", 0);
                AllocResponse reply = store.allocate("alice", req, ReceiverStore.parse(req)).reply();
                int page = AllocResponses.remotePagesFor(reply, 1)[0];
                assertThat(page).isNotNegative();
                TcpInitResponse init = (TcpInitResponse) channel.handshake(
                        new TcpInitRequest(WireCodec.PROTOCOL_VERSION, "alice"));

                byte[] early = filled((int) chunk / 2, (byte) 0x11);
                byte[] late = filled((int) chunk / 2, (byte) 0x22);
                try (RawTcpClient c = new RawTcpClient(init.host(), init.port())) {
                    c.hello(init.sessionToken(), "alice").frame(page, true, new int[] {page}, new long[] {chunk})
                            .bytes(early);
                    // The transfer deadline passes: the allocation expires, alice is fenced, the page is freed.
                    int freed = store.reap(System.nanoTime() + TimeUnit.SECONDS.toNanos(2), channel::tryFence);
                    assertThat(freed).isEqualTo(1);
                    c.writeFails(late);
                    assertThat(c.closedByPeer()).isTrue();
                }
                // A fresh connection cannot write there either: the page belongs to no allocation any more.
                TcpInitResponse again = (TcpInitResponse) channel.handshake(
                        new TcpInitRequest(WireCodec.PROTOCOL_VERSION, "alice"));
                try (RawTcpClient c = new RawTcpClient(again.host(), again.port())) {
                    c.hello(again.sessionToken(), "alice").frame(page, true, new int[] {page}, new long[] {chunk});
                    c.writeFails(late);
                    assertThat(c.closedByPeer()).isTrue();
                }
                assertThat(staging.page(page, chunk).toArray(ValueLayout.JAVA_BYTE)).as("bytes of page %d", page)
                        .doesNotContain((byte) 0x22);
                assertThat(store.lookupAndLock(keys).popcount()).as("lookup sees nothing").isZero();
                assertThat(store.pagesInUse()).as("pages returned to free").isZero();
                assertThat(store.expiredAllocations.get()).isEqualTo(1);
                assertThat(store.committedBatches.get()).isZero();
            } finally {
                channel.close();
            }
        }
    }

    private static Map<String, Object> withTcp(Map<String, Object> m) {
        m.put("transfer_channel", "tcp");
        m.putIfAbsent("peer_init_port", List.of(0));
        m.putIfAbsent("peer_alloc_port", List.of(0));
        return m;
    }

    private static byte[] filled(int n, byte b) {
        byte[] a = new byte[n];
        Arrays.fill(a, b);
        return a;
    }
}
