package io.kvcourier.bench;

import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

/** The sender-allocation window: what it counts, what it leaves out, how threads are grouped. */
class HeapAllocationTest {
    private static volatile Object sink;

    @Test
    void countsTheCallersBytesAndLeavesOutExcludedThreads() throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        CountDownLatch stop = new CountDownLatch(1);
        Thread proxy = Thread.ofPlatform().name("excluded").start(() -> {
            try {
                go.await();
                for (int i = 0; i < 64; i++) {
                    sink = new byte[128 * 1024]; // 8 MiB
                }
                done.countDown();
                stop.await(); // alive at both ends of the window
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        HeapAllocation.Window w = HeapAllocation.start();
        for (int i = 0; i < 16; i++) {
            sink = new byte[64 * 1024]; // 1 MiB
        }
        go.countDown();
        done.await();
        HeapAllocation.Bytes b = w.end(Set.of(proxy.threadId()), Thread.currentThread().threadId());
        stop.countDown();
        proxy.join();
        assertThat(b.byGroup().get("caller")).isGreaterThanOrEqualTo(1L << 20);
        assertThat(b.total()).isGreaterThanOrEqualTo(1L << 20).isLessThan(8L << 20);
    }

    @Test
    void aComponentsThreadsAreThoseItStartedWithItsNames() throws Exception {
        java.util.Set<Long> before = HeapAllocation.liveThreads();
        CountDownLatch stop = new CountDownLatch(1);
        Thread mine = Thread.ofPlatform().name("probe-listener").start(() -> {
            try {
                stop.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread other = Thread.ofPlatform().name("unrelated").start(() -> {
            try {
                stop.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            assertThat(HeapAllocation.startedSince(before, "probe-")).containsExactly(mine.threadId());
        } finally {
            stop.countDown();
            mine.join();
            other.join();
        }
    }

    @Test
    void threadsAreGroupedByWhatRunsOnThem() {
        assertThat(HeapAllocation.group("iothread-2")).isEqualTo("jeromq I/O");
        assertThat(HeapAllocation.group("reaper-1")).isEqualTo("jeromq I/O");
        assertThat(HeapAllocation.group("kvcourier-proxy-notifier-iothread-2"))
                .isEqualTo("jeromq I/O (kvcourier-proxy-notifier)");
        assertThat(HeapAllocation.group("kvcourier-task-17-reaper-1")).isEqualTo("jeromq I/O (kvcourier-task)");
        assertThat(HeapAllocation.group("ForkJoinPool-1-worker-3")).isEqualTo("virtual-thread carriers");
        assertThat(HeapAllocation.group("kvcourier-tcp-sender")).isEqualTo("kvcourier-tcp-sender");
        assertThat(HeapAllocation.group("kvcourier-tcp-receiver-40123")).isEqualTo("kvcourier-tcp-receiver");
        assertThat(HeapAllocation.group("")).isEqualTo("unnamed");
        assertThat(new HeapAllocation.Bytes(100, java.util.Map.of("caller", 30L, "other", 50L)).ungrouped())
                .isEqualTo(20);
    }

    @Test
    void childLinesAreReadAsFields() {
        assertThat(AdapterChild.fields("alloc=1,2 init=3 floor=4")).containsEntry("alloc", "1,2")
                .containsEntry("init", "3").containsEntry("floor", "4");
        assertThat(AdapterChild.fields(" batches=0  missing_keys=7 ")).containsEntry("missing_keys", "7").hasSize(2);
    }
}
