package io.kvcourier.pd;

import io.kvcourier.channel.tcp.TcpChannel;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.TaskWaiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bytes allocated on the sender's store path per task once warm: the caller's {@code submitStoreTask}, the
 * sender's control thread and its tcp progress thread (the threads of a sender JVM that a store passes through;
 * the receiver adapter in the same JVM runs on threads of its own and is not counted). Budget: 2 KB per task
 * (issue 12); jeromq's own per-message objects on the control thread are included here, so this is an upper
 * bound of what the product itself allocates.
 */
@Timeout(120)
class StorePathAllocationTest {
    private static final int WARM = 3_000;
    private static final int MEASURED = 2_000;
    private static final long BUDGET_PER_TASK = 2048;

    @Test
    void aWarmStoreTaskAllocatesAtMostTwoKilobytesOnTheSenderPath() throws Exception {
        assertThat(bytesPerTask(1)).as("bytes per 1-chunk store task on the sender path")
                .isLessThanOrEqualTo(BUDGET_PER_TASK);
    }

    /**
     * Per-key costs show at 16 chunks per request (one AllocRequest of 16 keys): about 1.26 KB now, 1.8 KB before
     * the batches shared their read-only arrays and kept their staging pages as offsets, 11 KB before the held keys,
     * shape checks and key bytes stopped allocating per key. A per-key allocation coming back shows here (16 keys
     * x 48 B is 768 B).
     */
    @Test
    void aWarmSixteenChunkStoreTaskAllocatesAtMostTwoKilobytesOnTheSenderPath() throws Exception {
        assertThat(bytesPerTask(16)).as("bytes per 16-chunk store task on the sender path")
                .isLessThanOrEqualTo(BUDGET_PER_TASK);
    }

    /**
     * 16 x 256 KiB (the bench's shape): 4 MiB per task is above the control thread's inline copy, so the copy goes
     * to the virtual-thread executor, through the copier's parked worker: 1.27-1.29 KB per task. A new virtual
     * thread per copy measured 1.82 KB; the bound sits between the two, so that hand-off coming back fails here.
     */
    @Test
    void aWarmSixteenChunkTaskWhoseCopyLeavesTheControlThreadAllocatesAtMostOnePointSixKilobytes() throws Exception {
        assertThat(bytesPerTask(16, 256 * 1024)).as("bytes per 16 x 256 KiB store task on the sender path")
                .isLessThanOrEqualTo(1600);
    }

    private static double bytesPerTask(int chunks) throws Exception {
        return bytesPerTask(chunks, PdPair.CHUNK);
    }

    private static double bytesPerTask(int chunks, long chunkBytes) throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (PdPair p = new PdPair(chunkBytes, TcpChannel.FACTORY, m -> {
            m.put("transfer_channel", "tcp");
            m.put("buffer_size", 64 * chunkBytes);
        }, m -> m.put("transfer_channel", "tcp")); TaskWaiter w = new TaskWaiter(p.sender)) {
            MemoryObj chunk = p.randomChunk(chunkBytes);
            List<List<ObjectKey>> keys = new ArrayList<>();
            List<List<MemoryObj>> objects = List.of(java.util.Collections.nCopies(chunks, chunk));
            List<TransferSpec> specs = new ArrayList<>(); // as a runtime stores: each task one request's last prefill
            for (int i = 0; i < WARM + MEASURED; i++) {
                keys.add(PdPair.keys("alloc-" + i, chunks));
                specs.add(new TransferSpec("req-" + i, true, chunks));
            }
            for (int i = 0; i < WARM; i++) {
                assertThat(w.awaitStore(p.sender.submitStoreTask(keys.get(i), objects.get(0), specs.get(i)),
                        Duration.ofSeconds(20))).isTrue();
            }
            List<Thread> path = senderThreads();
            assertThat(path).extracting(Thread::getName).contains("kvcourier-control-sender");
            long before = allocated(mx, path);
            long caller = 0;
            long self = Thread.currentThread().threadId();
            for (int i = WARM; i < WARM + MEASURED; i++) {
                long c0 = mx.getThreadAllocatedBytes(self);
                long id = p.sender.submitStoreTask(keys.get(i), objects.get(0), specs.get(i));
                caller += mx.getThreadAllocatedBytes(self) - c0;
                assertThat(w.awaitStore(id, Duration.ofSeconds(20))).isTrue();
            }
            long threads = allocated(mx, path) - before;
            double perTask = (double) (threads + caller) / MEASURED;
            System.out.printf("store path, %d x %d B chunks: %.0f B/task (caller %.0f, control + channel threads "
                    + "%.0f)%n", chunks, chunkBytes, perTask, (double) caller / MEASURED, (double) threads / MEASURED);
            return perTask;
        }
    }

    private static List<Thread> senderThreads() {
        List<Thread> out = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("kvcourier-control-sender") || t.getName().startsWith("kvcourier-tcp-sender")) {
                out.add(t);
            }
        }
        return out;
    }

    private static long allocated(com.sun.management.ThreadMXBean mx, List<Thread> threads) {
        long sum = 0;
        for (Thread t : threads) {
            sum += mx.getThreadAllocatedBytes(t.threadId());
        }
        return sum;
    }
}
