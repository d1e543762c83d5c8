package io.kvcourier.notify;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Decides when the proxy is told that a request's KV transfer is finished (docs/PROTOCOL.md#C.1 "is_last_prefill
 * and the ProxyNotif"; docs/ARCHITECTURE.md#decision-9 and docs/ARCHITECTURE.md#decision-14). Pure policy: no
 * I/O, thread-safe.
 *
 * <p>The sender engine reports every finished store batch with {@link #onBatchDone}. A request is
 * <em>finished</em> once its batch marked {@code isLastPrefill} has been reported <b>and</b> every
 * chunk of the request has finished ({@code totalChunks == 0}, or finished chunks ≥ {@code
 * totalChunks}); chunks of failed batches count as finished. Then the sink is called once per
 * configured TP rank ({@code ranks} times), <b>exactly once per request</b>: at most once per
 * (req_id, rank), later batches of a finished request are ignored.
 *
 * <p><b>A notification means the attempt for this request is finished; the keys may not be
 * committed.</b> A request whose transfer failed is still notified so the proxy never waits forever;
 * decode then misses those keys and recomputes.
 *
 * <p>A request that never finishes (its last batch never comes, or chunks never complete) is notified
 * anyway once {@code requestDeadline} has passed since its first batch, and forgotten. Deadlines are
 * checked by {@link #expireOverdue()}, which the owner calls periodically (for example with
 * {@link #scheduleDeadlineChecks}); time comes from the {@code nanoClock} given at construction, so
 * tests drive it by hand.
 *
 * <p>Memory is bounded: pending requests are forgotten at their deadline, and finished req_ids are
 * remembered (to keep at-most-once against late batches) for {@code 2 × requestDeadline}, and at most
 * {@code maxRememberedFinished} of them.
 *
 * <p>The sink is called outside the tracker's lock, on the thread that reported the finishing batch or
 * ran the deadline check; it must not block (give it {@link ProxyNotifier#offer}).
 */
public final class NotificationTracker {
    private static final System.Logger LOG = System.getLogger(NotificationTracker.class.getName());

    /** Default cap on remembered finished req_ids. */
    public static final int DEFAULT_MAX_REMEMBERED_FINISHED = 65_536;

    private final int ranks;
    private final long deadlineNanos;
    private final LongSupplier nanoClock;
    private final Consumer<String> sink;
    private final int maxRememberedFinished;

    /** Pending requests in first-batch order, which is also deadline order. Guarded by {@code this}. */
    private final LinkedHashMap<String, Request> pending = new LinkedHashMap<>();
    /** Finished req_id → when it finished, in that order. Guarded by {@code this}. */
    private final LinkedHashMap<String, Long> finished = new LinkedHashMap<>();

    private long notifiedRequests;
    private long notifiedByDeadline;
    private long failedChunks;
    private long lateBatches;

    private static final class Request {
        final long firstNanos;
        long finishedChunks;
        long failedChunks;
        int totalChunks;
        /** Notifications for this request, or 0 for the tracker's {@code ranks}. */
        int ranks;
        boolean sawLast;

        Request(long firstNanos) {
            this.firstNanos = firstNanos;
        }
    }

    /**
     * A tracker with the default cap on remembered finished requests.
     *
     * @param ranks notifications per finished request (≥ 1)
     * @param requestDeadline longest time from a request's first batch to its notification
     * @param nanoClock monotonic time in nanoseconds
     * @param sink receives the req_id, {@code ranks} times per finished request
     * @see #NotificationTracker(int, Duration, LongSupplier, Consumer, int)
     */
    public NotificationTracker(int ranks, Duration requestDeadline, LongSupplier nanoClock, Consumer<String> sink) {
        this(ranks, requestDeadline, nanoClock, sink, DEFAULT_MAX_REMEMBERED_FINISHED);
    }

    /**
     * A tracker with its own cap on remembered finished requests.
     *
     * @param ranks                 notifications per finished request: the number of TP ranks the proxy
     *                              waits for ({@code len(peer_init_port)}), ≥ 1
     * @param requestDeadline       longest time from a request's first batch to its notification (positive)
     * @param nanoClock             monotonic time in nanoseconds ({@code System::nanoTime} in production)
     * @param sink                  receives the req_id, {@code ranks} times per finished request
     * @param maxRememberedFinished cap on finished req_ids remembered for at-most-once (≥ 1)
     * @throws IllegalArgumentException naming the bad argument
     */
    public NotificationTracker(int ranks, Duration requestDeadline, LongSupplier nanoClock, Consumer<String> sink,
                               int maxRememberedFinished) {
        if (ranks < 1) {
            throw new IllegalArgumentException("ranks must be >= 1, got " + ranks);
        }
        if (requestDeadline == null || requestDeadline.isNegative() || requestDeadline.isZero()) {
            throw new IllegalArgumentException("requestDeadline must be a positive duration, got " + requestDeadline);
        }
        if (maxRememberedFinished < 1) {
            throw new IllegalArgumentException("maxRememberedFinished must be >= 1, got " + maxRememberedFinished);
        }
        this.ranks = ranks;
        this.deadlineNanos = requestDeadline.toNanos();
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.maxRememberedFinished = maxRememberedFinished;
    }

    /**
     * Reports one finished store batch of a request.
     *
     * @param reqId         the request; {@code null} or empty (a two-argument store) is ignored
     * @param isLastPrefill whether this batch carries the request's last prefill chunk
     * @param totalChunks   the request's total chunks across the ranks this adapter handles, or 0 when
     *                      unknown (then the last-prefill batch alone finishes the request)
     * @param chunksInBatch chunks in this batch (≥ 0)
     * @param landed        {@code true} when the receiver acknowledged the commit of these chunks,
     *                      {@code false} when the batch failed (its chunks still count as finished)
     * @return whether this call finished the request (and notified the sink)
     * @throws IllegalArgumentException when {@code totalChunks} or {@code chunksInBatch} is negative
     */
    public boolean onBatchDone(String reqId, boolean isLastPrefill, int totalChunks, int chunksInBatch,
                               boolean landed) {
        return onBatchDone(reqId, isLastPrefill, totalChunks, chunksInBatch, landed, 0);
    }

    /**
     * Reports one finished store batch of a request sent to a receiver with {@code receiverRanks} decode ranks (a
     * per-request target): the request is notified that many times instead of the tracker's {@code ranks}.
     *
     * @param reqId         the request; {@code null} or empty is ignored
     * @param isLastPrefill whether this batch carries the request's last prefill chunk
     * @param totalChunks   the request's total chunks, or 0 when unknown
     * @param chunksInBatch chunks in this batch (≥ 0)
     * @param landed        whether the receiver acknowledged the commit of these chunks
     * @param receiverRanks notifications for this request (≥ 1), or 0 for the tracker's {@code ranks}
     * @return whether this call finished the request (and notified the sink)
     * @throws IllegalArgumentException when a count is negative
     * @see #onBatchDone(String, boolean, int, int, boolean)
     */
    public boolean onBatchDone(String reqId, boolean isLastPrefill, int totalChunks, int chunksInBatch,
                               boolean landed, int receiverRanks) {
        if (receiverRanks < 0) {
            throw new IllegalArgumentException("receiverRanks must be >= 0, got " + receiverRanks);
        }
        if (totalChunks < 0) {
            throw new IllegalArgumentException("totalChunks must be >= 0, got " + totalChunks);
        }
        if (chunksInBatch < 0) {
            throw new IllegalArgumentException("chunksInBatch must be >= 0, got " + chunksInBatch);
        }
        if (reqId == null || reqId.isEmpty()) {
            return false;
        }
        boolean done;
        int notifications;
        synchronized (this) {
            if (finished.containsKey(reqId)) {
                lateBatches++;
                return false;
            }
            Request r = pending.get(reqId);
            if (r == null && isLastPrefill && (totalChunks == 0 || chunksInBatch >= totalChunks)) {
                // The request's only batch: finished at once, with no pending record made and dropped.
                rememberFinished(reqId, nanoClock.getAsLong());
                notifiedRequests++;
                if (!landed) {
                    failedChunks += chunksInBatch;
                    LOG.log(Level.WARNING, "request {0} finished with {1} of {2} chunks failed; notifying the proxy "
                            + "anyway (those keys are not committed)", reqId, chunksInBatch, chunksInBatch);
                }
                notifications = receiverRanks > 0 ? receiverRanks : ranks;
                done = true;
            } else {
                if (r == null) {
                    r = new Request(nanoClock.getAsLong());
                    pending.put(reqId, r);
                }
                done = record(r, reqId, isLastPrefill, totalChunks, chunksInBatch, landed, receiverRanks);
                notifications = r.ranks > 0 ? r.ranks : ranks;
            }
        }
        if (done) {
            emit(reqId, notifications);
        }
        return done;
    }

    /**
     * Adds a batch to a pending request; true (and the request finished and forgotten) when it completed it. The
     * caller holds the lock.
     */
    private boolean record(Request r, String reqId, boolean isLastPrefill, int totalChunks, int chunksInBatch,
                           boolean landed, int receiverRanks) {
        r.finishedChunks += chunksInBatch;
        if (!landed) {
            r.failedChunks += chunksInBatch;
            failedChunks += chunksInBatch;
        }
        if (totalChunks > 0) {
            r.totalChunks = totalChunks;
        }
        if (receiverRanks > 0) {
            r.ranks = receiverRanks;
        }
        r.sawLast |= isLastPrefill;
        boolean done = r.sawLast && (r.totalChunks == 0 || r.finishedChunks >= r.totalChunks);
        if (done) {
            pending.remove(reqId);
            rememberFinished(reqId, nanoClock.getAsLong());
            notifiedRequests++;
            if (r.failedChunks > 0) {
                LOG.log(Level.WARNING, "request {0} finished with {1} of {2} chunks failed; notifying the proxy "
                        + "anyway (those keys are not committed)", reqId, r.failedChunks, r.finishedChunks);
            }
        }
        return done;
    }

    /**
     * Notifies and forgets every pending request whose deadline has passed, and forgets finished
     * req_ids older than twice the deadline. Call it periodically.
     *
     * @return how many requests were notified because of their deadline
     */
    public int expireOverdue() {
        List<String> overdue = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        synchronized (this) {
            long now = nanoClock.getAsLong();
            Iterator<Map.Entry<String, Request>> it = pending.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<String, Request> e = it.next();
                Request r = e.getValue();
                if (now - r.firstNanos < deadlineNanos) {
                    break; // first-batch order is deadline order
                }
                it.remove();
                overdue.add(e.getKey());
                counts.add(r.ranks > 0 ? r.ranks : ranks);
                rememberFinished(e.getKey(), now);
                notifiedRequests++;
                notifiedByDeadline++;
                LOG.log(Level.WARNING, "request {0} passed its {1} ms deadline ({2}; {3} of {4} chunks finished); "
                        + "notifying the proxy anyway", e.getKey(), TimeUnit.NANOSECONDS.toMillis(deadlineNanos),
                        r.sawLast ? "last batch seen" : "last batch never came", r.finishedChunks,
                        r.totalChunks == 0 ? "?" : Integer.toString(r.totalChunks));
            }
            Iterator<Map.Entry<String, Long>> f = finished.entrySet().iterator();
            while (f.hasNext() && now - f.next().getValue() >= 2 * deadlineNanos) {
                f.remove();
            }
        }
        for (int i = 0; i < overdue.size(); i++) {
            emit(overdue.get(i), counts.get(i));
        }
        return overdue.size();
    }

    /**
     * Runs {@link #expireOverdue()} every {@code period} on the given executor.
     *
     * @param executor where the checks run
     * @param period time between checks
     * @return the scheduled task; cancel it before closing the tracker's owner
     */
    public ScheduledFuture<?> scheduleDeadlineChecks(ScheduledExecutorService executor, Duration period) {
        long p = Math.max(1, period.toMillis());
        return executor.scheduleAtFixedRate(() -> {
            try {
                expireOverdue();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "proxy notification deadline check failed", e);
            }
        }, p, p, TimeUnit.MILLISECONDS);
    }

    private void rememberFinished(String reqId, long now) {
        finished.put(reqId, now);
        if (finished.size() > maxRememberedFinished) {
            Iterator<String> it = finished.keySet().iterator();
            it.next();
            it.remove();
        }
    }

    private void emit(String reqId, int notifications) {
        for (int rank = 0; rank < notifications; rank++) {
            try {
                sink.accept(reqId);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "proxy notification sink failed for req_id " + reqId, e);
            }
        }
    }

    /** {@return the number of requests with batches reported but not yet notified} */
    public synchronized int pendingRequests() {
        return pending.size();
    }

    /** {@return the number of finished req_ids remembered for at-most-once} */
    public synchronized int rememberedFinished() {
        return finished.size();
    }

    /**
     * {@return counters for {@code reportStatus()}: requests notified (of them by deadline), failed chunks, late
     * batches}
     */
    public synchronized Map<String, Object> counters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("proxy_notif_requests", notifiedRequests);
        m.put("proxy_notif_by_deadline", notifiedByDeadline);
        m.put("proxy_notif_failed_chunks", failedChunks);
        m.put("proxy_notif_late_batches", lateBatches);
        m.put("proxy_notif_pending_requests", pending.size());
        return m;
    }
}
