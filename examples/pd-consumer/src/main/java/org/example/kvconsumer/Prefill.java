package org.example.kvconsumer;

import io.kvcourier.event.CompletionPoller;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.pd.AsyncPdAdapter;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The prefill process: a sender adapter that registers its KV pool once (zero-copy stores), then stores each
 * request chunk by chunk as "prefill" produces it — one store task per chunk, the last marked as the request's last
 * prefill batch — and waits until every store completed.
 *
 * <pre>Prefill --api eventfd|async --requests R --chunks N --alloc-port P --init-port Q [--timeout-sec S]</pre>
 */
public final class Prefill {
    private Prefill() {
    }

    public static void main(String[] argv) throws Exception {
        Workload w = Workload.parse(argv);
        Duration timeout = Duration.ofSeconds(Long.parseLong(w.args.getOrDefault("timeout-sec", "60")));
        PdL2AdapterConfig cfg = PdL2AdapterConfig.fromJson(Workload.config("sender",
                "\"peer_init_port\": [%s], \"peer_alloc_port\": [%s]".formatted(w.arg("init-port"), w.arg("alloc-port"))));
        try (PdL2Adapter adapter = PdL2Adapter.create(cfg); Arena arena = Arena.ofShared()) {
            // The runtime's KV pool: every chunk of every request, registered once for zero-copy stores.
            MemorySegment pool = arena.allocate(w.requests * w.chunks * Workload.CHUNK_BYTES, 4096);
            boolean zeroCopy = register(adapter, pool);
            int stored = w.api.equals("async") ? storeAsync(adapter.async(), w, pool, timeout)
                    : storeWithEventfds(adapter, w, pool, timeout);
            if (zeroCopy) {
                adapter.unregisterMemory(pool); // every store that read it has completed
            }
            System.out.printf("prefill[%s]: %d of %d chunk stores committed%n", w.api, stored, w.requests * w.chunks);
            if (stored != w.requests * w.chunks) {
                System.exit(1);
            }
        }
    }

    /** Registers the pool for zero-copy stores; a channel that cannot write from it copies through staging instead. */
    private static boolean register(PdL2Adapter adapter, MemorySegment pool) {
        try {
            adapter.registerMemory(pool);
            System.out.println("prefill: KV pool registered: stores are written straight from it");
            return true;
        } catch (IllegalStateException e) {
            System.out.println("prefill: KV pool not registered (" + e.getMessage() + "); stores copy through staging");
            return false;
        }
    }

    private static MemoryObj chunk(MemorySegment pool, Workload w, int r, int i) {
        MemorySegment s = pool.asSlice((r * (long) w.chunks + i) * Workload.CHUNK_BYTES, Workload.CHUNK_BYTES);
        Workload.fill(s, r, i); // "prefill computed this chunk's KV"
        return Workload.chunk(s);
    }

    private static TransferSpec spec(Workload w, int r, int i) {
        return new TransferSpec(Workload.requestId(r), i == w.chunks - 1, w.chunks);
    }

    /** The eventfd contract: submit every chunk, then wait on the store fd and pop results until all are in. */
    private static int storeWithEventfds(PdL2Adapter adapter, Workload w, MemorySegment pool, Duration timeout) {
        Set<Long> open = new HashSet<>();
        for (int r = 0; r < w.requests; r++) {
            List<ObjectKey> keys = w.keys(r);
            for (int i = 0; i < w.chunks; i++) {
                open.add(adapter.submitStoreTask(List.of(keys.get(i)), List.of(chunk(pool, w, r, i)), spec(w, r, i)));
            }
        }
        int ok = 0;
        long deadline = System.nanoTime() + timeout.toNanos();
        try (CompletionPoller poller = CompletionPoller.forAdapter(adapter)) {
            while (!open.isEmpty() && System.nanoTime() - deadline < 0) {
                for (Map.Entry<Long, Boolean> done : adapter.popCompletedStoreTasks().entrySet()) {
                    if (open.remove(done.getKey()) && done.getValue()) {
                        ok++;
                    }
                }
                if (!open.isEmpty()) {
                    poller.await(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                }
            }
        }
        return ok;
    }

    /** The async API: one stage per chunk store, no fds; failures arrive as false or as an exception. */
    private static int storeAsync(AsyncPdAdapter adapter, Workload w, MemorySegment pool, Duration timeout)
            throws Exception {
        List<CompletableFuture<Boolean>> stages = new ArrayList<>();
        Map<String, Integer> failures = new HashMap<>();
        for (int r = 0; r < w.requests; r++) {
            List<ObjectKey> keys = w.keys(r);
            for (int i = 0; i < w.chunks; i++) {
                stages.add(adapter.store(List.of(keys.get(i)), List.of(chunk(pool, w, r, i)), spec(w, r, i))
                        .exceptionally(t -> {
                            synchronized (failures) {
                                failures.merge(t.getClass().getSimpleName(), 1, Integer::sum);
                            }
                            return false;
                        })
                        .toCompletableFuture());
            }
        }
        CompletableFuture.allOf(stages.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!failures.isEmpty()) {
            System.out.println("prefill[async]: failed stores by cause: " + failures);
        }
        int ok = 0;
        for (CompletableFuture<Boolean> s : stages) {
            ok += s.join() ? 1 : 0;
        }
        return ok;
    }
}
