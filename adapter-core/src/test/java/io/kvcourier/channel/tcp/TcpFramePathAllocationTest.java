package io.kvcourier.channel.tcp;

import io.kvcourier.channel.BatchCompletion;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.channel.WriteBatch;
import io.kvcourier.staging.StagingBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/ARCHITECTURE.md#decision-21 and issue 12: the tcp frame path allocates nothing once warm. Measured with the JVM's
 * per-thread allocation counter on the two progress threads (the sender's writes and ack reads, the receiver's
 * descriptor reads, admissions, payload reads, commits and coalesced acks) and on the writing thread around
 * each {@code write(batch, completion)} call, for batches of several frames that read from the staging buffer,
 * a registered region and caller segments, both when the writer sends itself (an idle connection) and when batches queue
 * behind each other for the progress thread.
 */
@Timeout(120)
class TcpFramePathAllocationTest {
    private static final int PAGE = 64 << 10;
    private static final int PAGES = 16;

    /** Admits every block and commits every batch, allocating nothing itself. */
    private static final class AdmitAll implements LandingListener {
        @Override
        public boolean admitWrite(String senderId, int batchId, int page, long offsetInPage, long length) {
            return true;
        }

        @Override
        public boolean admitBatch(String senderId, int batchId, int[] pages, long[] lengths, int count) {
            return true;
        }

        @Override
        public boolean onBatchLanded(String senderId, int batchId) {
            return true;
        }
    }

    @Test
    void progressThreadsAndTheWriterAllocateNothingPerBatch() throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (StagingBuffer local = new StagingBuffer((long) PAGES * PAGE);
             StagingBuffer remote = new StagingBuffer((long) PAGES * PAGE);
             Arena arena = Arena.ofShared()) {
            local.fixPageSize(PAGE);
            remote.fixPageSize(PAGE);
            MemorySegment region = arena.allocate(4L * PAGE, 4096);
            MemorySegment[] callers = new MemorySegment[8]; // two per batch: distinct segments, each sent again and again
            for (int i = 0; i < callers.length; i++) {
                callers[i] = arena.allocate(PAGE);
            }
            TcpReceiver receiver = new TcpReceiver(TcpRig.settings(5), remote, new AdmitAll());
            TcpSender sender = new TcpSender(TcpRig.settings(5), local);
            try {
                sender.registerRegion(5, region);
                sender.maxEntriesPerFrame = 3; // 8 entries: three frames per batch
                ChannelSender.Handshake hs = sender.beginConnect("alice");
                TcpConnection conn = (TcpConnection) hs.complete(receiver.handshake(hs.request()));
                // Batches of at most 256 KiB (which an idle connection's writer sends itself) with large entries
                // (from their views), small ones (packed behind the descriptor) and partial pages; and one of
                // 512 KiB in neighbouring pages (the progress thread sends it, one write and one read per run).
                WriteBatch[] batches = new WriteBatch[5];
                for (int b = 0; b < 4; b++) {
                    int[] regions = {0, 5, WriteBatch.CALLER_SEGMENT, 0, 5, WriteBatch.CALLER_SEGMENT, 0, 0};
                    MemorySegment[] segments = {null, null, callers[2 * b], null, null, callers[2 * b + 1], null, null};
                    long[] offsets = {0, 100, 0, 3L * PAGE, 2L * PAGE, 7, 6L * PAGE, 7L * PAGE};
                    long[] lengths = {PAGE, PAGE - 100, 20 << 10, 100, 8 << 10, PAGE / 2 - 1, 1, 16 << 10};
                    int[] pages = new int[8];
                    for (int i = 0; i < 8; i++) {
                        pages[i] = (b * 4 + i) % PAGES;
                    }
                    batches[b] = new WriteBatch(regions, offsets, pages, lengths, PAGE, segments);
                    assertThat(batches[b].totalBytes()).isLessThanOrEqualTo(TcpConnection.DIRECT_WRITE_BYTES);
                }
                long[] runOffsets = new long[8];
                int[] runPages = new int[8];
                long[] runLengths = new long[8];
                for (int i = 0; i < 8; i++) {
                    runOffsets[i] = (8L + i) * PAGE;
                    runPages[i] = 8 + i;
                    runLengths[i] = PAGE;
                }
                batches[4] = new WriteBatch(runOffsets, runPages, runLengths, PAGE);
                Semaphore acked = new Semaphore(0);
                AtomicInteger failures = new AtomicInteger();
                BatchCompletion done = (batch, failure) -> {
                    if (failure != null) {
                        failures.incrementAndGet();
                    }
                    acked.release();
                };
                long[] writerBytes = new long[1];
                Runnable round = () -> {
                    for (WriteBatch b : batches) { // one at a time: each goes out on the writer's thread
                        long before = mx.getCurrentThreadAllocatedBytes();
                        conn.write(b, done);
                        writerBytes[0] += mx.getCurrentThreadAllocatedBytes() - before;
                        acquire(acked, 1);
                    }
                    long before = mx.getCurrentThreadAllocatedBytes();
                    for (WriteBatch b : batches) { // back to back: they queue, and their acks come together
                        conn.write(b, done);
                    }
                    writerBytes[0] += mx.getCurrentThreadAllocatedBytes() - before;
                    acquire(acked, batches.length);
                };
                for (boolean direct : new boolean[] {true, false}) {
                    sender.directWrites = direct;
                    for (int i = 0; i < 1_000; i++) { // warm up: views made, rings grown, JIT done
                        round.run();
                    }
                    long rx = threadId("kvcourier-tcp-receiver-" + receiver.port());
                    long tx = threadId("kvcourier-tcp-sender");
                    long rxBefore = mx.getThreadAllocatedBytes(rx);
                    long txBefore = mx.getThreadAllocatedBytes(tx);
                    writerBytes[0] = 0;
                    int rounds = 500;
                    for (int i = 0; i < rounds; i++) {
                        round.run();
                    }
                    long rxBytes = mx.getThreadAllocatedBytes(rx) - rxBefore;
                    long txBytes = mx.getThreadAllocatedBytes(tx) - txBefore;
                    long sent = 2L * rounds * batches.length;
                    // A few stray bytes for the JVM's own bookkeeping; one object per batch would be >= 16 per batch.
                    assertThat(rxBytes).as("receiver thread bytes over %d batches (direct %s)", sent, direct).isLessThan(sent);
                    assertThat(txBytes).as("sender thread bytes over %d batches (direct %s)", sent, direct).isLessThan(sent);
                    assertThat(writerBytes[0]).as("write() bytes over %d batches (direct %s)", sent, direct)
                            .isLessThan(sent);
                }
                assertThat(failures.get()).isZero();
                assertThat(receiver.rejectedFrames.get()).isZero();
            } finally {
                sender.close();
                receiver.close();
            }
        }
    }

    private static void acquire(Semaphore s, int permits) {
        try {
            if (!s.tryAcquire(permits, 10, TimeUnit.SECONDS)) {
                throw new AssertionError("batches not acknowledged within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static long threadId(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no thread named " + name)).threadId();
    }
}
