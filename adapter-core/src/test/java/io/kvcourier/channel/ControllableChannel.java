package io.kvcourier.channel;

import io.kvcourier.pd.PdL2AdapterConfig;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.PdMessage;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
        LOSE_ACK
    }

    private final BlockingQueue<Step> script = new LinkedBlockingQueue<>();
    private volatile CountDownLatch gate;
    private final CountDownLatch firstWriteHeld = new CountDownLatch(1);
    private final AtomicInteger writes = new AtomicInteger();
    private final AtomicInteger landed = new AtomicInteger();
    private volatile StagingBuffer receiverStaging;

    /** Scripts the next writes, in order. */
    public ControllableChannel then(Step... steps) {
        for (Step s : steps) {
            script.add(s);
        }
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
    public ChannelSender openSender(PdL2AdapterConfig config, StagingBuffer staging) throws ChannelException {
        ChannelSender inner = MockMemoryChannel.FACTORY.openSender(config, staging);
        return new ChannelSender() {
            @Override
            public Handshake beginConnect(String senderId) throws ChannelException {
                Handshake hs = inner.beginConnect(senderId);
                return new Handshake() {
                    @Override
                    public PdMessage request() {
                        return hs.request();
                    }

                    @Override
                    public ChannelConnection complete(PdMessage reply) throws ChannelException {
                        return new Steered(hs.complete(reply), staging);
                    }

                    @Override
                    public void abort() {
                        hs.abort();
                    }
                };
            }

            @Override
            public void close() {
                inner.close();
            }
        };
    }

    @Override
    public ChannelReceiver openReceiver(PdL2AdapterConfig config, StagingBuffer staging, LandingListener listener)
            throws ChannelException {
        receiverStaging = staging;
        return MockMemoryChannel.FACTORY.openReceiver(config, staging, listener);
    }

    private final class Steered implements ChannelConnection {
        private final ChannelConnection inner;
        private final StagingBuffer senderStaging;

        Steered(ChannelConnection inner, StagingBuffer senderStaging) {
            this.inner = inner;
            this.senderStaging = senderStaging;
        }

        @Override
        public CompletableFuture<Void> write(WriteBatch batch) {
            writes.incrementAndGet();
            Step step = script.poll();
            Step s = step == null ? Step.DELIVER : step;
            CompletableFuture<Void> result = new CompletableFuture<>();
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
                    switch (s) {
                        case DELIVER -> inner.write(batch).whenComplete((v, e) -> {
                            if (e == null) {
                                landed.incrementAndGet();
                                result.complete(null);
                            } else {
                                result.completeExceptionally(e);
                            }
                        });
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

        @Override
        public void close() {
            inner.close();
        }
    }
}
