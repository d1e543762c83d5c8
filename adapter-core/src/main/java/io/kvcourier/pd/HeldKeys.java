package io.kvcourier.pd;

import io.kvcourier.control.AllocClient;
import io.kvcourier.control.ControlException;
import io.kvcourier.wire.AllocResponse;
import io.kvcourier.wire.CancelNotif;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sender's side of allocations: reads each {@link AllocResponse} ({@link AllocResponses#remotePagesFor}),
 * remembers which keys every request holds on the receivers, and aborts a request whose allocation failed by
 * naming those keys in a {@code CancelNotif}, so that the receivers free them now instead of at a deadline
 * (as upstream's {@code pd_backend_async.py} does). Thread-safe.
 */
final class HeldKeys {
    private static final System.Logger LOG = System.getLogger(HeldKeys.class.getName());

    /** Keys allocated for each request (wire form), forgotten when the request ends or is cancelled. */
    private final Map<String, Set<String>> byRequest = new ConcurrentHashMap<>();

    /**
     * Reads the reply to one batch of {@code wireKeys} for {@code reqId} ({@code ""}: no request) and records
     * the keys it allocated. Returns one entry per key: the receiver page to write, or
     * {@link AllocResponses#ALREADY_SENT} for a key not to write.
     *
     * <p>On a {@code -1} entry, or a reply that breaks the rules, the request is aborted instead and
     * {@code null} is returned: a {@code CancelNotif(reqId, keys)} goes to every client in {@code receivers},
     * naming what the request holds, including what this reply allocated (for a batch without a request: only
     * what this reply allocated). The caller fails the store.
     *
     * @param where     names the receiver in log lines (e.g. {@code "rank 0"})
     * @param receivers the alloc clients of every receiver rank the request may hold keys on
     * @param timeout   how long each CancelNotif may take
     */
    int[] accept(String where, String reqId, List<String> wireKeys, AllocResponse reply, List<AllocClient> receivers,
                 Duration timeout) {
        int n = wireKeys.size();
        int[] pages;
        try {
            pages = AllocResponses.remotePagesFor(reply, n);
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "{0}: bad AllocResponse for req ''{1}'': {2}; aborting the request",
                    where, reqId, e.getMessage());
            abort(reqId, List.of(), receivers, timeout);
            return null;
        }
        List<String> allocated = new ArrayList<>();
        int failed = -1;
        for (int i = 0; i < n; i++) {
            if (pages[i] >= 0) {
                allocated.add(wireKeys.get(i));
            } else if (pages[i] == AllocResponses.FAILED && failed < 0) {
                failed = i;
            }
        }
        if (failed >= 0) {
            LOG.log(System.Logger.Level.WARNING, "{0}: receiver could not allocate key {1} (req ''{2}''); aborting the request",
                    where, wireKeys.get(failed), reqId);
            abort(reqId, allocated, receivers, timeout);
            return null;
        }
        if (!reqId.isEmpty() && !allocated.isEmpty()) {
            byRequest.computeIfAbsent(reqId, r -> ConcurrentHashMap.newKeySet()).addAll(allocated);
        }
        return pages;
    }

    /**
     * Aborts a request after a failed allocation: like {@link #cancel}, plus {@code alsoHeld} (keys the failing
     * reply allocated). Without a request, sends a CancelNotif only when {@code alsoHeld} is not empty.
     */
    void abort(String reqId, List<String> alsoHeld, List<AllocClient> receivers, Duration timeout) {
        if (reqId.isEmpty() && alsoHeld.isEmpty()) {
            return;
        }
        cancel(reqId, alsoHeld, receivers, timeout);
    }

    /**
     * Tells every receiver to drop the keys {@code reqId} holds there, plus {@code alsoHeld}
     * ({@code CancelNotif}), and forgets the request. Returns how many receivers acknowledged.
     */
    int cancel(String reqId, List<String> alsoHeld, List<AllocClient> receivers, Duration timeout) {
        Set<String> keys = new LinkedHashSet<>();
        Set<String> recorded = byRequest.remove(reqId);
        if (recorded != null) {
            keys.addAll(recorded);
        }
        keys.addAll(alsoHeld);
        List<String> list = List.copyOf(keys);
        int acked = 0;
        for (AllocClient client : receivers) {
            try {
                client.call(new CancelNotif(reqId, list), System.nanoTime() + timeout.toNanos());
                acked++;
            } catch (ControlException e) {
                LOG.log(System.Logger.Level.WARNING, "CancelNotif for ''{0}'' to {1} failed: {2}", reqId,
                        client.endpoint(), e.getMessage());
            }
        }
        return acked;
    }

    /** Forgets a finished request's record (its keys stay on the receivers). */
    void forget(String reqId) {
        byRequest.remove(reqId);
    }

    /** The keys recorded for {@code reqId}, in no particular order (tests and status). */
    Set<String> heldBy(String reqId) {
        Set<String> s = byRequest.get(reqId);
        return s == null ? Set.of() : Set.copyOf(s);
    }

    /** Requests with a record. */
    int requests() {
        return byRequest.size();
    }
}
