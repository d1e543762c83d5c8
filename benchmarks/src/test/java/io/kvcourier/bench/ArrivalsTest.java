package io.kvcourier.bench;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Matching notifications to awaited requests (no timing is asserted; arrival times are given). */
class ArrivalsTest {

    @Test
    void anArrivalRecordsItsLatencyFromTheRequestsStart() {
        Arrivals a = new Arrivals();
        Histogram h = Arrivals.histogram();
        AtomicInteger each = new AtomicInteger();
        Arrivals.Batch b = a.batch(h, each::incrementAndGet);
        Arrivals.Expected x = b.add("x");
        Arrivals.Expected y = b.add("y");
        x.start = 1_000_000;
        y.start = 2_000_000;
        a.onNotification("x", 4_000_000, Instant.EPOCH);
        assertThat(b.missing()).isEqualTo(1);
        a.onNotification("y", 3_000_000, Instant.EPOCH);
        assertThat(b.await(System.nanoTime())).isZero();
        assertThat(h.getTotalCount()).isEqualTo(2);
        assertThat(h.getMaxValue()).isBetween(2_990_000L, 3_010_000L);
        assertThat(h.getMinValue()).isBetween(990_000L, 1_010_000L);
        assertThat(x.arrival).isEqualTo(4_000_000);
        assertThat(each).hasValue(2);
    }

    @Test
    void unknownDuplicateAndForgottenNotificationsAreCountedNotRecorded() {
        Arrivals a = new Arrivals();
        Histogram h = Arrivals.histogram();
        Arrivals.Batch b = a.batch(h, null);
        b.add("x").start = 0;
        b.add("late").start = 0;
        a.onNotification("nobody", 5, Instant.EPOCH);
        a.onNotification("x", 5, Instant.EPOCH);
        a.onNotification("x", 6, Instant.EPOCH);
        assertThat(b.await(System.nanoTime())).isEqualTo(1); // "late" did not come: deadline already passed
        b.forget();
        a.onNotification("late", 7, Instant.EPOCH);
        assertThat(a.unexpected()).isEqualTo(3);
        assertThat(h.getTotalCount()).isEqualTo(1);
        assertThat(b.missing()).isEqualTo(1);
    }

    @Test
    void anIdCanBeAwaitedOnlyOnceAtATime() {
        Arrivals a = new Arrivals();
        a.batch(null, null).add("x");
        assertThatThrownBy(() -> a.batch(null, null).add("x")).hasMessageContaining("x");
    }

    @Test
    void aWaitingThreadWakesWhenTheLastRequestArrives() throws Exception {
        Arrivals a = new Arrivals();
        Arrivals.Batch b = a.batch(null, null);
        b.add("x");
        b.add("y");
        CountDownLatch waiting = new CountDownLatch(1);
        Thread listener = Thread.ofPlatform().start(() -> {
            try {
                waiting.await();
            } catch (InterruptedException e) {
                return;
            }
            a.onNotification("x", System.nanoTime(), Instant.now());
            a.onNotification("y", System.nanoTime(), Instant.now());
        });
        waiting.countDown();
        assertThat(b.await(System.nanoTime() + TimeUnit.SECONDS.toNanos(60))).isZero();
        listener.join();
    }
}
