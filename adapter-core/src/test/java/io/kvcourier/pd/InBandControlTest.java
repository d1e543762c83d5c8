package io.kvcourier.pd;

import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.TaskWaiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two kvcourier adapters over mock_memory carry their allocations on the data connection (in-band control); the
 * same requests still work on the ZMQ alloc port when in-band control is off, and a receiver that must wait for
 * room answers in-band when room comes.
 */
@Timeout(60)
class InBandControlTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void allocationsBetweenKvcourierPeersTravelOnTheDataConnection() {
        try (PdPair p = new PdPair(); TaskWaiter ws = new TaskWaiter(p.sender); TaskWaiter wr = new TaskWaiter(p.receiver)) {
            storeAndLoad(p, ws, wr, "inband", 3);
            assertThat(PdPair.status(p.sender, "in_band_allocations")).isEqualTo(3);
        }
    }

    @Test
    void withInBandControlOffTheAllocPortCarriesThem() {
        String was = System.getProperty("kvcourier.control.inBand");
        System.setProperty("kvcourier.control.inBand", "false");
        PdPair pair;
        try {
            pair = new PdPair();
        } finally {
            if (was == null) {
                System.clearProperty("kvcourier.control.inBand");
            } else {
                System.setProperty("kvcourier.control.inBand", was);
            }
        }
        try (PdPair p = pair; TaskWaiter ws = new TaskWaiter(p.sender); TaskWaiter wr = new TaskWaiter(p.receiver)) {
            storeAndLoad(p, ws, wr, "zmq", 3);
            assertThat(PdPair.status(p.sender, "in_band_allocations")).isZero();
        }
    }

    /**
     * The receiver's buffer holds two chunks; a third store waits for room and is answered (in-band) once a load
     * and unlock let the committed chunks go.
     */
    @Test
    void anAllocationThatWaitsForRoomIsAnsweredInBandWhenRoomComes() throws InterruptedException {
        try (PdPair p = new PdPair(PdPair.DEFAULT_CHANNEL, m -> {
            m.put("buffer_size", 2 * PdPair.CHUNK);
            m.put("allocation_timeout_sec", 10);
            m.put("transfer_timeout_sec", 10);
        }, m -> {
            m.put("allocation_timeout_sec", 10);
            m.put("transfer_timeout_sec", 10);
        }); TaskWaiter ws = new TaskWaiter(p.sender); TaskWaiter wr = new TaskWaiter(p.receiver)) {
            List<ObjectKey> first = PdPair.keys("room-a", 2);
            assertThat(ws.awaitStore(p.sender.submitStoreTask(first, p.randomChunks(2)), WAIT)).isTrue();
            // The decode side locks the first request (locked keys cannot be evicted to make room) ...
            Bitmap locked = wr.awaitLookup(p.receiver.submitLookupAndLockTask(first), WAIT);
            assertThat(locked.popcount()).isEqualTo(2);
            List<ObjectKey> second = PdPair.keys("room-b", 1);
            List<MemoryObj> secondData = p.randomChunks(1);
            long waiting = p.sender.submitStoreTask(second, secondData);
            assertThat(PdPair.waitFor(() -> PdPair.status(p.receiver, "waiting_allocations") == 1, WAIT)).isTrue();
            // ... then loads it and unlocks: the pages are freed and the waiting allocation is answered.
            assertThat(wr.awaitLoad(p.receiver.submitLoadTask(first, p.emptyChunks(2)), WAIT).popcount()).isEqualTo(2);
            p.receiver.submitUnlock(first);
            assertThat(ws.awaitStore(waiting, WAIT)).isTrue();
            List<MemoryObj> dst = p.emptyChunks(1);
            assertThat(wr.awaitLoad(p.receiver.submitLoadTask(second, dst), WAIT).popcount()).isEqualTo(1);
            assertThat(PdPair.sameBytes(secondData.get(0), dst.get(0), PdPair.CHUNK)).isTrue();
            assertThat(PdPair.status(p.sender, "in_band_allocations")).isEqualTo(2);
        }
    }

    private static void storeAndLoad(PdPair p, TaskWaiter ws, TaskWaiter wr, String prefix, int tasks) {
        for (int t = 0; t < tasks; t++) {
            List<ObjectKey> keys = PdPair.keys(prefix + "-" + t, 2);
            List<MemoryObj> src = p.randomChunks(2);
            assertThat(ws.awaitStore(p.sender.submitStoreTask(keys, src), WAIT)).isTrue();
            List<MemoryObj> dst = p.emptyChunks(2);
            assertThat(wr.awaitLoad(p.receiver.submitLoadTask(keys, dst), WAIT).popcount()).isEqualTo(2);
            for (int i = 0; i < 2; i++) {
                assertThat(PdPair.sameBytes(src.get(i), dst.get(i), PdPair.CHUNK)).isTrue();
            }
        }
    }
}
