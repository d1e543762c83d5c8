package io.kvcourier.cli;

import io.kvcourier.event.CompletionPoller;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.pd.PdL2Adapter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The prefill node of the workload: stores a {@link Workload} through a sender {@link PdL2Adapter}, one store
 * task per request ({@code TransferSpec(reqId, isLastPrefill=true, chunks)}, so the adapter notifies the proxy
 * when the request has landed), at most {@code window} requests in flight. Each chunk is filled from its key
 * ({@link KeyedChunks}) so the receiver can verify it.
 *
 * <p>{@link #run} runs on the caller's (platform) thread, which owns the adapter's event fds for the duration
 * and calls the {@link Listener}. The chunk memory (one block of window × chunks × chunkBytes) is owned by the node,
 * registered with the adapter for the run if the workload says so, and freed when {@code run} returns. The adapter
 * stays the caller's.
 */
final class SenderNode {

    /** Told on the thread that runs the workload. */
    interface Listener {
        void onStored(Stored s);
    }

    /**
     * One request's store task finished.
     *
     * @param ok whether every chunk was committed on the receiver
     * @param submitNanos {@link System#nanoTime()} at submit; {@code doneNanos} when the result was popped
     * @param submitWallMicros, doneWallMicros the same moments on the wall clock (µs since the epoch)
     * @param warmup whether it was one of the workload's warm-up requests
     */
    record Stored(String reqId, boolean ok, int chunks, long bytes, long submitNanos, long doneNanos,
                  long submitWallMicros, long doneWallMicros, boolean warmup) {
        long latencyNanos() {
            return doneNanos - submitNanos;
        }
    }

    /**
     * What {@link #run} achieved.
     *
     * @param registered whether the chunk memory was registered with the adapter for the run (zero-copy stores)
     */
    record Result(int requests, int ok, int failed, int notSubmitted, long bytesCommitted, long firstSubmitNanos,
                  long lastDoneNanos, List<String> failedReqIds, String timeout, boolean registered) {
        boolean success() {
            return failed == 0 && notSubmitted == 0 && timeout == null;
        }

        double seconds() {
            return lastDoneNanos > firstSubmitNanos ? (lastDoneNanos - firstSubmitNanos) / 1e9 : 0;
        }

        /** Why it failed, in one line; {@code null} on success. */
        String reason() {
            if (success()) {
                return null;
            }
            StringBuilder sb = new StringBuilder();
            if (timeout != null) {
                sb.append(timeout).append("; ");
            }
            if (failed > 0) {
                sb.append(failed).append(" of ").append(requests).append(" requests were not committed on the receiver"
                        + " (first: ").append(failedReqIds.getFirst()).append("; the receiver is unreachable or a"
                        + " deadline passed, see the log)");
            }
            if (notSubmitted > 0) {
                sb.append(failed > 0 ? ", " : "").append(notSubmitted).append(" not submitted after the first failure");
            }
            return sb.toString();
        }
    }

    private final PdL2Adapter adapter;
    private final Workload workload;
    private final Listener listener;

    SenderNode(PdL2Adapter adapter, Workload workload, Listener listener) {
        this.adapter = Objects.requireNonNull(adapter, "adapter");
        this.workload = Objects.requireNonNull(workload, "workload");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    private record InFlight(String reqId, int slot, long submitNanos, long submitWallMicros, boolean warmup) {
    }

    /**
     * Stores the workload and returns when every submitted request has a result, or when {@code deadline}
     * passes: what is still in flight then counts as failed, the result says so, and the adapter is closed before
     * the chunk memory is freed (its tasks may still read that memory until they end).
     */
    Result run(Duration deadline) {
        int window = Math.min(workload.window(), workload.requests());
        int chunks = workload.chunks();
        long chunkBytes = workload.chunkBytes();
        long end = System.nanoTime() + deadline.toNanos();
        try (Arena arena = Arena.ofShared(); CompletionPoller poller = CompletionPoller.forAdapter(adapter)) {
            MemorySegment block = arena.allocate((long) window * chunks * chunkBytes, 4096);
            boolean registered = workload.registered() && register(block);
            List<List<MemoryObj>> slots = slots(block, window, chunks, chunkBytes);
            ArrayDeque<Integer> free = new ArrayDeque<>();
            for (int s = 0; s < window; s++) {
                free.add(s);
            }
            Map<Long, InFlight> inFlight = new HashMap<>();
            List<String> failedIds = new ArrayList<>();
            int next = 0;
            int ok = 0;
            long bytes = 0;
            long first = 0;
            long last = 0;
            boolean stopSubmitting = false;
            String timeout = null;
            while (true) {
                while (!stopSubmitting && next < workload.requests() && !free.isEmpty()
                        && !(next == workload.warmup() && !inFlight.isEmpty())) {
                    int slot = free.poll();
                    String reqId = workload.reqId(next++);
                    List<MemoryObj> objs = slots.get(slot);
                    List<ObjectKey> keys = fill(reqId, objs);
                    long t = System.nanoTime();
                    if (first == 0) {
                        first = t;
                    }
                    long id = adapter.submitStoreTask(keys, objs, new TransferSpec(reqId, true, chunks));
                    inFlight.put(id, new InFlight(reqId, slot, t, Clock.wallMicros(), workload.isWarmup(next - 1)));
                }
                if (inFlight.isEmpty()) {
                    break;
                }
                long left = end - System.nanoTime();
                if (left <= 0) {
                    timeout = inFlight.size() + " store tasks had no result within " + deadline.toSeconds() + " s";
                    inFlight.values().forEach(f -> failedIds.add(f.reqId()));
                    break;
                }
                poller.await(Duration.ofNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100))));
                for (Map.Entry<Long, Boolean> r : adapter.popCompletedStoreTasks().entrySet()) {
                    InFlight f = inFlight.remove(r.getKey());
                    if (f == null) {
                        continue;
                    }
                    long done = System.nanoTime();
                    last = Math.max(last, done);
                    boolean success = r.getValue();
                    if (success) {
                        ok++;
                        bytes += chunks * chunkBytes;
                    } else {
                        failedIds.add(f.reqId());
                        stopSubmitting |= !workload.keepGoing();
                    }
                    free.add(f.slot());
                    listener.onStored(new Stored(f.reqId(), success, chunks, chunks * chunkBytes, f.submitNanos(), done,
                            f.submitWallMicros(), Clock.wallMicros(), f.warmup()));
                }
            }
            int notSubmitted = workload.requests() - next;
            if (timeout != null) {
                // The chunk memory is freed below while those tasks may still read it: close the adapter first.
                adapter.close();
            } else if (registered) {
                adapter.unregisterMemory(block); // every task reading it has finished
            }
            return new Result(workload.requests(), ok, failedIds.size(), notSubmitted, bytes, first, last,
                    List.copyOf(failedIds), timeout, registered);
        }
    }

    /** {@return the keys of request {@code reqId}'s chunks}, after writing their content into {@code objs} */
    private List<ObjectKey> fill(String reqId, List<MemoryObj> objs) {
        List<ObjectKey> keys = new ArrayList<>(objs.size());
        for (int c = 0; c < objs.size(); c++) {
            ObjectKey key = KeyedChunks.key(reqId, c, workload.chunkBytes());
            KeyedChunks.fill(key, objs.get(c).segment(), workload.chunkBytes());
            keys.add(key);
        }
        return keys;
    }

    /** Registers the chunk memory; a channel that refuses it costs a warning and a copy per store, not the run. */
    private boolean register(MemorySegment block) {
        try {
            adapter.registerMemory(block);
            return true;
        } catch (IllegalStateException e) {
            System.getLogger(SenderNode.class.getName()).log(System.Logger.Level.WARNING,
                    "chunk memory not registered, stores copy into the staging buffer: " + e.getMessage());
            return false;
        }
    }

    /** {@return {@code window} slots of {@code chunks} chunks of {@code chunkBytes} bytes, cut from {@code block}} */
    private static List<List<MemoryObj>> slots(MemorySegment block, int window, int chunks, long chunkBytes) {
        List<List<MemoryObj>> slots = new ArrayList<>(window);
        for (int s = 0; s < window; s++) {
            List<MemoryObj> objs = new ArrayList<>(chunks);
            for (int c = 0; c < chunks; c++) {
                objs.add(MemoryObj.ofBytes(block.asSlice(((long) s * chunks + c) * chunkBytes, chunkBytes)));
            }
            slots.add(objs);
        }
        return slots;
    }
}
