package io.kvcourier.reliability;

import io.kvcourier.channel.tcp.RawTcpClient;
import io.kvcourier.channel.tcp.TcpChannel;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.TaskWaiter;
import io.kvcourier.wire.AllocRequest;
import io.kvcourier.wire.AllocResponse;
import io.kvcourier.wire.CancelNotif;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.TcpInitRequest;
import io.kvcourier.wire.TcpInitResponse;
import io.kvcourier.wire.WireCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile input on a tcp receiver's data port, against the real receiver engine: raw jeromq clients allocate
 * pages as two senders (alice and mallory) and fetch session tokens, then a raw data client
 * ({@link RawTcpClient}) sends what a well-behaved sender never would. Each bad frame closes its connection and
 * commits nothing; alice's own batches still land and are looked up and loaded byte for byte afterwards.
 */
@Timeout(120)
class HostileDataInputTest {
    private static final long CHUNK = PdPair.SMALL_CHUNK;

    private ZContext zmq;
    private PdL2Adapter receiver;
    private TaskWaiter waiter;
    private Arena arena;
    private final Random random = new Random(5);

    @BeforeEach
    void start() {
        zmq = new ZContext();
        receiver = PdPair.receiver(TcpChannel.FACTORY, m -> {
            m.put("transfer_channel", "tcp");
            m.put("chunk_bytes", CHUNK);
            m.put("transfer_timeout_sec", 30);
        });
        waiter = new TaskWaiter(receiver);
        arena = Arena.ofShared();
    }

    @AfterEach
    void stop() {
        waiter.close();
        receiver.close();
        zmq.close();
        arena.close();
    }

    /**
     * Allocates pages for {@code keys} as {@code senderId} through a raw DEALER (identity {@code senderId/n}, as a
     * Java sender's); returns the remote pages. jeromq can lose the first message of a new connection, so each
     * attempt proves a fresh socket with an empty CancelNotif first.
     */
    private int[] allocate(String senderId, List<ObjectKey> keys) throws Exception {
        byte[] probe = WireCodec.encode(new CancelNotif("", List.of()));
        for (int attempt = 1; attempt <= 40; attempt++) {
            ZMQ.Socket s = zmq.createSocket(SocketType.DEALER);
            try {
                s.setIdentity((senderId + "/" + attempt).getBytes(StandardCharsets.UTF_8));
                s.setReceiveTimeOut(500);
                s.setLinger(0);
                s.connect("tcp://127.0.0.1:" + receiver.allocPorts().get(0));
                s.sendMore(new byte[0]);
                s.send(probe, 0);
                if (lastFrame(s) == null) {
                    continue;
                }
                s.setReceiveTimeOut(10_000);
                AllocRequest req = new AllocRequest(keys.stream().map(ObjectKey::toCanonicalString).toList(), 4,
                        new long[] {CHUNK}, "uint8", (int) CHUNK, "", false, 0);
                s.sendMore(new byte[0]);
                s.send(WireCodec.encode(req), 0);
                PdMessage reply = WireCodec.decode(lastFrame(s));
                assertThat(reply).isInstanceOf(AllocResponse.class);
                int[] pages = ((AllocResponse) reply).remoteIndexes();
                assertThat(pages).hasSize(keys.size()).doesNotContain(-1);
                return pages;
            } finally {
                s.close();
            }
        }
        throw new AssertionError("the alloc port never answered");
    }

    private static byte[] lastFrame(ZMQ.Socket s) {
        byte[] r = s.recv();
        while (r != null && s.hasReceiveMore()) {
            r = s.recv();
        }
        return r;
    }

    /**
     * A data connection of {@code senderId} with a fresh session token from the init port, asked on a fresh REQ
     * per attempt (jeromq can lose the first message of a new connection).
     */
    private RawTcpClient connect(String senderId) throws Exception {
        byte[] request = WireCodec.encode(new TcpInitRequest(WireCodec.PROTOCOL_VERSION, senderId));
        for (int attempt = 0; attempt < 40; attempt++) {
            ZMQ.Socket req = zmq.createSocket(SocketType.REQ);
            try {
                req.setReceiveTimeOut(500);
                req.setLinger(0);
                req.connect("tcp://127.0.0.1:" + receiver.initPorts().get(0));
                req.send(request, 0);
                byte[] reply = req.recv();
                if (reply != null) {
                    PdMessage m = WireCodec.decode(reply);
                    assertThat(m).isInstanceOf(TcpInitResponse.class);
                    TcpInitResponse init = (TcpInitResponse) m;
                    return new RawTcpClient(init.host(), init.port()).hello(init.sessionToken(), senderId);
                }
            } finally {
                req.close();
            }
        }
        throw new AssertionError("the init port never answered");
    }

