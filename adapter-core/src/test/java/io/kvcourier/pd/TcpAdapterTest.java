package io.kvcourier.pd;

import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.ChannelSettings;
import io.kvcourier.channel.ConnectionWrappingSender;
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
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.TaskWaiter;
import io.kvcourier.wire.AllocRequest;
import io.kvcourier.wire.AllocResponse;
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
        /** The receiver refuses the next batch that lands instead of committing it (as if it had expired). */
        volatile boolean refuseNextCommit;

        @Override
        public ChannelSender openSender(ChannelSettings settings, StagingBuffer staging) throws ChannelException {
            return new ConnectionWrappingSender(TcpChannel.FACTORY.openSender(settings, staging), c -> {
                connections.add((TcpConnection) c);
                return c;
            });
        }

        @Override
        public ChannelReceiver openReceiver(ChannelSettings settings, StagingBuffer staging, LandingListener listener)
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
                public boolean isFenced(String senderId, int batchId) {
                    return listener.isFenced(senderId, batchId);
                }

                @Override
                public boolean onBatchLanded(String senderId, int batchId) {
                    if (refuseNextCommit) {
                        refuseNextCommit = false;
                        return false;
                    }
                    return listener.onBatchLanded(senderId, batchId);
                }

                @Override
                public void afterAcknowledgements() {
                    listener.afterAcknowledgements();
                }
            };
            ChannelReceiver r = TcpChannel.FACTORY.openReceiver(settings, staging, hooked);
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

    /** A refused commit fails its own store only: the sender keeps the connection for its next batches. */
    @Test
    void aRefusedCommitFailsItsStoreAndKeepsTheConnection() {
        Capturing channel = new Capturing();
        try (PdPair p = new PdPair(channel, TCP, TCP); TaskWaiter ws = new TaskWaiter(p.sender)) {
            assertThat(ws.awaitStore(p.sender.submitStoreTask(PdPair.keys("one", 2), p.randomChunks(2)), WAIT)).isTrue();
            channel.refuseNextCommit = true;
            assertThat(ws.awaitStore(p.sender.submitStoreTask(PdPair.keys("refused", 2), p.randomChunks(2)), WAIT))
                    .as("the refused store").isFalse();
            assertThat(ws.awaitStore(p.sender.submitStoreTask(PdPair.keys("two", 2), p.randomChunks(2)), WAIT)).isTrue();
            assertThat(channel.connections).as("no new handshake").hasSize(1);
            assertThat(channel.connections.get(0).isOpen()).isTrue();
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
            ChannelReceiver channel = TcpChannel.FACTORY.openReceiver(ChannelSettingsOf.config(config), staging, store);
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


    /**
     * Issue 13 point 2 over tcp: one allocation expires while its frame is half-read, and its sender keeps writing
     * into it on the same connection. Only that allocation is fenced: its late bytes are discarded (the page that
     * was freed and given to a later allocation holds exactly that allocation's bytes), its commit is refused with
     * a NACK, and the connection keeps carrying the sender's other batches, which commit.
     */
    @Test
    void fencingOneAllocationDiscardsItsLateFramesAndKeepsTheSharedConnection() throws Exception {
        long chunk = PdPair.CHUNK;
        PdL2AdapterConfig config = PdL2AdapterConfig.fromMap(withTcp(PdPair.base("receiver")));
        long transfer = TimeUnit.SECONDS.toNanos(1);
        try (StagingBuffer staging = new StagingBuffer(4 * chunk)) {
            ReceiverStore store = new ReceiverStore(staging, chunk, transfer, TimeUnit.SECONDS.toNanos(60),
                    TimeUnit.SECONDS.toNanos(60));
            java.util.concurrent.CountDownLatch lateAdmitted = new java.util.concurrent.CountDownLatch(1);
            int[] lateBatch = {-1};
            LandingListener watched = new LandingListener() {
                @Override
                public boolean admitWrite(String senderId, int batchId, int page, long offsetInPage, long length) {
                    return store.admitWrite(senderId, batchId, page, offsetInPage, length);
                }

                @Override
                public boolean admitBatch(String senderId, int batchId, int[] pages, long[] lengths, int count) {
                    boolean ok = store.admitBatch(senderId, batchId, pages, lengths, count);
                    if (ok && batchId == lateBatch[0]) {
                        lateAdmitted.countDown();
                    }
                    return ok;
                }

                @Override
                public boolean isFenced(String senderId, int batchId) {
                    return store.isFenced(senderId, batchId);
                }

                @Override
                public boolean onBatchLanded(String senderId, int batchId) {
                    return store.onBatchLanded(senderId, batchId);
                }
            };
            ChannelReceiver channel = TcpChannel.FACTORY.openReceiver(ChannelSettingsOf.config(config), staging,
                    watched);
            ReceiverStore.Fencer fencer = new ReceiverStore.Fencer() {
                @Override
                public ChannelReceiver.AllocationFence fenceAllocation(String senderId, int batchId) {
                    return channel.fenceAllocation(senderId, batchId);
                }

                @Override
                public boolean fenceSender(String senderId) {
                    return channel.tryFence(senderId);
                }
            };
            try {
                List<ObjectKey> lateKeys = PdPair.keys("late", 2);
                int[] late = allocate(store, lateKeys, chunk);
                lateBatch[0] = late[0];
                long between = System.nanoTime(); // the late allocation expires at a reap at between + transfer
                List<ObjectKey> otherKeys = PdPair.keys("other", 1);
                int[] other = allocate(store, otherKeys, chunk);
                TcpInitResponse init = (TcpInitResponse) channel.handshake(
                        new TcpInitRequest(WireCodec.PROTOCOL_VERSION, "alice"));
                try (RawTcpClient c = new RawTcpClient(init.host(), init.port())) {
                    // Half of the late allocation's first page is on its way when its deadline passes.
                    c.hello(init.sessionToken(), "alice").frame(late[0], true, late, new long[] {chunk, chunk})
                            .bytes(filled((int) chunk / 2, (byte) 0x11));
                    assertThat(lateAdmitted.await(10, TimeUnit.SECONDS)).as("the late frame was admitted").isTrue();
                    int freed = store.reap(between + transfer, fencer);
                    assertThat(freed).as("every page but the batch id's is freed at once").isEqualTo(1);
                    assertThat(store.fenceHeldPages()).isEqualTo(1);
                    assertThat(store.expiredAllocations.get()).isEqualTo(1);

                    // A new allocation takes the freed page (and the last free one), and its batch commits over a
                    // second connection of the same sender.
                    List<ObjectKey> reuseKeys = PdPair.keys("reuse", 2);
                    int[] reuse = allocate(store, reuseKeys, chunk);
                    assertThat(reuse).as("the freed page is reused").contains(late[1]).doesNotContain(late[0]);
                    byte[] r0 = filled((int) chunk, (byte) 0x33);
                    byte[] r1 = filled((int) chunk, (byte) 0x44);
                    TcpInitResponse second = (TcpInitResponse) channel.handshake(
                            new TcpInitRequest(WireCodec.PROTOCOL_VERSION, "alice"));
                    try (RawTcpClient c2 = new RawTcpClient(second.host(), second.port())) {
                        c2.hello(second.sessionToken(), "alice").frame(reuse[0], true, reuse, new long[] {chunk, chunk})
                                .bytes(r0).bytes(r1);
                        assertThat(c2.readAck()).containsExactly(reuse[0], 1);
                    }

                    // Then the late sender goes on writing the expired allocation: the rest of both of its pages
                    // (one of which now holds committed data), then its commit.
                    c.bytes(filled((int) chunk / 2, (byte) 0xEE)).bytes(filled((int) chunk, (byte) 0xEE));
                    assertThat(c.readAck()).as("its commit is refused").containsExactly(late[0], 0);
                    assertThat(store.fenceHeldPages()).as("the batch id's page is free again").isZero();

                    // The same connection carries the sender's unrelated batch: it commits.
                    byte[] o0 = filled((int) chunk, (byte) 0x55);
                    c.data(other[0], other[0], o0);
                    assertThat(c.readAck()).containsExactly(other[0], 1);

                    assertThat(loadAll(store, reuseKeys, chunk)).as("checksums of the reused pages' keys")
                            .containsExactly(crc(r0), crc(r1));
                    assertThat(loadAll(store, otherKeys, chunk)).containsExactly(crc(o0));
                    assertThat(store.lookupAndLock(lateKeys).popcount()).as("the fenced keys never appear").isZero();
                    assertThat(store.committedBatches.get()).isEqualTo(2);
                    assertThat(store.rejectedWrites.get()).as("a fenced frame is refused, not hostile").isZero();
                }
            } finally {
                channel.close();
            }
        }
    }

    private static int[] allocate(ReceiverStore store, List<ObjectKey> keys, long chunk) {
        AllocRequest req = new AllocRequest(keys.stream().map(ObjectKey::toCanonicalString).toList(), 4,
                new long[] {chunk}, "uint8", 0);
        int[] pages = AllocResponses.remotePagesFor(store.allocate("alice", req, ReceiverStore.parse(req)).reply(),
                keys.size());
        assertThat(Arrays.stream(pages).min().orElse(-1)).as("pages for %s", keys).isNotNegative();
        return pages;
    }

    /** Loads each key into fresh memory and returns the CRC32 of each. */
    private static List<Long> loadAll(ReceiverStore store, List<ObjectKey> keys, long chunk) {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared()) {
            List<MemoryObj> objs = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) {
                objs.add(MemoryObj.ofBytes(arena.allocate(chunk, 64)));
            }
            assertThat(store.load(keys, objs).popcount()).isEqualTo(keys.size());
            List<Long> out = new ArrayList<>();
            for (MemoryObj o : objs) {
                out.add(crc(o.segment().toArray(ValueLayout.JAVA_BYTE)));
            }
            return out;
        }
    }

    private static long crc(byte[] b) {
        java.util.zip.CRC32 c = new java.util.zip.CRC32();
        c.update(b);
        return c.getValue();
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
