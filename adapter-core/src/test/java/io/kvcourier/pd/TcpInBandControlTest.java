package io.kvcourier.pd;

import io.kvcourier.channel.ChannelSettings;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.channel.tcp.TcpTestChannels;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.Poll;
import io.kvcourier.testkit.TaskWaiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two kvcourier adapters over tcp carry their allocation exchanges on the data connection (tcp data version 3)
 * instead of the receiver's ZMQ alloc port; an allocation that waits for room is answered in-band later; a data
 * connection that closes with an exchange pending fails that store at once; a peer of version 2 keeps the alloc port.
 */
@Timeout(60)
class TcpInBandControlTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    static final Consumer<Map<String, Object>> TCP = m -> m.put("transfer_channel", "tcp");

    /** A tcp factory (data versions as given) that keeps the receivers it opened. */
    static final class Capturing implements TransferChannelFactory {
        final TransferChannelFactory tcp;
        final List<ChannelReceiver> receivers = new CopyOnWriteArrayList<>();

        Capturing(int senderMax, int receiverMax) {
            tcp = TcpTestChannels.withDataVersions(senderMax, receiverMax);
        }

        @Override
        public ChannelSender openSender(ChannelSettings config, StagingBuffer staging) throws ChannelException {
            return tcp.openSender(config, staging);
        }

        @Override
        public ChannelReceiver openReceiver(ChannelSettings config, StagingBuffer staging, LandingListener listener)
                throws ChannelException {
            ChannelReceiver r = tcp.openReceiver(config, staging, listener);
            receivers.add(r);
            return r;
        }

        long controlRequests() {
            return TcpTestChannels.controlRequests(receivers.get(0));
        }
    }

    @Test
    void allocationsBetweenKvcourierPeersTravelOnTheTcpDataConnection() {
        Capturing tcp = new Capturing(3, 3);
        try (PdPair p = new PdPair(tcp, TCP, TCP); TaskWaiter ws = new TaskWaiter(p.sender);
             TaskWaiter wr = new TaskWaiter(p.receiver)) {
            InBandSteps.storeAndLoad(p, ws, wr, "tcp-inband", 3, WAIT);
            // One allocation per task, every one in-band: the alloc port carried none.
            assertThat(PdPair.status(p.sender, "in_band_allocations")).isEqualTo(3);
            assertThat(tcp.controlRequests()).isEqualTo(3);
        }
    }

    @Test
    void aVersion2SenderOrReceiverKeepsTheAllocPort() {
        for (int[] versions : new int[][] {{2, 3}, {3, 2}}) {
            Capturing tcp = new Capturing(versions[0], versions[1]);
            try (PdPair p = new PdPair(tcp, TCP, TCP); TaskWaiter ws = new TaskWaiter(p.sender);
                 TaskWaiter wr = new TaskWaiter(p.receiver)) {
                InBandSteps.storeAndLoad(p, ws, wr, "tcp-v2", 2, WAIT);
                assertThat(PdPair.status(p.sender, "in_band_allocations")).as("sender %d, receiver %d", versions[0],
                        versions[1]).isZero();
                assertThat(tcp.controlRequests()).isZero();
            }
        }
    }

    /**
     * The receiver's buffer holds two chunks; a third store waits for room and is answered in-band once a load and
     * unlock let the committed chunks go.
     */
    @Test
    void aReplyIsHandledOnTheChannelThreadThatReadItWhileTheControlThreadIdles() {
        try (PdPair p = new PdPair(new Capturing(3, 3), TCP, TCP); TaskWaiter ws = new TaskWaiter(p.sender);
             TaskWaiter wr = new TaskWaiter(p.receiver)) {
            // One store at a time: between them the control thread goes idle, so the tcp thread that reads a reply
            // can take over its cycle. It may be busy at any one reply (a cycle of its own); not at 50 in a row.
            int tasks = 0;
            while (PdPair.status(p.sender, "in_band_replies_in_place") == 0 && tasks < 50) {
                InBandSteps.storeAndLoad(p, ws, wr, "in-place-" + tasks, 1, WAIT);
                tasks++;
            }
            assertThat(PdPair.status(p.sender, "in_band_replies_in_place")).as("after %d stores", tasks).isPositive();
            assertThat(PdPair.status(p.sender, "in_band_allocations")).isEqualTo(tasks);
            assertThat(PdPair.status(p.sender, "batches_committed")).isEqualTo(tasks);
        }
    }

    @Test
    void anAllocationThatWaitsForRoomIsAnsweredInBandWhenRoomComes() throws InterruptedException {
        Capturing tcp = new Capturing(3, 3);
        try (PdPair p = new PdPair(tcp, roomForTwo(10), deadlines(10)); TaskWaiter ws = new TaskWaiter(p.sender);
             TaskWaiter wr = new TaskWaiter(p.receiver)) {
            List<ObjectKey> first = InBandSteps.lockTwoChunks(p, ws, wr, "room-a", WAIT);
            InBandSteps.waitingStoreLandsWhenRoomComes(p, ws, wr, first, WAIT);
            assertThat(PdPair.status(p.sender, "in_band_allocations")).isEqualTo(2);
            assertThat(tcp.controlRequests()).isEqualTo(2);
        }
    }

    /**
     * An allocation waits for room (deadlines of a minute); the receiver then closes the sender's data connection.
     * The store fails as soon as the connection is gone, long before any deadline, and the next store reconnects.
     */
    @Test
    void aConnectionClosedWithAnExchangePendingFailsThatStoreAtOnce() throws InterruptedException {
        Capturing tcp = new Capturing(3, 3);
        try (PdPair p = new PdPair(tcp, roomForTwo(60), deadlines(60)); TaskWaiter ws = new TaskWaiter(p.sender);
             TaskWaiter wr = new TaskWaiter(p.receiver)) {
            List<ObjectKey> first = InBandSteps.lockTwoChunks(p, ws, wr, "lost-a", WAIT);
            long waiting = p.sender.submitStoreTask(PdPair.keys("lost-b", 1), p.randomChunks(1));
            assertThat(Poll.until(() -> PdPair.status(p.receiver, "waiting_allocations") == 1, WAIT)).isTrue();
            String senderId = (String) p.sender.reportStatus().get("sender_id");
            assertThat(tcp.receivers.get(0).tryFence(senderId)).isTrue();
            // The allocation deadline is 60 s, the reply deadline over 120 s: only the lost connection fails it now.
            assertThat(ws.awaitStore(waiting, WAIT)).isFalse();

            assertThat(wr.awaitLoad(p.receiver.submitLoadTask(first, p.emptyChunks(2)), WAIT).popcount()).isEqualTo(2);
            p.receiver.submitUnlock(first);
            List<ObjectKey> again = PdPair.keys("lost-c", 1);
            List<MemoryObj> data = p.randomChunks(1);
            assertThat(Poll.until(() -> PdPair.status(p.receiver, "waiting_allocations") == 0, WAIT)).isTrue();
            assertThat(ws.awaitStore(p.sender.submitStoreTask(again, data), WAIT)).isTrue();
            List<MemoryObj> dst = p.emptyChunks(1);
            assertThat(wr.awaitLoad(p.receiver.submitLoadTask(again, dst), WAIT).popcount()).isEqualTo(1);
            assertThat(PdPair.sameBytes(data.get(0), dst.get(0), PdPair.CHUNK)).isTrue();
        }
    }

    static Consumer<Map<String, Object>> roomForTwo(int deadlineSec) {
        return m -> {
            TCP.accept(m);
            m.put("buffer_size", 2 * PdPair.CHUNK);
            m.put("allocation_timeout_sec", deadlineSec);
            m.put("transfer_timeout_sec", deadlineSec);
        };
    }

    static Consumer<Map<String, Object>> deadlines(int deadlineSec) {
        return m -> {
            TCP.accept(m);
            m.put("allocation_timeout_sec", deadlineSec);
            m.put("transfer_timeout_sec", deadlineSec);
        };
    }
}
