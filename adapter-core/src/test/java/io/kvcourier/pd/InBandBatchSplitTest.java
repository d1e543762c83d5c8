package io.kvcourier.pd;

import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.TaskWaiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A store task of more than {@link SenderEngine#IN_BAND_BATCH_KEYS} keys to a receiver reached in-band goes as
 * several batches (one allocation each), so that the receiver allocates the next while the bytes of the one before
 * are written; the request still lands whole, its reservation ends with its last batch, and over the ZMQ alloc port
 * the same task stays one batch.
 */
@Timeout(60)
class InBandBatchSplitTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int KEYS = 2 * SenderEngine.IN_BAND_BATCH_KEYS + 44;
    private static final Consumer<Map<String, Object>> TCP_ROOMY = m -> {
        TcpInBandControlTest.TCP.accept(m);
        m.put("buffer_size", (KEYS + 16) * PdPair.CHUNK);
    };

    @Test
    void aLargeTaskToAnInBandReceiverGoesAsSeveralBatchesAndLandsWhole() {
        TcpInBandControlTest.Capturing tcp = new TcpInBandControlTest.Capturing(4, 4);
        try (PdPair p = new PdPair(tcp, TCP_ROOMY, TCP_ROOMY); TaskWaiter ws = new TaskWaiter(p.sender);
             TaskWaiter wr = new TaskWaiter(p.receiver)) {
            // The first store makes the data connection; a task planned after it knows that it carries control.
            InBandSteps.storeAndLoad(p, ws, wr, "split-warm", 1, WAIT);

            storeLoadAndCompare(p, ws, wr, "split");

            // 128 + 128 + 44 keys: three allocations, all in-band, and three batches committed.
            assertThat(PdPair.status(p.sender, "in_band_allocations")).isEqualTo(1 + 3);
            assertThat(tcp.controlRequests()).isEqualTo(1 + 3);
            assertThat(PdPair.status(p.sender, "batches_committed")).isEqualTo(1 + 3);
            // The last batch (is_last_batch) ended the request's reservation: nothing stays reserved.
            assertThat(PdPair.status(p.receiver, "reserved_pages")).isZero();
        }
    }

    @Test
    void overTheAllocPortALargeTaskStaysOneBatch() {
        // Data version 2 on the receiver: no control on the data connection, every allocation on its ZMQ alloc port.
        TcpInBandControlTest.Capturing tcp = new TcpInBandControlTest.Capturing(4, 2);
        try (PdPair p = new PdPair(tcp, TCP_ROOMY, TCP_ROOMY); TaskWaiter ws = new TaskWaiter(p.sender);
             TaskWaiter wr = new TaskWaiter(p.receiver)) {
            InBandSteps.storeAndLoad(p, ws, wr, "whole-warm", 1, WAIT);

            storeLoadAndCompare(p, ws, wr, "whole");

            assertThat(PdPair.status(p.sender, "in_band_allocations")).isZero();
            assertThat(PdPair.status(p.sender, "batches_committed")).isEqualTo(1 + 1);
            assertThat(PdPair.status(p.receiver, "reserved_pages")).isZero();
        }
    }

    /** Stores {@link #KEYS} chunks as the last prefill of one request, loads them back and compares every byte. */
    private static void storeLoadAndCompare(PdPair p, TaskWaiter ws, TaskWaiter wr, String prefix) {
        List<ObjectKey> keys = PdPair.keys(prefix, KEYS);
        List<MemoryObj> src = p.randomChunks(KEYS);
        TransferSpec spec = new TransferSpec(prefix + "-req", true, KEYS);
        assertThat(ws.awaitStore(p.sender.submitStoreTask(keys, src, spec), WAIT)).isTrue();
        List<MemoryObj> dst = p.emptyChunks(KEYS);
        assertThat(wr.awaitLoad(p.receiver.submitLoadTask(keys, dst), WAIT).popcount()).isEqualTo(KEYS);
        for (int i = 0; i < KEYS; i++) {
            assertThat(PdPair.sameBytes(src.get(i), dst.get(i), PdPair.CHUNK)).as("chunk %d", i).isTrue();
        }
    }
}
