package io.kvcourier.channel.tcp;

import io.kvcourier.channel.BatchRefusedException;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelKind;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.channel.TransferChannels;
import io.kvcourier.channel.WriteBatch;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.InitError;
import io.kvcourier.wire.MockInitRequest;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.TcpInitRequest;
import io.kvcourier.wire.TcpInitResponse;
import io.kvcourier.wire.WireCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static io.kvcourier.channel.tcp.TcpRig.PAGE;
import static io.kvcourier.channel.tcp.TcpRig.PAGES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class TcpChannelTest {
    private static final long WAIT_S = 10;

    private final TcpRig rig = new TcpRig();
    private final Random random = new Random(7);

    @AfterEach
    void closeAll() throws Exception {
        rig.closeAll();
    }

    // ------------------------------------------------------------------------------------------ helpers

    private StagingBuffer randomStaging() {
        StagingBuffer s = rig.staging();
        byte[] data = new byte[PAGES * PAGE];
        random.nextBytes(data);
        MemorySegment.copy(data, 0, s.segment(), ValueLayout.JAVA_BYTE, 0, data.length);
        return s;
    }

    private static byte[] token(TcpReceiver receiver, String senderId) {
        PdMessage reply = receiver.handshake(new TcpInitRequest(WireCodec.PROTOCOL_VERSION, senderId));
        assertThat(reply).isInstanceOf(TcpInitResponse.class);
        return ((TcpInitResponse) reply).sessionToken();
    }

    private static WriteBatch batch(int[] localPages, int[] remotePages, long[] lengths) {
        long[] offsets = new long[localPages.length];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = (long) localPages[i] * PAGE;
        }
        return new WriteBatch(offsets, remotePages, lengths, PAGE);
    }

    private static boolean sameBytes(StagingBuffer a, long aOff, StagingBuffer b, long bOff, long len) {
        return a.segment().asSlice(aOff, len).mismatch(b.segment().asSlice(bOff, len)) == -1;
    }

    private static boolean allZero(StagingBuffer s, long off, long len) {
        return s.segment().asSlice(off, len).mismatch(MemorySegment.ofArray(new byte[(int) len])) == -1;
    }

    /** A listener that admits exactly the (sender, batch, page) triples a test allows, and records the rest. */
    static class Allocations implements LandingListener {
        final Set<String> pages = ConcurrentHashMap.newKeySet();
        final Set<String> batches = ConcurrentHashMap.newKeySet();
        final AtomicInteger admitted = new AtomicInteger();
        final AtomicInteger refused = new AtomicInteger();
        final List<String> landed = new CopyOnWriteArrayList<>();
        volatile Runnable onFirstAdmit;

        Allocations allow(String sender, int batch, int... pageList) {
            batches.add(sender + "/" + batch);
            for (int p : pageList) {
                pages.add(sender + "/" + batch + "/" + p);
            }
            return this;
        }

        @Override
        public boolean admitWrite(String senderId, int batchId, int page, long offsetInPage, long length) {
            boolean ok = pages.contains(senderId + "/" + batchId + "/" + page) && offsetInPage + length <= PAGE;
            if (!ok) {
                refused.incrementAndGet();
                return false;
            }
            if (admitted.incrementAndGet() == 1 && onFirstAdmit != null) {
                onFirstAdmit.run();
            }
            return true;
        }

        @Override
        public boolean onBatchLanded(String senderId, int batchId) {
            landed.add(senderId + "/" + batchId);
            return batches.remove(senderId + "/" + batchId);
        }
    }

    // ------------------------------------------------------------------------------------------- tests

    @Test
    void tcpIsSelectedForTransferChannelTcp() {
        assertThat(TransferChannels.unsupportedReason(ChannelKind.TCP)).isNull();
        assertThat(TransferChannels.factoryFor(List.of(ChannelKind.TCP), "tcp")).isSameAs(TcpChannel.FACTORY);
    }

    @Test
    void handshakeAnnouncesTheDataPortAndRefusesWhatItCannotServe() throws Exception {
        Allocations alloc = new Allocations();
        TcpReceiver receiver = rig.receiver(rig.staging(), alloc, 5);
        PdMessage ok = receiver.handshake(new TcpInitRequest(WireCodec.PROTOCOL_VERSION, "alice"));
        assertThat(ok).isInstanceOfSatisfying(TcpInitResponse.class, r -> {
            assertThat(r.host()).isEqualTo("127.0.0.1");
            assertThat(r.port()).isEqualTo(receiver.port()).isPositive();
            assertThat(r.sessionToken()).hasSize(TcpFrames.TOKEN_BYTES);
            assertThat(r.pageSize()).isEqualTo(PAGE);
        });
        TcpInitResponse again = (TcpInitResponse) receiver.handshake(new TcpInitRequest(WireCodec.PROTOCOL_VERSION, "alice"));
        assertThat(again.sessionToken()).as("a fresh token per handshake").isNotEqualTo(((TcpInitResponse) ok).sessionToken());
        assertThat(receiver.handshake(new TcpInitRequest(99, "alice")))
                .isInstanceOfSatisfying(InitError.class, e -> assertThat(e.message()).contains("protocol version 99"));
        assertThat(receiver.handshake(new MockInitRequest(WireCodec.PROTOCOL_VERSION, "alice")))
                .isInstanceOfSatisfying(InitError.class, e -> assertThat(e.message()).contains("TcpInitRequest"));
        assertThat(receiver.handshake(new TcpInitRequest(WireCodec.PROTOCOL_VERSION, "x".repeat(300))))
                .isInstanceOfSatisfying(InitError.class, e -> assertThat(e.message()).contains("sender_id"));
        receiver.close();
        assertThat(receiver.handshake(new TcpInitRequest(WireCodec.PROTOCOL_VERSION, "alice")))
                .isInstanceOfSatisfying(InitError.class, e -> assertThat(e.message()).contains("closing"));
    }

    @Test
    void wildcardBindAnnouncesThePeerHost() throws Exception {
        assertThat(TcpReceiver.isWildcard("::")).isTrue();
        assertThat(TcpReceiver.isWildcard("127.0.0.1")).isFalse();
        StagingBuffer local = randomStaging();
        StagingBuffer remote = rig.staging();
        Allocations alloc = new Allocations().allow("alice", 0, 0);
        TcpReceiver receiver = rig.closing(new TcpReceiver(TcpRig.settings(5, "0.0.0.0"), remote, alloc));
        TcpInitResponse init = (TcpInitResponse) receiver.handshake(new TcpInitRequest(WireCodec.PROTOCOL_VERSION, "x"));
        assertThat(init.host()).as("peer_host, the receiver's own address").isEqualTo("127.0.0.1");
        TcpRig.connect(rig.sender(local), receiver, "alice").write(batch(new int[] {0}, new int[] {0}, new long[] {PAGE}))
                .get(WAIT_S, TimeUnit.SECONDS);
        assertThat(sameBytes(local, 0, remote, 0, PAGE)).isTrue();
    }

    @Test
    void anUnusedTokenExpiresAfterTwiceTheHandshakeDeadline() throws Exception {
        TcpReceiver receiver = rig.receiver(rig.staging(), new Allocations().allow("alice", 1, 1), 0.2);
        byte[] old = token(receiver, "alice");
        assertThat(receiver.pendingGrants()).isEqualTo(1);
        // Two silent connections, each closed only after the handshake deadline, measure out 2 x that deadline.
        for (int i = 0; i < 2; i++) {
            try (RawTcpClient silent = new RawTcpClient("127.0.0.1", receiver.port())) {
                assertThat(silent.closedByPeer()).isTrue();
            }
        }
        assertThat(receiver.pendingGrants()).isZero();
        try (RawTcpClient c = new RawTcpClient("127.0.0.1", receiver.port())) {
            c.hello(old, "alice").data(1, 1, new byte[16]);
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(receiver.refusedConnections.get()).isEqualTo(3);
    }

    @Test
    void senderRefusesBadRepliesAndBatchesWithClearErrors() throws Exception {
        TcpSender sender = rig.sender(randomStaging());
        assertThatThrownBy(() -> sender.beginConnect("x".repeat(300))).isInstanceOf(ChannelException.class)
                .hasMessageContaining("sender id");
        assertThatThrownBy(() -> sender.beginConnect("alice").complete(new InitError(1, "receiver is closing")))
                .isInstanceOf(ChannelException.class).hasMessageContaining("refused").hasMessageContaining("closing");
        assertThatThrownBy(() -> sender.beginConnect("alice").complete(new TcpInitResponse(1, "127.0.0.1", 1, new byte[3], PAGE)))
                .isInstanceOf(ChannelException.class).hasMessageContaining("session_token");
        assertThatThrownBy(() -> sender.beginConnect("alice").complete(new TcpInitResponse(1, "127.0.0.1", 0,
                new byte[TcpFrames.TOKEN_BYTES], PAGE))).isInstanceOf(ChannelException.class).hasMessageContaining("port");
        TcpReceiver receiver = rig.receiver(rig.staging(), new Allocations(), 5);
        TcpConnection conn = TcpRig.connect(sender, receiver, "alice");
        CompletableFuture<Void> outside = conn.write(new WriteBatch(new long[] {(long) PAGES * PAGE - 10}, new int[] {0},
                new long[] {PAGE}, PAGE));
        assertThatThrownBy(() -> outside.get(WAIT_S, TimeUnit.SECONDS)).cause().isInstanceOf(ChannelException.class)
                .hasMessageContaining("outside local region 0");
        assertThat(conn.isOpen()).as("a refused batch does not touch the connection").isTrue();
        sender.close();
        assertThatThrownBy(() -> sender.beginConnect("alice")).isInstanceOf(ChannelException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void concurrentBatchesLandByteForByteAndCommitOnce() throws Exception {
        StagingBuffer local = randomStaging();
        StagingBuffer remote = rig.staging();
        Allocations alloc = new Allocations()
                .allow("alice", 0, 0, 1, 2)
                .allow("alice", 5, 5, 6)
                .allow("alice", 9, 9)
                .allow("alice", 12, 12, 13, 14, 15);
        TcpReceiver receiver = rig.receiver(remote, alloc, 5);
        TcpSender sender = rig.sender(local);
        TcpConnection conn = TcpRig.connect(sender, receiver, "alice");
        List<WriteBatch> batches = List.of(
                batch(new int[] {0, 1, 2}, new int[] {0, 1, 2}, new long[] {PAGE, PAGE, PAGE / 3}),
                batch(new int[] {3, 4}, new int[] {5, 6}, new long[] {PAGE, PAGE}),
                batch(new int[] {5}, new int[] {9}, new long[] {1000}),
                batch(new int[] {8, 9, 10, 11}, new int[] {12, 13, 14, 15}, new long[] {PAGE, PAGE, PAGE, 7}));
        List<CompletableFuture<Void>> futures = new CopyOnWriteArrayList<>();
        List<Thread> writers = new ArrayList<>();
        for (WriteBatch b : batches) {
            writers.add(Thread.ofVirtual().start(() -> futures.add(conn.write(b))));
        }
        for (Thread t : writers) {
            assertThat(t.join(Duration.ofSeconds(WAIT_S))).isTrue();
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(WAIT_S, TimeUnit.SECONDS);

        for (WriteBatch b : batches) {
            for (int i = 0; i < b.size(); i++) {
                long dst = (long) b.remotePages()[i] * PAGE;
                assertThat(sameBytes(local, b.localOffsets()[i], remote, dst, b.lengths()[i]))
                        .as("batch %d entry %d", b.batchId(), i).isTrue();
                assertThat(allZero(remote, dst + b.lengths()[i], PAGE - b.lengths()[i]))
                        .as("nothing past the written length").isTrue();
            }
        }
        assertThat(alloc.landed).containsExactlyInAnyOrder("alice/0", "alice/5", "alice/9", "alice/12");
        assertThat(receiver.committedBatches.get()).isEqualTo(4);
        assertThat(receiver.rejectedFrames.get()).isZero();
        assertThat(conn.isOpen()).isTrue();
        assertThat(conn.describe()).isEqualTo("tcp 127.0.0.1:" + receiver.port());
    }

    @Test
    void aBatchTheReceiverDoesNotCommitFailsItsFutureOnly() throws Exception {
        StagingBuffer local = randomStaging();
        Allocations alloc = new Allocations().allow("alice", 1, 1);
        TcpReceiver receiver = rig.receiver(rig.staging(), alloc, 5);
        TcpConnection conn = TcpRig.connect(rig.sender(local), receiver, "alice");
        alloc.batches.remove("alice/1"); // pages admitted, but the batch is gone by commit time (expired)
        CompletableFuture<Void> f = conn.write(batch(new int[] {0}, new int[] {1}, new long[] {PAGE}));
        assertThatThrownBy(() -> f.get(WAIT_S, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(BatchRefusedException.class).hasMessageContaining("refused batch 1");
        assertThat(conn.isOpen()).as("a refusal leaves the connection open").isTrue();
        alloc.allow("alice", 2, 2);
        conn.write(batch(new int[] {1}, new int[] {2}, new long[] {PAGE})).get(WAIT_S, TimeUnit.SECONDS);
    }

    @Test
    void connectionsWithoutALiveTokenAreClosedAndNothingIsAdmitted() throws Exception {
        Allocations alloc = new Allocations().allow("alice", 1, 1);
        TcpReceiver receiver = rig.receiver(rig.staging(), alloc, 5);
        byte[] forged = new byte[TcpFrames.TOKEN_BYTES];
        random.nextBytes(forged);
        try (RawTcpClient c = new RawTcpClient("127.0.0.1", receiver.port())) {
            c.hello(forged, "alice").data(1, 1, new byte[16]);
            assertThat(c.closedByPeer()).as("forged token").isTrue();
        }
        try (RawTcpClient c = new RawTcpClient("127.0.0.1", receiver.port())) {
            c.data(1, 1, new byte[16]); // no hello at all: bad magic
            assertThat(c.closedByPeer()).as("no hello").isTrue();
        }
        byte[] aliceToken = token(receiver, "alice");
        try (RawTcpClient c = new RawTcpClient("127.0.0.1", receiver.port())) {
            c.hello(aliceToken, "mallory").frame(1, true, new int[] {1}, new long[] {16});
            assertThat(c.closedByPeer()).as("alice's token presented by another sender").isTrue();
        }
        try (RawTcpClient c = new RawTcpClient("127.0.0.1", receiver.port())) {
            c.hello(aliceToken, "alice").data(1, 1, new byte[16]);
            assertThat(c.readAck()).as("the rightful owner").containsExactly(1, 1);
        }
        try (RawTcpClient c = new RawTcpClient("127.0.0.1", receiver.port())) {
            c.hello(aliceToken, "alice").frame(1, true, new int[] {1}, new long[] {16});
            assertThat(c.closedByPeer()).as("a token is single use").isTrue();
        }
        assertThat(receiver.refusedConnections.get()).isEqualTo(4);
        assertThat(alloc.landed).containsExactly("alice/1");
        assertThat(alloc.refused.get()).isZero();
    }

    @Test
    void aHelloOfTheEarlierFormatVersionIsRefused() throws Exception {
        Allocations alloc = new Allocations().allow("alice", 1, 1);
        TcpReceiver receiver = rig.receiver(rig.staging(), alloc, 5);
        byte[] id = "alice".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (RawTcpClient c = new RawTcpClient("127.0.0.1", receiver.port())) {
            c.bytes(java.nio.ByteBuffer.allocate(TcpFrames.HELLO_BYTES + id.length).putInt(TcpFrames.MAGIC)
                    .putShort((short) 1).putShort((short) id.length).put(token(receiver, "alice")).put(id).array());
            assertThat(c.closedByPeer()).as("a version 1 sender").isTrue();
        }
        assertThat(receiver.refusedConnections.get()).isEqualTo(1);
        assertThat(TcpFrames.VERSION).isEqualTo((short) 2);
    }

    @Test
    void aConnectionThatSaysNothingIsClosedAfterTheHandshakeDeadline() throws Exception {
        TcpReceiver receiver = rig.receiver(rig.staging(), new Allocations(), 0.3);
        try (RawTcpClient c = new RawTcpClient("127.0.0.1", receiver.port())) {
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(receiver.refusedConnections.get()).isEqualTo(1);
    }

    @Test
    void connectionsWaitingForTheirHelloAreCapped() throws Exception {
        TcpReceiver receiver = rig.receiver(rig.staging(), new Allocations(), 30);
        List<RawTcpClient> silent = new ArrayList<>();
        try {
            for (int i = 0; i < TcpReceiver.MAX_UNAUTHENTICATED; i++) {
                silent.add(new RawTcpClient("127.0.0.1", receiver.port()));
            }
            long start = System.nanoTime();
            try (RawTcpClient extra = new RawTcpClient("127.0.0.1", receiver.port())) {
                assertThat(extra.closedByPeer()).isTrue();
            }
            assertThat(System.nanoTime() - start).as("closed at once, not after the 30 s handshake deadline")
                    .isLessThan(TimeUnit.SECONDS.toNanos(10));
            assertThat(receiver.refusedConnections.get()).isEqualTo(1);
        } finally {
            for (RawTcpClient c : silent) {
                c.close();
            }
        }
    }

    @Test
    void framesOutsideTheAllocationCloseTheConnectionAndNothingLands() throws Exception {
        StagingBuffer remote = rig.staging();
        Allocations alloc = new Allocations().allow("alice", 1, 1);
        TcpReceiver receiver = rig.receiver(remote, alloc, 5);
        byte[] payload = new byte[100];
        java.util.Arrays.fill(payload, (byte) 0xAB);
        long[][] bad = {
                {1, 5, 100},               // a page of no allocation of alice's
                {3, 1, 100},               // alice's page, claimed for another batch
                {1, 1, PAGE + 1},          // longer than a page
                {1, PAGES + 3, 100},       // beyond the staging buffer
                {1, -1, 100},              // a negative page
                {1, 1, 0},                 // an empty entry
        };
        for (long[] f : bad) {
            try (RawTcpClient c = new RawTcpClient("127.0.0.1", receiver.port())) {
                c.hello(token(receiver, "alice"), "alice").frame((int) f[0], true, new int[] {(int) f[1]},
                        new long[] {f[2]});
                c.writeFails(payload);
                assertThat(c.closedByPeer()).as("frame %s", java.util.Arrays.toString(f)).isTrue();
            }
        }
        assertThat(allZero(remote, 0, (long) PAGES * PAGE)).as("no byte landed anywhere").isTrue();
        assertThat(receiver.rejectedFrames.get()).isEqualTo(bad.length);
        assertThat(alloc.landed).isEmpty();
    }

    @Test
    void hostileFramesNeverWriteOutsideTheAdmittedPageAndTheReceiverKeepsServing() throws Exception {
        StagingBuffer remote = rig.staging();
        Allocations alloc = new Allocations().allow("alice", 1, 1);
        TcpReceiver receiver = rig.receiver(remote, alloc, 5);
        Random fuzz = new Random(1234);
        for (int i = 0; i < 150; i++) {
            try (RawTcpClient c = new RawTcpClient("127.0.0.1", receiver.port())) {
                c.hello(token(receiver, "alice"), "alice");
                for (int f = 0; f < 1 + fuzz.nextInt(3); f++) {
                    byte type = fuzz.nextInt(4) == 0 ? (byte) fuzz.nextInt() : TcpFrames.DATA;
                    int flags = fuzz.nextInt(8) == 0 ? fuzz.nextInt(256) : fuzz.nextInt(2);
                    int count = fuzz.nextInt(8) == 0 ? fuzz.nextInt(65536) : 1 + fuzz.nextInt(3);
                    int batch = fuzz.nextBoolean() ? 1 : fuzz.nextInt();
                    int reserved = fuzz.nextInt(8) == 0 ? 1 : 0;
                    c.head(type, flags, count, batch, reserved);
                    for (int e = 0; e < Math.min(count, 4); e++) {
                        int page = fuzz.nextBoolean() ? 1 : fuzz.nextInt(PAGES + 4) - 2;
                        long length = fuzz.nextBoolean() ? 1 + fuzz.nextInt(64) : fuzz.nextLong();
                        c.entry(page, length);
                    }
                    byte[] payload = new byte[fuzz.nextInt(128)];
                    java.util.Arrays.fill(payload, (byte) 0x7F);
                    c.bytes(payload);
                }
                assertThat(c.finish()).isTrue();
            }
        }
        assertThat(allZero(remote, 0, PAGE)).as("page 0").isTrue();
        assertThat(allZero(remote, 2L * PAGE, (long) (PAGES - 2) * PAGE)).as("pages 2..").isTrue();
        assertThat(alloc.refused.get() + receiver.rejectedFrames.get()).as("hostile frames were refused").isPositive();

        StagingBuffer local = randomStaging();
        Allocations fresh = alloc.allow("bob", 3, 3);
        TcpConnection conn = TcpRig.connect(rig.sender(local), receiver, "bob");
        conn.write(batch(new int[] {0}, new int[] {3}, new long[] {PAGE})).get(WAIT_S, TimeUnit.SECONDS);
        assertThat(sameBytes(local, 0, remote, 3L * PAGE, PAGE)).as("still serving").isTrue();
        assertThat(fresh.landed).contains("bob/3");
    }

    @Test
    void malformedDescriptorBlocksCloseTheConnection() throws Exception {
        Allocations alloc = new Allocations().allow("alice", 1, 1, 2).allow("alice", 2, 3);
        TcpReceiver receiver = rig.receiver(rig.staging(), alloc, 5);
        List<java.util.function.Consumer<RawTcpClient>> bad = List.of(
                c -> c.head((byte) 9, TcpFrames.FLAG_COMMIT, 1, 1, 0).entry(1, 16),             // unknown type
                c -> c.head(TcpFrames.DATA, 0x81, 1, 1, 0).entry(1, 16),                        // unknown flag bit
                c -> c.head(TcpFrames.DATA, TcpFrames.FLAG_COMMIT, 1, 1, 7).entry(1, 16),       // reserved bytes set
                c -> c.head(TcpFrames.DATA, TcpFrames.FLAG_COMMIT, 0, 1, 0),                    // no entries
                c -> c.head(TcpFrames.DATA, TcpFrames.FLAG_COMMIT, TcpFrames.MAX_ENTRIES + 1, 1, 0), // too many
                c -> c.frame(1, false, new int[] {1}, new long[] {16}).bytes(new byte[16])      // another batch
                        .frame(2, true, new int[] {3}, new long[] {16}));                       //   while 1 is open
        for (int i = 0; i < bad.size(); i++) {
            try (RawTcpClient c = new RawTcpClient("127.0.0.1", receiver.port())) {
                c.hello(token(receiver, "alice"), "alice");
                bad.get(i).accept(c);
                c.bytes(new byte[64]);
                assertThat(c.closedByPeer()).as("malformed block %d", i).isTrue();
            }
        }
        assertThat(receiver.rejectedFrames.get()).isEqualTo(bad.size());
        assertThat(alloc.landed).isEmpty();
    }

    @Test
    void aFrameThatEndsMidPayloadCommitsNothing() throws Exception {
        StagingBuffer remote = rig.staging();
        Allocations alloc = new Allocations().allow("alice", 1, 1, 2);
        TcpReceiver receiver = rig.receiver(remote, alloc, 5);
        try (RawTcpClient c = new RawTcpClient("127.0.0.1", receiver.port())) {
            c.hello(token(receiver, "alice"), "alice").frame(1, true, new int[] {1, 2}, new long[] {PAGE, PAGE})
                    .bytes(new byte[PAGE + PAGE / 2]);
            assertThat(c.finish()).as("the receiver closes when the stream ends inside a payload").isTrue();
        }
        assertThat(alloc.landed).as("nothing commits").isEmpty();
        assertThat(receiver.committedBatches.get()).isZero();
    }

    @Test
    void rawFramesFollowTheDocumentedFormat() throws Exception {
        StagingBuffer remote = rig.staging();
        Allocations alloc = new Allocations().allow("alice", 3, 3, 4).allow("alice", 5, 5, 6, 7).allow("alice", 8, 8);
        TcpReceiver receiver = rig.receiver(remote, alloc, 5);
        byte[] full = new byte[PAGE];
        random.nextBytes(full);
        byte[] part = new byte[20];
        random.nextBytes(part);
        byte[] small = new byte[100];
        random.nextBytes(small);
        try (RawTcpClient c = new RawTcpClient("127.0.0.1", receiver.port())) {
            c.hello(token(receiver, "alice"), "alice")
                    .frame(3, true, new int[] {3, 4}, new long[] {PAGE, 20}).bytes(full).bytes(part);
            assertThat(c.readAck()).containsExactly(3, 1);
            // One batch in two frames: the first without the commit flag, then the committing one.
            c.frame(5, false, new int[] {5, 6}, new long[] {100, PAGE}).bytes(small).bytes(full)
                    .frame(5, true, new int[] {7}, new long[] {20}).bytes(part);
            assertThat(c.readAck()).containsExactly(5, 1);
            alloc.batches.remove("alice/8"); // admitted, but gone by commit time
            c.data(8, 8, small);
            assertThat(c.readAck()).as("a batch the receiver cannot commit is acknowledged as such")
                    .containsExactly(8, 0);
        }
        assertThat(remote.segment().asSlice(3L * PAGE, PAGE).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(full);
        assertThat(remote.segment().asSlice(4L * PAGE, 20).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(part);
        assertThat(remote.segment().asSlice(5L * PAGE, 100).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(small);
        assertThat(remote.segment().asSlice(6L * PAGE, PAGE).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(full);
        assertThat(remote.segment().asSlice(7L * PAGE, 20).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(part);
        assertThat(allZero(remote, 4L * PAGE + 20, PAGE - 20)).isTrue();
        assertThat(alloc.landed).containsExactly("alice/3", "alice/5", "alice/8");
    }

    @Test
    void aPeerThatDiesMidFrameFailsEveryPendingWriteAtOnce() throws Exception {
        StagingBuffer local = randomStaging();
        TcpSender sender = rig.sender(local);
        try (ServerSocket fake = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> peerDied = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try (Socket s = fake.accept()) {
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    in.readFully(new byte[TcpFrames.HELLO_BYTES + "alice".length() + TcpFrames.descriptorBytes(4) + 1000]);
                    s.setSoLinger(true, 0); // reset, in the middle of the first DATA frame
                    peerDied.complete(null);
                } catch (IOException e) {
                    peerDied.completeExceptionally(e);
                }
            });
            ChannelSender.Handshake hs = sender.beginConnect("alice");
            TcpConnection conn = (TcpConnection) hs.complete(new TcpInitResponse(WireCodec.PROTOCOL_VERSION,
                    "127.0.0.1", fake.getLocalPort(), new byte[TcpFrames.TOKEN_BYTES], PAGE));
            List<CompletableFuture<Void>> futures = new ArrayList<>();
            for (int b = 0; b < 3; b++) {
                futures.add(conn.write(batch(new int[] {4 * b, 4 * b + 1, 4 * b + 2, 4 * b + 3},
                        new int[] {4 * b, 4 * b + 1, 4 * b + 2, 4 * b + 3}, new long[] {PAGE, PAGE, PAGE, PAGE})));
            }
            peerDied.get(WAIT_S, TimeUnit.SECONDS);
            for (CompletableFuture<Void> f : futures) {
                assertThatThrownBy(() -> f.get(WAIT_S, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOf(ChannelException.class);
            }
            conn.closedStage().toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
            assertThat(conn.isOpen()).isFalse();
            assertThatThrownBy(() -> conn.write(batch(new int[] {0}, new int[] {0}, new long[] {PAGE}))
                    .get(WAIT_S, TimeUnit.SECONDS)).cause().isInstanceOf(ChannelException.class).hasMessageContaining("closed");
        }
    }

    @Test
    void receiverClosedMidTransferFailsTheWriteAndANewReceiverWorks() throws Exception {
        StagingBuffer local = randomStaging();
        TcpSender sender = rig.sender(local);
        Allocations allocA = new Allocations().allow("alice", 0, 0, 1, 2, 3, 4, 5, 6, 7);
        TcpReceiver receiverA = rig.receiver(rig.staging(), allocA, 5);
        allocA.onFirstAdmit = receiverA::close; // the receiver goes away while the first DATA frame is in flight
        TcpConnection connA = TcpRig.connect(sender, receiverA, "alice");
        int[] pages = {0, 1, 2, 3, 4, 5, 6, 7};
        long[] lengths = new long[8];
        java.util.Arrays.fill(lengths, PAGE);
        long start = System.nanoTime();
        CompletableFuture<Void> f = connA.write(batch(pages, pages, lengths));
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).as("fails within the transfer deadline")
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(ChannelException.class);
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(5));
        assertThat(allocA.landed).isEmpty();
        assertThat(connA.isOpen()).isFalse();

        StagingBuffer remoteB = rig.staging();
        Allocations allocB = new Allocations().allow("alice", 0, 0, 1, 2, 3, 4, 5, 6, 7);
        TcpReceiver receiverB = rig.receiver(remoteB, allocB, 5);
        assertThat(receiverB.port()).isNotEqualTo(receiverA.port());
        TcpConnection connB = TcpRig.connect(sender, receiverB, "alice");
        connB.write(batch(pages, pages, lengths)).get(WAIT_S, TimeUnit.SECONDS);
        assertThat(sameBytes(local, 0, remoteB, 0, 8L * PAGE)).isTrue();
        assertThat(allocB.landed).containsExactly("alice/0");
    }

    @Test
    void fenceClosesTheSendersConnectionsAndItReconnects() throws Exception {
        StagingBuffer local = randomStaging();
        Allocations alloc = new Allocations().allow("alice", 0, 0).allow("alice", 1, 1).allow("bob", 2, 2);
        TcpReceiver receiver = rig.receiver(rig.staging(), alloc, 5);
        TcpSender sender = rig.sender(local);
        TcpConnection first = TcpRig.connect(sender, receiver, "alice");
        TcpConnection bobs = TcpRig.connect(sender, receiver, "bob");
        first.write(batch(new int[] {0}, new int[] {0}, new long[] {PAGE})).get(WAIT_S, TimeUnit.SECONDS);

        receiver.fence("alice");
        first.closedStage().toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
        assertThat(first.isOpen()).isFalse();
        assertThat(bobs.isOpen()).as("other senders keep their connections").isTrue();
        receiver.fence("nobody"); // unknown senders are ignored

        TcpConnection second = TcpRig.connect(sender, receiver, "alice");
        second.write(batch(new int[] {1}, new int[] {1}, new long[] {PAGE})).get(WAIT_S, TimeUnit.SECONDS);
        bobs.write(batch(new int[] {2}, new int[] {2}, new long[] {PAGE})).get(WAIT_S, TimeUnit.SECONDS);
        assertThat(alloc.landed).containsExactly("alice/0", "alice/1", "bob/2");
    }

    @Test
    void noByteSentAfterAFenceLands() throws Exception {
        StagingBuffer remote = rig.staging();
        Allocations alloc = new Allocations().allow("alice", 2, 2);
        TcpReceiver receiver = rig.receiver(remote, alloc, 5);
        byte[] early = new byte[PAGE / 2];
        java.util.Arrays.fill(early, (byte) 0x11);
        byte[] late = new byte[PAGE / 2];
        java.util.Arrays.fill(late, (byte) 0x22);
        try (RawTcpClient c = new RawTcpClient("127.0.0.1", receiver.port())) {
            c.hello(token(receiver, "alice"), "alice").frame(2, true, new int[] {2}, new long[] {PAGE}).bytes(early);
            receiver.fence("alice");
            c.writeFails(late);
        } catch (IOException expected) {
            // the fenced connection may already refuse the commit
        }
        assertThat(remote.segment().asSlice(2L * PAGE, PAGE).toArray(ValueLayout.JAVA_BYTE))
                .as("bytes of page 2").doesNotContain((byte) 0x22);
        assertThat(alloc.landed).isEmpty();
    }

    @Test
    void aBatchWithMoreEntriesThanAFrameCarriesGoesInSeveralFramesAndCommitsOnce() throws Exception {
        StagingBuffer local = randomStaging();
        StagingBuffer remote = rig.staging();
        Allocations alloc = new Allocations().allow("alice", 0, 0, 1, 2, 3, 4).allow("alice", 8, 8, 9, 10, 11);
        TcpReceiver receiver = rig.receiver(remote, alloc, 5);
        TcpSender sender = rig.sender(local);
        sender.maxEntriesPerFrame = 2;
        TcpConnection conn = TcpRig.connect(sender, receiver, "alice");
        List<WriteBatch> batches = List.of(
                batch(new int[] {0, 1, 2, 3, 4}, new int[] {0, 1, 2, 3, 4}, new long[] {PAGE, 100, PAGE, 7, PAGE / 2}),
                batch(new int[] {5, 6, 7, 8}, new int[] {8, 9, 10, 11}, new long[] {PAGE, PAGE, 3, PAGE}));
        for (WriteBatch b : batches) {
            conn.write(b).get(WAIT_S, TimeUnit.SECONDS);
            for (int i = 0; i < b.size(); i++) {
                assertThat(sameBytes(local, b.localOffsets()[i], remote, (long) b.remotePages()[i] * PAGE, b.lengths()[i]))
                        .as("batch %d entry %d", b.batchId(), i).isTrue();
            }
        }
        assertThat(alloc.admitted.get()).as("each page admitted once").isEqualTo(9);
        assertThat(alloc.landed).containsExactly("alice/0", "alice/8");
        assertThat(receiver.rejectedFrames.get()).isZero();
    }

    /**
     * Entries below the small-entry size that lie in neighbouring pages on both sides go out and are read in place
     * as runs (no bounce or read-ahead copy); runs broken by a gap, a partial entry or a page out of order, and
     * read passes of every size, still land byte for byte.
     */
    @Test
    void smallEntriesInNeighbouringPagesLandByteForByteInEveryLayout() throws Exception {
        int small = 4096;
        int pages = 96;
        StagingBuffer local = rig.staging(pages, small);
        byte[] data = new byte[pages * small];
        random.nextBytes(data);
        MemorySegment.copy(data, 0, local.segment(), ValueLayout.JAVA_BYTE, 0, data.length);
        StagingBuffer remote = rig.staging(pages, small);
        Allocations alloc = new Allocations();
        TcpReceiver receiver = rig.receiver(remote, alloc, 5);
        TcpSender sender = rig.sender(local);
        TcpConnection conn = TcpRig.connect(sender, receiver, "alice");
        for (long budget : new long[] {Long.MAX_VALUE, 1000, small + 7, 3 * small}) {
            receiver.readBudget = budget;
            int n = 40;
            int[] localPages = new int[n];
            int[] remotePages = new int[n];
            long[] lengths = new long[n];
            for (int i = 0; i < n; i++) {
                localPages[i] = i < 20 ? i : i + 2; // a gap after 20 on the sender
                remotePages[i] = i == 30 ? 90 : 40 + i; // one page out of order on the receiver
                lengths[i] = i == 10 ? small / 2 : small; // a partial entry inside the first run
            }
            lengths[n - 1] = 100;
            remote.segment().fill((byte) 0);
            alloc.allow("alice", remotePages[0], remotePages); // the first remote page names the batch
            WriteBatch b = new WriteBatch(offsetsOf(localPages, small), remotePages, lengths, small);
            conn.write(b).get(WAIT_S, TimeUnit.SECONDS);
            for (int i = 0; i < n; i++) {
                long dst = (long) remotePages[i] * small;
                assertThat(sameBytes(local, (long) localPages[i] * small, remote, dst, lengths[i]))
                        .as("budget %d, entry %d", budget, i).isTrue();
                assertThat(allZero(remote, dst + lengths[i], small - lengths[i]))
                        .as("nothing past entry %d's length", i).isTrue();
            }
        }
        assertThat(receiver.committedBatches.get()).isEqualTo(4);
        assertThat(receiver.rejectedFrames.get()).isZero();
        assertThat(conn.isOpen()).isTrue();
    }

    private static long[] offsetsOf(int[] pages, int pageBytes) {
        long[] offsets = new long[pages.length];
        for (int i = 0; i < pages.length; i++) {
            offsets[i] = (long) pages[i] * pageBytes;
        }
        return offsets;
    }

    @Test
    void framesThatStraddleReadPassesStillCommit() throws Exception {
        StagingBuffer local = randomStaging();
        StagingBuffer remote = rig.staging();
        Allocations alloc = new Allocations();
        TcpReceiver receiver = rig.receiver(remote, alloc, 5);
        TcpSender sender = rig.sender(local);
        TcpConnection conn = TcpRig.connect(sender, receiver, "alice");
        // Small read passes: frames end inside a pass, at its end, and several passes later.
        for (long budget : new long[] {1, 1000, TcpFrames.HEAD_BYTES + TcpFrames.ENTRY_BYTES, PAGE, PAGE + 24}) {
            receiver.readBudget = budget;
            for (long length : new long[] {PAGE, 1, PAGE - 1, 5000}) {
                int page = (int) (budget % 7) + (int) (length % 5);
                alloc.allow("alice", page, page);
                WriteBatch b = batch(new int[] {page + 1}, new int[] {page}, new long[] {length});
                conn.write(b).get(WAIT_S, TimeUnit.SECONDS);
                assertThat(sameBytes(local, (long) (page + 1) * PAGE, remote, (long) page * PAGE, length))
                        .as("budget %d, %d bytes", budget, length).isTrue();
            }
        }
        assertThat(receiver.committedBatches.get()).isEqualTo(20);
    }

    /**
     * A frame whose pieces arrive one at a time: each read pass ends with a read that found less than it asked for,
     * and the next piece wakes the receiver again (a pass that stopped early and was never woken would hang here).
     * Payload pieces below and above the read-ahead size go through both ways of reading a payload.
     */
    @Test
    void aFrameArrivingPieceByPieceWakesTheReceiverForEachAndLandsWhole() throws Exception {
        StagingBuffer remote = rig.staging();
        Allocations alloc = new Allocations().allow("alice", 3, 3);
        TcpReceiver receiver = rig.receiver(remote, alloc, 5);
        byte[] full = new byte[PAGE];
        random.nextBytes(full);
        try (RawTcpClient c = new RawTcpClient("127.0.0.1", receiver.port())) {
            c.hello(token(receiver, "alice"), "alice");
            c.head(TcpFrames.DATA, TcpFrames.FLAG_COMMIT, 1, 3, 0);
            long sent = TcpFrames.HEAD_BYTES;
            awaitReceived(receiver, sent);
            c.entry(3, PAGE);
            sent += TcpFrames.ENTRY_BYTES;
            awaitReceived(receiver, sent);
            int at = 0;
            for (int piece : new int[] {1, 100, 5000, InboundDataConnection.READ_AHEAD_BELOW + 1, 7}) {
                c.bytes(Arrays.copyOfRange(full, at, at + piece));
                at += piece;
                sent += piece;
                awaitReceived(receiver, sent);
            }
            assertThat(alloc.landed).as("nothing commits before the last byte").isEmpty();
            c.bytes(Arrays.copyOfRange(full, at, PAGE));
            assertThat(c.readAck()).containsExactly(3, 1);
        }
        assertThat(remote.segment().asSlice(3L * PAGE, PAGE).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(full);
        assertThat(alloc.landed).containsExactly("alice/3");
    }

    /** Waits (at most {@link #WAIT_S}) until the receiver has read {@code bytes} frame bytes. */
    private static void awaitReceived(TcpReceiver receiver, long bytes) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (receiver.bytesReceived.get() < bytes) {
            assertThat(System.nanoTime() - deadline).as("the receiver read %d of %d bytes in time",
                    receiver.bytesReceived.get(), bytes).isNegative();
            Thread.yield();
        }
    }

    @Test
    void acksOfOneReadPassGoOutInOneWrite() throws Exception {
        Allocations alloc = new Allocations().allow("alice", 1, 1).allow("alice", 2, 2).allow("alice", 3, 3);
        TcpReceiver receiver = rig.receiver(rig.staging(), alloc, 5);
        java.io.ByteArrayOutputStream frames = new java.io.ByteArrayOutputStream();
        for (int b = 1; b <= 3; b++) {
            java.nio.ByteBuffer f = java.nio.ByteBuffer.allocate(TcpFrames.descriptorBytes(1) + 10);
            TcpFrames.putHead(f, true, 1, b);
            TcpFrames.putEntry(f, b, 10);
            frames.write(f.array(), 0, f.capacity());
        }
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), receiver.port())) {
            s.setSoTimeout(10_000);
            java.io.OutputStream out = s.getOutputStream();
            byte[] id = "alice".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            out.write(java.nio.ByteBuffer.allocate(TcpFrames.HELLO_BYTES + id.length).putInt(TcpFrames.MAGIC)
                    .putShort(TcpFrames.VERSION).putShort((short) id.length).put(token(receiver, "alice")).put(id).array());
            out.write(frames.toByteArray()); // three committing frames in one segment: one read pass
            out.flush();
            byte[] acks = new byte[4096];
            int n = s.getInputStream().read(acks);
            assertThat(n).as("the three acks arrive together").isEqualTo(3 * TcpFrames.ACK_BYTES);
            java.nio.ByteBuffer a = java.nio.ByteBuffer.wrap(acks, 0, n);
            for (int b = 1; b <= 3; b++) {
                assertThat(new int[] {a.get(), a.get(), a.getShort(), a.getInt()})
                        .containsExactly(TcpFrames.ACK, 1, 0, b);
            }
        }
        assertThat(alloc.landed).containsExactly("alice/1", "alice/2", "alice/3");
    }

    @Test
    void anAckForABatchNotInFlightClosesTheConnection() throws Exception {
        StagingBuffer local = randomStaging();
        TcpSender sender = rig.sender(local);
        for (boolean withBatchInFlight : new boolean[] {true, false}) {
            try (ServerSocket fake = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                CompletableFuture<Void> acked = new CompletableFuture<>();
                Thread.ofVirtual().start(() -> {
                    try (Socket s = fake.accept()) {
                        DataInputStream in = new DataInputStream(s.getInputStream());
                        in.readFully(new byte[TcpFrames.HELLO_BYTES + "alice".length()]);
                        if (withBatchInFlight) {
                            in.readFully(new byte[TcpFrames.descriptorBytes(1) + PAGE]);
                        }
                        java.nio.ByteBuffer ack = java.nio.ByteBuffer.allocate(TcpFrames.ACK_BYTES);
                        TcpFrames.putAck(ack, 42, true); // batch 42 was never sent
                        s.getOutputStream().write(ack.array());
                        acked.complete(null);
                        in.read(); // until the sender closes
                    } catch (IOException e) {
                        acked.completeExceptionally(e);
                    }
                });
                ChannelSender.Handshake hs = sender.beginConnect("alice");
                TcpConnection conn = (TcpConnection) hs.complete(new TcpInitResponse(WireCodec.PROTOCOL_VERSION,
                        "127.0.0.1", fake.getLocalPort(), new byte[TcpFrames.TOKEN_BYTES], PAGE));
                CompletableFuture<Void> f = withBatchInFlight
                        ? conn.write(batch(new int[] {0}, new int[] {0}, new long[] {PAGE})) : null;
                acked.get(WAIT_S, TimeUnit.SECONDS);
                conn.closedStage().toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
                assertThat(conn.isOpen()).isFalse();
                if (f != null) {
                    assertThatThrownBy(() -> f.get(WAIT_S, TimeUnit.SECONDS)).cause()
                            .isInstanceOf(ChannelException.class).hasMessageContaining("unexpected acknowledgement");
                }
            }
        }
    }

    @Test
    void manyWritersOnOneConnectionAllComplete() throws Exception {
        StagingBuffer local = randomStaging();
        AtomicInteger landed = new AtomicInteger();
        LandingListener all = new LandingListener() {
            @Override
            public boolean admitWrite(String senderId, int batchId, int page, long offsetInPage, long length) {
                return true;
            }

            @Override
            public boolean onBatchLanded(String senderId, int batchId) {
                landed.incrementAndGet();
                return true;
            }
        };
        TcpReceiver receiver = rig.receiver(rig.staging(), all, 5);
        TcpConnection conn = TcpRig.connect(rig.sender(local), receiver, "alice");
        int writers = 8;
        int perWriter = 200;
        AtomicInteger failed = new AtomicInteger();
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(writers * perWriter);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int first = 2 * w;
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < perWriter; i++) {
                    // Some writers wait for each batch (the direct path), some keep several in flight (the ring).
                    long[] lengths = i % 3 == 0 ? new long[] {PAGE, 10} : new long[] {1 + i};
                    int[] pages = lengths.length == 2 ? new int[] {first, first + 1} : new int[] {first};
                    CompletableFuture<Void> f = conn.write(batch(pages, pages, lengths));
                    f.whenComplete((v, e) -> {
                        if (e != null) {
                            failed.incrementAndGet();
                        }
                        done.countDown();
                    });
                    if (first % 4 == 0) {
                        f.join();
                    }
                }
            }));
        }
        assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
        for (Thread t : threads) {
            assertThat(t.join(Duration.ofSeconds(WAIT_S))).isTrue();
        }
        assertThat(failed.get()).isZero();
        assertThat(landed.get()).isEqualTo(writers * perWriter);
        assertThat(conn.isOpen()).isTrue();
    }

    @Test
    void closeReleasesEveryThreadAndSocketAndIsIdempotent() throws Exception {
        cycle(); // warm up class loading and JIT, which open files of their own
        long fdsBefore = openFds();
        cycle();
        assertThat(openFds()).isEqualTo(fdsBefore);
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("kvcourier-tcp"));
    }

    private void cycle() throws Exception {
        try (StagingBuffer local = new StagingBuffer((long) PAGES * PAGE);
             StagingBuffer remote = new StagingBuffer((long) PAGES * PAGE)) {
            local.fixPageSize(PAGE);
            remote.fixPageSize(PAGE);
            Allocations alloc = new Allocations().allow("alice", 0, 0).allow("alice", 1, 1);
            TcpReceiver receiver = new TcpReceiver(TcpRig.settings(5), remote, alloc);
            TcpSender sender = new TcpSender(TcpRig.settings(5), local);
            TcpConnection conn = TcpRig.connect(sender, receiver, "alice");
            conn.write(batch(new int[] {0}, new int[] {0}, new long[] {PAGE})).get(WAIT_S, TimeUnit.SECONDS);
            TcpConnection other = TcpRig.connect(sender, receiver, "alice");
            try (RawTcpClient stray = new RawTcpClient("127.0.0.1", receiver.port())) {
                conn.close();
                conn.close();
                assertThat(conn.isOpen()).isFalse();
                sender.close();
                sender.close();
                assertThat(other.isOpen()).as("the sender's close closes its connections").isFalse();
                receiver.close();
                receiver.close();
                assertThat(stray.closedByPeer()).isTrue();
            }
        }
    }

    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
