package io.kvcourier.reliability;

import io.kvcourier.channel.MockMemoryChannel;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.event.CompletionPoller;
import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.L2Adapter;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * Test support for the reliability suite: adapters over the real ZMQ control plane (ephemeral ports),
 * chunks with known contents, and waits that block on the adapter's event fds (never sleeps).
 */
final class Rig {
    /** Chunk size used by the suite: small, so buffers of a few pages stay tiny. */
    static final long CHUNK = 16 * 1024;
    static final Duration WAIT = Duration.ofSeconds(30);

    private Rig() {
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

    static PdL2Adapter receiver(TransferChannelFactory channel, Consumer<Map<String, Object>> tweaks) {
        Map<String, Object> r = base("receiver");
        r.put("peer_init_port", List.of(0));
        r.put("peer_alloc_port", List.of(0));
        tweaks.accept(r);
        return new PdL2Adapter(PdL2AdapterConfig.fromMap(r), channel);
    }

    static PdL2Adapter receiver() {
        return receiver(MockMemoryChannel.FACTORY, m -> { });
    }

    static PdL2Adapter sender(PdL2Adapter receiver, TransferChannelFactory channel, Consumer<Map<String, Object>> tweaks) {
        Map<String, Object> s = base("sender");
        s.put("peer_init_port", receiver.initPorts());
        s.put("peer_alloc_port", receiver.allocPorts());
        tweaks.accept(s);
        return new PdL2Adapter(PdL2AdapterConfig.fromMap(s), channel);
    }

    static PdL2Adapter sender(PdL2Adapter receiver) {
        return sender(receiver, MockMemoryChannel.FACTORY, m -> { });
    }

    static List<ObjectKey> keys(String prefix, int n) {
        List<ObjectKey> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            keys.add(ObjectKey.of((prefix + "-" + i).getBytes(), "llama", 0));
        }
        return keys;
    }

    /** {@code n} chunks of {@link #CHUNK} bytes, filled from {@code seed}. */
    static List<MemoryObj> chunks(Arena arena, int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<MemoryObj> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            MemorySegment seg = arena.allocate(CHUNK, 64);
            for (long off = 0; off < CHUNK; off += 8) {
                seg.set(ValueLayout.JAVA_LONG_UNALIGNED, off, rnd.nextLong());
            }
            out.add(MemoryObj.ofBytes(seg));
        }
        return out;
    }

    static List<MemoryObj> empty(Arena arena, int n) {
        List<MemoryObj> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(MemoryObj.ofBytes(arena.allocate(CHUNK, 64)));
        }
        return out;
    }

    static long crc(MemoryObj o) {
        CRC32C c = new CRC32C();
        c.update(o.segment().asByteBuffer());
        return c.getValue();
    }

    /** Waits for events on an adapter's fds and collects results the way a controller does. */
    static final class Waiter implements AutoCloseable {
        private final L2Adapter adapter;
        private final CompletionPoller poller;
        private final Map<Long, Boolean> stores = new HashMap<>();

        Waiter(L2Adapter adapter) {
            this.adapter = adapter;
            this.poller = CompletionPoller.forAdapter(adapter);
        }

        /** The store result of {@code id}, or null if it did not complete within {@code timeout}. */
        Boolean store(long id, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                stores.putAll(adapter.popCompletedStoreTasks());
                Boolean r = stores.remove(id);
                if (r != null) {
                    return r;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                poller.await(Duration.ofNanos(Math.min(left, Duration.ofMillis(200).toNanos())));
            }
        }

        Bitmap lookup(List<ObjectKey> keys) {
            return await(adapter.submitLookupAndLockTask(keys), true);
        }

        Bitmap load(List<ObjectKey> keys, List<MemoryObj> into) {
            return await(adapter.submitLoadTask(keys, into), false);
        }

        private Bitmap await(long id, boolean lookup) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                Bitmap b = lookup ? adapter.queryLookupAndLockResult(id) : adapter.queryLoadResult(id);
                if (b != null) {
                    return b;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("task " + id + " did not complete within " + WAIT);
                }
                poller.await(Duration.ofNanos(Math.min(left, Duration.ofMillis(200).toNanos())));
            }
        }

        /**
         * Waits until {@code condition} holds, re-checking after each adapter event or every 20 ms at most
         * (for state that changes without an event, such as a reclaim on the receiver's housekeeping thread).
         */
        boolean until(BooleanSupplier condition, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!condition.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                poller.await(Duration.ofNanos(Math.min(left, Duration.ofMillis(20).toNanos())));
            }
            return true;
        }

        @Override
        public void close() {
            poller.close();
        }
    }

    /**
     * Waits for a condition that no event announces (state a background thread changes), re-checking at most
     * every 10 ms, with a deadline. Not a synchronisation by sleep: the condition decides.
     */
    static boolean waitFor(BooleanSupplier condition, Duration timeout) throws InterruptedException {
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

    static int intStatus(PdL2Adapter a, String key) {
        return ((Number) a.reportStatus().get(key)).intValue();
    }

    static long longStatus(PdL2Adapter a, String key) {
        return ((Number) a.reportStatus().get(key)).longValue();
    }
}
