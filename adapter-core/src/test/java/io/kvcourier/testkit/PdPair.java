package io.kvcourier.testkit;

import io.kvcourier.channel.MockMemoryChannel;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.l2.DType;
import io.kvcourier.l2.MemoryFormat;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * Adapters over the real ZMQ control plane (ephemeral ports) in one JVM, chunks with known contents, and
 * status reads: the test kit's rig, shared by adapter-core's unit tests and the system-tests module.
 *
 * <p>An instance is a receiver and a sender on a chosen channel with buffers of 16 {@link #CHUNK}s, plus random
 * chunks in its own shared arena; {@link #close()} closes both adapters and the arena. The static
 * {@link #receiver(TransferChannelFactory, Consumer)} and {@link #sender(PdL2Adapter, TransferChannelFactory,
 * Consumer)} make single adapters with buffers of 16 {@link #SMALL_CHUNK}s for tests that restart, add or kill one
 * side (the caller closes them), and {@link #chunks(Arena, int, long)} fills {@link #SMALL_CHUNK} chunks from a seed.
 */
public final class PdPair implements AutoCloseable {
    /** Chunk size in bytes of an instance's helpers; its adapters' buffers hold 16 of them. */
    public static final long CHUNK = 64 * 1024;
    /** Chunk size in bytes of the static helpers: small, so buffers of a few pages stay tiny. */
    public static final long SMALL_CHUNK = 16 * 1024;
    /** The channel {@link #PdPair()} uses. */
    public static final TransferChannelFactory DEFAULT_CHANNEL = MockMemoryChannel.FACTORY;

    /** The receiver adapter; closed by {@link #close()}. */
    public final PdL2Adapter receiver;
    /** The sender adapter, connected to {@link #receiver}; closed by {@link #close()}. */
    public final PdL2Adapter sender;
    /** The arena of this pair's chunks; closed by {@link #close()}. */
    public final Arena arena = Arena.ofShared();
    private final Random random = new Random(42);

    /** A pair on {@link #DEFAULT_CHANNEL} with the {@link #base(String)} settings. */
    public PdPair() {
        this(DEFAULT_CHANNEL, m -> { }, m -> { });
    }

    /** A pair on {@code channel}; each tweak edits its side's settings map before the adapter starts. */
    public PdPair(TransferChannelFactory channel, Consumer<Map<String, Object>> receiverTweaks,
                  Consumer<Map<String, Object>> senderTweaks) {
        this(CHUNK, channel, receiverTweaks, senderTweaks);
    }

    /** {@link #PdPair(TransferChannelFactory, Consumer, Consumer)} with buffers of 16 chunks of {@code chunk} bytes. */
    public PdPair(long chunk, TransferChannelFactory channel, Consumer<Map<String, Object>> receiverTweaks,
                  Consumer<Map<String, Object>> senderTweaks) {
        receiver = receiver(chunk, channel, receiverTweaks);
        try {
            sender = sender(chunk, receiver, channel, senderTweaks);
        } catch (RuntimeException e) {
            receiver.close();
            throw e;
        }
    }

    /** Settings of one side on 127.0.0.1 over mock_memory, buffers of 16 {@link #CHUNK}s, short deadlines. */
    public static Map<String, Object> base(String role) {
        return base(role, CHUNK);
    }

    /** {@link #base(String)} with buffers of 16 chunks of {@code chunk} bytes. */
    public static Map<String, Object> base(String role, long chunk) {
        Map<String, Object> m = new HashMap<>();
        m.put("type", "pd");
        m.put("role", role);
        m.put("peer_host", "127.0.0.1");
        m.put("transfer_channel", "mock_memory");
        m.put("buffer_size", 16 * chunk);
        m.put("proxy_port", 0);
        m.put("bind_host", "127.0.0.1");
        m.put("allocation_timeout_sec", 2);
        m.put("transfer_timeout_sec", 2);
        m.put("handshake_timeout_sec", 5);
        m.put("shutdown_timeout_sec", 2);
        return m;
    }

    /** A receiver on ephemeral ports with buffers of 16 {@link #SMALL_CHUNK}s; the caller closes it. */
    public static PdL2Adapter receiver(TransferChannelFactory channel, Consumer<Map<String, Object>> tweaks) {
        return receiver(SMALL_CHUNK, channel, tweaks);
    }

    /** {@link #receiver(TransferChannelFactory, Consumer)} on mock_memory, untweaked. */
    public static PdL2Adapter receiver() {
        return receiver(MockMemoryChannel.FACTORY, m -> { });
    }

    /** A sender of {@code receiver}'s ports with buffers of 16 {@link #SMALL_CHUNK}s; the caller closes it. */
    public static PdL2Adapter sender(PdL2Adapter receiver, TransferChannelFactory channel,
                                     Consumer<Map<String, Object>> tweaks) {
        return sender(SMALL_CHUNK, receiver, channel, tweaks);
    }

    /** {@link #sender(PdL2Adapter, TransferChannelFactory, Consumer)} on mock_memory, untweaked. */
    public static PdL2Adapter sender(PdL2Adapter receiver) {
        return sender(receiver, MockMemoryChannel.FACTORY, m -> { });
    }

    private static PdL2Adapter receiver(long chunk, TransferChannelFactory channel,
                                        Consumer<Map<String, Object>> tweaks) {
        Map<String, Object> r = base("receiver", chunk);
        r.put("peer_init_port", List.of(0));
        r.put("peer_alloc_port", List.of(0));
        tweaks.accept(r);
        return new PdL2Adapter(PdL2AdapterConfig.fromMap(r), channel);
    }

    private static PdL2Adapter sender(long chunk, PdL2Adapter receiver, TransferChannelFactory channel,
                                      Consumer<Map<String, Object>> tweaks) {
        Map<String, Object> s = base("sender", chunk);
        s.put("peer_init_port", receiver.initPorts());
        s.put("peer_alloc_port", receiver.allocPorts());
        tweaks.accept(s);
        return new PdL2Adapter(PdL2AdapterConfig.fromMap(s), channel);
    }

    /** Distinct keys; {@code kvRank} selects the TP rank through bits 16..23. */
    public static List<ObjectKey> keys(String prefix, int n, int kvRank) {
        List<ObjectKey> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] hash = (prefix + "-" + i).getBytes();
            keys.add(ObjectKey.of(hash, "llama", kvRank));
        }
        return keys;
    }

    /** Distinct keys of TP rank 0. */
    public static List<ObjectKey> keys(String prefix, int n) {
        return keys(prefix, n, 0);
    }

    /** A chunk of {@code bytes} random bytes (BINARY format) in shared memory. */
    public MemoryObj randomChunk(long bytes) {
        MemorySegment seg = arena.allocate(bytes, 64);
        byte[] data = new byte[(int) bytes];
        random.nextBytes(data);
        MemorySegment.copy(data, 0, seg, ValueLayout.JAVA_BYTE, 0, data.length);
        return MemoryObj.ofBytes(seg);
    }

    /** {@code n} random chunks of {@link #CHUNK} bytes. */
    public List<MemoryObj> randomChunks(int n) {
        List<MemoryObj> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(randomChunk(CHUNK));
        }
        return out;
    }

    /** An empty destination buffer of {@code bytes}. */
    public MemoryObj emptyChunk(long bytes) {
        return MemoryObj.ofBytes(arena.allocate(bytes, 64));
    }

    /** {@code n} empty destination buffers of {@link #CHUNK} bytes. */
    public List<MemoryObj> emptyChunks(int n) {
        List<MemoryObj> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(emptyChunk(CHUNK));
        }
        return out;
    }

    /** A KV_2LTD chunk [2, layers, tokens, hidden] of bf16 with random bytes. */
    public MemoryObj kvChunk(int layers, int tokens, int hidden) {
        long bytes = 2L * layers * tokens * hidden * 2;
        MemoryObj raw = randomChunk(bytes);
        return new MemoryObj(raw.segment(), new long[] {2, layers, tokens, hidden}, DType.BFLOAT16,
                MemoryFormat.KV_2LTD);
    }

    /** {@code n} chunks of {@link #SMALL_CHUNK} bytes in {@code arena}, filled from {@code seed}. */
    public static List<MemoryObj> chunks(Arena arena, int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<MemoryObj> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            MemorySegment seg = arena.allocate(SMALL_CHUNK, 64);
            for (long off = 0; off < SMALL_CHUNK; off += 8) {
                seg.set(ValueLayout.JAVA_LONG_UNALIGNED, off, rnd.nextLong());
            }
            out.add(MemoryObj.ofBytes(seg));
        }
        return out;
    }

    /** {@code n} empty destination buffers of {@link #SMALL_CHUNK} bytes in {@code arena}. */
    public static List<MemoryObj> empty(Arena arena, int n) {
        List<MemoryObj> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(MemoryObj.ofBytes(arena.allocate(SMALL_CHUNK, 64)));
        }
        return out;
    }

    /** The CRC-32C of a chunk's whole segment. */
    public static long crc(MemoryObj o) {
        CRC32C c = new CRC32C();
        c.update(o.segment().asByteBuffer());
        return c.getValue();
    }

    /** Whether the first {@code length} bytes of two chunks are equal. */
    public static boolean sameBytes(MemoryObj a, MemoryObj b, long length) {
        return a.segment().asSlice(0, length).mismatch(b.segment().asSlice(0, length)) == -1;
    }

    /** An integer from an adapter's {@code reportStatus()}. */
    public static long status(PdL2Adapter adapter, String key) {
        return ((Number) adapter.reportStatus().get(key)).longValue();
    }

    /** {@link #status(PdL2Adapter, String)} as an int. */
    public static int intStatus(PdL2Adapter adapter, String key) {
        return ((Number) adapter.reportStatus().get(key)).intValue();
    }

    @Override
    public void close() {
        sender.close();
        receiver.close();
        arena.close();
    }
}
