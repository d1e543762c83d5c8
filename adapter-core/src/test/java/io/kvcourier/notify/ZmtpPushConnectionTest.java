package io.kvcourier.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

import io.kvcourier.testkit.LogCapture;
import io.kvcourier.testkit.Poll;

/** The hand-written ZMTP PUSH client against jeromq PULL sockets and scripted peers; every wait bounded, no sleeps. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ZmtpPushConnectionTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration HANDSHAKE = Duration.ofMillis(200);

    private static ZmtpPushConnection connectTo(int port) {
        return new ZmtpPushConnection("127.0.0.1", port, 1_000, 1 << 20, HANDSHAKE);
    }

    /** Polls {@code condition} (each poll advances whatever it calls) until it holds or {@link #WAIT} passes. */
    private static boolean await(BooleanSupplier condition) {
        return Poll.until(condition, WAIT);
    }

    private static boolean send(ZmtpPushConnection c, byte[] message) {
        return await(() -> c.trySend(message, message.length));
    }

    /**
     * Reads from the peer's end {@code s} (non-blocking) into {@code got} while advancing {@code c}, until {@code got}
     * is full or the peer's end sees EOF, within {@link #WAIT}. @return whether that happened
     */
    private static boolean receive(ZmtpPushConnection c, SocketChannel s, ByteBuffer got) throws IOException {
        s.configureBlocking(false);
        return await(() -> {
            c.peerConnected();
            try {
                return s.read(got) < 0 || !got.hasRemaining();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static ZMQ.Socket pull(ZContext ctx) {
        ZMQ.Socket pull = ctx.createSocket(SocketType.PULL);
        pull.setReceiveTimeOut((int) WAIT.toMillis());
        return pull;
    }

    /** A port nobody listens on: bound once, then released. */
    private static int freePort() throws IOException {
        try (ServerSocketChannel s = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            return ((InetSocketAddress) s.getLocalAddress()).getPort();
        }
    }

    private static byte[] message(int i) {
        byte[] m = new byte[i % 100 == 7 ? 70_000 : 1 + i % 300];
        Arrays.fill(m, (byte) i);
        if (m.length >= 4) {
            ByteBuffer.wrap(m).putInt(0, i);
        }
        return m;
    }

    @Test
    void thousandMessagesArriveInOrderIncludingLongFrames() throws Exception {
        try (ZContext ctx = new ZContext()) {
            ZMQ.Socket pull = pull(ctx);
            int port = pull.bindToRandomPort("tcp://127.0.0.1");
            CompletableFuture<byte[][]> received = CompletableFuture.supplyAsync(() -> {
                byte[][] r = new byte[1000][];
                for (int i = 0; i < r.length && (r[i] = pull.recv()) != null; i++) {
                    assertThat(pull.hasReceiveMore()).isFalse();
                }
                return r;
            });
            ZmtpPushConnection c = connectTo(port);
            try {
                assertThat(await(c::peerConnected)).isTrue();
                for (int i = 0; i < 1000; i++) {
                    assertThat(send(c, message(i))).as("message %d accepted", i).isTrue();
                }
                assertThat(await(() -> c.peerConnected() && c.unwritten() == 0)).isTrue();
                byte[][] r = received.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                for (int i = 0; i < 1000; i++) {
                    assertThat(r[i]).as("message %d", i).isEqualTo(message(i));
                }
                assertThat(r[7]).hasSize(70_000);
            } finally {
                c.close(0);
            }
        }
    }

    @Test
    void aPullBoundAfterTheConnectionStartedIsReached() throws Exception {
        int port = freePort();
        ZmtpPushConnection c = connectTo(port);
        try (ZContext ctx = new ZContext()) {
            assertThat(c.peerConnected()).isFalse();
            assertThat(c.trySend(new byte[] {1}, 1)).as("no proxy yet").isFalse();
            ZMQ.Socket pull = pull(ctx);
            pull.bind("tcp://127.0.0.1:" + port);
            assertThat(send(c, "late".getBytes(StandardCharsets.US_ASCII))).isTrue();
            assertThat(pull.recvStr()).isEqualTo("late");
        } finally {
            c.close(0);
        }
    }

    @Test
    void aPullRestartedOnTheSamePortGetsLaterMessages() throws Exception {
        ZmtpPushConnection c;
        int port;
        try (ZContext first = new ZContext()) {
            ZMQ.Socket pull = pull(first);
            port = pull.bindToRandomPort("tcp://127.0.0.1");
            c = connectTo(port);
            assertThat(send(c, "before".getBytes(StandardCharsets.US_ASCII))).isTrue();
            assertThat(pull.recvStr()).isEqualTo("before");
        }
        try (ZContext second = new ZContext()) {
            ZMQ.Socket pull = pull(second);
            assertThat(pull.bind("tcp://127.0.0.1:" + port)).isTrue();
            assertThat(await(() -> c.peerConnected() && c.handshakes() == 2)).as("reconnected").isTrue();
            assertThat(send(c, "after".getBytes(StandardCharsets.US_ASCII))).isTrue();
            assertThat(pull.recvStr()).isEqualTo("after");
        } finally {
            c.close(0);
        }
    }

    /** Peers that answer with bytes a PUSH must refuse; some would make a careless client allocate gigabytes. */
    private static Stream<byte[]> hostileScripts() {
        byte[] random = new byte[65_536];
        new Random(42).nextBytes(random);
        byte[] wrongSignature = FakeZmtpPeer.pullHandshake();
        wrongSignature[9] = 0x7E;
        byte[] oldVersion = FakeZmtpPeer.pullHandshake();
        oldVersion[10] = 2;
        byte[] greeting = Arrays.copyOf(FakeZmtpPeer.pullHandshake(), ZmtpCodec.GREETING_BYTES);
        byte[] hugeCommand = ByteBuffer.allocate(9).put((byte) 0x06).putLong(1L << 40).array();
        byte[] negativeCommand = ByteBuffer.allocate(9).put((byte) 0x06).putLong(-1).array();
        byte[] hugeProperty = ByteBuffer.allocate(2 + 6 + 12 + 4).put((byte) 0x04).put((byte) 22)
                .put((byte) 5).put("READY".getBytes(StandardCharsets.US_ASCII))
                .put((byte) 11).put("Socket-Type".getBytes(StandardCharsets.US_ASCII)).putInt(-1).array();
        byte[] dataFirst = {0x00, 0x01, 'x'};
        return Stream.of(random, wrongSignature, oldVersion, FakeZmtpPeer.concat(greeting, hugeCommand),
                FakeZmtpPeer.concat(greeting, negativeCommand), FakeZmtpPeer.concat(greeting, hugeProperty),
                FakeZmtpPeer.concat(greeting, dataFirst));
    }

    @Test
    void aPeerThatAnswersGarbageIsNeverConnected() throws Exception {
        for (byte[] script : hostileScripts().toList()) {
            try (FakeZmtpPeer peer = new FakeZmtpPeer(script)) {
                ZmtpPushConnection c = connectTo(peer.port());
                try {
                    boolean[] everConnected = {false};
                    assertThat(await(() -> {
                        everConnected[0] |= c.peerConnected();
                        return c.refusals() >= 3;
                    })).as("refused and retried").isTrue();
                    assertThat(everConnected[0]).isFalse();
                    assertThat(c.trySend(new byte[] {1}, 1)).isFalse();
                } finally {
                    c.close(0);
                }
            }
        }
    }

    @Test
    void peersOfTheWrongTypeAreRefusedAndLoggedOnce() throws Exception {
        for (SocketType type : new SocketType[] {SocketType.ROUTER, SocketType.PUB}) {
            try (ZContext ctx = new ZContext(); LogCapture log = new LogCapture(ZmtpPushConnection.class)) {
                int port = ctx.createSocket(type).bindToRandomPort("tcp://127.0.0.1");
                ZmtpPushConnection c = connectTo(port);
                try {
                    boolean[] everConnected = {false};
                    assertThat(await(() -> {
                        everConnected[0] |= c.peerConnected();
                        return c.refusals() >= 3;
                    })).as("%s refused and retried", type).isTrue();
                    assertThat(everConnected[0]).isFalse();
                    assertThat(c.status()).as("the account a full notifier queue logs")
                            .matches("(waiting to reconnect|connecting|in the ZMTP handshake) for \\d+ ms, "
                                    + "0 handshakes, [1-9]\\d* refusals");
                    // jeromq checks our READY first and may close before it sends its own, naming its type.
                    assertThat(log.messages().stream().filter(m -> m.startsWith("WARNING")).toList())
                            .singleElement().asString().containsAnyOf("peer socket type " + type.name(),
                                    "the peer closed the connection during the handshake");
                } finally {
                    c.close(0);
                }
            }
        }
    }

    @Test
    void pingIsAnsweredWithPongEchoingTheContext() throws Exception {
        byte[] ping = {0x04, 10, 4, 'P', 'I', 'N', 'G', 0, 10, 'a', 'b', 'c'};
        try (FakeZmtpPeer peer = new FakeZmtpPeer(FakeZmtpPeer.concat(FakeZmtpPeer.pullHandshake(), ping))) {
            ZmtpPushConnection c = connectTo(peer.port());
            try {
                assertThat(await(c::peerConnected)).isTrue();
                SocketChannel s = peer.accepted().poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(s).isNotNull();
                int ours = ZmtpCodec.clientHandshake().length;
                byte[] pong = {0x04, 8, 4, 'P', 'O', 'N', 'G', 'a', 'b', 'c'};
                ByteBuffer got = ByteBuffer.allocate(ours + pong.length);
                assertThat(receive(c, s, got)).isTrue();
                assertThat(Arrays.copyOfRange(got.array(), ours, got.capacity())).isEqualTo(pong);
                assertThat(c.peerConnected()).isTrue();
            } finally {
                c.close(0);
            }
        }
    }

    /**
     * A PING that arrives while a message is partly written (the peer had stopped reading) is answered after that
     * message and before the next: the PONG waits for the message boundary, and the message is finished first
     * rather than held back behind the PONG (which left both waiting for good).
     */
    @Test
    void aPingDuringAPartlyWrittenMessageIsAnsweredAtTheNextMessageBoundary() throws Exception {
        try (FakeZmtpPeer peer = new FakeZmtpPeer(FakeZmtpPeer.pullHandshake())) {
            ZmtpPushConnection c = new ZmtpPushConnection("127.0.0.1", peer.port(), 4, 48 << 20, HANDSHAKE);
            try {
                assertThat(await(c::peerConnected)).isTrue();
                SocketChannel s = peer.accepted().poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(s).isNotNull();
                byte[] big = new byte[40 << 20]; // more than the kernel buffers of a peer that reads nothing
                new Random(11).nextBytes(big);
                assertThat(c.trySend(big, big.length)).isTrue();
                assertThat(c.trySend(new byte[] {7}, 1)).isTrue();
                assertThat(c.unwritten()).as("the big message partly written, the small one behind it").isEqualTo(2);
                s.write(ByteBuffer.wrap(new byte[] {0x04, 10, 4, 'P', 'I', 'N', 'G', 0, 10, 'x', 'y', 'z'}));
                int handshake = ZmtpCodec.clientHandshake().length;
                byte[] pong = {0x04, 8, 4, 'P', 'O', 'N', 'G', 'x', 'y', 'z'};
                ByteBuffer got = ByteBuffer.allocate(handshake + ZmtpCodec.LONG_HEADER + big.length + pong.length + 3);
                assertThat(receive(c, s, got)).as("everything arrived: %d of %d bytes", got.position(), got.capacity())
                        .isTrue();
                got.flip().position(handshake);
                assertThat(got.get()).isEqualTo((byte) 0x02);
                assertThat(got.getLong()).isEqualTo(big.length);
                assertThat(got.slice(got.position(), big.length).equals(ByteBuffer.wrap(big))).as("the big message")
                        .isTrue();
                got.position(got.position() + big.length);
                byte[] rest = new byte[got.remaining()];
                got.get(rest);
                assertThat(rest).as("the PONG, then the small message").isEqualTo(FakeZmtpPeer.concat(pong,
                        new byte[] {0x00, 1, 7}));
                assertThat(c.unwritten()).isZero();
            } finally {
                c.close(0);
            }
        }
    }

    @Test
    void trySendRefusesWithoutAPeerAndAtTheHighWaterMark() throws Exception {
        ZmtpPushConnection alone = connectTo(freePort());
        assertThat(alone.trySend(new byte[] {1}, 1)).isFalse();
        alone.close(0);
        // A peer that completes the handshake and then reads nothing: the kernel's buffers fill, then ours.
        try (FakeZmtpPeer peer = new FakeZmtpPeer(FakeZmtpPeer.pullHandshake())) {
            ZmtpPushConnection c = new ZmtpPushConnection("127.0.0.1", peer.port(), 4, 32 << 20, HANDSHAKE);
            try {
                assertThat(await(c::peerConnected)).isTrue();
                byte[] big = new byte[4 << 20];
                int accepted = 0;
                while (accepted < 64 && c.trySend(big, big.length)) {
                    accepted++;
                }
                assertThat(accepted).isLessThan(64);
                assertThat(c.unwritten()).isEqualTo(4);
                assertThat(c.trySend(new byte[] {1}, 1)).as("full").isFalse();
                assertThat(c.status()).matches("open for \\d+ ms, 1 handshakes, 0 refusals");
            } finally {
                c.close(0);
            }
        }
    }

    @Test
    void aMessageCutShortByADisconnectIsSentAgainWholeAndAWrittenOneIsNot() throws Exception {
        try (FakeZmtpPeer peer = new FakeZmtpPeer(FakeZmtpPeer.pullHandshake())) {
            ZmtpPushConnection c = new ZmtpPushConnection("127.0.0.1", peer.port(), 4, 48 << 20, HANDSHAKE);
            try {
                assertThat(await(c::peerConnected)).isTrue();
                SocketChannel first = peer.accepted().poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(first).isNotNull();
                assertThat(c.trySend(new byte[] {7}, 1)).isTrue();
                assertThat(c.unwritten()).as("a small message is written whole at once").isZero();
                byte[] big = new byte[40 << 20]; // more than the kernel buffers of a peer that reads nothing
                new Random(7).nextBytes(big);
                assertThat(c.trySend(big, big.length)).isTrue();
                assertThat(c.unwritten()).as("partly written").isEqualTo(1);
                first.close(); // the peer goes away with the message cut short
                assertThat(await(() -> c.peerConnected() && c.handshakes() == 2)).as("reconnected").isTrue();
                SocketChannel second = peer.accepted().poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(second).isNotNull();
                int handshake = ZmtpCodec.clientHandshake().length;
                ByteBuffer got = ByteBuffer.allocate(handshake + ZmtpCodec.LONG_HEADER + big.length);
                assertThat(receive(c, second, got)).isTrue();
                got.flip().position(handshake);
                assertThat(got.get()).as("a long frame, not the small message again").isEqualTo((byte) 0x02);
                assertThat(got.getLong()).isEqualTo(big.length);
                assertThat(got.slice().equals(ByteBuffer.wrap(big))).as("the whole message").isTrue();
                assertThat(c.unwritten()).isZero();
            } finally {
                c.close(0);
            }
        }
    }

    /**
     * This process's open fds, each as its number and what it points to ({@code 7 -> socket:[1234]}). Compared as sets,
     * so that another test's thread closing an fd of its own meanwhile changes nothing here (a plain count did).
     */
    private static Set<String> openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            Set<String> open = new HashSet<>();
            fds.forEach(fd -> {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    if (!target.endsWith("fd")) { // not a listing of /proc/self/fd (this one or another thread's)
                        open.add(fd.getFileName() + " -> " + target);
                    }
                } catch (IOException e) {
                    // closed while listed (the listing's own fd, or another thread's): not ours
                }
            });
            return open;
        }
    }

    @Test
    void closeIsIdempotentAndReleasesTheSocket() throws Exception {
        try (FakeZmtpPeer peer = new FakeZmtpPeer(FakeZmtpPeer.pullHandshake())) {
            ZmtpPushConnection warm = connectTo(peer.port()); // lazily opened JDK fds are not counted
            assertThat(await(warm::peerConnected)).isTrue();
            warm.close(0);
            peer.accepted().poll(WAIT.toMillis(), TimeUnit.MILLISECONDS).close();
            Set<String> before = openFds();
            ZmtpPushConnection c = connectTo(peer.port());
            assertThat(await(c::peerConnected)).isTrue();
            SocketChannel accepted = peer.accepted().poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(accepted).isNotNull();
            Set<String> opened = openFds();
            opened.removeAll(before);
            assertThat(opened).as("the connection's socket and the accepted one").hasSize(2)
                    .allMatch(fd -> fd.contains("socket:"));
            assertThat(c.trySend(new byte[] {1}, 1)).isTrue();
            c.close(1_000);
            c.close(1_000);
            accepted.close();
            Set<String> left = openFds();
            left.retainAll(opened);
            assertThat(left).as("fds the connection opened and still holds").isEmpty();
            assertThat(c.peerConnected()).isFalse();
            assertThat(c.trySend(new byte[] {1}, 1)).isFalse();
        }
    }

    @Test
    void trySendOfAnEncodedMessageAllocatesNothingOnceWarm() throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (ZContext ctx = new ZContext()) {
            ZMQ.Socket pull = pull(ctx);
            int port = pull.bindToRandomPort("tcp://127.0.0.1");
            CompletableFuture<Void> drained = CompletableFuture.runAsync(() -> {
                for (byte[] m = pull.recv(); m != null && m.length != 1; m = pull.recv()) {
                    // until the one-byte end marker
                }
            });
            ZmtpPushConnection c = connectTo(port);
            try {
                assertThat(await(c::peerConnected)).isTrue();
                byte[] notification = new byte[48];
                long tid = Thread.currentThread().threadId();
                long allocated = Long.MAX_VALUE;
                boolean sent = true;
                for (int round = 0; round < 200 && allocated >= 1024; round++) {
                    long before = mx.getThreadAllocatedBytes(tid);
                    sent &= sendRound(c, notification, 2_000);
                    allocated = mx.getThreadAllocatedBytes(tid) - before;
                }
                assertThat(sent).isTrue();
                assertThat(allocated).as("bytes allocated by 2k sends once warm").isLessThan(1024);
                assertThat(send(c, new byte[] {1})).isTrue();
                drained.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } finally {
                c.close(1_000);
            }
        }
    }

    /** Sends {@code count} messages, advancing the connection while it is full; bounded by a spin count. */
    private static boolean sendRound(ZmtpPushConnection c, byte[] message, int count) {
        for (int i = 0; i < count; i++) {
            long spins = 0;
            while (!c.trySend(message, message.length)) {
                if (++spins > 100_000_000L) {
                    return false;
                }
                c.peerConnected();
                Thread.onSpinWait();
            }
        }
        return true;
    }
}
