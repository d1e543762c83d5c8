package io.kvcourier.cli;

import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;

import java.lang.foreign.Arena;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One prefill node of a {@link ClusterPlan}: stores the requests the plan gives node {@code index}, each to the
 * decode node the plan routes it to, through a {@link DecodeRouter}, with at most {@code window} requests in
 * flight. A request's keys are its chunks on every TP rank ({@link KeyedChunks#key(String, int, long, int)}), filled
 * from the keys so the decode node can verify them, stored as one task with
 * {@code TransferSpec(reqId, isLastPrefill=true, chunks x tp)}.
 *
 * <p>{@link #run} runs on the caller's thread, which calls the {@link Listener}. The chunk memory
 * (window x chunks x tp x chunkBytes) is owned by the node and freed when {@code run} returns; the router stays the
 * caller's, except that {@code run} closes it before freeing that memory when a deadline passed with stores still
 * in flight (they may read it until they end).
 */
final class PrefillNode {

    /** Told on the thread that runs the node. */
    interface Listener {
        void onStored(Stored s);
    }

    /**
     * One request's store finished.
     *
     * @param decode the decode node it was sent to
     * @param problem why it failed, or {@code null}
     * @param submitWallMicros, doneWallMicros wall clock, µs since the epoch
     */
    record Stored(String reqId, int decode, boolean ok, long bytes, long submitWallMicros, long doneWallMicros,
                  long latencyNanos, String problem) {
    }

    /** What {@link #run} achieved; {@code reason} is {@code null} on success. */
    record Result(int requests, int ok, int failed, int notSubmitted, long bytesCommitted, String reason) {
        boolean success() {
            return reason == null;
        }
    }

    private record Done(int slot, String reqId, int decode, long submitNanos, long submitWallMicros, boolean ok,
                        String problem) {
    }

    private final ClusterPlan plan;
    private final int index;
    private final DecodeRouter router;
    private final Listener listener;

    PrefillNode(ClusterPlan plan, int index, DecodeRouter router, Listener listener) {
        if (index < 0 || index >= plan.prefill()) {
            throw new IllegalArgumentException("prefill node " + index + " is not in 0.." + (plan.prefill() - 1));
        }
        if (router.decodeNodes() != plan.decode()) {
            throw new IllegalArgumentException("the router reaches " + router.decodeNodes()
                    + " decode nodes, the plan has " + plan.decode());
        }
        this.plan = plan;
        this.index = index;
        this.router = Objects.requireNonNull(router, "router");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** Stores this node's requests; returns when each has a result or {@code deadline} passed. */
    Result run(Duration deadline) {
        List<Integer> mine = new ArrayList<>();
        for (int i = 0; i < plan.requests(); i++) {
            if (plan.prefillOf(i) == index) {
                mine.add(i);
            }
        }
        int window = Math.max(1, Math.min(plan.window(), mine.size()));
        int keys = plan.keysPerRequest();
        long chunkBytes = plan.chunkBytes();
        long end = System.nanoTime() + deadline.toNanos();
        BlockingQueue<Done> done = new LinkedBlockingQueue<>();
        try (Arena arena = Arena.ofShared()) {
            List<List<MemoryObj>> slots = new ArrayList<>(window);
            ArrayDeque<Integer> free = new ArrayDeque<>();
            for (int s = 0; s < window; s++) {
                List<MemoryObj> objs = new ArrayList<>(keys);
                for (int k = 0; k < keys; k++) {
                    objs.add(MemoryObj.ofBytes(arena.allocate(chunkBytes, 64)));
                }
                slots.add(objs);
                free.add(s);
            }
            int next = 0;
            int inFlight = 0;
            int ok = 0;
            int failed = 0;
            long bytes = 0;
            String firstProblem = null;
            boolean stop = false;
            while (true) {
                while (!stop && next < mine.size() && !free.isEmpty()) {
                    int slot = free.poll();
                    int i = mine.get(next++);
                    submit(i, slot, slots.get(slot), done);
                    inFlight++;
                }
                if (inFlight == 0) {
                    break;
                }
                long left = end - System.nanoTime();
                Done d = null;
                if (left > 0) {
                    try {
                        d = done.poll(left, TimeUnit.NANOSECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                if (d == null) {
                    router.close(); // the stores in flight may read the chunk memory until they end
                    return new Result(mine.size(), ok, failed + inFlight, mine.size() - next, bytes,
                            inFlight + " requests had no result within " + deadline.toSeconds() + " s");
                }
                inFlight--;
                free.add(d.slot());
                long doneNanos = System.nanoTime();
                if (d.ok()) {
                    ok++;
                    bytes += plan.bytesPerRequest();
                } else {
                    failed++;
                    stop = true;
                    if (firstProblem == null) {
                        firstProblem = "request " + d.reqId() + " to decode node " + d.decode() + " was not committed: "
                                + d.problem();
                    }
                }
                listener.onStored(new Stored(d.reqId(), d.decode(), d.ok(), d.ok() ? plan.bytesPerRequest() : 0,
                        d.submitWallMicros(), Clock.wallMicros(), doneNanos - d.submitNanos(), d.problem()));
            }
            int notSubmitted = mine.size() - next;
            String reason = failed == 0 ? null
                    : failed + " of " + mine.size() + " requests failed (" + firstProblem + ")"
                    + (notSubmitted > 0 ? "; " + notSubmitted + " not submitted after the first failure" : "");
            return new Result(mine.size(), ok, failed, notSubmitted, bytes, reason);
        }
    }

    private void submit(int i, int slot, List<MemoryObj> objs, BlockingQueue<Done> done) {
        String reqId = plan.reqId(i);
        int decode = plan.decodeOf(i);
        List<ObjectKey> keys = new ArrayList<>(plan.keysPerRequest());
        int k = 0;
        for (int rank = 0; rank < plan.tp(); rank++) {
            int kvRank = KeyedChunks.kvRank(rank, plan.tp());
            for (int c = 0; c < plan.chunks(); c++) {
                ObjectKey key = KeyedChunks.key(reqId, c, plan.chunkBytes(), kvRank);
                KeyedChunks.fill(key, objs.get(k++).segment(), plan.chunkBytes());
                keys.add(key);
            }
        }
        long t = System.nanoTime();
        long wall = Clock.wallMicros();
        try {
            router.store(keys, objs, new TransferSpec(reqId, true, keys.size()), decode).whenComplete((ok, error) ->
                    done.add(new Done(slot, reqId, decode, t, wall, error == null && ok,
                            error != null ? describe(error) : ok ? null : "the store failed (see the log)")));
        } catch (RuntimeException e) {
            done.add(new Done(slot, reqId, decode, t, wall, false, describe(e)));
        }
    }

    private static String describe(Throwable e) {
        Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }
}
