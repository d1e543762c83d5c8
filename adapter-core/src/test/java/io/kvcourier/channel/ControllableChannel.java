package io.kvcourier.channel;

import io.kvcourier.channel.ChannelSettings;
import io.kvcourier.staging.StagingBuffer;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * A test channel over {@link MockMemoryChannel} whose writes a test steers deterministically: each write
 * takes the next scripted {@link Step} (default {@link Step#DELIVER}); a write can also be held on a latch
 * before its bytes land, so a test can look at the receiver while the transfer is "on the wire". Use one
 * instance for both the sender and the receiver adapter (a partial write reaches into the receiver's memory).
 */
public final class ControllableChannel implements TransferChannelFactory {

    /** What one write does. */
    public enum Step {
        /** Copy the bytes, commit, acknowledge. */
        DELIVER,
        /** Nothing lands and nothing is acknowledged: the sender's transfer deadline must end it. */
        DROP,
        /** Fail at once with a channel error, nothing written. */
        FAIL,
        /** Write the first half of the first chunk, then go silent (never committed, never acknowledged). */
        PARTIAL,
        /** Deliver and commit, but lose the acknowledgement: the sender must time out. */
        LOSE_ACK,
        /**
         * Error at a chosen point: the first chunk lands through the receiver's checks, then the connection
         * fails before the batch is complete (never committed; the receiver must reclaim the pages).
         */
        FAIL_MIDWAY,
        /**
         * A hostile or buggy peer: every chunk of the batch is aimed at page 0 (page 1 if the batch owns page 0),
         * i.e. at pages that belong to another allocation or key. The receiver's allocation check must refuse it
         * before any byte is copied there.
         */
        REDIRECT
    }

    private final BlockingQueue<Step> script = new LinkedBlockingQueue<>();
    private volatile CountDownLatch gate;
    private final CountDownLatch firstWriteHeld = new CountDownLatch(1);
    private final AtomicInteger writes = new AtomicInteger();
    private final AtomicInteger landed = new AtomicInteger();
    private volatile StagingBuffer receiverStaging;
    private volatile LongSupplier delayNanos = () -> 0;

    /** Scripts the next writes, in order. */
    public ControllableChannel then(Step... steps) {
        for (Step s : steps) {
            script.add(s);
        }
        return this;
    }

    /**
     * Delays every following write by {@code nanos.getAsLong()} nanoseconds before its step runs (injected
     * latency, e.g. random, so that writes land out of order; not a synchronisation).
     */
    public ControllableChannel delays(LongSupplier nanos) {
        this.delayNanos = nanos;
        return this;
    }

    /** Holds every following write before its bytes land until {@link #release()}. */
    public ControllableChannel hold() {
        gate = new CountDownLatch(1);
        return this;
    }

    /** Lets held writes continue. */
    public void release() {
        CountDownLatch g = gate;
        if (g != null) {
            g.countDown();
        }
    }

    /** Waits until a write is being held at the gate. */
    public boolean awaitHeld(long timeout, TimeUnit unit) throws InterruptedException {
        return firstWriteHeld.await(timeout, unit);
    }

    /** Writes the sender started. */
    public int writes() {
        return writes.get();
    }

    /** Batches whose bytes landed and were committed. */
    public int landed() {
        return landed.get();
    }

    @Override
    public ChannelSender openSender(ChannelSettings settings, StagingBuffer staging) throws ChannelException {
        return new ConnectionWrappingSender(MockMemoryChannel.FACTORY.openSender(settings, staging),
                c -> new Steered(c, staging));
    }

    @Override
    public ChannelReceiver openReceiver(ChannelSettings settings, StagingBuffer staging, LandingListener listener)
            throws ChannelException {
        receiverStaging = staging;
        return MockMemoryChannel.FACTORY.openReceiver(settings, staging, listener);
    }

    private final class Steered implements ChannelConnection {
        private final ChannelConnection inner;
        private final StagingBuffer senderStaging;
        private final java.util.Set<CompletableFuture<Void>> pending = java.util.concurrent.ConcurrentHashMap.newKeySet();
        /** Held while a delivered write completes and while the connection closes (see close()). */
        private final java.util.concurrent.locks.ReentrantLock completing = new java.util.concurrent.locks.ReentrantLock();

        Steered(ChannelConnection inner, StagingBuffer senderStaging) {
            this.inner = inner;
            this.senderStaging = senderStaging;
        }

        @Override
        public void write(WriteBatch batch, BatchCompletion completion) {
            write(batch).whenComplete((v, e) -> completion.batchDone(batch, e == null ? null
                    : e instanceof ChannelException ce ? ce : new ChannelException(String.valueOf(e), e)));
        }

        @Override
        public CompletableFuture<Void> write(WriteBatch batch) {
            writes.incrementAndGet();
            Step step = script.poll();
            Step s = step == null ? Step.DELIVER : step;
            CompletableFuture<Void> result = new CompletableFuture<>();
            pending.add(result);
            result.whenComplete((v, e) -> pending.remove(result));
            Thread.ofVirtual().name("controllable-write").start(() -> {
                try {
                    CountDownLatch g = gate;
                    if (g != null) {
                        firstWriteHeld.countDown();
                        if (!g.await(60, TimeUnit.SECONDS)) {
                            result.completeExceptionally(new ChannelException("test gate never opened"));
                            return;
                        }
                    }
                    long delay = delayNanos.getAsLong();
                    if (delay > 0) {
                        LockSupport.parkNanos(delay);
                    }
                    switch (s) {
                        case FAIL_MIDWAY -> {
                            // The whole first chunk reaches the receiver's page, then the connection errors: the
                            // batch is never reported landed, so it must never commit.
                            java.lang.foreign.MemorySegment.copy(senderStaging.segment(), batch.localOffsets()[0],
                                    receiverStaging.segment(), batch.remotePages()[0] * batch.remotePageSize(),
                                    batch.lengths()[0]);
                            result.completeExceptionally(new ChannelException("scripted failure after the first chunk"));
                        }
                        case REDIRECT -> {
                            int target = batch.remotePages()[0] == 0 ? 1 : 0;
                            int[] shifted = new int[batch.size()];
                            java.util.Arrays.fill(shifted, target);
                            WriteBatch hostile = new WriteBatch(batch.localOffsets(), shifted, batch.lengths(),
                                    batch.remotePageSize());
                            inner.write(hostile).whenComplete((v, e) -> {
                                if (e == null) {
                                    landed.incrementAndGet();
                                    result.complete(null);
                                } else {
                                    result.completeExceptionally(e);
                                }
                            });
                        }
                        case DELIVER -> {
                            // The inner (mock) write commits and completes synchronously; under the same lock as
                            // close(), so a batch that committed is never reported failed by a concurrent close.
                            completing.lock();
                            try {
                                inner.write(batch).whenComplete((v, e) -> {
                                    if (e == null) {
                                        landed.incrementAndGet();
                                        result.complete(null);
                                    } else {
                                        result.completeExceptionally(e);
                                    }
                                });
                            } finally {
                                completing.unlock();
                            }
                        }
                        case DROP -> { }
                        case FAIL -> result.completeExceptionally(new ChannelException("scripted failure"));
                        case PARTIAL -> {
                            // Half of the first chunk reaches the receiver's page, then the sender goes silent.
                            long half = Math.max(1, batch.lengths()[0] / 2);
                            java.lang.foreign.MemorySegment.copy(senderStaging.segment(), batch.localOffsets()[0],
                                    receiverStaging.segment(), batch.remotePages()[0] * batch.remotePageSize(), half);
                        }
                        case LOSE_ACK -> inner.write(batch).whenComplete((v, e) -> {
                            if (e == null) {
                                landed.incrementAndGet();
                            }
                        });
                    }
                } catch (InterruptedException e) {
                    result.completeExceptionally(e);
                }
            });
            return result;
        }

        @Override
        public boolean isOpen() {
            return inner.isOpen();
        }

        @Override
        public String describe() {
            return "controllable(" + inner.describe() + ")";
        }

        /** Per the {@link ChannelConnection#close()} contract: when it returns, every pending write has failed. */
        @Override
        public void close() {
            completing.lock();
            try {
                inner.close();
                for (CompletableFuture<Void> f : pending) {
                    f.completeExceptionally(new ChannelException("connection closed"));
                }
            } finally {
                completing.unlock();
            }
        }
    }
}
