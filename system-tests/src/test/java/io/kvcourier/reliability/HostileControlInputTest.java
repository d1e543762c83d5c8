package io.kvcourier.reliability;

import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.TaskWaiter;
import io.kvcourier.wire.AllocRequest;
import io.kvcourier.wire.AllocResponse;
import io.kvcourier.wire.CancelNotif;
import io.kvcourier.wire.InitError;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.ProxyNotif;
import io.kvcourier.wire.WireCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

import static io.kvcourier.testkit.TaskWaiter.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile input on the receiver's control ports, sent by raw jeromq clients: every malformed, truncated,
 * oversized, wrongly typed or out-of-range message gets an error reply (alloc: {@code remote_indexes} all
 * {@code -1}; init: {@code InitError}) or a dropped connection, never a crash, and a well-behaved sender keeps
 * working against the same receiver in the same test.
 */
@Timeout(120)
class HostileControlInputTest {
    private static final HexFormat HEX = HexFormat.of();
    /** Golden AllocRequest from docs/PROTOCOL.md#B.3 (async, keys k0,k1). */
    private static final byte[] GOLDEN_ALLOC = HEX.parseHex(
            "89a474797065ac416c6c6f6352657175657374a46b65797392a26b30a26b31a3666d7401a57368617065"
                    + "940220cd0100cd0400a56474797065a862666c6f61743136af6c6173745f6368756e6b5f746f6b7364"
                    + "a67265715f6964a0ad69735f6c6173745f6261746368c2ac746f74616c5f6368756e6b7300");

    private static ZContext zmq;

    @BeforeAll
    static void context() {
        zmq = new ZContext();
    }

    @AfterAll
    static void closeContext() {
        zmq.close();
    }

    /** A raw DEALER to the alloc port: sends {@code ["", payload]} and reads the last frame of the reply. */
    private static final class RawDealer implements AutoCloseable {
        ZMQ.Socket socket;

        /**
         * Connects and proves the connection with an empty CancelNotif, on fresh sockets until one is answered:
         * jeromq can lose the first message of a new tcp connection (see {@code AllocClient}).
         */
        RawDealer(int port, String identity) {
            byte[] probe = WireCodec.encode(new CancelNotif("", List.of()));
            for (int attempt = 0; attempt < 20; attempt++) {
                ZMQ.Socket s = zmq.createSocket(SocketType.DEALER);
                s.setIdentity((identity + (attempt == 0 ? "" : "-" + attempt)).getBytes(StandardCharsets.UTF_8));
                s.setReceiveTimeOut(500);
                s.setLinger(0);
                s.connect("tcp://127.0.0.1:" + port);
                s.sendMore(new byte[0]);
                s.send(probe, 0);
                byte[] r = s.recv();
                while (r != null && s.hasReceiveMore()) {
                    r = s.recv();
                }
                if (r != null) {
                    s.setReceiveTimeOut(10_000);
                    socket = s;
                    return;
                }
                s.close();
            }
            throw new AssertionError("alloc port " + port + " never answered a probe");
        }

        byte[] call(byte[] payload) {
            assertThat(socket.sendMore(new byte[0])).isTrue();
            assertThat(socket.send(payload, 0)).isTrue();
            byte[] last = socket.recv();
            while (last != null && socket.hasReceiveMore()) {
                last = socket.recv();
            }
            return last;
        }

        AllocResponse allocCall(byte[] payload) throws Exception {
            byte[] reply = call(payload);
            assertThat(reply).as("the receiver answers").isNotNull();
            PdMessage m = WireCodec.decode(reply);
            assertThat(m).isInstanceOf(AllocResponse.class);
            return (AllocResponse) m;
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    private static void assertAllFailed(AllocResponse r) {
        assertThat(r.remoteIndexes()).isNotEmpty();
        assertThat(Arrays.stream(r.remoteIndexes()).allMatch(i -> i == -1)).as("every index -1: %s",
                Arrays.toString(r.remoteIndexes())).isTrue();
    }

    /** Encodes {@code {"type": tag, k1: v1, ...}} where values are pre-encoded msgpack. */
    private static byte[] map(String tag, Object... kv) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int n = 1 + kv.length / 2;
        b.write(0x80 | n);
        str(b, "type");
        str(b, tag);
        for (int i = 0; i < kv.length; i += 2) {
            str(b, (String) kv[i]);
            b.writeBytes((byte[]) kv[i + 1]);
        }
        return b.toByteArray();
    }

