package io.kvcourier.pd;

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
            InBandSteps.storeAndLoad(p, ws, wr, "inband", 3, WAIT);
            assertThat(PdPair.status(p.sender, "in_band_allocations")).isEqualTo(3);
            // mock_memory answers on whatever thread allocates: its replies always go to the control thread.
            assertThat(PdPair.status(p.sender, "in_band_replies_in_place")).isZero();
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
            InBandSteps.storeAndLoad(p, ws, wr, "zmq", 3, WAIT);
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
            // The decode side locks the first request (locked keys cannot be evicted to make room) ...
            List<ObjectKey> first = InBandSteps.lockTwoChunks(p, ws, wr, "room-a", WAIT);
            // ... then loads it and unlocks: the pages are freed and the waiting allocation is answered.
            InBandSteps.waitingStoreLandsWhenRoomComes(p, ws, wr, first, WAIT);
            assertThat(PdPair.status(p.sender, "in_band_allocations")).isEqualTo(2);
        }
    }
}
