package io.kvcourier.pd;

import io.kvcourier.channel.tcp.TcpTestChannels;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.TaskWaiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;

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
}