    private static void str(ByteArrayOutputStream b, String s) {
        byte[] u = s.getBytes(StandardCharsets.UTF_8);
        if (u.length < 32) {
            b.write(0xa0 | u.length);
        } else {
            b.write(0xd9);
            b.write(u.length);
        }
        b.writeBytes(u);
    }

    private static byte[] msgStr(String s) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        str(b, s);
        return b.toByteArray();
    }

    private static byte[] allocRequest(List<String> keys, long[] shape, String dtype, int lastToks, String reqId,
                                       boolean last, int total) {
        return WireCodec.encode(new AllocRequest(keys, 4, shape, dtype, lastToks, reqId, last, total));
    }

    /** The full-chunk shape the suite's BINARY chunks have: {@link PdPair#SMALL_CHUNK} uint8 elements. */
    private static long[] chunkShape() {
        return new long[] {PdPair.SMALL_CHUNK};
    }

    private static void wellBehavedStoreSucceeds(PdL2Adapter receiver, String prefix) {
        try (Arena arena = Arena.ofShared(); PdL2Adapter sender = PdPair.sender(receiver);
             TaskWaiter ws = new TaskWaiter(sender); TaskWaiter wr = new TaskWaiter(receiver)) {
            List<ObjectKey> keys = PdPair.keys(prefix, 2);
            List<MemoryObj> src = PdPair.chunks(arena, 2, prefix.hashCode());
            assertThat(ws.awaitStore(sender.submitStoreTask(keys, src), WAIT)).isTrue();
            List<MemoryObj> dst = PdPair.empty(arena, 2);
            assertThat(wr.load(keys, dst).popcount()).isEqualTo(2);
            for (int i = 0; i < 2; i++) {
                assertThat(PdPair.crc(dst.get(i))).isEqualTo(PdPair.crc(src.get(i)));
            }
        }
    }

