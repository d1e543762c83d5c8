package io.kvcourier.pd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The staging copier hands large copies to one parked virtual thread: every batch is copied exactly once, a batch
 * that arrives while the worker is busy is copied at the same time on a thread of its own, an idle worker is
 * reused, and after close the worker ends so that the adapter's executor terminates.
 */
@Timeout(30)
class StagingCopierTest {
    private static ExecutorService virtualThreads() {
        return Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("copier-test-", 0).factory());
    }

    /** Spins (bounded by 10 s) until {@code condition} holds: a poll of the copier's state, not a sleep. */
    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
            Thread.onSpinWait();
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    @Test
    void anIdleWorkerIsReusedForEveryCopy() throws Exception {
        List<Thread> ranOn = new CopyOnWriteArrayList<>();
        ExecutorService executor = virtualThreads();
        StagingCopier<Integer> copier = new StagingCopier<>(executor, i -> ranOn.add(Thread.currentThread()));
        for (int i = 0; i < 100; i++) {
            copier.submit(i);
            int copies = i + 1;
            awaitTrue(() -> ranOn.size() == copies && copier.idle());
        }
        assertThat(ranOn).hasSize(100);
        assertThat(new java.util.HashSet<>(ranOn)).as("threads that copied").hasSize(1);
        assertThat(ranOn.getFirst().isVirtual()).isTrue();
        copier.close();
        executor.shutdown();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).as("the worker ended after close").isTrue();
    }

    @Test
    void aCopyThatFindsTheWorkerBusyRunsAtTheSameTimeOnItsOwnThread() throws Exception {
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        CountDownLatch secondDone = new CountDownLatch(1);
        ConcurrentHashMap<Integer, Thread> ranOn = new ConcurrentHashMap<>();
        ExecutorService executor = virtualThreads();
        StagingCopier<Integer> copier = new StagingCopier<>(executor, i -> {
            ranOn.put(i, Thread.currentThread());
            if (i == 1) {
                firstStarted.countDown();
                try {
                    releaseFirst.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else {
                secondDone.countDown();
            }
        });
        copier.submit(1);
        assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
        copier.submit(2);
        assertThat(secondDone.await(10, TimeUnit.SECONDS)).as("the second copy ran while the first was busy").isTrue();
        releaseFirst.countDown();
        awaitTrue(copier::idle);
        assertThat(ranOn.get(2)).isNotSameAs(ranOn.get(1));
        copier.close();
        executor.shutdown();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void manySubmittersEachBatchIsCopiedExactlyOnce() throws Exception {
        ConcurrentHashMap<Integer, Integer> copies = new ConcurrentHashMap<>();
        ExecutorService executor = virtualThreads();
        StagingCopier<Integer> copier = new StagingCopier<>(executor, i -> copies.merge(i, 1, Integer::sum));
        int threads = 4;
        int each = 2_000;
        Thread[] submitters = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int base = t * each;
            submitters[t] = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < each; i++) {
                    copier.submit(base + i);
                }
            });
        }
        for (Thread t : submitters) {
            t.join(TimeUnit.SECONDS.toMillis(20));
        }
        awaitTrue(() -> copies.size() == threads * each);
        assertThat(copies.values()).allMatch(n -> n == 1);
        copier.close();
        executor.shutdown();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void closeBeforeAnyCopyAndCopiesAfterCloseStillRun() throws Exception {
        CountDownLatch done = new CountDownLatch(2);
        ExecutorService executor = virtualThreads();
        StagingCopier<Integer> copier = new StagingCopier<>(executor, i -> done.countDown());
        copier.close();
        copier.close(); // idempotent
        copier.submit(1);
        copier.submit(2);
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        executor.shutdown();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).as("no worker left parked").isTrue();
    }
}
