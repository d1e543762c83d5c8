package org.example.kvconsumer;

import io.kvcourier.event.CompletionPoller;
import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.pd.AsyncPdAdapter;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The decode process: a receiver adapter on ephemeral ports (written to {@code --ports-file} for the prefill
 * process), a commit listener that counts each request's chunks as they become visible, and, once a request is
 * complete, lookup-and-lock, a load into this process's own buffer, a check of every byte, and an unlock.
 *
 * <pre>Decode --api eventfd|async --requests R --chunks N --ports-file FILE [--timeout-sec S]</pre>
 */
public final class Decode {
    private Decode() {
    }

    public static void main(String[] argv) throws Exception {
        Workload w = Workload.parse(argv);
        Duration timeout = Duration.ofSeconds(Long.parseLong(w.args.getOrDefault("timeout-sec", "60")));
        PdL2AdapterConfig cfg = PdL2AdapterConfig.fromJson(Workload.config("receiver",
                "\"peer_init_port\": [0], \"peer_alloc_port\": [0]"));
        try (PdL2Adapter adapter = PdL2Adapter.create(cfg); Arena arena = Arena.ofShared()) {
            // Which chunks of each request are visible, told by the adapter as each batch commits.
            List<Set<ObjectKey>> arrived = new ArrayList<>();
            List<CountDownLatch> complete = new ArrayList<>();
            List<Set<ObjectKey>> wanted = new ArrayList<>();
            for (int r = 0; r < w.requests; r++) {
                arrived.add(ConcurrentHashMap.newKeySet());
                complete.add(new CountDownLatch(1));
                wanted.add(Set.copyOf(w.keys(r)));
            }
            adapter.setCommitListener(keys -> {
                for (ObjectKey k : keys) {
                    for (int r = 0; r < w.requests; r++) {
                        if (wanted.get(r).contains(k) && arrived.get(r).add(k)
                                && arrived.get(r).size() == w.chunks) {
                            complete.get(r).countDown();
                        }
                    }
                }
            });
            writePorts(Path.of(w.arg("ports-file")), adapter.allocPorts().get(0), adapter.initPorts().get(0));
            System.out.printf("decode[%s]: listening on alloc port %d, init port %d%n", w.api,
                    adapter.allocPorts().get(0), adapter.initPorts().get(0));

            MemorySegment own = arena.allocate(w.chunks * Workload.CHUNK_BYTES, 4096); // this process's KV buffer
            long deadline = System.nanoTime() + timeout.toNanos();
            for (int r = 0; r < w.requests; r++) {
                if (!complete.get(r).await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    throw new IllegalStateException("request " + r + ": only " + arrived.get(r).size() + " of "
                            + w.chunks + " chunks committed within " + timeout);
                }
                List<ObjectKey> keys = w.keys(r);
                List<MemoryObj> into = new ArrayList<>();
                for (int i = 0; i < w.chunks; i++) {
                    into.add(Workload.chunk(own.asSlice(i * Workload.CHUNK_BYTES, Workload.CHUNK_BYTES)));
                }
                Bitmap loaded = w.api.equals("async") ? loadAsync(adapter.async(), keys, into, timeout)
                        : loadWithEventfds(adapter, keys, into, timeout);
                if (loaded.popcount() != w.chunks) {
                    throw new IllegalStateException("request " + r + ": loaded " + loaded + ", expected every chunk");
                }
                for (int i = 0; i < w.chunks; i++) {
                    if (!Workload.holds(into.get(i).segment(), r, i)) {
                        throw new IllegalStateException("request " + r + " chunk " + i + ": wrong bytes");
                    }
                }
                adapter.submitUnlock(keys); // loaded and unlocked: the receiver frees the pages
            }
            System.out.printf("decode[%s]: %d requests x %d chunks committed, loaded and verified (%d KiB)%n", w.api,
                    w.requests, w.chunks, w.requests * w.chunks * Workload.CHUNK_BYTES / 1024);
        }
    }

    /** The eventfd contract: submit, wait on the fds, query. */
    private static Bitmap loadWithEventfds(PdL2Adapter adapter, List<ObjectKey> keys, List<MemoryObj> into,
                                           Duration timeout) {
        try (CompletionPoller poller = CompletionPoller.forAdapter(adapter)) {
            long lookup = adapter.submitLookupAndLockTask(keys);
            Bitmap found = await(poller, timeout, () -> adapter.queryLookupAndLockResult(lookup));
            if (found.popcount() != keys.size()) {
                throw new IllegalStateException("lookup found " + found + ", expected every chunk");
            }
            long load = adapter.submitLoadTask(keys, into);
            return await(poller, timeout, () -> adapter.queryLoadResult(load));
        }
    }

    private static Bitmap await(CompletionPoller poller, Duration timeout, Supplier<Bitmap> result) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Bitmap b = result.get(); ; b = result.get()) {
            if (b != null) {
                return b;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException("no result within " + timeout);
            }
            poller.await(Duration.ofNanos(left));
        }
    }

    /** The async API: one chain of stages, awaited here only because this demo has nothing else to do. */
    private static Bitmap loadAsync(AsyncPdAdapter adapter, List<ObjectKey> keys, List<MemoryObj> into,
                                    Duration timeout) throws Exception {
        return adapter.lookupAndLock(keys)
                .thenCompose(found -> {
                    if (found.popcount() != keys.size()) {
                        throw new IllegalStateException("lookup found " + found + ", expected every chunk");
                    }
                    return adapter.load(keys, into);
                })
                .toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void writePorts(Path file, int allocPort, int initPort) throws Exception {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, allocPort + " " + initPort + "\n");
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }
}
