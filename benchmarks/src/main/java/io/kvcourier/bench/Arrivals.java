package io.kvcourier.bench;

import io.kvcourier.notify.ProxyListener;
import org.HdrHistogram.Histogram;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The e2e suite's end of the proxy: matches every {@code ProxyNotif} arriving at a {@link ProxyListener} to a
 * request the suite is waiting for, and records its latency (arrival minus the request's start) into the
 * request's batch histogram. Requests are registered in {@link Batch}es <i>before</i> they are issued, so issuing
 * only writes a start time: nothing is allocated on the issuing thread for the bookkeeping (the store-path
 * allocation row counts that thread).
 *
 * <p>Threads: the listener thread calls {@link #onNotification}; one driver thread registers, issues and awaits.
 */
final class Arrivals implements ProxyListener.NotificationCallback {
    private final ConcurrentHashMap<String, Expected> waiting = new ConcurrentHashMap<>();
    private final AtomicLong unexpected = new AtomicLong();
    private volatile Thread waiter;

    /** One request the suite waits for. */
    static final class Expected {
        final String reqId;
        final Batch batch;
        /** {@link System#nanoTime()} the latency counts from (intended start, or submit); set before issuing. */
        volatile long start;
        /** {@link System#nanoTime()} of the arrival; 0 until then. */
        volatile long arrival;

        private Expected(String reqId, Batch batch) {
            this.reqId = reqId;
            this.batch = batch;
        }
    }

    /** Requests awaited together (one measured rate, one streaming slice, one closed-loop request). */
    final class Batch {
        private final Histogram into;
        private final Runnable onEach;
        private final List<Expected> members = new ArrayList<>();
        private final AtomicInteger left = new AtomicInteger();

        private Batch(Histogram into, Runnable onEach) {
            this.into = into;
            this.onEach = onEach;
        }

        /** Registers a request (before it is issued); its notification will count for this batch. */
        Expected add(String reqId) {
            Expected e = new Expected(reqId, this);
            if (waiting.putIfAbsent(reqId, e) != null) {
                throw new IllegalStateException("request id " + reqId + " is already awaited");
            }
            members.add(e);
            left.incrementAndGet();
            return e;
        }

        /**
         * Waits until every registered request has arrived or {@code deadlineNanos} ({@link System#nanoTime()})
         * passes; does not allocate.
         *
         * @return how many have not arrived
         */
        int await(long deadlineNanos) {
            waiter = Thread.currentThread();
            try {
                long rest;
                while (left.get() > 0 && (rest = deadlineNanos - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(this, rest);
                }
                return left.get();
            } finally {
                waiter = null;
            }
        }

        /** Requests of this batch still waited for. */
        int missing() {
            return left.get();
        }

        /** Stops waiting for this batch's missing requests (a late notification then counts as unexpected). */
        void forget() {
            for (Expected e : members) {
                waiting.remove(e.reqId, e);
            }
        }

        private void arrived(Expected e, long nanos) {
            e.arrival = nanos;
            if (into != null) {
                synchronized (into) {
                    into.recordValue(Math.min(Math.max(0, nanos - e.start), into.getHighestTrackableValue()));
                }
            }
            if (onEach != null) {
                onEach.run();
            }
            left.decrementAndGet();
        }
    }

    /**
     * A new batch.
     *
     * @param into   where latencies (arrival minus start) go, or {@code null}; read it after {@link Batch#await}
     *               under its own lock
     * @param onEach called on the listener thread after each arrival, or {@code null}
     */
    Batch batch(Histogram into, Runnable onEach) {
        return new Batch(into, onEach);
    }

    /** A histogram for latencies in ns, up to two minutes, three significant digits. */
    static Histogram histogram() {
        return new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
    }

    /** Notifications for no awaited request (late ones of a forgotten batch, duplicates). */
    long unexpected() {
        return unexpected.get();
    }

    @Override
    public void onNotification(String reqId, long receivedNanos, Instant receivedAt) {
        Expected e = waiting.remove(reqId);
        if (e == null) {
            unexpected.incrementAndGet();
            return;
        }
        e.batch.arrived(e, receivedNanos);
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }
}
