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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The decode node of the workload: a receiver {@link PdL2Adapter} plus a decode loop that, for every batch the
 * adapter commits, looks the keys up and locks them, loads them into reused buffers, verifies each chunk
 * against the content its key prescribes ({@link KeyedChunks}), and unlocks them (which frees the pages).
 *
 * <p>The lookup-and-lock is submitted from the commit listener, as soon as the batch commits: locked pages are
 * never evicted, so a decode loop that falls behind makes the receiver's admission wait (back-pressure on the
 * sender through its allocation deadline) instead of losing committed chunks.
 *
 * <p>Threads: the adapter's commit listener submits the lookup and queues the batch; one platform thread
 * ({@code kvcourier-decode}) owns the adapter's event fds (through a {@link CompletionPoller}) and the load
 * buffers, and calls the {@link Listener}. The node owns the adapter and closes it in {@link #close()}.
 */
final class ReceiverNode implements AutoCloseable {
    private static final long STOP_POLL_MS = 100;

    /** Told on the decode thread. */
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

    private final PdL2Adapter adapter;
    private final Listener listener;
    private final Duration taskTimeout;
    private final BlockingQueue<Committed> committed = new LinkedBlockingQueue<>();
    private final Thread decoder;
    private volatile boolean stopping;
    private boolean closed;

    private Arena bufferArena = Arena.ofShared();
    private final List<MemoryObj> buffers = new ArrayList<>();
    private long bufferBytes;
    private MemorySegment scratch;

    final AtomicLong verifiedChunks = new AtomicLong();
    final AtomicLong verifiedBytes = new AtomicLong();
    final AtomicLong failedChunks = new AtomicLong();

    /**
     * Starts the decode loop on {@code adapter} (a receiver), which this node then owns.
     *
     * @param taskTimeout how long the loop waits for one lookup or load task
     */
    ReceiverNode(PdL2Adapter adapter, Duration taskTimeout, Listener listener) {
        this.adapter = Objects.requireNonNull(adapter, "adapter");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.taskTimeout = taskTimeout;
        this.decoder = Thread.ofPlatform().name("kvcourier-decode").daemon(true).unstarted(this::decodeLoop);
        adapter.setCommitListener(keys -> {
            if (!stopping) {
                try {
                    committed.add(new Committed(keys, adapter.submitLookupAndLockTask(keys)));
                } catch (IllegalStateException closed) {
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
                Committed batch;
                try {
                    batch = committed.poll(STOP_POLL_MS, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    return;
                }
                if (batch != null && !stopping) {
                    decode(batch.keys(), batch.lookupId(), poller);
                }
            }
        } finally {
            bufferArena.close();
        }
    }

    private void decode(List<ObjectKey> keys, long lookupId, CompletionPoller poller) {
        String[] problems = new String[keys.size()];
        long[] lengths = new long[keys.size()];
        Bitmap found = await(poller, lookupId, true);
        List<ObjectKey> locked = new ArrayList<>();
        List<ObjectKey> toLoad = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            KeyedChunks.Meta meta = KeyedChunks.meta(keys.get(i));
            if (found == null || !found.test(i)) {
                problems[i] = found == null ? "lookup timed out" : "not found after commit";
                continue;
            }
            locked.add(keys.get(i));
            if (meta == null) {
                problems[i] = "not a workload key: " + keys.get(i);
                continue;
            }
            lengths[i] = meta.length();
            toLoad.add(keys.get(i));
            positions.add(i);
        }
        try {
            if (!toLoad.isEmpty()) {
                List<MemoryObj> dst = buffers(toLoad.size(), maxLength(lengths));
                Bitmap loaded = await(poller, adapter.submitLoadTask(toLoad, dst), false);
                for (int j = 0; j < toLoad.size(); j++) {
                    int i = positions.get(j);
                    if (loaded == null || !loaded.test(j)) {
                        problems[i] = loaded == null ? "load timed out" : "load failed";
                    } else {
                        problems[i] = verify(toLoad.get(j), dst.get(j).segment(), lengths[i]);
                    }
                }
            }
        } finally {
            if (!locked.isEmpty()) {
                adapter.submitUnlock(locked);
            }
        }
        report(keys, problems, lengths);
    }

    private String verify(ObjectKey key, MemorySegment got, long length) {
        if (scratch == null || scratch.byteSize() < length) {
            scratch = bufferArena.allocate(Math.max(length, 1), 64);
        }
        KeyedChunks.fill(key, scratch, length);
        int want = KeyedChunks.crc32c(scratch, length);
        int have = KeyedChunks.crc32c(got, length);
        return want == have ? null : String.format("checksum mismatch at chunk %s (crc32c %08x, expected %08x)",
                key.toCanonicalString(), have, want);
    }

    private void report(List<ObjectKey> keys, String[] problems, long[] lengths) {
        Map<String, int[]> perReq = new LinkedHashMap<>(); // {chunks, ok}
        Map<String, long[]> bytes = new LinkedHashMap<>();
        Map<String, String> firstProblem = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            KeyedChunks.Meta meta = KeyedChunks.meta(keys.get(i));
            String req = meta == null ? "?" : meta.reqId();
            int[] c = perReq.computeIfAbsent(req, r -> new int[2]);
            c[0]++;
            if (problems[i] == null) {
                c[1]++;
                bytes.computeIfAbsent(req, r -> new long[1])[0] += lengths[i];
                verifiedChunks.incrementAndGet();
                verifiedBytes.addAndGet(lengths[i]);
            } else {
                failedChunks.incrementAndGet();
                firstProblem.putIfAbsent(req, problems[i]);
            }
        }
        long now = Clock.wallMicros();
        for (Map.Entry<String, int[]> e : perReq.entrySet()) {
            long b = bytes.getOrDefault(e.getKey(), new long[1])[0];
            listener.onVerified(new Verified(e.getKey(), e.getValue()[0], e.getValue()[1], b,
                    firstProblem.get(e.getKey()), now));
        }
    }

    private static long maxLength(long[] lengths) {
        long m = 1;
        for (long l : lengths) {
            m = Math.max(m, l);
        }
        return m;
    }

    /** {@code n} load buffers of at least {@code bytes} each, reused across batches. */
    private List<MemoryObj> buffers(int n, long bytes) {
        if (bytes > bufferBytes) {
            bufferArena.close(); // only this thread uses them, and no task is in flight now
            bufferArena = Arena.ofShared();
            buffers.clear();
            scratch = null;
            bufferBytes = bytes;
        }
        while (buffers.size() < n) {
            buffers.add(MemoryObj.ofBytes(bufferArena.allocate(bufferBytes, 64)));
        }
        return buffers.subList(0, n);
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
     * Stops the decode loop (batches still queued are not checked), waits for it, and closes the adapter.
     * Idempotent.
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
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        adapter.close();
    }
}
