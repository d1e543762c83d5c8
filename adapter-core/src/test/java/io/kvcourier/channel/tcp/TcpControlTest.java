package io.kvcourier.channel.tcp;

import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.ControlReplySink;
import io.kvcourier.channel.ControlRequestHandler;
import io.kvcourier.channel.WriteBatch;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.testkit.Poll;
import io.kvcourier.wire.InitError;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.TcpInitRequest;
import io.kvcourier.wire.TcpInitResponse;
import io.kvcourier.wire.WireCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.kvcourier.channel.tcp.TcpRig.PAGE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * tcp data version 3: control exchanges (the alloc port's request and reply bytes) on the data connection —
 * negotiation and fallback to version 2, replies at once and later from another thread, exchanges lost with their
 * connection, and hostile CONTROL frames on either side.
 */
@Timeout(60)
class TcpControlTest {
    private static final long WAIT_S = 10;

    private final TcpRig rig = new TcpRig();

    @AfterEach
    void closeAll() throws Exception {
        rig.closeAll();
    }

    /** A handler that answers each request at once with "re:" and the request's bytes, and records who asked. */
    private static final class Echo implements ControlRequestHandler {
        final BlockingQueue<String> from = new LinkedBlockingQueue<>();

        @Override
        public void onControlRequest(String senderId, byte[] bytes, int offset, int length, Replier replier) {
            from.add(senderId);
            byte[] reply = ("re:" + new String(bytes, offset, length, StandardCharsets.UTF_8))
                    .getBytes(StandardCharsets.UTF_8);
            replier.reply(reply, 0, reply.length);
        }
    }

    /** Records replies and losses by exchange id. */
    private static final class Sink implements ControlReplySink {
        final Map<Long, String> replies = new ConcurrentHashMap<>();
        final Map<Long, String> lost = new ConcurrentHashMap<>();
        final BlockingQueue<Long> events = new LinkedBlockingQueue<>();

        @Override
        public void onControlReply(long exchangeId, byte[] bytes, int offset, int length) {
            replies.put(exchangeId, new String(bytes, offset, length, StandardCharsets.UTF_8));
            events.add(exchangeId);
        }

        @Override
        public void onConnectionLost(long exchangeId, String why) {
            lost.put(exchangeId, why);
            events.add(exchangeId);
        }

        void await(int n) throws InterruptedException {
            for (int i = 0; i < n; i++) {
                assertThat(events.poll(WAIT_S, TimeUnit.SECONDS)).as("event %d of %d", i + 1, n).isNotNull();
            }
        }
    }

    private static boolean send(TcpConnection c, long id, String text, ControlReplySink sink) {
        byte[] b = ("xx" + text + "yy").getBytes(StandardCharsets.UTF_8);
        return c.sendControl(id, b, 2, b.length - 4, sink); // an offset and a length inside a larger array
    }

    // ------------------------------------------------------------------------------------------- tests

    @Test
    void controlExchangesTravelOnTheDataConnectionBetweenBatches() throws Exception {
        StagingBuffer src = rig.staging();
        byte[] data = new byte[3 * PAGE];
        new Random(3).nextBytes(data);
        MemorySegment.copy(data, 0, src.segment(), ValueLayout.JAVA_BYTE, 0, data.length);
        StagingBuffer dst = rig.staging();
        TcpChannelTest.Allocations allocations = new TcpChannelTest.Allocations().allow("alice", 4, 4, 5, 6);
        TcpReceiver receiver = rig.receiver(dst, allocations);
        Echo echo = new Echo();
        receiver.setControlHandler(echo);
        TcpConnection c = TcpRig.connect(rig.sender(src), receiver, "alice");
        assertThat(c.dataVersion()).isEqualTo(TcpFrames.VERSION_EAGER);
        assertThat(c.carriesControl()).isTrue();

        Sink sink = new Sink();
        assertThat(send(c, 7, "first", sink)).isTrue();
        var written = c.write(new WriteBatch(new long[] {0, PAGE, 2L * PAGE}, new int[] {4, 5, 6},
                new long[] {PAGE, PAGE, 100}, PAGE));
        assertThat(send(c, 8, "second", sink)).isTrue();
        assertThat(send(c, 9, "third", sink)).isTrue();
        sink.await(3);
        written.get(WAIT_S, TimeUnit.SECONDS);

        assertThat(sink.replies).containsExactlyInAnyOrderEntriesOf(Map.of(7L, "re:first", 8L, "re:second",
                9L, "re:third"));
        assertThat(sink.lost).isEmpty();
        assertThat(echo.from).containsOnly("alice").hasSize(3);
        assertThat(dst.segment().asSlice(4L * PAGE, 2L * PAGE + 100)
                .mismatch(src.segment().asSlice(0, 2L * PAGE + 100))).isEqualTo(-1);
        assertThat(receiver.controlRequests.get()).isEqualTo(3);
        assertThat(receiver.rejectedFrames.get()).isZero();
        assertThat(c.isOpen()).isTrue();
    }

    @Test
    void aReplyGivenLaterOnAnotherThreadReachesTheSender() throws Exception {
        TcpReceiver receiver = rig.receiver(rig.staging(), new TcpChannelTest.Allocations());
        BlockingQueue<ControlRequestHandler.Replier> held = new LinkedBlockingQueue<>();
        receiver.setControlHandler((senderId, bytes, offset, length, replier) -> held.add(replier));
        TcpConnection c = TcpRig.connect(rig.sender(rig.staging()), receiver, "bob");
        Sink sink = new Sink();
        assertThat(send(c, 1, "wait", sink)).isTrue();
        assertThat(send(c, 2, "wait too", sink)).isTrue();
        ControlRequestHandler.Replier first = held.poll(WAIT_S, TimeUnit.SECONDS);
        ControlRequestHandler.Replier second = held.poll(WAIT_S, TimeUnit.SECONDS);
        assertThat(first).isNotNull();
        assertThat(second).isNotNull();
        assertThat(sink.events).isEmpty(); // nothing answered yet

        byte[] later = "room came".getBytes(StandardCharsets.UTF_8);
        Thread t = Thread.ofPlatform().start(() -> second.reply(later, 0, later.length)); // out of order
        t.join(TimeUnit.SECONDS.toMillis(WAIT_S));
        sink.await(1);
        assertThat(sink.replies).containsExactly(Map.entry(2L, "room came"));
        first.reply(later, 0, 4);
        first.reply(later, 0, later.length); // a second reply to the same request is ignored
        sink.await(1);
        assertThat(sink.replies).containsEntry(1L, "room");
        assertThat(receiver.controlReplies.get()).isEqualTo(2);
        assertThat(c.isOpen()).isTrue();
    }

    @Test
    void exchangesUnansweredWhenTheConnectionClosesAreReportedLostAndALateReplyIsDropped() throws Exception {
        TcpReceiver receiver = rig.receiver(rig.staging(), new TcpChannelTest.Allocations());
        BlockingQueue<ControlRequestHandler.Replier> held = new LinkedBlockingQueue<>();
        receiver.setControlHandler((senderId, bytes, offset, length, replier) -> held.add(replier));
        TcpConnection c = TcpRig.connect(rig.sender(rig.staging()), receiver, "carol");
        Sink sink = new Sink();
        assertThat(send(c, 11, "never answered", sink)).isTrue();
        ControlRequestHandler.Replier replier = held.poll(WAIT_S, TimeUnit.SECONDS);
        assertThat(replier).isNotNull();
        assertThat(replier.connectionOpen()).isTrue();

        assertThat(receiver.tryFence("carol")).isTrue(); // the receiver closes the connection
        assertThat(replier.connectionOpen()).as("closed once the fence returned").isFalse();
        sink.await(1);
        assertThat(sink.lost).containsOnlyKeys(11L);
        assertThat(sink.replies).isEmpty();
        assertThat(c.isOpen()).isFalse();
        assertThat(c.carriesControl()).isFalse();
        assertThat(send(c, 12, "after close", sink)).isFalse();

        byte[] late = "late".getBytes(StandardCharsets.UTF_8);
        replier.reply(late, 0, late.length); // its connection is gone: dropped, nothing breaks
        TcpConnection again = TcpRig.connect(rig.sender(rig.staging()), receiver, "carol");
        assertThat(send(again, 13, "fresh", sink)).isTrue();
        ControlRequestHandler.Replier fresh = held.poll(WAIT_S, TimeUnit.SECONDS);
        assertThat(fresh).isNotNull();
        fresh.reply(late, 0, late.length);
        sink.await(1);
        assertThat(sink.replies).containsExactly(Map.entry(13L, "late"));
        assertThat(receiver.controlReplies.get()).isEqualTo(1);
        assertThat(fresh.connectionOpen()).isTrue();
        assertThat(replier.connectionOpen()).as("closed for good").isFalse();

        again.close(); // the sender closes it: the receiver reads EOF and closes its side
        assertThat(Poll.until(() -> !fresh.connectionOpen(), Duration.ofSeconds(WAIT_S))).isTrue();
    }

    /**
     * The receiver's escalation for a held in-band batch id closes the connection the allocation came on, through its
     * request's replier, and no other connection of that sender: the exchanges on the one fail, the other goes on.
     */
    @Test
    void aReplierClosesTheConnectionItsRequestCameOnAndNoOther() throws Exception {
        TcpReceiver receiver = rig.receiver(rig.staging(), new TcpChannelTest.Allocations());
        BlockingQueue<ControlRequestHandler.Replier> held = new LinkedBlockingQueue<>();
        receiver.setControlHandler((senderId, bytes, offset, length, replier) -> held.add(replier));
        TcpSender sender = rig.sender(rig.staging());
        TcpConnection stuck = TcpRig.connect(sender, receiver, "erin");
        TcpConnection other = TcpRig.connect(sender, receiver, "erin");
        Sink sink = new Sink();
        assertThat(send(stuck, 21, "on the stuck one", sink)).isTrue();
        ControlRequestHandler.Replier replier = held.poll(WAIT_S, TimeUnit.SECONDS);
        assertThat(replier).isNotNull();

        assertThat(replier.closeConnection()).isTrue();
        assertThat(replier.connectionOpen()).isFalse();
        sink.await(1);
        assertThat(sink.lost).containsOnlyKeys(21L);
        assertThat(stuck.isOpen()).isFalse();
        assertThat(other.isOpen()).isTrue();
        assertThat(send(other, 22, "on the other", sink)).isTrue();
        ControlRequestHandler.Replier next = held.poll(WAIT_S, TimeUnit.SECONDS);
        assertThat(next).isNotNull();
        byte[] ok = "ok".getBytes(StandardCharsets.UTF_8);
        next.reply(ok, 0, ok.length);
        sink.await(1);
        assertThat(sink.replies).containsExactly(Map.entry(22L, "ok"));
        assertThat(replier.closeConnection()).as("idempotent").isTrue();
    }

    @Test
    void aSenderOrReceiverOfVersion2KeepsTalkingVersion2WithoutControl() throws Exception {
        // A receiver with no control handler offers version 2 only.
        TcpReceiver plain = rig.receiver(rig.staging(), new TcpChannelTest.Allocations());
        TcpConnection c = TcpRig.connect(rig.sender(rig.staging()), plain, "dave");
        assertThat(c.dataVersion()).isEqualTo(TcpFrames.VERSION);
        assertThat(c.carriesControl()).isFalse();
        assertThat(send(c, 1, "no", new Sink())).isFalse();

        // A receiver from before version 3 (capped at 2) answers a version-3 sender with version 2 ...
        TcpChannelTest.Allocations allocations = new TcpChannelTest.Allocations().allow("erin", 2, 2);
        TcpReceiver old = rig.receiver(rig.staging(), allocations);
        old.setControlHandler(new Echo());
        old.maxDataVersion = TcpFrames.VERSION;
        PdMessage reply = old.handshake(new TcpInitRequest(WireCodec.PROTOCOL_VERSION, "erin", 3));
        assertThat(((TcpInitResponse) reply).dataVersion()).isEqualTo(TcpFrames.VERSION);
        TcpConnection toOld = TcpRig.connect(rig.sender(rig.staging()), old, "erin");
        assertThat(toOld.carriesControl()).isFalse();
        toOld.write(new WriteBatch(new long[] {0}, new int[] {2}, new long[] {PAGE}, PAGE)).get(WAIT_S,
                TimeUnit.SECONDS); // and the data still flows

        // ... and a sender from before version 3 (no data_version: 2) gets version 2 from a version-3 receiver.
        TcpReceiver current = rig.receiver(rig.staging(), new TcpChannelTest.Allocations());
        current.setControlHandler(new Echo());
        TcpSender oldSender = rig.sender(rig.staging());
        oldSender.maxDataVersion = TcpFrames.VERSION;
        ChannelSender.Handshake hs = oldSender.beginConnect("frank");
        assertThat(((TcpInitRequest) hs.request()).dataVersion()).isEqualTo(TcpFrames.VERSION);
        PdMessage answer = current.handshake(WireCodec.decode(WireCodec.encode(new TcpInitRequest(
                WireCodec.PROTOCOL_VERSION, "frank"))));
        assertThat(((TcpInitResponse) answer).dataVersion()).isEqualTo(TcpFrames.VERSION);
        TcpConnection fromOld = (TcpConnection) hs.complete(answer);
        assertThat(fromOld.carriesControl()).isFalse();
        assertThat(fromOld.isOpen()).isTrue();

        // A data version below 2 is refused by name.
        assertThat(current.handshake(new TcpInitRequest(WireCodec.PROTOCOL_VERSION, "gina", 1)))
                .isInstanceOfSatisfying(InitError.class, e -> assertThat(e.message()).contains("tcp data version 1"));
    }

    /** Each hostile CONTROL frame (or HELLO version) closes its own connection; the receiver goes on serving. */
    @Test
    void hostileControlFramesCloseTheirConnectionOnly() throws Exception {
        TcpChannelTest.Allocations allocations = new TcpChannelTest.Allocations().allow("mallory", 3, 3, 4);
        TcpReceiver receiver = rig.receiver(rig.staging(), allocations);
        Echo echo = new Echo();
        receiver.setControlHandler(echo);
        byte[] msg = "alloc".getBytes(StandardCharsets.UTF_8);
        long rejected = 0;

        record Case(String name, java.util.function.Consumer<RawTcpClient> send) {
        }
        for (Case k : new Case[] {
                new Case("non-zero flags", r -> r.control(1, 0, msg.length, 1, msg)),
                new Case("non-zero reserved", r -> r.control(0, 1, msg.length, 1, msg)),
                new Case("empty", r -> r.control(0, 0, 0, 1, new byte[0])),
                new Case("negative length", r -> r.control(0, 0, -1, 1, msg)),
                new Case("oversize", r -> r.control(0, 0, TcpFrames.MAX_CONTROL_BYTES + 1, 1, msg)),
                new Case("inside a batch", r -> r.frame(3, false, new int[] {3}, new long[] {PAGE})
                        .bytes(new byte[PAGE]).control(1, msg)),
        }) {
            try (RawTcpClient raw = hello(receiver, "mallory", 3, 3)) {
                k.send.accept(raw);
                assertThat(raw.closedByPeer()).as(k.name).isTrue();
            }
            assertThat(receiver.rejectedFrames.get()).as(k.name).isEqualTo(++rejected);
        }
        // A CONTROL frame on a version-2 connection is an unknown frame type.
        try (RawTcpClient raw = hello(receiver, "mallory", 2, 2)) {
            raw.control(1, msg);
            assertThat(raw.closedByPeer()).isTrue();
        }
        assertThat(receiver.rejectedFrames.get()).isEqualTo(++rejected);
        // A HELLO must name the version its handshake chose.
        long refused = receiver.refusedConnections.get();
        for (int[] v : new int[][] {{3, 2}, {2, 3}, {3, 4}}) {
            try (RawTcpClient raw = hello(receiver, "mallory", v[0], v[1])) {
                assertThat(raw.closedByPeer()).as("asked %d, hello %d", v[0], v[1]).isTrue();
            }
            assertThat(receiver.refusedConnections.get()).isEqualTo(++refused);
        }
        assertThat(receiver.controlRequests.get()).isZero();

        // The receiver still serves: a good exchange and a batch on a fresh connection.
        try (RawTcpClient raw = hello(receiver, "mallory", 3, 3)) {
            raw.control(42, msg);
            RawTcpClient.Reply reply = raw.readControlReply();
            assertThat(reply.exchangeId()).isEqualTo(42);
            assertThat(new String(reply.message(), StandardCharsets.UTF_8)).isEqualTo("re:alloc");
            raw.data(3, 3, new byte[100]);
            assertThat(raw.readAck()).containsExactly(3, 1);
        }
        assertThat(receiver.controlRequests.get()).isEqualTo(1);
        assertThat(receiver.rejectedFrames.get()).isEqualTo(rejected);
    }

    /** A raw connection: a handshake asking for {@code asked}, then a HELLO naming {@code helloVersion}. */
    private static RawTcpClient hello(TcpReceiver receiver, String senderId, int asked, int helloVersion)
            throws IOException {
        TcpInitResponse init = (TcpInitResponse) receiver.handshake(new TcpInitRequest(WireCodec.PROTOCOL_VERSION,
                senderId, asked));
        RawTcpClient raw = new RawTcpClient(init.host(), init.port());
        return raw.hello(init.sessionToken(), senderId, helloVersion);
    }

    /** The sender closes a connection whose receiver answers an exchange it never sent, or sends a bad reply head. */
    @Test
    void aSenderClosesAConnectionWhoseReceiverSendsAHostileReply() throws Exception {
        for (byte[] bad : new byte[][] {
                replyHead(0, 0, 3, 99), // an exchange not in flight
                replyHead(1, 0, 3, 5),  // flags
                replyHead(0, 0, 0, 5),  // empty
        }) {
            try (ServerSocket fake = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                TcpSender sender = rig.sender(rig.staging());
                ChannelSender.Handshake hs = sender.beginConnect("s");
                TcpConnection c = (TcpConnection) hs.complete(new TcpInitResponse(WireCodec.PROTOCOL_VERSION,
                        "127.0.0.1", fake.getLocalPort(), new byte[TcpFrames.TOKEN_BYTES], PAGE, 3));
                Sink sink = new Sink();
                try (Socket peer = fake.accept()) {
                    assertThat(send(c, 5, "req", sink)).isTrue();
                    OutputStream out = peer.getOutputStream();
                    out.write(bad);
                    out.write("abc".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    c.closedStage().toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
                }
                assertThat(c.isOpen()).isFalse();
                sink.await(1);
                assertThat(sink.lost).as(Arrays.toString(bad)).containsOnlyKeys(5L); // the exchange failed with it
                assertThat(sink.replies).isEmpty();
            }
        }
    }

    private static byte[] replyHead(int flags, int reserved, int length, long id) {
        ByteBuffer b = ByteBuffer.allocate(TcpFrames.CONTROL_HEAD_BYTES);
        b.put(TcpFrames.CONTROL_REPLY).put((byte) flags).putShort((short) reserved).putInt(length).putLong(id);
        return b.array();
    }

    @Test
    void theHandshakeChoosesTheHighestVersionBothEndsSpeak() throws Exception {
        TcpReceiver receiver = rig.receiver(rig.staging(), new TcpChannelTest.Allocations());
        CountDownLatch unused = new CountDownLatch(1);
        assertThat(((TcpInitResponse) receiver.handshake(new TcpInitRequest(WireCodec.PROTOCOL_VERSION, "h", 4)))
                .dataVersion()).isEqualTo(2); // no handler yet
        receiver.setControlHandler((senderId, bytes, offset, length, replier) -> unused.countDown());
        assertThat(((TcpInitResponse) receiver.handshake(new TcpInitRequest(WireCodec.PROTOCOL_VERSION, "h", 3)))
                .dataVersion()).isEqualTo(3);
        assertThat(((TcpInitResponse) receiver.handshake(new TcpInitRequest(WireCodec.PROTOCOL_VERSION, "h", 4)))
                .dataVersion()).isEqualTo(4);
        assertThat(((TcpInitResponse) receiver.handshake(new TcpInitRequest(WireCodec.PROTOCOL_VERSION, "h", 9)))
                .dataVersion()).isEqualTo(4); // a later sender's higher version: the receiver's own
        assertThat(((TcpInitResponse) receiver.handshake(new TcpInitRequest(WireCodec.PROTOCOL_VERSION, "h")))
                .dataVersion()).isEqualTo(2);
        receiver.maxDataVersion = TcpFrames.VERSION_CONTROL; // a receiver from before eager stores
        assertThat(((TcpInitResponse) receiver.handshake(new TcpInitRequest(WireCodec.PROTOCOL_VERSION, "h", 4)))
                .dataVersion()).isEqualTo(3);
        // A receiver choosing a version the sender did not ask for is refused by the sender.
        TcpSender sender = rig.sender(rig.staging());
        sender.maxDataVersion = 2;
        ChannelSender.Handshake hs = sender.beginConnect("h");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> hs.complete(new TcpInitResponse(
                WireCodec.PROTOCOL_VERSION, "127.0.0.1", 1, new byte[TcpFrames.TOKEN_BYTES], PAGE, 3)))
                .hasMessageContaining("tcp data version 3");
    }
}
