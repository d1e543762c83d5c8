package io.kvcourier.cli;

import io.kvcourier.event.CompletionPoller;
import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.pd.PdL2Adapter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The decode node of the workload: a receiver {@link PdL2Adapter} plus a decode pipeline that, for every batch
 * the adapter commits, looks the keys up and locks them, loads them into reused buffers, unlocks them (which
 * frees the pages), and verifies each chunk against the content its key prescribes ({@link KeyedChunks}).
 *
 * <p>The lookup-and-lock is submitted from the commit listener, as soon as the batch commits: locked pages are
 * never evicted, so a pipeline that falls behind makes the receiver's admission wait (back-pressure on the
 * sender through its allocation deadline) rather than lose committed chunks. Verification (regenerating and
 * comparing the bytes, the expensive part) runs on a few verifier threads so that it keeps up with the
 * transfer; at most {@code verifiers + 1} batches are loaded and waiting for verification at once.
 *
 * <p>Threads: the adapter's commit listener submits the lookup and queues the batch; one platform thread
 * ({@code kvcourier-decode}) owns the adapter's event fds (through a {@link CompletionPoller}) and does lookup,
 * load and unlock; platform threads {@code kvcourier-verify-N} check the bytes and call the {@link Listener}. The
 * node owns the adapter and closes it in {@link #close()}.
 */
final class ReceiverNode implements AutoCloseable {
    private static final long STOP_POLL_MS = 100;

    /** Told on a verifier thread, possibly from several at once. */
    interface Listener {
        /** One request's chunks of one committed batch were checked. */
        void onVerified(Verified v);
    }

    /**
     * One request's part of a committed batch, after lookup, load and verification.
     *
     * @param reqId  the request (from the keys); {@code "?"} for keys that are not workload keys
     * @param chunks how many chunks of the request the batch held
     * @param okChunks how many of them were found, loaded and byte-exact
     * @param bytes  the bytes verified (of the ok chunks)
     * @param problem what went wrong with the others, or {@code null}
     * @param wallMicros when the check finished, wall-clock microseconds since the epoch
     */
    record Verified(String reqId, int chunks, int okChunks, long bytes, String problem, long wallMicros) {
        boolean ok() {
            return okChunks == chunks;
        }
    }

    /** A committed batch and its lookup-and-lock task. */
    private record Committed(List<ObjectKey> keys, long lookupId) {
    }

    /** Load buffers for one batch plus a scratch buffer for the expected bytes; used by one thread at a time. */
    private static final class Buffers {
        private Arena arena = Arena.ofShared();
        private final List<MemoryObj> objects = new ArrayList<>();
        private long chunkBytes;
        private MemorySegment scratch;

        List<MemoryObj> take(int n, long bytes) {
            if (bytes > chunkBytes) {
                arena.close(); // not in use: the set is owned by the thread asking
                arena = Arena.ofShared();
                objects.clear();
                chunkBytes = bytes;
                scratch = arena.allocate(Math.min(bytes, KeyedChunks.BLOCK), 64);
            }
            while (objects.size() < n) {
                objects.add(MemoryObj.ofBytes(arena.allocate(chunkBytes, 64)));
            }
            return objects.subList(0, n);
        }

        void close() {
            arena.close();
        }
    }

    private final PdL2Adapter adapter;
    private final Listener listener;
    private final Duration taskTimeout;
    private final long decodeDelayNanos;
    private final BlockingQueue<Committed> committed = new LinkedBlockingQueue<>();
    private final BlockingQueue<Buffers> freeBuffers;
    private final List<Buffers> allBuffers = new ArrayList<>();
    private final ExecutorService verifiers;
    private final Thread decoder;
    private volatile boolean stopping;
    private boolean closed;

    final AtomicLong verifiedChunks = new AtomicLong();
    final AtomicLong verifiedBytes = new AtomicLong();
    final AtomicLong failedChunks = new AtomicLong();

    /**
     * Starts the decode pipeline on {@code adapter} (a receiver), which this node then owns.
     *
     * @param taskTimeout how long the pipeline waits for one lookup or load task
     */
    ReceiverNode(PdL2Adapter adapter, Duration taskTimeout, Listener listener) {
        this(adapter, taskTimeout, Duration.ZERO, listener);
    }

    /**
     * Starts the decode pipeline on {@code adapter} (a receiver), which this node then owns; a slow decode step.
     *
     * @param taskTimeout how long the pipeline waits for one lookup or load task
     * @param decodeDelay how much longer each batch keeps its keys locked after they loaded (a slow decode step,
     *                    for back-pressure experiments); zero for none
     */
    ReceiverNode(PdL2Adapter adapter, Duration taskTimeout, Duration decodeDelay, Listener listener) {
        this.adapter = Objects.requireNonNull(adapter, "adapter");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.taskTimeout = taskTimeout;
        if (decodeDelay.isNegative()) {
            throw new IllegalArgumentException("decodeDelay must be >= 0, got " + decodeDelay);
        }
        this.decodeDelayNanos = decodeDelay.toNanos();
        int n = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        this.verifiers = Executors.newFixedThreadPool(n, Thread.ofPlatform().daemon(true).name("kvcourier-verify-", 0)
                .factory());
        this.freeBuffers = new ArrayBlockingQueue<>(n + 1);
        for (int i = 0; i <= n; i++) {
            Buffers b = new Buffers();
            allBuffers.add(b);
            freeBuffers.add(b);
        }
        this.decoder = Thread.ofPlatform().name("kvcourier-decode").daemon(true).unstarted(this::decodeLoop);
        adapter.setCommitListener(keys -> {
            if (!stopping) {
                try {
                    committed.add(new Committed(keys, adapter.submitLookupAndLockTask(keys)));
                } catch (IllegalStateException closing) {
                    // the adapter is closing: this batch is not decoded
                }
            }
        });
        decoder.start();
    }

    PdL2Adapter adapter() {
        return adapter;
    }

    List<Integer> allocPorts() {
        return adapter.allocPorts();
    }

    List<Integer> initPorts() {
        return adapter.initPorts();
    }

    private void decodeLoop() {
        try (CompletionPoller poller = CompletionPoller.forAdapter(adapter)) {
            while (!stopping) {
                Committed batch = committed.poll(STOP_POLL_MS, TimeUnit.MILLISECONDS);
                if (batch != null && !stopping) {
                    decode(batch.keys(), batch.lookupId(), poller);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void decode(List<ObjectKey> keys, long lookupId, CompletionPoller poller) throws InterruptedException {
        String[] problems = new String[keys.size()];
        long[] lengths = new long[keys.size()];
        Bitmap found = await(poller, lookupId, true);
        List<ObjectKey> locked = new ArrayList<>();
        List<ObjectKey> toLoad = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        long max = 1;
        for (int i = 0; i < keys.size(); i++) {
            KeyedChunks.Meta meta = KeyedChunks.meta(keys.get(i));
            if (found == null || !found.test(i)) {
                problems[i] = found == null ? "lookup timed out" : "not found after commit (evicted before the decode "
                        + "side locked it: buffer_size too small for how far decoding lags)";
                continue;
            }
            locked.add(keys.get(i));
            if (meta == null) {
                problems[i] = "not a workload key: " + keys.get(i);
                continue;
            }
            lengths[i] = meta.length();
            max = Math.max(max, meta.length());
            toLoad.add(keys.get(i));
            positions.add(i);
        }
        Buffers buffers = null;
        List<MemoryObj> dst = List.of();
        try {
            if (!toLoad.isEmpty()) {
                while (buffers == null) {
                    if (stopping) {
                        return;
                    }
                    buffers = freeBuffers.poll(STOP_POLL_MS, TimeUnit.MILLISECONDS);
                }
                dst = buffers.take(toLoad.size(), max);
                Bitmap loaded = await(poller, adapter.submitLoadTask(toLoad, dst), false);
                for (int j = 0; j < toLoad.size(); j++) {
                    if (loaded == null || !loaded.test(j)) {
                        problems[positions.get(j)] = loaded == null ? "load timed out" : "load failed";
                    }
                }
            }
            holdLocks();
        } finally {
            if (!locked.isEmpty()) {
                adapter.submitUnlock(locked); // loaded (copied out) and unlocked: the pages are freed now
            }
        }
        if (buffers == null) {
            report(keys, problems, lengths);
            return;
        }
        Buffers own = buffers;
        List<MemoryObj> loadedInto = dst;
        verifiers.execute(() -> {
            try {
                for (int j = 0; j < toLoad.size(); j++) {
                    int i = positions.get(j);
                    if (problems[i] == null) {
                        problems[i] = verify(toLoad.get(j), loadedInto.get(j).segment(), lengths[i], own.scratch);
                    }
                }
                report(keys, problems, lengths);
            } finally {
                freeBuffers.add(own);
            }
        });
    }

    /** The slow decode step: the batch's keys stay locked {@code decodeDelay} longer (cut short by close()). */
    private void holdLocks() throws InterruptedException {
        long end = System.nanoTime() + decodeDelayNanos;
        for (long left = decodeDelayNanos; left > 0 && !stopping; left = end - System.nanoTime()) {
            TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(STOP_POLL_MS)));
        }
    }

    private static String verify(ObjectKey key, MemorySegment got, long length, MemorySegment scratch) {
        long at = KeyedChunks.mismatch(key, got, length, scratch);
        return at < 0 ? null : String.format("content mismatch at chunk %s: byte %d of %d differs from what its key "
                + "prescribes", key.toCanonicalString(), at, length);
    }

    private void report(List<ObjectKey> keys, String[] problems, long[] lengths) {
        Map<String, int[]> perReq = new LinkedHashMap<>(); // {chunks, ok}
        Map<String, Long> bytes = new LinkedHashMap<>();
        Map<String, String> firstProblem = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            KeyedChunks.Meta meta = KeyedChunks.meta(keys.get(i));
            String req = meta == null ? "?" : meta.reqId();
            int[] c = perReq.computeIfAbsent(req, r -> new int[2]);
            c[0]++;
            if (problems[i] == null) {
                c[1]++;
                bytes.merge(req, lengths[i], Long::sum);
                verifiedChunks.incrementAndGet();
                verifiedBytes.addAndGet(lengths[i]);
            } else {
                failedChunks.incrementAndGet();
                firstProblem.putIfAbsent(req, problems[i]);
            }
        }
        long now = Clock.wallMicros();
        for (Map.Entry<String, int[]> e : perReq.entrySet()) {
            listener.onVerified(new Verified(e.getKey(), e.getValue()[0], e.getValue()[1],
                    bytes.getOrDefault(e.getKey(), 0L), firstProblem.get(e.getKey()), now));
        }
    }

    private Bitmap await(CompletionPoller poller, long id, boolean lookup) {
        long deadline = System.nanoTime() + taskTimeout.toNanos();
        while (true) {
            Bitmap b = lookup ? adapter.queryLookupAndLockResult(id) : adapter.queryLoadResult(id);
            long left = deadline - System.nanoTime();
            if (b != null || left <= 0) {
                return b;
            }
            poller.await(Duration.ofNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(STOP_POLL_MS))));
        }
    }

    /**
     * Stops the pipeline (batches still queued are not checked; those being verified finish), waits for its
     * threads, closes the adapter, and frees the buffers. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopping = true;
        try {
            decoder.join(taskTimeout.plusSeconds(5));
            verifiers.shutdown();
            if (!verifiers.awaitTermination(taskTimeout.toMillis() + 5_000, TimeUnit.MILLISECONDS)) {
                System.getLogger(ReceiverNode.class.getName()).log(System.Logger.Level.WARNING,
                        "verifier threads did not finish within the deadline; their buffers are not freed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            adapter.close();
        }
        if (!decoder.isAlive() && verifiers.isTerminated()) {
            allBuffers.forEach(Buffers::close);
        }
    }
}
