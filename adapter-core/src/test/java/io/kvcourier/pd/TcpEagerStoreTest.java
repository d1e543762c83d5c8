package io.kvcourier.pd;

import io.kvcourier.channel.BatchCompletion;
import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.ChannelSettings;
import io.kvcourier.channel.ControlReplySink;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.channel.WriteBatch;
import io.kvcourier.channel.tcp.TcpTestChannels;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.TaskWaiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.kvcourier.pd.TcpInBandControlTest.TCP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two kvcourier adapters over tcp data version 4 send a batch's bytes right behind its in-band AllocRequest (an eager
 * store). The receiver lands them when it can allocate at once; when it cannot (the allocation waits for room, the
 * keys are already there) the bytes are discarded and the store still ends as it would have without them: written
 * after the reply, or done with nothing to write. Every store is loaded back and compared byte for byte.
 */
@Timeout(60)
class TcpEagerStoreTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void storesBetweenVersion4PeersGoRightBehindTheirAllocationAndLand() {
        TcpInBandControlTest.Capturing tcp = new TcpInBandControlTest.Capturing(4, 4);
        try (PdPair p = new PdPair(tcp, TCP, TCP); TaskWaiter ws = new TaskWaiter(p.sender);
             TaskWaiter wr = new TaskWaiter(p.receiver)) {
            InBandSteps.storeAndLoad(p, ws, wr, "eager", 3, WAIT);
            assertThat(PdPair.status(p.sender, "eager_stores")).isEqualTo(3);
            assertThat(PdPair.status(p.sender, "eager_stores_landed")).isEqualTo(3);
            assertThat(PdPair.status(p.sender, "batches_committed")).isEqualTo(3);
            assertThat(PdPair.status(p.sender, "bytes_sent")).isEqualTo(3 * 2 * PdPair.CHUNK);
            assertThat(TcpTestChannels.discardedFrames(tcp.receivers.get(0))).isZero();
        }
    }

    @Test
    void anEagerStoreWhoseAllocationWaitsForRoomIsWrittenOnceRoomCame() throws InterruptedException {
        TcpInBandControlTest.Capturing tcp = new TcpInBandControlTest.Capturing(4, 4);
        try (PdPair p = new PdPair(tcp, TcpInBandControlTest.roomForTwo(10), TcpInBandControlTest.deadlines(10));
             TaskWaiter ws = new TaskWaiter(p.sender); TaskWaiter wr = new TaskWaiter(p.receiver)) {
            List<ObjectKey> first = InBandSteps.lockTwoChunks(p, ws, wr, "eager-room-a", WAIT);
            InBandSteps.waitingStoreLandsWhenRoomComes(p, ws, wr, first, WAIT);
            assertThat(PdPair.status(p.sender, "eager_stores")).isEqualTo(2);
            assertThat(PdPair.status(p.sender, "eager_stores_landed")).isEqualTo(1); // the first; the second waited
            assertThat(TcpTestChannels.discardedFrames(tcp.receivers.get(0))).isEqualTo(1);
            assertThat(PdPair.status(p.sender, "batches_committed")).isEqualTo(2);
        }
    }

    @Test
    void storingKeysTheReceiverAlreadyHoldsSucceedsWithoutWritingThemAgain() {
        TcpInBandControlTest.Capturing tcp = new TcpInBandControlTest.Capturing(4, 4);
        try (PdPair p = new PdPair(tcp, TCP, TCP); TaskWaiter ws = new TaskWaiter(p.sender);
             TaskWaiter wr = new TaskWaiter(p.receiver)) {
            List<ObjectKey> keys = PdPair.keys("eager-again", 2);
            List<MemoryObj> src = p.randomChunks(2);
            assertThat(ws.awaitStore(p.sender.submitStoreTask(keys, src), WAIT)).isTrue();
            // The same keys again, other bytes: the receiver names them already sent and discards the eager bytes.
            assertThat(ws.awaitStore(p.sender.submitStoreTask(keys, p.randomChunks(2)), WAIT)).isTrue();
            List<MemoryObj> dst = p.emptyChunks(2);
            assertThat(wr.awaitLoad(p.receiver.submitLoadTask(keys, dst), WAIT).popcount()).isEqualTo(2);
            for (int i = 0; i < 2; i++) {
                assertThat(PdPair.sameBytes(src.get(i), dst.get(i), PdPair.CHUNK)).isTrue(); // the first store's
            }
            assertThat(PdPair.status(p.sender, "eager_stores")).isEqualTo(2);
            assertThat(PdPair.status(p.sender, "eager_stores_landed")).isEqualTo(1);
            assertThat(TcpTestChannels.discardedFrames(tcp.receivers.get(0))).isEqualTo(1);
            assertThat(PdPair.status(p.sender, "bytes_sent")).isEqualTo(2 * PdPair.CHUNK);
        }
    }

    @Test
    void aPeerBeforeVersion4GetsInBandAllocationsWithoutEagerBytes() {
        for (int[] versions : new int[][] {{3, 4}, {4, 3}}) {
            TcpInBandControlTest.Capturing tcp = new TcpInBandControlTest.Capturing(versions[0], versions[1]);
            try (PdPair p = new PdPair(tcp, TCP, TCP); TaskWaiter ws = new TaskWaiter(p.sender);
                 TaskWaiter wr = new TaskWaiter(p.receiver)) {
                InBandSteps.storeAndLoad(p, ws, wr, "eager-v3", 2, WAIT);
                String as = "sender " + versions[0] + ", receiver " + versions[1];
                assertThat(PdPair.status(p.sender, "in_band_allocations")).as(as).isEqualTo(2);
                assertThat(PdPair.status(p.sender, "eager_stores")).as(as).isZero();
                assertThat(PdPair.status(p.sender, "batches_committed")).as(as).isEqualTo(2);
            }
        }
    }

    /**
     * The second store's keys are already on the receiver, so its reply asks for no write and would end it at once;
     * but its eager bytes are out until the channel reports them. Here the channel's report is held back: the store
     * must not complete before it is passed on, even after a later store (whose reply the control thread handles
     * after the held one's) has completed.
     */
    @Test
    void aStoreWithEagerBytesOutEndsOnlyAfterTheChannelReportedThem() throws InterruptedException {
        HoldingSecondEager tcp = new HoldingSecondEager();
        try (PdPair p = new PdPair(tcp, TCP, TCP); TaskWaiter ws = new TaskWaiter(p.sender);
             TaskWaiter wr = new TaskWaiter(p.receiver)) {
            List<ObjectKey> keys = PdPair.keys("eager-held", 2);
            List<MemoryObj> src = p.randomChunks(2);
            assertThat(ws.awaitStore(p.sender.submitStoreTask(keys, src), WAIT)).isTrue();
            long again = p.sender.submitStoreTask(keys, p.randomChunks(2));
            Held held = tcp.held.poll(WAIT.toSeconds(), TimeUnit.SECONDS); // the channel has reported: refused
            assertThat(held).isNotNull();
            assertThat(held.failure).isNotNull();

            assertThat(ws.awaitStore(p.sender.submitStoreTask(PdPair.keys("eager-later", 2), p.randomChunks(2)),
                    WAIT)).isTrue();
            assertThat(ws.awaitStore(again, Duration.ZERO)).as("ended while its eager bytes were out").isNull();

            held.release();
            assertThat(ws.awaitStore(again, WAIT)).isTrue();
            List<MemoryObj> dst = p.emptyChunks(2);
            assertThat(wr.awaitLoad(p.receiver.submitLoadTask(keys, dst), WAIT).popcount()).isEqualTo(2);
            for (int i = 0; i < 2; i++) {
                assertThat(PdPair.sameBytes(src.get(i), dst.get(i), PdPair.CHUNK)).isTrue();
            }
        }
    }

    /** A channel report held back: the completion, the batch and the failure it was told. */
    private record Held(BatchCompletion completion, WriteBatch batch, ChannelException failure) {
        void release() {
            completion.batchDone(batch, failure);
        }
    }

    /** tcp (data version 4) whose connections hold back the channel's report of the second eager store. */
    private static final class HoldingSecondEager implements TransferChannelFactory {
        final TransferChannelFactory tcp = TcpTestChannels.withDataVersions(4, 4);
        final BlockingQueue<Held> held = new LinkedBlockingQueue<>();
        final AtomicInteger eagerSent = new AtomicInteger();

        @Override
        public ChannelSender openSender(ChannelSettings config, StagingBuffer staging) throws ChannelException {
            ChannelSender s = tcp.openSender(config, staging);
            return new ChannelSender() {
                @Override
                public Handshake beginConnect(String senderId) throws ChannelException {
                    Handshake h = s.beginConnect(senderId);
                    return new Handshake() {
                        @Override
                        public PdMessage request() {
                            return h.request();
                        }

                        @Override
                        public ChannelConnection complete(PdMessage reply) throws ChannelException {
                            return holding(h.complete(reply));
                        }

                        @Override
                        public void abort() {
                            h.abort();
                        }
                    };
                }

                @Override
                public void registerRegion(int region, MemorySegment segment) throws ChannelException {
                    s.registerRegion(region, segment);
                }

                @Override
                public long callerSegmentMinBytes() {
                    return s.callerSegmentMinBytes();
                }

                @Override
                public void unregisterRegion(int region) {
                    s.unregisterRegion(region);
                }

                @Override
                public void close() {
                    s.close();
                }
            };
        }

        @Override
        public ChannelReceiver openReceiver(ChannelSettings config, StagingBuffer staging, LandingListener listener)
                throws ChannelException {
            return tcp.openReceiver(config, staging, listener);
        }

        private ChannelConnection holding(ChannelConnection c) {
            return new ChannelConnection() {
                @Override
                public void write(WriteBatch batch, BatchCompletion completion) {
                    c.write(batch, completion);
                }

                @Override
                public boolean carriesControl() {
                    return c.carriesControl();
                }

                @Override
                public boolean sendControl(long id, byte[] bytes, int offset, int length, ControlReplySink sink) {
                    return c.sendControl(id, bytes, offset, length, sink);
                }

                @Override
                public boolean carriesEager() {
                    return c.carriesEager();
                }

                @Override
                public boolean sendEager(long id, byte[] bytes, int offset, int length, ControlReplySink sink,
                                         WriteBatch batch, BatchCompletion completion) {
                    BatchCompletion told = eagerSent.incrementAndGet() == 2
                            ? (b, failure) -> held.add(new Held(completion, b, failure)) : completion;
                    return c.sendEager(id, bytes, offset, length, sink, batch, told);
                }

                @Override
                public boolean repliesOnProgressThread() {
                    return c.repliesOnProgressThread();
                }

                @Override
                public boolean isOpen() {
                    return c.isOpen();
                }

                @Override
                public String describe() {
                    return c.describe();
                }

                @Override
                public void close() {
                    c.close();
                }
            };
        }
    }
}