    private byte[] randomChunk() {
        byte[] b = new byte[(int) CHUNK];
        random.nextBytes(b);
        return b;
    }

    private void assertNotVisible(List<ObjectKey> keys) {
        assertThat(waiter.lookup(keys).popcount()).as("nothing of %s is visible", keys).isZero();
    }

    @Test
    void aBatchThatClaimsPagesOfAnotherSenderIsDroppedAndCommitsNothing() throws Exception {
        List<ObjectKey> keys = PdPair.keys("alice", 2);
        int[] pages = allocate("alice", keys);
        allocate("mallory", PdPair.keys("mallory", 1));
        byte[] a = randomChunk();
        byte[] b = randomChunk();
        try (RawTcpClient c = connect("mallory")) {
            c.frame(pages[0], true, pages, new long[] {CHUNK, CHUNK}).bytes(new byte[(int) CHUNK]);
            assertThat(c.closedByPeer()).as("mallory writing alice's batch").isTrue();
        }
        try (RawTcpClient c = connect("mallory")) {
            // Also not as a batch of mallory's own: alice's page inside mallory's batch id.
            c.frame(pages[1], true, new int[] {pages[1]}, new long[] {CHUNK}).bytes(new byte[(int) CHUNK]);
            assertThat(c.closedByPeer()).isTrue();
        }
        assertNotVisible(keys);
        try (RawTcpClient c = connect("alice")) {
            c.frame(pages[0], true, pages, new long[] {CHUNK, CHUNK}).bytes(a).bytes(b);
            assertThat(c.readAck()).containsExactly(pages[0], 1);
        }
        assertLanded(keys, a, b);
    }

    @Test
    void malformedOrShortBlocksAreDroppedAndTheAllocationStillLands() throws Exception {
        List<ObjectKey> keys = PdPair.keys("alice", 3);
        int[] pages = allocate("alice", keys);
        byte[][] chunks = {randomChunk(), randomChunk(), randomChunk()};
        try (RawTcpClient c = connect("alice")) {
            c.head((byte) 1, 1, 0, pages[0], 0).bytes(new byte[64]); // no entries
            assertThat(c.closedByPeer()).as("a block without entries").isTrue();
        }
        try (RawTcpClient c = connect("alice")) {
            c.frame(pages[0], true, new int[] {pages[0]}, new long[] {CHUNK / 2}).bytes(new byte[(int) CHUNK / 2]);
            assertThat(c.closedByPeer()).as("less than the key's stored length").isTrue();
        }
        try (RawTcpClient c = connect("alice")) {
            c.frame(pages[0], true, new int[] {pages[0], pages[0]}, new long[] {CHUNK, CHUNK});
            assertThat(c.closedByPeer()).as("one page twice").isTrue();
        }
        try (RawTcpClient c = connect("alice")) {
            // The connection ends in the middle of the payload: the admitted pages never commit.
            c.frame(pages[0], true, pages, new long[] {CHUNK, CHUNK, CHUNK}).bytes(chunks[0]).bytes(new byte[100]);
            assertThat(c.finish()).isTrue();
        }
        assertNotVisible(keys);
        // Those pages were admitted once already: the allocation can no longer commit; its sender starts afresh
        // (a real sender's batch fails and it allocates again). A fresh allocation lands in two frames.
        List<ObjectKey> again = PdPair.keys("again", 3);
        int[] fresh = allocate("alice", again);
        try (RawTcpClient c = connect("alice")) {
            c.frame(fresh[0], false, new int[] {fresh[0], fresh[1]}, new long[] {CHUNK, CHUNK})
                    .bytes(chunks[0]).bytes(chunks[1])
                    .frame(fresh[0], true, new int[] {fresh[2]}, new long[] {CHUNK}).bytes(chunks[2]);
            assertThat(c.readAck()).containsExactly(fresh[0], 1);
        }
        assertLanded(again, chunks);
        assertNotVisible(keys);
    }

    private void assertLanded(List<ObjectKey> keys, byte[]... chunks) {
        assertThat(waiter.lookup(keys).popcount()).isEqualTo(keys.size());
        List<MemoryObj> into = PdPair.empty(arena, keys.size());
        assertThat(waiter.load(keys, into).popcount()).isEqualTo(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            assertThat(into.get(i).segment().toArray(ValueLayout.JAVA_BYTE)).as("key %d", i).isEqualTo(chunks[i]);
        }
    }
}
