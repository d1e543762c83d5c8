package io.kvcourier.pd;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The adapter's tasks in flight: how many there are (for {@code inflight_tasks} and for close to wait on), the
 * failure each virtual-thread task records if it never records its own result ({@link #run}), and the async loads
 * close fails if they are still running past the shutdown deadline.
 */
final class InflightTasks {
    private static final System.Logger LOG = System.getLogger(PdL2Adapter.class.getName());

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private final AtomicInteger inflight = new AtomicInteger();
    /** Per task id, the failure recorded instead of its result if it cannot finish ({@link #run}). */
    private final Map<Long, Runnable> pending = new ConcurrentHashMap<>();
    /** Async loads not finished yet: failed by the adapter's close if still there after the shutdown deadline. */
    private final Set<AdapterFuture<?>> asyncLoads = ConcurrentHashMap.newKeySet();

    /** The failure of a task or stage the adapter's close gave up on ({@code what}: store, load). */
    static IllegalStateException closedBeforeDone(String what) {
        return new IllegalStateException("PdL2Adapter was closed before the " + what + " finished");
    }

    /** Where dependents of async stages run: on {@code executor}; once it is shut down, on a fresh virtual thread. */
    static Executor dependentsOn(ExecutorService executor) {
        return r -> {
            try {
                executor.execute(r);
            } catch (RejectedExecutionException e) {
                Thread.ofVirtual().name("kvcourier-async-after-close").start(r);
            }
        };
    }

    /** A task started; {@link #done()} follows exactly once. */
    void started() {
        inflight.incrementAndGet();
    }

    /** A task ended; the last one wakes {@link #awaitIdle}. */
    void done() {
        if (inflight.decrementAndGet() == 0) {
            lock.lock();
            try {
                idle.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** {@return how many tasks are in flight} */
    int count() {
        return inflight.get();
    }

    /**
     * Runs a task on its own virtual thread. {@code failure} records a failed result; it runs instead of the
     * task's own result if the task cannot start or is still running when {@link #failPending()} gives up on it.
     * Whichever comes first wins (see {@link #finish}), so each task completes exactly once.
     */
    void run(Executor executor, long id, Runnable task, Runnable failure) {
        pending.put(id, failure);
        started();
        try {
            executor.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "task " + id + " failed", e);
                    failPending(id);
                } finally {
                    done();
                }
            });
        } catch (RuntimeException e) {
            done();
            failPending(id);
        }
    }

    /** Records a task's own result unless its failure was recorded already. */
    void finish(long id, Runnable record) {
        if (pending.remove(id) != null) {
            record.run();
        }
    }

    private void failPending(long id) {
        Runnable failure = pending.remove(id);
        if (failure != null) {
            failure.run();
        }
    }

    /** Records the failure of every task still running (at close, past the deadline); late results are dropped. */
    void failPending() {
        for (Long id : List.copyOf(pending.keySet())) {
            failPending(id);
        }
    }

    void addAsyncLoad(AdapterFuture<?> stage) {
        asyncLoads.add(stage);
    }

    void removeAsyncLoad(AdapterFuture<?> stage) {
        asyncLoads.remove(stage);
    }

    /** Fails every async load still running (at close); a late result is ignored (first completion wins). */
    void failAsyncLoads(Supplier<? extends RuntimeException> why) {
        for (AdapterFuture<?> stage : List.copyOf(asyncLoads)) {
            stage.fail(why.get());
        }
    }

    /** Waits up to {@code nanos} for no task to be in flight (returns early when interrupted, flag set). */
    void awaitIdle(long nanos) {
        long deadline = System.nanoTime() + nanos;
        lock.lock();
        try {
            while (inflight.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                idle.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }
}