    @Test
    void allocPortAnswersEveryMalformedOrOutOfRangeRequestAndKeepsServing() throws Exception {
        try (PdL2Adapter receiver = PdPair.receiver();
             RawDealer evil = new RawDealer(receiver.allocPorts().get(0), "evil")) {
            List<byte[]> malformed = new ArrayList<>();
            SplittableRandom rnd = new SplittableRandom(1);
            for (int i = 0; i < 20; i++) {
                byte[] garbage = new byte[1 + rnd.nextInt(200)];
                for (int j = 0; j < garbage.length; j++) {
                    garbage[j] = (byte) rnd.nextInt(256);
                }
                malformed.add(garbage);
            }
            malformed.add(new byte[0]);                                                 // empty frame
            for (int cut = 1; cut < GOLDEN_ALLOC.length; cut += 7) {
                malformed.add(Arrays.copyOf(GOLDEN_ALLOC, cut));                        // truncated msgpack
            }
            byte[] hugeArray = HEX.parseHex("dd ffffffff".replace(" ", ""));
            malformed.add(map("AllocRequest", "keys", hugeArray));                      // 2^32-1 array header
            malformed.add(map("AllocRequest", "keys", HEX.parseHex("dc ffff".replace(" ", ""))));
            malformed.add(map("AllocRequest", "keys", HEX.parseHex("db7fffffff")));    // str32 of 2 GiB
            malformed.add(HEX.parseHex("df7fffffff"));                                 // map32 header, nothing after
            malformed.add(map("AllocRequest", "keys", new byte[] {0x05}, "fmt", new byte[] {1},
                    "shape", new byte[] {(byte) 0x91, 1}, "dtype", msgStr("uint8"), "last_chunk_toks", new byte[] {0}));
            malformed.add(map("AllocRequest", "keys", new byte[] {(byte) 0x90}, "fmt", msgStr("one"),
                    "shape", new byte[] {(byte) 0x91, 1}, "dtype", msgStr("uint8"), "last_chunk_toks", new byte[] {0}));
            malformed.add(map("AllocRequest", "keys", new byte[] {(byte) 0x90}, "fmt", new byte[] {1},
                    "shape", new byte[] {(byte) 0x91, 1}, "dtype", msgStr("uint8"), "last_chunk_toks", new byte[] {0},
                    "is_last_batch", new byte[] {1}));                                  // int where bool expected
            malformed.add(map("AllocRequest", "keys", new byte[] {(byte) 0x90}));      // missing required fields
            malformed.add(map("Bogus"));                                               // unknown tag
            malformed.add(map("AllocRequest", "keys", new byte[] {(byte) 0x90}, "fmt", new byte[] {1},
                    "shape", new byte[] {(byte) 0x91, 1}, "dtype", msgStr("uint8"),
                    "last_chunk_toks", new byte[] {(byte) 0xff}));                      // negative last_chunk_toks
            ByteArrayOutputStream tooMany = new ByteArrayOutputStream();
            tooMany.write(0xdd);
            tooMany.writeBytes(new byte[] {0, 1, 0, 1});                               // 65,537 keys > cap
            for (int i = 0; i < 65_537; i++) {
                tooMany.write(0xa0);
            }
            malformed.add(map("AllocRequest", "keys", tooMany.toByteArray()));
            for (byte[] m : malformed) {
                assertAllFailed(evil.allocCall(m));
            }
            assertThat(PdPair.status(receiver, "malformed_messages")).isEqualTo(malformed.size());

            // Well-formed messages with values out of range: refused with -1, nothing allocated.
            String good = ObjectKey.of(new byte[] {1, 2}, "m", 0).toCanonicalString();
            List<byte[]> outOfRange = List.of(
                    allocRequest(List.of("not-a-key"), chunkShape(), "uint8", 0, "", false, 0),
                    allocRequest(List.of(good, "m@zz@0@01"), chunkShape(), "uint8", 0, "", false, 0),
                    allocRequest(List.of(good), chunkShape(), "float128", 0, "", false, 0),
                    allocRequest(List.of(good), new long[0], "uint8", 0, "", false, 0),
                    allocRequest(List.of(good), new long[] {0}, "uint8", 0, "", false, 0),
                    allocRequest(List.of(good), new long[] {-5}, "uint8", 0, "", false, 0),
                    allocRequest(List.of(good), new long[] {1L << 40, 1L << 40}, "uint8", 0, "", false, 0),
                    allocRequest(List.of(good), new long[] {PdPair.SMALL_CHUNK * 1024}, "uint8", 0, "", false, 0),
                    allocRequest(List.of(good), new long[] {2, 1, PdPair.SMALL_CHUNK / 4, 2}, "uint8", 1_000_000, "",
                            false, 0),
                    allocRequest(List.of(good), chunkShape(), "uint8", 0, "req-without-total", true, 0),
                    allocRequest(List.of(good), chunkShape(), "uint8", 0, "req-too-big", true, 1_000_000),
                    WireCodec.encode(new AllocRequest(List.of(good), 99, chunkShape(), "uint8", 0)),
                    WireCodec.encode(new ProxyNotif("not-for-this-port")));
            for (byte[] m : outOfRange) {
                assertAllFailed(evil.allocCall(m));
            }
            assertThat(PdPair.intStatus(receiver, "pages_in_use")).isZero();
            assertThat(PdPair.intStatus(receiver, "reserved_pages")).isZero();

            // A peer that sends a multi-frame message or skips the delimiter still gets a reply.
            assertThat(evil.socket.sendMore("x")).isTrue();
            assertThat(evil.socket.send(WireCodec.encode(new CancelNotif("", List.of())), 0)).isTrue();
            byte[] reply = evil.socket.recv();
            while (reply != null && evil.socket.hasReceiveMore()) {
                reply = evil.socket.recv();
            }
            assertThat(reply).isNotNull();

            wellBehavedStoreSucceeds(receiver, "after-garbage");
        }
    }

