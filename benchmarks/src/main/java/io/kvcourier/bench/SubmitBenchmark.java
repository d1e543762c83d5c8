package io.kvcourier.bench;

import io.kvcourier.event.CompletionPoller;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Suite <b>submit</b>: the latency of one {@code submitStoreTask} call on a live sender (mock_memory channel to a
 * receiver in this JVM, real ZMQ control plane), one 64 KiB chunk per task. Each call is timed alone
 * (SampleTime); after it, outside the timed region, the benchmark waits for the task to complete through the
 * store eventfd, so every call meets the same idle adapter.
 *
 * <p>Ceiling: handing an empty task to a new virtual thread with the same kind of executor the adapter uses
 * ({@code newThreadPerTaskExecutor(Thread.ofVirtual()...)}) — the least a submit that runs its task on a virtual
 * thread can cost.
 *
 * <p>Allocation: besides {@code -prof gc} (all threads, the whole store task), the caller thread's own heap
 * allocation per call is counted around each timed call and written to {@link BenchOut} as
 * {@code submit.caller.bytes} and {@code vthread.caller.bytes}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SubmitBenchmark {
    static final long CHUNK = 64 * 1024;
    private static final int KEY_SETS = 4096;

    /** A sender/receiver pair and pre-made keys, so the timed call does nothing but submit. */
    @State(Scope.Thread)
    public static class Store {
        AdapterPair pair;
        CompletionPoller poller;
        List<List<ObjectKey>> keys;
        List<MemoryObj> objects;
        int next;
        long lastId;
        final AllocationCounter alloc = new AllocationCounter();

        @Setup(Level.Trial)
        public void open() {
            pair = new AdapterPair("mock_memory", CHUNK, 64, 0);
            poller = CompletionPoller.forAdapter(pair.sender);
            objects = pair.chunks(1);
            keys = new ArrayList<>(KEY_SETS);
            for (int i = 0; i < KEY_SETS; i++) {
                keys.add(AdapterPair.keys(i, 1));
            }
        }

        @Setup(Level.Iteration)
        public void iteration(IterationParams params) {
            alloc.startIteration(params);
        }

        @Setup(Level.Invocation)
        public void before() {
            alloc.before();
        }

        @TearDown(Level.Invocation)
        public void awaitCompletion() {
            alloc.after();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                Map<Long, Boolean> done = pair.sender.popCompletedStoreTasks();
                if (done.containsKey(lastId)) {
                    if (!done.get(lastId)) {
                        throw new IllegalStateException("store task " + lastId + " failed");
                    }
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("store task " + lastId + " did not complete in 30 s");
                }
                poller.await(Duration.ofMillis(100));
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            BenchOut.write("submit.caller.bytes", alloc.bytesPerCall());
            poller.close();
            pair.close();
        }
    }

    /** The ceiling's executor and a flag the empty task sets. */
    @State(Scope.Thread)
    public static class VirtualThreads {
        ExecutorService executor;
        final AtomicBoolean ran = new AtomicBoolean();
        final Runnable task = () -> ran.set(true);
        final AllocationCounter alloc = new AllocationCounter();

        @Setup(Level.Trial)
        public void open() {
            executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("bench-", 0).factory());
        }

        @Setup(Level.Iteration)
        public void iteration(IterationParams params) {
            alloc.startIteration(params);
        }

        @Setup(Level.Invocation)
        public void before() {
            ran.set(false);
            alloc.before();
        }

        @TearDown(Level.Invocation)
        public void awaitRun() {
            alloc.after();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!ran.get()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("virtual thread did not run in 30 s");
                }
                LockSupport.parkNanos(10_000);
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            BenchOut.write("vthread.caller.bytes", alloc.bytesPerCall());
            executor.close();
        }
    }

    /** Counts the caller thread's heap allocation around each timed call, in measurement iterations only. */
    static final class AllocationCounter {
        private boolean measuring;
        private long start;
        private long bytes;
        private long calls;

        void startIteration(IterationParams params) {
            measuring = params.getType() == IterationType.MEASUREMENT;
        }

        void before() {
            start = BenchOut.threadAllocatedBytes();
        }

        void after() {
            long end = BenchOut.threadAllocatedBytes();
            if (measuring) {
                bytes += end - start;
                calls++;
            }
        }

        double bytesPerCall() {
            return calls == 0 ? Double.NaN : (double) bytes / calls;
        }
    }

    /** kvcourier: one store task submitted (returns its id). */
    @Benchmark
    public long submitStoreTask(Store s) {
        List<ObjectKey> k = s.keys.get(s.next);
        s.next = (s.next + 1) % KEY_SETS;
        long id = s.pair.sender.submitStoreTask(k, s.objects);
        s.lastId = id;
        return id;
    }

    /** Ceiling: an empty task handed to a new virtual thread. */
    @Benchmark
    public void virtualThreadStart(VirtualThreads s) {
        s.executor.execute(s.task);
    }
}
