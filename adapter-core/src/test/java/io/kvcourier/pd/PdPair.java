package io.kvcourier.pd;

import io.kvcourier.channel.MockMemoryChannel;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.l2.DType;
import io.kvcourier.l2.MemoryFormat;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * A receiver and a sender adapter in one JVM over the real ZMQ control plane (ephemeral ports) and a
 * chosen channel, plus helpers to make keys and random chunks.
 */
final class PdPair implements AutoCloseable {
    static final long CHUNK = 64 * 1024;

    final PdL2Adapter receiver;
    final PdL2Adapter sender;
    final Arena arena = Arena.ofShared();
    private final Random random = new Random(42);

    /** The channel {@link #PdPair()} uses. */
    static final TransferChannelFactory DEFAULT_CHANNEL = MockMemoryChannel.FACTORY;

    PdPair() {
        this(DEFAULT_CHANNEL, m -> { }, m -> { });
    }

    PdPair(TransferChannelFactory channel, Consumer<Map<String, Object>> receiverTweaks,
           Consumer<Map<String, Object>> senderTweaks) {
        Map<String, Object> r = base("receiver");
        r.put("peer_init_port", List.of(0));
        r.put("peer_alloc_port", List.of(0));
        receiverTweaks.accept(r);
        receiver = new PdL2Adapter(PdL2AdapterConfig.fromMap(r), channel);
        try {
            Map<String, Object> s = base("sender");
            s.put("peer_init_port", receiver.initPorts());
            s.put("peer_alloc_port", receiver.allocPorts());
            senderTweaks.accept(s);
            sender = new PdL2Adapter(PdL2AdapterConfig.fromMap(s), channel);
        } catch (RuntimeException e) {
            receiver.close();
            throw e;
        }
    }

    static Map<String, Object> base(String role) {
        Map<String, Object> m = new HashMap<>();
        m.put("type", "pd");
        m.put("role", role);
        m.put("peer_host", "127.0.0.1");
        m.put("transfer_channel", "mock_memory");
        m.put("buffer_size", 16 * CHUNK);
        m.put("proxy_port", 0);
        m.put("bind_host", "127.0.0.1");
        m.put("allocation_timeout_sec", 2);
        m.put("transfer_timeout_sec", 2);
        m.put("handshake_timeout_sec", 5);
        m.put("shutdown_timeout_sec", 2);
        return m;
    }

    /** Distinct keys; {@code kvRank} selects the TP rank through bits 16..23. */
    static List<ObjectKey> keys(String prefix, int n, int kvRank) {
        List<ObjectKey> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] hash = (prefix + "-" + i).getBytes();
            keys.add(ObjectKey.of(hash, "llama", kvRank));
        }
        return keys;
    }

    static List<ObjectKey> keys(String prefix, int n) {
        return keys(prefix, n, 0);
    }

    /** A chunk of {@code bytes} random bytes (BINARY format) in shared memory. */
    MemoryObj randomChunk(long bytes) {
        MemorySegment seg = arena.allocate(bytes, 64);
        byte[] data = new byte[(int) bytes];
        random.nextBytes(data);
        MemorySegment.copy(data, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, data.length);
        return MemoryObj.ofBytes(seg);
    }

    List<MemoryObj> randomChunks(int n) {
        List<MemoryObj> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(randomChunk(CHUNK));
        }
        return out;
    }

    /** An empty destination buffer of {@code bytes}. */
    MemoryObj emptyChunk(long bytes) {
        return MemoryObj.ofBytes(arena.allocate(bytes, 64));
    }

    List<MemoryObj> emptyChunks(int n) {
        List<MemoryObj> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(emptyChunk(CHUNK));
        }
        return out;
    }

    /** A KV_2LTD chunk [2, layers, tokens, hidden] of bf16 with random bytes. */
    MemoryObj kvChunk(int layers, int tokens, int hidden) {
        long bytes = 2L * layers * tokens * hidden * 2;
        MemoryObj raw = randomChunk(bytes);
        return new MemoryObj(raw.segment(), new long[] {2, layers, tokens, hidden}, DType.BFLOAT16, MemoryFormat.KV_2LTD);
    }

    /** An integer from an adapter's {@code reportStatus()}. */
    static long status(PdL2Adapter adapter, String key) {
        return ((Number) adapter.reportStatus().get(key)).longValue();
    }

    /**
     * Waits for a condition that no event announces (state a background thread changes), re-checking at most
     * every 10 ms, until {@code timeout}. Not a synchronisation by sleep: the condition decides.
     */
    static boolean waitFor(java.util.function.BooleanSupplier condition, java.time.Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            never.await(10, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        return true;
    }

    static boolean sameBytes(MemoryObj a, MemoryObj b, long length) {
        return a.segment().asSlice(0, length).mismatch(b.segment().asSlice(0, length)) == -1;
    }

    @Override
    public void close() {
        sender.close();
        receiver.close();
        arena.close();
    }
}