    @Test
    void oversizedMessageDropsOnlyThatPeer() throws Exception {
        try (PdL2Adapter receiver = PdPair.receiver()) {
            int port = receiver.allocPorts().get(0);
            try (RawDealer big = new RawDealer(port, "big")) {
                big.socket.setReceiveTimeOut(1_000);
                byte[] huge = new byte[(17 << 20)];
                huge[0] = (byte) 0x81;
                assertThat(big.socket.sendMore(new byte[0])).isTrue();
                assertThat(big.socket.send(huge, 0)).isTrue();
                // ZMQ_MAXMSGSIZE: the receiver disconnects the peer instead of buffering 17 MiB; no reply comes.
                assertThat(big.socket.recv()).isNull();
            }
            try (RawDealer other = new RawDealer(port, "other")) {
                AllocResponse r = other.allocCall(WireCodec.encode(new CancelNotif("", List.of())));
                assertThat(r.remoteIndexes()).isEmpty();
            }
            wellBehavedStoreSucceeds(receiver, "after-oversized");
        }
    }

    @Test
    void initPortAnswersGarbageWithAnInitErrorAndKeepsServing() throws Exception {
        try (PdL2Adapter receiver = PdPair.receiver()) {
            int port = receiver.initPorts().get(0);
            List<byte[]> bad = List.of(
                    new byte[] {1, 2, 3},
                    Arrays.copyOf(GOLDEN_ALLOC, 17),
                    map("MockInitRequest", "version", msgStr("1")),
                    GOLDEN_ALLOC,                                             // right codec, wrong port
                    WireCodec.encode(new ProxyNotif("x")),
                    map("MockInitRequest", "version", new byte[] {(byte) 0xcd, 0x7f, (byte) 0xff}, "sender_id", msgStr("s")));
            for (byte[] m : bad) {
                // A fresh REQ per exchange, as a real client does (a REQ whose reply never comes is wedged). jeromq
                // can stall the ZMTP handshake of a fresh connection (see InitClient); like InitClient, try again on
                // a new socket, so that what is tested is the server's answer, not that jeromq quirk.
                byte[] reply = null;
                for (int attempt = 0; attempt < 10 && reply == null; attempt++) {
                    try (ZMQ.Socket req = zmq.createSocket(SocketType.REQ)) {
                        req.setReceiveTimeOut(2_000);
                        req.setHandshakeIvl(1_000);
                        req.setLinger(0);
                        req.connect("tcp://127.0.0.1:" + port);
                        assertThat(req.send(m, 0)).isTrue();
                        reply = req.recv();
                    }
                }
                assertThat(reply).as("the init server always replies").isNotNull();
                assertThat(WireCodec.decode(reply)).isInstanceOf(InitError.class);
            }
            wellBehavedStoreSucceeds(receiver, "after-init-garbage");
        }
    }

    @Test
    void cancelNotifCannotDropAnotherSendersKeys() throws Exception {
        try (Arena arena = Arena.ofShared(); PdL2Adapter receiver = PdPair.receiver();
             PdL2Adapter sender = PdPair.sender(receiver);
             TaskWaiter ws = new TaskWaiter(sender); TaskWaiter wr = new TaskWaiter(receiver);
             RawDealer evil = new RawDealer(receiver.allocPorts().get(0), "evil/0")) {
            List<ObjectKey> keys = PdPair.keys("victim", 3);
            List<MemoryObj> src = PdPair.chunks(arena, 3, 3);
            assertThat(ws.awaitStore(sender.submitStoreTask(keys, src), WAIT)).isTrue();
            List<String> wire = keys.stream().map(ObjectKey::toCanonicalString).toList();
            assertThat(evil.allocCall(WireCodec.encode(new CancelNotif("", wire))).remoteIndexes()).isEmpty();
            assertThat(evil.allocCall(WireCodec.encode(new CancelNotif("whatever", List.of("garbage", "@@@"))))
                    .remoteIndexes()).isEmpty();
            List<MemoryObj> dst = PdPair.empty(arena, 3);
            assertThat(wr.load(keys, dst).popcount()).as("another peer's cancel leaves the keys alone").isEqualTo(3);
            for (int i = 0; i < 3; i++) {
                assertThat(PdPair.crc(dst.get(i))).isEqualTo(PdPair.crc(src.get(i)));
            }
        }
    }

