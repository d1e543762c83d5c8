package io.kvcourier.pd;

import io.kvcourier.agent.CloseHelper;
import io.kvcourier.l2.Bitmap;
import io.kvcourier.verbs.EventFd;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Task ids, completed results and the three event fds of one adapter. A result is recorded before its
 * eventfd is written (a woken consumer always finds it), and each result is handed out exactly once.
 * After {@link #close()} late completions are dropped instead of written to fds that may be reused.
 * Thread-safe.
 */
final class TaskLedger implements AutoCloseable {
    private final AtomicLong nextId = new AtomicLong();
    /** Completed store results not popped yet, in completion order; guarded by {@code closeLock}. No boxing. */
    private long[] storeIds = new long[64];
    private boolean[] storeResults = new boolean[64];
    private int storeCount;
    private final ConcurrentHashMap<Long, Bitmap> lookups = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Bitmap> loads = new ConcurrentHashMap<>();
    /**
     * Lookup and load results in completion order, for {@link #expire}: those nobody collected within the result
     * TTL are dropped (a lookup's locks released through its {@code onExpired}).
     */
    private final java.util.concurrent.ConcurrentLinkedQueue<Uncollected> uncollected =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    final AtomicLong resultsExpired = new AtomicLong();

    /** A lookup or load result waiting to be collected. {@code onExpired} runs if it is dropped uncollected. */
    private record Uncollected(long id, boolean lookup, long completedNanos, Runnable onExpired) {
    }
    private final EventFd storeFd;
    private final EventFd lookupFd;
    private final EventFd loadFd;
    private final Object closeLock = new Object();
    private boolean closed;

    TaskLedger() {
        EventFd s = null;
        EventFd l = null;
        try {
            s = EventFd.create();
            l = EventFd.create();
            this.loadFd = EventFd.create();
        } catch (RuntimeException e) {
            CloseHelper.closeOnFailure(e, l, s); // reverse order of opening
            throw e;
        }
        this.storeFd = s;
        this.lookupFd = l;
    }

    /** The next task id: 0, 1, 2, ... shared by every operation. */
    long nextId() {
        return nextId.getAndIncrement();
    }

    int storeFd() {
        return storeFd.fd();
    }

    int lookupFd() {
        return lookupFd.fd();
    }

    int loadFd() {
        return loadFd.fd();
    }

    void completeStore(long id, boolean ok) {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            if (storeCount == storeIds.length) {
                storeIds = java.util.Arrays.copyOf(storeIds, storeCount * 2);
                storeResults = java.util.Arrays.copyOf(storeResults, storeCount * 2);
            }
            storeIds[storeCount] = id;
            storeResults[storeCount] = ok;
            storeCount++;
            storeFd.signal();
        }
    }

    void completeLookup(long id, Bitmap bitmap) {
        completeLookup(id, bitmap, null);
    }

    /**
     * Records a lookup result; {@code onExpired} (e.g. releasing the locks the lookup took) runs if the result is
     * never collected within the TTL given to {@link #expire}.
     */
    void completeLookup(long id, Bitmap bitmap, Runnable onExpired) {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            lookups.put(id, bitmap);
            uncollected.add(new Uncollected(id, true, System.nanoTime(), onExpired));
            lookupFd.signal();
        }
    }

    void completeLoad(long id, Bitmap bitmap) {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            loads.put(id, bitmap);
            uncollected.add(new Uncollected(id, false, System.nanoTime(), null));
            loadFd.signal();
        }
    }

    /** Removes and returns every completed store result. */
    Map<Long, Boolean> popStores() {
        synchronized (closeLock) {
            Map<Long, Boolean> out = HashMap.newHashMap(storeCount);
            for (int i = 0; i < storeCount; i++) {
                out.put(storeIds[i], storeResults[i]);
            }
            storeCount = 0;
            return out;
        }
    }

    Bitmap takeLookup(long id) {
        return lookups.remove(id);
    }

    Bitmap takeLoad(long id) {
        return loads.remove(id);
    }

    /**
     * Drops lookup and load results completed more than {@code ttlNanos} before {@code nowNanos} that nobody
     * collected (a documented extension of "results are returned once": they are returned never), running each
     * dropped lookup's {@code onExpired}. Cost is proportional to what completed since the last call.
     *
     * @return how many results were dropped
     */
    int expire(long nowNanos, long ttlNanos) {
        int dropped = 0;
        for (Uncollected u; (u = uncollected.peek()) != null && nowNanos - u.completedNanos - ttlNanos >= 0; ) {
            uncollected.poll();
            Bitmap gone = u.lookup ? lookups.remove(u.id) : loads.remove(u.id);
            if (gone == null) {
                continue; // collected in time
            }
            dropped++;
            if (u.onExpired != null) {
                try {
                    u.onExpired.run();
                } catch (RuntimeException e) {
                    System.getLogger(TaskLedger.class.getName()).log(System.Logger.Level.WARNING,
                            "releasing an expired lookup's locks failed", e);
                }
            }
            // Counted once its locks are released: whoever sees the count sees the locks gone too.
            resultsExpired.incrementAndGet();
        }
        return dropped;
    }

    /** Drops results nobody collected and closes the fds. Idempotent. */
    @Override
    public void close() {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        storeFd.close();
        lookupFd.close();
        loadFd.close();
    }
}
