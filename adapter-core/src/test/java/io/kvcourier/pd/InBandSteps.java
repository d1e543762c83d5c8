package io.kvcourier.pd;

import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.Poll;
import io.kvcourier.testkit.TaskWaiter;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The steps the in-band control tests share ({@link InBandControlTest} over mock_memory, {@link TcpInBandControlTest}
 * over tcp), each asserting as it goes and waiting at most {@code wait} for each task.
 */
final class InBandSteps {
    private InBandSteps() {
    }

    /** {@code tasks} stores of two chunks each, every one loaded back and compared byte for byte. */
    static void storeAndLoad(PdPair p, TaskWaiter ws, TaskWaiter wr, String prefix, int tasks, Duration wait) {
        for (int t = 0; t < tasks; t++) {
            List<ObjectKey> keys = PdPair.keys(prefix + "-" + t, 2);
            List<MemoryObj> src = p.randomChunks(2);
            assertThat(ws.awaitStore(p.sender.submitStoreTask(keys, src), wait)).isTrue();
            List<MemoryObj> dst = p.emptyChunks(2);
            assertThat(wr.awaitLoad(p.receiver.submitLoadTask(keys, dst), wait).popcount()).isEqualTo(2);
            for (int i = 0; i < 2; i++) {
                assertThat(PdPair.sameBytes(src.get(i), dst.get(i), PdPair.CHUNK)).isTrue();
            }
        }
    }

    /** Stores two chunks and locks them on the receiver (locked keys cannot be evicted to make room). */
    static List<ObjectKey> lockTwoChunks(PdPair p, TaskWaiter ws, TaskWaiter wr, String prefix, Duration wait) {
        List<ObjectKey> keys = PdPair.keys(prefix, 2);
        assertThat(ws.awaitStore(p.sender.submitStoreTask(keys, p.randomChunks(2)), wait)).isTrue();
        Bitmap locked = wr.awaitLookup(p.receiver.submitLookupAndLockTask(keys), wait);
        assertThat(locked.popcount()).isEqualTo(2);
        return keys;
    }

    /**
     * With the receiver's buffer full of the locked chunks {@code first}, a store of one more chunk waits for room;
     * loading and unlocking {@code first} lets the chunks go, and the waiting store then lands byte for byte.
     */
    static void waitingStoreLandsWhenRoomComes(PdPair p, TaskWaiter ws, TaskWaiter wr, List<ObjectKey> first,
            Duration wait) throws InterruptedException {
        List<ObjectKey> second = PdPair.keys("room-b", 1);
        List<MemoryObj> secondData = p.randomChunks(1);
        long waiting = p.sender.submitStoreTask(second, secondData);
        assertThat(Poll.until(() -> PdPair.status(p.receiver, "waiting_allocations") == 1, wait)).isTrue();
        assertThat(wr.awaitLoad(p.receiver.submitLoadTask(first, p.emptyChunks(2)), wait).popcount()).isEqualTo(2);
        p.receiver.submitUnlock(first);
        assertThat(ws.awaitStore(waiting, wait)).isTrue();
        List<MemoryObj> dst = p.emptyChunks(1);
        assertThat(wr.awaitLoad(p.receiver.submitLoadTask(second, dst), wait).popcount()).isEqualTo(1);
        assertThat(PdPair.sameBytes(secondData.get(0), dst.get(0), PdPair.CHUNK)).isTrue();
    }
}
