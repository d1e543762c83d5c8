package io.kvcourier.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The PULL end of ZMTP that {@link ProxyListener} reads with, driven byte by byte from plain sockets: what a PUSH peer
 * sends arrives whole and in order, and a peer that breaks the protocol loses its connection, not the server.
 */
@Timeout(60)
class ZmtpPullServerTest {
    private static final int MAX = 1024;
    private static final long WAIT_SECONDS = 20;

    private final BlockingQueue<String> got = new LinkedBlockingQueue<>();
    private ZmtpPullServer server;
    private Thread serving;
    private volatile boolean stop;

    private void start(Duration handshake) throws IOException {
        server = ZmtpPullServer.bind(new InetSocketAddress("127.0.0.1", 0), MAX, handshake, new ZmtpPullServer.Sink() {
            @Override
            public void message(byte[] body, long receivedNanos) {
                got.add(new String(body, StandardCharsets.UTF_8));
            }

            @Override
            public void multiFrame() {
                got.add("<multi-frame>");
            }
        });
        serving = Thread.ofPlatform().name("zmtp-pull-test").start(() -> {
            try {
                server.serve(() -> stop);
            } finally {
                server.close();
            }
        });
    }

    @AfterEach
    void stopServer() throws InterruptedException {
        stop = true;
        if (server != null) {
            server.wakeUp();
            assertThat(serving.join(Duration.ofSeconds(WAIT_SECONDS))).isTrue();
        }
    }

    @Test
    void aPushPeerHandshakesAndItsMessagesArriveInOrder() throws Exception {
        start(Duration.ofSeconds(30));
        try (Socket s = connect()) {
            byte[] theirs = s.getInputStream().readNBytes(ZmtpCodec.serverHandshake().length);
            ByteBuffer b = ByteBuffer.wrap(theirs);
            assertThat(ZmtpCodec.checkGreeting(b, 0)).isNull();
            assertThat(ZmtpCodec.checkReady(b, ZmtpCodec.GREETING_BYTES + ZmtpCodec.SHORT_HEADER,
                    theirs.length - ZmtpCodec.GREETING_BYTES - ZmtpCodec.SHORT_HEADER)).as("we are a PULL").isNull();
            byte[] all = FakeZmtpPeer.concat(ZmtpCodec.clientHandshake(), frame(0, "first"), longFrame("second"),
                    frame(ZmtpCodec.FLAG_MORE, "x"), frame(ZmtpCodec.FLAG_MORE, "y"), frame(0, "z"), frame(0, "last"));
            for (byte one : all) { // one byte per write: every read boundary is crossed
                s.getOutputStream().write(one);
                s.getOutputStream().flush();
            }
            assertThat(take(4)).containsExactly("first", "second", "<multi-frame>", "last");
            assertThat(got).isEmpty();
        }
    }

    @Test
    void aPingIsAnsweredWithItsContext() throws Exception {
        start(Duration.ofSeconds(30));
        try (Socket s = handshaken()) {
            byte[] ping = {ZmtpCodec.FLAG_COMMAND, 9, 4, 'P', 'I', 'N', 'G', 0, 10, 'a', 'b'};
            s.getOutputStream().write(ping);
            byte[] pong = s.getInputStream().readNBytes(9);
            assertThat(pong).containsExactly(ZmtpCodec.FLAG_COMMAND, 7, 4, 'P', 'O', 'N', 'G', 'a', 'b');
            s.getOutputStream().write(frame(0, "after the ping"));
            assertThat(got.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("after the ping");
        }
    }

    @Test
    void peersThatBreakTheProtocolAreDisconnectedAndOthersServed() throws Exception {
        start(Duration.ofSeconds(30));
        byte[] push = ZmtpCodec.clientHandshake();
        byte[] badSignature = push.clone();
        badSignature[0] = 0x7F;
        byte[] plainMechanism = push.clone();
        System.arraycopy("PLAIN".getBytes(StandardCharsets.US_ASCII), 0, plainMechanism, 12, 5);
        byte[] pullPeer = FakeZmtpPeer.pullHandshake(); // a READY naming PULL: two PULLs do not talk
        byte[] greetingOnly = java.util.Arrays.copyOf(push, ZmtpCodec.GREETING_BYTES);
        List<byte[]> breakers = List.of(
                badSignature,
                plainMechanism,
                pullPeer,
                FakeZmtpPeer.concat(greetingOnly, frame(0, "a message before READY")),
                FakeZmtpPeer.concat(push, new byte[] {(byte) 0x80, 1, 0}), // reserved flag bits
                FakeZmtpPeer.concat(push, new byte[] {ZmtpCodec.FLAG_LONG, 0, 0, 1, 0, 0, 0, 0, 0}), // 2^40 bytes
                FakeZmtpPeer.concat(push, frame(0, "x".repeat(MAX + 1))),
                FakeZmtpPeer.concat(push, push)); // a second greeting reads as frames with bad flags
        for (byte[] bytes : breakers) {
            try (Socket s = connect()) {
                s.getOutputStream().write(bytes);
                assertThat(FakeZmtpPeer.readUntilClosed(s.getInputStream())).as("the server hung up").isTrue();
            }
        }
        assertThat(got).isEmpty();
        try (Socket s = handshaken()) {
            s.getOutputStream().write(frame(0, "still serving"));
            assertThat(got.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("still serving");
        }
    }

    @Test
    void aPeerThatNeverHandshakesIsDroppedAtTheDeadline() throws Exception {
        start(Duration.ofMillis(200));
        try (Socket silent = connect()) {
            assertThat(FakeZmtpPeer.readUntilClosed(silent.getInputStream())).isTrue();
        }
    }

    @Test
    void closeReleasesTheListeningSocketAndEveryConnection() throws Exception {
        start(Duration.ofSeconds(30));
        int port = server.port();
        try (Socket s = handshaken()) {
            stopServer();
            assertThat(FakeZmtpPeer.readUntilClosed(s.getInputStream())).isTrue();
        }
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
        server.close(); // idempotent
    }

    private Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", server.port());
        s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        return s;
    }

    private Socket handshaken() throws IOException {
        return FakeZmtpPeer.handshakenPush(server.port(), Duration.ofSeconds(WAIT_SECONDS));
    }

    private List<String> take(int n) throws InterruptedException {
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(got.poll(WAIT_SECONDS, TimeUnit.SECONDS));
        }
        return out;
    }

    private static byte[] frame(int flags, String body) {
        return FakeZmtpPeer.frame(flags, body.getBytes(StandardCharsets.UTF_8));
    }

    /** A short body in a long (8-byte size) header, as a peer may send. */
    private static byte[] longFrame(String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return FakeZmtpPeer.concat(new byte[] {ZmtpCodec.FLAG_LONG}, ByteBuffer.allocate(8).putLong(b.length).array(),
                b);
    }
}
