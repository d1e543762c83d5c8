package io.kvcourier.bench;

import io.kvcourier.agent.CloseHelper;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A receiver and a sender {@link PdL2Adapter} in this JVM over the real ZMQ control plane on ephemeral
 * ports, with one transfer channel, plus chunk memory and unique keys. Owns both adapters and the chunk
 * arena; {@link #close()} releases them (sender first).
 */
final class AdapterPair implements AutoCloseable {
    final PdL2Adapter receiver;
    final PdL2Adapter sender;
    final long chunkBytes;
    private final Arena arena = Arena.ofShared();

    /**
     * @param channel    {@code mock_memory} or {@code tcp}
     * @param chunkBytes bytes per chunk (one staging page)
     * @param pages      staging pages on each side
     * @param proxyPort  the proxy's PULL port, or 0 for no notifications
     */
    AdapterPair(String channel, long chunkBytes, int pages, int proxyPort) {
        this.chunkBytes = chunkBytes;
        Map<String, Object> r = base("receiver", channel, chunkBytes, pages);
        r.put("peer_init_port", List.of(0));
        r.put("peer_alloc_port", List.of(0));
        receiver = PdL2Adapter.create(PdL2AdapterConfig.fromMap(r));
        try {
            Map<String, Object> s = base("sender", channel, chunkBytes, pages);
            s.put("peer_init_port", receiver.initPorts());
            s.put("peer_alloc_port", receiver.allocPorts());
            if (proxyPort > 0) {
                s.put("proxy_host", "127.0.0.1");
                s.put("proxy_port", proxyPort);
            }
            sender = PdL2Adapter.create(PdL2AdapterConfig.fromMap(s));
        } catch (RuntimeException e) {
            CloseHelper.closeOnFailure(e, receiver, arena);
            throw e;
        }
    }

    /** The config both bench adapters start from: 127.0.0.1, no proxy, 10 s deadlines, 5 s shutdown. */
    static Map<String, Object> base(String role, String channel, long chunkBytes, int pages) {
        Map<String, Object> m = new HashMap<>();
        m.put("type", "pd");
        m.put("role", role);
        m.put("peer_host", "127.0.0.1");
        m.put("bind_host", "127.0.0.1");
        m.put("transfer_channel", channel);
        m.put("buffer_size", chunkBytes * pages);
        m.put("chunk_bytes", chunkBytes);
        m.put("proxy_port", 0);
        m.put("allocation_timeout_sec", 10);
        m.put("transfer_timeout_sec", 10);
        m.put("handshake_timeout_sec", 10);
        m.put("shutdown_timeout_sec", 5);
        return m;
    }

    /** {@code n} chunks of {@link #chunkBytes} with non-zero bytes, in shared memory owned by this pair. */
    List<MemoryObj> chunks(int n) {
        return chunks(arena, n, chunkBytes);
    }

    /** {@code n} chunks of {@code chunkBytes} with non-zero bytes, 4 KiB aligned, from {@code arena}. */
    static List<MemoryObj> chunks(Arena arena, int n, long chunkBytes) {
        List<MemoryObj> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            MemorySegment seg = arena.allocate(chunkBytes, 4096);
            seg.fill((byte) (i + 1));
            out.add(MemoryObj.ofBytes(seg));
        }
        return out;
    }

    /** Keys of request {@code request}: chunk hashes {@code (request, i)}, unique per (request, i). */
    static List<ObjectKey> keys(long request, int n) {
        List<ObjectKey> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] hash = ByteBuffer.allocate(32).putLong(request).putInt(i).putLong(0x6b76636f75726965L).array();
            out.add(ObjectKey.of(hash, "bench-model", 0));
        }
        return List.copyOf(out);
    }

    @Override
    public void close() {
        CloseHelper.closeAll(sender, receiver, arena);
    }
}
