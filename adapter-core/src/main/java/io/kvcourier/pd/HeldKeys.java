package io.kvcourier.pd;

import io.kvcourier.l2.ObjectKey;
import io.kvcourier.wire.AllocResponse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * The sender's side of allocations: reads each {@link AllocResponse} ({@link AllocResponses#remotePagesFor}),
 * remembers which keys every request holds on the receivers, and aborts a request whose allocation failed by
 * naming those keys in a {@code CancelNotif}, so that the receivers free them now instead of at a deadline
 * (as upstream's {@code pd_backend_async.py} does). It decides; the {@link Canceller} sends. Used on the
 * sender's control thread; the per-request sets are concurrent so that status can be read from any thread.
 */
final class HeldKeys {
    private static final System.Logger LOG = System.getLogger(HeldKeys.class.getName());

    /** Sends {@code CancelNotif(reqId, keys)} to every receiver rank. */
    @FunctionalInterface
    interface Canceller {
        void cancel(String reqId, List<String> keys);
    }

    /**
     * Keys allocated for one request, and when it last allocated. Held as the task's own {@link ObjectKey}s: their
     * wire strings are made only for a {@code CancelNotif}, never on the store path.
     */
    private static final class Held {
        /** {@code count} keys, appended on the control thread; read under the lock for status. */
        private ObjectKey[] keys;
        private int count;
        volatile long touchedNanos = System.nanoTime();

        Held(int expected) {
            keys = new ObjectKey[Math.max(4, expected)];
        }

        synchronized void add(ObjectKey k) {
            if (count == keys.length) {
                keys = Arrays.copyOf(keys, 2 * count);
            }
            keys[count++] = k;
        }

        synchronized void addWireForms(Set<String> to) {
            for (int i = 0; i < count; i++) {
                to.add(keys[i].toCanonicalString());
            }
        }
    }

    /**
     * Keys allocated for each request, forgotten when the request ends, is cancelled or aborted, or has
     * allocated nothing for {@code request_timeout_sec} ({@link #expire}).
     */
    private final Map<String, Held> byRequest = new ConcurrentHashMap<>();

    /**
     * Reads the reply to one batch of {@code n} keys ({@code key.apply(i)}) for {@code reqId} ({@code ""}:
     * no request) and records the keys it allocated. Returns one entry per key: the receiver page to write, or
     * {@link AllocResponses#ALREADY_SENT} for a key not to write.
     *
     * <p>On a {@code -1} entry, or a reply that breaks the rules, the request is aborted instead and {@code null}
     * is returned: {@code canceller} is told to send {@code CancelNotif(reqId, keys)} naming what the request
     * holds, including what this reply allocated (for a batch without a request: only what this reply
     * allocated, and nothing is sent when that is nothing). The caller fails the store.
     *
     * @param rank the receiver rank, for log lines
     */
    int[] accept(int rank, String reqId, int n, IntFunction<ObjectKey> key, AllocResponse reply,
                 Canceller canceller) {
        int[] pages;
        try {
            pages = AllocResponses.remotePagesFor(reply, n);
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "rank {0}: bad AllocResponse for req ''{1}'': {2}; aborting the "
                    + "request", rank, reqId, e.getMessage());
            abort(reqId, List.of(), canceller);
            return null;
        }
        int failed = -1;
        for (int i = 0; i < n && failed < 0; i++) {
            if (pages[i] == AllocResponses.FAILED) {
                failed = i;
            }
        }
        if (failed >= 0) {
            List<String> allocated = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (pages[i] >= 0) {
                    allocated.add(key.apply(i).toCanonicalString());
                }
            }
            LOG.log(System.Logger.Level.WARNING, "rank {0}: receiver could not allocate key {1} (req ''{2}''); "
                    + "aborting the request", rank, key.apply(failed), reqId);
            abort(reqId, allocated, canceller);
            return null;
        }
        if (!reqId.isEmpty()) {
            Held held = null;
            for (int i = 0; i < n; i++) {
                if (pages[i] >= 0) {
                    if (held == null) {
                        held = heldFor(reqId, n);
                    }
                    held.add(key.apply(i));
                }
            }
        }
        return pages;
    }

    /**
     * The record of {@code reqId}, made on first use with room for {@code expected} keys (control thread: the only
     * writer, so no compute lambda).
     */
    private Held heldFor(String reqId, int expected) {
        Held held = byRequest.get(reqId);
        if (held == null) {
            held = new Held(expected);
            byRequest.put(reqId, held);
        } else {
            held.touchedNanos = System.nanoTime();
        }
        return held;
    }

    /**
     * Aborts a request after a failed allocation: like {@link #release}, plus {@code alsoHeld} (keys the failing
     * reply allocated), handed to {@code canceller}. Without a request, cancels only when {@code alsoHeld} is not
     * empty.
     */
    void abort(String reqId, List<String> alsoHeld, Canceller canceller) {
        if (reqId.isEmpty() && alsoHeld.isEmpty()) {
            return;
        }
        canceller.cancel(reqId, release(reqId, alsoHeld));
    }

    /** Forgets {@code reqId} and returns the keys it held plus {@code alsoHeld}, for a {@code CancelNotif}. */
    List<String> release(String reqId, List<String> alsoHeld) {
        Set<String> keys = new LinkedHashSet<>();
        Held recorded = byRequest.remove(reqId);
        if (recorded != null) {
            recorded.addWireForms(keys);
        }
        keys.addAll(alsoHeld);
        return List.copyOf(keys);
    }

    /** Forgets a finished request's record (its keys stay on the receivers). */
    void forget(String reqId) {
        byRequest.remove(reqId);
    }

    /** The keys recorded for {@code reqId} (wire form), in no particular order (tests and status). */
    Set<String> heldBy(String reqId) {
        Held h = byRequest.get(reqId);
        Set<String> wire = new LinkedHashSet<>();
        if (h != null) {
            h.addWireForms(wire);
        }
        return wire;
    }

    /**
     * Forgets the records of requests that allocated nothing for {@code timeoutNanos} (their last-prefill store
     * never came, or failed before it): the keys stay on the receivers, which expire them on their own deadlines.
     *
     * @return how many records were dropped
     */
    int expire(long nowNanos, long timeoutNanos) {
        int n = 0;
        for (var it = byRequest.values().iterator(); it.hasNext(); ) {
            if (nowNanos - it.next().touchedNanos - timeoutNanos >= 0) {
                it.remove();
                n++;
            }
        }
        return n;
    }

    /** Requests with a record. */
    int requests() {
        return byRequest.size();
    }
}