    @Test
    void anotherPeerUsingTheSameReqIdCannotRollBackOrOverflowTheRequest() throws Exception {
        try (Arena arena = Arena.ofShared(); PdL2Adapter receiver = PdPair.receiver();
             PdL2Adapter sender = PdPair.sender(receiver);
             TaskWaiter ws = new TaskWaiter(sender); TaskWaiter wr = new TaskWaiter(receiver);
             RawDealer evil = new RawDealer(receiver.allocPorts().get(0), "evil/0")) {
            List<ObjectKey> first = PdPair.keys("req-a", 2);
            io.kvcourier.l2.TransferSpec notLast = new io.kvcourier.l2.TransferSpec("shared-req", false, 3);
            assertThat(ws.awaitStore(sender.submitStoreTask(first, PdPair.chunks(arena, 2, 5), notLast), WAIT))
                    .isTrue();
            // 2 + 2 > 3 would roll the victim's request back if requests were not tracked per sender.
            List<String> evilKeys = PdPair.keys("evil", 2).stream().map(ObjectKey::toCanonicalString).toList();
            evil.allocCall(allocRequest(evilKeys, chunkShape(), "uint8", 0, "shared-req", false, 3));
            evil.allocCall(WireCodec.encode(new CancelNotif("shared-req", List.of())));
            List<ObjectKey> last = PdPair.keys("req-b", 1);
            io.kvcourier.l2.TransferSpec lastSpec = new io.kvcourier.l2.TransferSpec("shared-req", true, 3);
            assertThat(ws.awaitStore(sender.submitStoreTask(last, PdPair.chunks(arena, 1, 6), lastSpec), WAIT))
                    .isTrue();
            List<ObjectKey> all = new ArrayList<>(first);
            all.addAll(last);
            assertThat(wr.lookup(all).popcount()).isEqualTo(3);
            receiver.submitUnlock(all);
        }
    }

    @Test
    void withChunkBytesConfiguredAForeignChunkSizeCannotChangeThePageSize() throws Exception {
        try (PdL2Adapter receiver = PdPair.receiver(io.kvcourier.channel.MockMemoryChannel.FACTORY,
                m -> m.put("chunk_bytes", PdPair.SMALL_CHUNK));
             RawDealer evil = new RawDealer(receiver.allocPorts().get(0), "sizer/0")) {
            String key = ObjectKey.of(new byte[] {9}, "m", 0).toCanonicalString();
            assertAllFailed(evil.allocCall(allocRequest(List.of(key), new long[] {64}, "uint8", 0, "", false, 0)));
            assertAllFailed(evil.allocCall(allocRequest(List.of(key), new long[] {PdPair.SMALL_CHUNK * 2}, "uint8", 0,
                    "", false, 0)));
            assertThat(PdPair.intStatus(receiver, "page_bytes")).isEqualTo((int) PdPair.SMALL_CHUNK);
            wellBehavedStoreSucceeds(receiver, "after-sizer");
        }
    }

    @Test
    void aPeerThatOnlyAllocatesNeverWritesGetsItsPagesReclaimed() throws Exception {
        try (PdL2Adapter receiver = PdPair.receiver(io.kvcourier.channel.MockMemoryChannel.FACTORY,
                m -> m.put("transfer_timeout_sec", 1));
             RawDealer evil = new RawDealer(receiver.allocPorts().get(0), "grabber/0");
             TaskWaiter wr = new TaskWaiter(receiver)) {
            List<String> keys = PdPair.keys("grab", 16).stream().map(ObjectKey::toCanonicalString).toList();
            AllocResponse r = evil.allocCall(allocRequest(keys, chunkShape(), "uint8", 0, "", false, 0));
            assertThat(r.remoteIndexes()).hasSize(16);
            assertThat(Arrays.stream(r.remoteIndexes()).allMatch(i -> i >= 0)).isTrue();
            assertThat(PdPair.intStatus(receiver, "pages_in_use")).isEqualTo(16);
            // The whole buffer is taken; after the transfer deadline the allocation is fenced and freed.
            assertThat(wr.until(() -> PdPair.intStatus(receiver, "pages_in_use") == 0, WAIT)).isTrue();
            wellBehavedStoreSucceeds(receiver, "after-grab");
        }
    }
}
