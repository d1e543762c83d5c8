package io.kvcourier.bench;

import io.kvcourier.event.CompletionPoller;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.pd.PdL2Adapter;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Drives one kvcourier sender for the e2e suite: store requests of {@code chunks.size()} chunks, each
 * {@code submitStoreTask(keys, chunks, TransferSpec(reqId, true, n))} with fresh keys, done when its
 * {@code ProxyNotif} arrives ({@link Arrivals}). Open loop at a rate, closed loop one at a time, or streaming with
 * a window of requests in flight. Every store result is popped and failures are counted ({@link #failedStores()}):
 * a failed transfer is still notified, so arrivals alone cannot tell.
 *
 * <p>Used by one thread (the bench driver), which is also the adapter's caller thread.
 */
final class StoreDriver {
    static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final PdL2Adapter sender;
    private final List<MemoryObj> chunks;
    private final Arrivals arrivals;
    private final String name;
    private long nextRequest;
    private long failedStores;

    /**
     * @param name     a prefix for request ids, unique among the drivers sharing {@code arrivals}
     * @param arrivals the callback of the proxy listener {@code sender} notifies
     */
    StoreDriver(String name, PdL2Adapter sender, List<MemoryObj> chunks, Arrivals arrivals) {
        this.name = name;
        this.sender = sender;
        this.chunks = List.copyOf(chunks);
        this.arrivals = arrivals;
    }

    int chunkCount() {
        return chunks.size();
    }

    long requestBytes() {
        long n = 0;
        for (MemoryObj o : chunks) {
            n += o.segment().byteSize();
        }
        return n;
    }

    /** Store tasks that completed with {@code false} so far. */
    long failedStores() {
        return failedStores;
    }

    private void popResults() {
        for (Boolean ok : sender.popCompletedStoreTasks().values()) {
            if (!ok) {
                failedStores++;
            }
        }
    }

    /**
     * Waits until the sender has no store task in flight (its {@code inflight_tasks} status), polling every 10 ms,
     * so that a saturated rate does not spill its queue into the next measurement.
     *
     * @return whether it became idle before {@code deadlineNanos}
     */
    boolean awaitIdle(long deadlineNanos) {
        while (true) {
            popResults();
            Object n = sender.reportStatus().get("inflight_tasks");
            if (!(n instanceof Number num) || num.longValue() == 0) {
                return true;
            }
            if (System.nanoTime() > deadlineNanos) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    private List<ObjectKey> nextKeys() {
        return AdapterPair.keys(nextRequest++, chunks.size());
    }

    /** What {@link #closedLoop} measured: submit to store completion, store completion to notification. */
    record ClosedLoop(Histogram store, Histogram notification, double seconds) {
    }

    /**
     * {@code count} requests back to back, each waited for (its store completion through the store eventfd, then
     * its notification): brings the JIT to steady state; the second half is recorded.
     *
     * @return the breakdown, or {@code null} when a request did not complete or got no notification within 10 s
     */
    ClosedLoop warmUp(int count) {
        Histogram store = Arrivals.histogram();
        Histogram notify = Arrivals.histogram();
        long begin = System.nanoTime();
        try (CompletionPoller poller = CompletionPoller.forAdapter(sender)) {
            for (int i = 0; i < count; i++) {
                String id = name + "-j" + nextRequest;
                Arrivals.Batch one = arrivals.batch(null, null);
                Arrivals.Expected e = one.add(id);
                long t0 = System.nanoTime();
                long deadline = t0 + GRACE_NANOS;
                e.start = t0;
                long task = sender.submitStoreTask(nextKeys(), chunks, new TransferSpec(id, true, chunks.size()));
                Map<Long, Boolean> done;
                while (!(done = sender.popCompletedStoreTasks()).containsKey(task)) {
                    if (System.nanoTime() > deadline) {
                        one.forget();
                        return null;
                    }
                    poller.await(Duration.ofMillis(100));
                }
                if (!done.get(task)) {
                    failedStores++;
                }
                long t1 = System.nanoTime();
                if (one.await(deadline) > 0) {
                    one.forget();
                    return null;
                }
                if (i >= count / 2) {
                    store.recordValue(Math.min(t1 - t0, store.getHighestTrackableValue()));
                    notify.recordValue(Math.min(Math.max(0, e.arrival - t1), notify.getHighestTrackableValue()));
                }
            }
        }
        return new ClosedLoop(store, notify, (System.nanoTime() - begin) / 1e9);
    }

    /** Requests planned for an open-loop run: keys, specs and arrival records made before it starts. */
    final class Plan {
        private final List<List<ObjectKey>> keys;
        private final List<TransferSpec> specs;
        private final List<Arrivals.Expected> expected;
        final Arrivals.Batch batch;
        private final long period;

        private Plan(int rate, int count, String prefix, Histogram into) {
            period = TimeUnit.SECONDS.toNanos(1) / rate;
            batch = arrivals.batch(into, null);
            keys = new ArrayList<>(count);
            specs = new ArrayList<>(count);
            expected = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String id = name + "-" + prefix + "-" + nextRequest;
                keys.add(nextKeys());
                specs.add(new TransferSpec(id, true, chunks.size()));
                expected.add(batch.add(id));
            }
        }

        int count() {
            return keys.size();
        }

        /**
         * Submits every request at its intended start ({@code t0 + i / rate}) and returns once all are submitted;
         * the latency counts from the intended start, so a stalled sender cannot hide its queue. Allocates
         * nothing of its own.
         */
        void run() {
            long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
            for (int i = 0; i < keys.size(); i++) {
                long t = t0 + i * period;
                Pacing.awaitStart(t);
                expected.get(i).start = t;
                sender.submitStoreTask(keys.get(i), chunks, specs.get(i));
                if ((i & 15) == 0) {
                    popResults();
                }
            }
            popResults();
        }

        /** Waits up to the grace period for the notifications; returns how many did not come (then forgotten). */
        int drain() {
            int missing = batch.await(System.nanoTime() + GRACE_NANOS);
            popResults();
            batch.forget();
            return missing;
        }
    }

    /** Plans {@code rate × seconds} requests (latencies into {@code into}, or not recorded when null). */
    Plan plan(int rate, int seconds, String prefix, Histogram into) {
        return new Plan(rate, rate * seconds, prefix, into);
    }

    /**
     * One request at a time for {@code nanos}: submit, wait for its notification, next; latency = arrival minus
     * submit, into {@code into}.
     *
     * @return how many requests
     */
    int closedLoop(long nanos, Histogram into) throws IOException {
        long end = System.nanoTime() + nanos;
        int n = 0;
        do {
            String id = name + "-c" + nextRequest;
            Arrivals.Batch one = arrivals.batch(into, null);
            Arrivals.Expected e = one.add(id);
            List<ObjectKey> keys = nextKeys();
            TransferSpec spec = new TransferSpec(id, true, chunks.size());
            long t = System.nanoTime();
            e.start = t;
            sender.submitStoreTask(keys, chunks, spec);
            if (one.await(t + GRACE_NANOS) > 0) {
                one.forget();
                throw new IOException("request " + id + " got no ProxyNotif within "
                        + TimeUnit.NANOSECONDS.toSeconds(GRACE_NANOS) + " s");
            }
            popResults();
            n++;
        } while (System.nanoTime() < end);
        return n;
    }

    /**
     * Streaming: requests back to back with at most {@code window} in flight (submitted, not yet notified) for
     * {@code nanos}, then waits for the rest.
     *
     * @return request payload GB/s from the first submit to the last notification
     */
    double stream(int window, long nanos) throws IOException, InterruptedException {
        Semaphore slots = new Semaphore(window);
        Arrivals.Batch batch = arrivals.batch(null, slots::release);
        long start = System.nanoTime();
        long end = start + nanos;
        int n = 0;
        while (System.nanoTime() < end) {
            acquire(slots, 1);
            String id = name + "-s" + nextRequest;
            Arrivals.Expected e = batch.add(id);
            List<ObjectKey> keys = nextKeys();
            e.start = System.nanoTime();
            sender.submitStoreTask(keys, chunks, new TransferSpec(id, true, chunks.size()));
            n++;
            popResults();
        }
        acquire(slots, window);
        long now = System.nanoTime();
        popResults();
        batch.forget();
        return n * (double) requestBytes() / ((now - start) / 1e9) / 1e9;
    }

    private static void acquire(Semaphore s, int n) throws IOException, InterruptedException {
        if (!s.tryAcquire(n, GRACE_NANOS, TimeUnit.NANOSECONDS)) {
            throw new IOException("streaming: no ProxyNotif within " + TimeUnit.NANOSECONDS.toSeconds(GRACE_NANOS)
                    + " s with " + n + " request(s) outstanding");
        }
    }
}
