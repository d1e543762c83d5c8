package io.kvcourier.bench;

import io.kvcourier.agent.CloseHelper;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.notify.ProxyListener;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * kvcourier between two JVMs, as issue 12's tcp rows want it: a sender {@link PdL2Adapter} (tcp) and the proxy's
 * PULL socket ({@link ProxyListener}) in this JVM, a receiver adapter with a decode loop in a child JVM
 * ({@link AdapterChild}), and in the same child a {@link FloorReceiver} for the floor rows. Owns the child, both
 * local components and the chunk memory; {@link #close()} releases them (sender first).
 */
final class RemotePair implements AutoCloseable {
    final long chunkBytes;
    final ProxyListener proxy;
    /** The proxy listener's threads (its own and its ZMQ context's), left out of the sender's allocation. */
    final Set<Long> proxyThreads;
    final ChildJvm child;
    final PdL2Adapter sender;
    /** The child's floor receiver port. */
    final int floorPort;
    private final Arena arena = Arena.ofShared();

    /**
     * @param chunkBytes    bytes per chunk = page size on both sides
     * @param receiverPages the receiver's pages (size it so admission never needs to evict)
     * @param senderPages   the sender's staging pages (at least the chunks of one batch)
     * @param arrivals      told every notification
     */
    RemotePair(long chunkBytes, int receiverPages, int senderPages, Arrivals arrivals) throws IOException {
        this.chunkBytes = chunkBytes;
        Set<Long> before = HeapAllocation.liveThreads();
        this.proxy = ProxyListener.bind("127.0.0.1", 0, ProxyListener.DEFAULT_MAX_MESSAGE_BYTES, arrivals);
        this.proxyThreads = HeapAllocation.startedSince(before, "kvcourier-proxy-listener");
        ChildJvm c = null;
        PdL2Adapter s = null;
        try {
            c = new ChildJvm("adapter", Long.toString(chunkBytes), Integer.toString(receiverPages));
            String ready = c.expect("READY ");
            Map<String, String> f = AdapterChild.fields(ready);
            Map<String, Object> m = AdapterPair.base("sender", "tcp", chunkBytes, senderPages);
            m.put("peer_init_port", ports(f, "init", ready));
            m.put("peer_alloc_port", ports(f, "alloc", ready));
            m.put("proxy_host", "127.0.0.1");
            m.put("proxy_port", proxy.port());
            s = PdL2Adapter.create(PdL2AdapterConfig.fromMap(m));
            this.floorPort = Integer.parseInt(field(f, "floor", ready));
        } catch (IOException | RuntimeException e) {
            CloseHelper.closeOnFailure(e, s, c, proxy, arena); // reverse order of opening
            throw e;
        }
        this.child = c;
        this.sender = s;
    }

    private static String field(Map<String, String> f, String name, String line) throws IOException {
        String v = f.get(name);
        if (v == null) {
            throw AdapterChild.missing(name, line);
        }
        return v;
    }

    private static List<Integer> ports(Map<String, String> f, String name, String line) throws IOException {
        return Arrays.stream(field(f, name, line).split(",")).map(Integer::valueOf).toList();
    }

    /** {@code n} chunks of {@link #chunkBytes} with non-zero bytes, owned by this pair. */
    List<MemoryObj> chunks(int n) {
        return AdapterPair.chunks(arena, n, chunkBytes);
    }

    /**
     * {@code n} chunks of {@link #chunkBytes} with non-zero bytes, slices of one block registered with the sender
     * ({@code registerMemory}): stores of them are zero-copy (no staging copy). Owned by this pair.
     */
    List<MemoryObj> registeredChunks(int n) {
        MemorySegment block = arena.allocate(chunkBytes * n, 4096);
        List<MemoryObj> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            MemorySegment seg = block.asSlice(i * chunkBytes, chunkBytes);
            seg.fill((byte) (i + 1));
            out.add(MemoryObj.ofBytes(seg));
        }
        sender.registerMemory(block);
        return out;
    }

    /** The child's decode counters ({@code batches}, {@code loaded_keys}, {@code missing_keys}, ...). */
    Map<String, String> receiverStatus() throws IOException {
        child.send("STATUS");
        return AdapterChild.fields(child.expect("STATUS "));
    }

    /** Whether the child's decode side loads what it locks ({@link DecodeLoop#loads(boolean)}); set on return. */
    void decodeLoads(boolean on) throws IOException {
        String line = "LOADS " + (on ? "on" : "off");
        child.send(line);
        child.expect(line);
    }

    @Override
    public void close() {
        CloseHelper.closeAll(sender, child, proxy, arena);
    }

    /** Thread ids of the proxy side, for {@link HeapAllocation.Window#end}. */
    Set<Long> excludedFromSenderAllocation() {
        return new HashSet<>(proxyThreads);
    }
}
