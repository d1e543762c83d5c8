package io.kvcourier.bench;

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

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Ceiling of suite <b>submit</b> for a submit that hands its task to a thread that owns the work (issue 12's
 * design): the caller creates a small task record, offers it to an MPSC queue
 * ({@link ConcurrentLinkedQueue}) and unparks the consumer, a platform thread that polls the queue and parks
 * when it is empty. Timed like {@code submitStoreTask} (SampleTime, each call alone); after each call, outside
 * the timed region, the benchmark waits until the consumer took the record and parked again, so every call
 * meets a parked consumer, as every {@code submitStoreTask} call meets an idle adapter.
 *
 * <p>The caller thread's own heap allocation per call (the record and the queue node) is written to
 * {@link BenchOut} as {@code mpsc.caller.bytes}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class MpscHandoffBenchmark {

    /** What a submit would hand over: an id and references to the caller's keys, objects and spec. */
    record TaskRecord(long id, Object keys, Object objects, Object spec) {
    }

    /** The queue and its consumer thread. */
    @State(Scope.Thread)
    public static class Consumer {
        final ConcurrentLinkedQueue<TaskRecord> queue = new ConcurrentLinkedQueue<>();
        final Object keys = new Object();
        final Object objects = new Object();
        final Object spec = new Object();
        final SubmitBenchmark.AllocationCounter alloc = new SubmitBenchmark.AllocationCounter();
        Thread thread;
        long next;
        volatile long taken;
        volatile boolean parked;
        volatile boolean stop;

        @Setup(Level.Trial)
        public void start() {
            thread = Thread.ofPlatform().daemon(true).name("bench-mpsc-consumer").start(this::consume);
        }

        private void consume() {
            while (!stop) {
                TaskRecord r = queue.poll();
                if (r == null) {
                    parked = true;
                    LockSupport.park(this);
                    parked = false;
                    continue;
                }
                taken = r.id();
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
        public void awaitTaken() {
            alloc.after();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (taken != next || !parked) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the consumer did not take record " + next + " in 30 s");
                }
                LockSupport.parkNanos(10_000);
            }
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            BenchOut.write("mpsc.caller.bytes", alloc.bytesPerCall());
            stop = true;
            LockSupport.unpark(thread);
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
    }

    /** Ceiling: a task record offered to an MPSC queue and its consumer unparked. */
    @Benchmark
    public void offerAndUnpark(Consumer c) {
        c.queue.offer(new TaskRecord(++c.next, c.keys, c.objects, c.spec));
        LockSupport.unpark(c.thread);
    }
}
