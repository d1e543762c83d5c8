package io.kvcourier.channel.tcp;

import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.channel.WriteBatch;
import io.kvcourier.staging.StagingBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ARCHITECTURE decision 21: the tcp frame path allocates nothing. Measured on the two progress threads (which
 * send every DATA/COMMIT frame and read every DATA frame and ACK) with the JVM's per-thread allocation counter.
 */
@Timeout(120)
class TcpFramePathAllocationTest {
    private static final int PAGE = 4096;
    private static final int PAGES = 64;

    /** Admits every write and commits every batch, allocating nothing itself. */
    private static final class AdmitAll implements LandingListener {
        @Override
        public boolean admitWrite(String senderId, int batchId, int page, long offsetInPage, long length) {
            return true;
        }

        @Override
        public boolean onBatchLanded(String senderId, int batchId) {
            return true;
        }
    }

    @Test
    void progressThreadsAllocateNothingPerFrame() throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (StagingBuffer local = new StagingBuffer((long) PAGES * PAGE);
             StagingBuffer remote = new StagingBuffer((long) PAGES * PAGE)) {
            local.fixPageSize(PAGE);
            remote.fixPageSize(PAGE);
            TcpReceiver receiver = new TcpReceiver(TcpChannelTest.config(5), remote, new AdmitAll());
            TcpSender sender = new TcpSender(TcpChannelTest.config(5), local);
            try {
                ChannelSender.Handshake hs = sender.beginConnect("alice");
                TcpConnection conn = (TcpConnection) hs.complete(receiver.handshake(hs.request()));
                long[] offsets = new long[PAGES];
                int[] pages = new int[PAGES];
                long[] lengths = new long[PAGES];
                for (int i = 0; i < PAGES; i++) {
                    offsets[i] = (long) i * PAGE;
                    pages[i] = i;
                    lengths[i] = PAGE - (i % 3); // some frames end mid-page
                }
                WriteBatch batch = new WriteBatch(offsets, pages, lengths, PAGE);
                for (int i = 0; i < 2_000; i++) { // warm up: page views made, JIT done
                    conn.write(batch).get(10, TimeUnit.SECONDS);
                }
                long rx = threadId("kvcourier-tcp-receiver-" + receiver.port());
                long tx = threadId("kvcourier-tcp-sender");
                long rxBefore = mx.getThreadAllocatedBytes(rx);
                long txBefore = mx.getThreadAllocatedBytes(tx);
                int batches = 1_000;
                for (int i = 0; i < batches; i++) {
                    conn.write(batch).get(10, TimeUnit.SECONDS);
                }
                long rxBytes = mx.getThreadAllocatedBytes(rx) - rxBefore;
                long txBytes = mx.getThreadAllocatedBytes(tx) - txBefore;
                long frames = (long) batches * (PAGES + 1);
                // Allow a few stray bytes for the JVM's own bookkeeping; one object per frame would be >= 16 * frames.
                assertThat(rxBytes).as("receiver progress thread bytes over %d frames", frames).isLessThan(frames);
                assertThat(txBytes).as("sender progress thread bytes over %d frames", frames).isLessThan(frames);
            } finally {
                sender.close();
                receiver.close();
            }
        }
    }

    private static long threadId(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no thread named " + name)).threadId();
    }
}
