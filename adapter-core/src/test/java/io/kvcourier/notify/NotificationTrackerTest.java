package io.kvcourier.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** The notification policy, driven by a hand-controlled clock: no sockets, no sleeps. */
class NotificationTrackerTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final List<String> sink = new CopyOnWriteArrayList<>();

    private NotificationTracker tracker(int ranks) {
        return new NotificationTracker(ranks, DEADLINE, clock::get, sink::add);
    }

    private void advance(Duration d) {
        clock.addAndGet(d.toNanos());
    }

    @Test
    void proxyNotifSentOnLastPrefill() {
        NotificationTracker t = tracker(1);
        assertThat(t.onBatchDone("r1", false, 4, 2, true)).isFalse();
        assertThat(sink).isEmpty();
        assertThat(t.onBatchDone("r1", true, 4, 2, true)).isTrue();
        assertThat(sink).containsExactly("r1");
        assertThat(t.pendingRequests()).isZero();
    }

    @Test
    void notifNotSentOnNonLast() {
        NotificationTracker t = tracker(1);
        for (int i = 0; i < 8; i++) {
            t.onBatchDone("r1", false, 4, 1, true); // more chunks than announced, but no last-prefill batch
        }
        assertThat(sink).isEmpty();
        assertThat(t.pendingRequests()).isEqualTo(1);
    }

    @Test
    void lastBatchFirstWaitsForTheOtherChunks() {
        NotificationTracker t = tracker(1);
        t.onBatchDone("r", true, 5, 1, true); // the last-prefill batch landed before earlier batches
        t.onBatchDone("r", false, 5, 2, true);
        assertThat(sink).isEmpty();
        t.onBatchDone("r", false, 5, 2, true);
        assertThat(sink).containsExactly("r");
    }

    @Test
    void unknownTotalNotifiesOnTheLastBatch() {
        NotificationTracker t = tracker(1);
        t.onBatchDone("r", false, 0, 3, true);
        assertThat(sink).isEmpty();
        t.onBatchDone("r", true, 0, 1, true);
        assertThat(sink).containsExactly("r");
    }

    @Test
    void failedBatchesStillNotify() {
        NotificationTracker t = tracker(2);
        t.onBatchDone("r", false, 3, 2, false);
        t.onBatchDone("r", true, 3, 1, false);
        assertThat(sink).containsExactly("r", "r");
        assertThat(t.counters()).containsEntry("proxy_notif_failed_chunks", 3L);
    }

    @Test
    void twoArgumentStoresNeverNotify() {
        NotificationTracker t = tracker(1);
        assertThat(t.onBatchDone("", true, 0, 3, true)).isFalse();
        assertThat(t.onBatchDone(null, true, 0, 3, true)).isFalse();
        t.expireOverdue();
        advance(DEADLINE.multipliedBy(3));
        t.expireOverdue();
        assertThat(sink).isEmpty();
        assertThat(t.pendingRequests()).isZero();
    }

    @Test
    void exactlyOncePerRequestAndRankWithSeveralRanksAndThreads() throws Exception {
        int ranks = 4;
        int requests = 400;
        int batches = 6;
        Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
        NotificationTracker t = new NotificationTracker(ranks, DEADLINE, clock::get,
                id -> seen.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet());
        // Every batch of every request, plus a duplicate late report of each last batch, in random order.
        List<Object[]> reports = new ArrayList<>();
        for (int r = 0; r < requests; r++) {
            for (int b = 0; b < batches; b++) {
                reports.add(new Object[] {"req-" + r, b == batches - 1, b % 3 != 0});
            }
            reports.add(new Object[] {"req-" + r, true, true});
        }
        Collections.shuffle(reports, new Random(3));
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < threads; w++) {
                int worker = w;
                fs.add(pool.submit(() -> {
                    go.await();
                    for (int i = worker; i < reports.size(); i += threads) {
                        Object[] rep = reports.get(i);
                        t.onBatchDone((String) rep[0], (Boolean) rep[1], batches, 1, (Boolean) rep[2]);
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : fs) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(seen).hasSize(requests);
        assertThat(seen.values()).allSatisfy(c -> assertThat(c.get()).isEqualTo(ranks));
        assertThat(t.pendingRequests()).isZero();
        // A late batch after the request finished does not notify again.
        assertThat(t.onBatchDone("req-0", true, batches, 1, true)).isFalse();
        assertThat(seen.get("req-0").get()).isEqualTo(ranks);
        // Nor does the deadline.
        advance(DEADLINE.multipliedBy(3));
        assertThat(t.expireOverdue()).isZero();
        assertThat(seen.values()).allSatisfy(c -> assertThat(c.get()).isEqualTo(ranks));
    }

    @Test
    void perRequestDeadlineFires() {
        NotificationTracker t = tracker(3);
        t.onBatchDone("stuck", false, 4, 1, true); // first batch at t0; the last one never comes
        advance(Duration.ofSeconds(5));
        t.onBatchDone("later", false, 4, 1, true); // first batch at t0 + 5 s
        advance(Duration.ofSeconds(5).minusNanos(1));
        assertThat(t.expireOverdue()).isZero();
        assertThat(sink).isEmpty();
        advance(Duration.ofNanos(1)); // exactly 10 s after "stuck" began
        assertThat(t.expireOverdue()).isEqualTo(1);
        assertThat(sink).containsExactly("stuck", "stuck", "stuck");
        assertThat(t.pendingRequests()).isEqualTo(1);
        // The forgotten request's late batches do not notify again.
        assertThat(t.onBatchDone("stuck", true, 4, 3, true)).isFalse();
        assertThat(sink).hasSize(3);
        advance(Duration.ofSeconds(5));
        assertThat(t.expireOverdue()).isEqualTo(1);
        assertThat(sink).containsExactly("stuck", "stuck", "stuck", "later", "later", "later");
        assertThat(t.counters()).containsEntry("proxy_notif_by_deadline", 2L);
    }

    @Test
    void scheduledChecksFireTheDeadlineWithoutSleepingInTheTest() throws Exception {
        CountDownLatch notified = new CountDownLatch(1);
        NotificationTracker t = new NotificationTracker(1, DEADLINE, clock::get, id -> notified.countDown());
        ScheduledExecutorService exec = Executors.newSingleThreadScheduledExecutor();
        try {
            t.onBatchDone("r", false, 2, 1, true);
            ScheduledFuture<?> checks = t.scheduleDeadlineChecks(exec, Duration.ofMillis(5));
            advance(DEADLINE);
            assertThat(notified.await(10, TimeUnit.SECONDS)).isTrue();
            checks.cancel(false);
        } finally {
            exec.shutdown();
            assertThat(exec.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void finishedRequestsAreRememberedBoundedly() {
        NotificationTracker t = new NotificationTracker(1, DEADLINE, clock::get, sink::add, 100);
        for (int i = 0; i < 1_000; i++) {
            t.onBatchDone("r" + i, true, 1, 1, true);
        }
        assertThat(sink).hasSize(1_000);
        assertThat(t.rememberedFinished()).isEqualTo(100);
        advance(DEADLINE.multipliedBy(2));
        t.expireOverdue();
        assertThat(t.rememberedFinished()).isZero();
        assertThat(t.pendingRequests()).isZero();
    }

    @Test
    void aFailingSinkDoesNotBreakTheTracker() {
        AtomicInteger calls = new AtomicInteger();
        NotificationTracker t = new NotificationTracker(2, DEADLINE, clock::get, id -> {
            calls.incrementAndGet();
            throw new IllegalStateException("boom");
        });
        assertThat(t.onBatchDone("r", true, 1, 1, true)).isTrue();
        assertThat(calls).hasValue(2);
        assertThat(t.onBatchDone("s", true, 1, 1, true)).isTrue();
        assertThat(calls).hasValue(4);
    }

    @Test
    void badArgumentsAreNamed() {
        assertThatThrownBy(() -> new NotificationTracker(0, DEADLINE, clock::get, sink::add))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("ranks must be >= 1, got 0");
        assertThatThrownBy(() -> new NotificationTracker(1, Duration.ZERO, clock::get, sink::add))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("requestDeadline");
        NotificationTracker t = tracker(1);
        assertThatThrownBy(() -> t.onBatchDone("r", true, -1, 1, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("totalChunks must be >= 0, got -1");
        assertThatThrownBy(() -> t.onBatchDone("r", true, 1, -1, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("chunksInBatch must be >= 0, got -1");
    }
}
