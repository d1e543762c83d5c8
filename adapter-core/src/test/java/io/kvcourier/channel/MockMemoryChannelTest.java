package io.kvcourier.channel;

import io.kvcourier.staging.StagingBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The in-process channel reads batches from the staging buffer and from registered caller regions. */
@Timeout(30)
class MockMemoryChannelTest {
    private static final long PAGE = 4096;

    @Test
    void batchesReadFromRegisteredRegionsAndRefuseUnknownOnes() throws Exception {
        ChannelSettings settings = new ChannelSettings("127.0.0.1", "127.0.0.1", Duration.ofSeconds(10),
                Duration.ofSeconds(5), 2, "", 1, -1);
        List<String> admitted = new CopyOnWriteArrayList<>();
        LandingListener listener = new LandingListener() {
            @Override
            public boolean admitWrite(String senderId, int batchId, int page, long offsetInPage, long length) {
                return false; // the mock admits whole blocks
            }

            @Override
            public boolean admitBatch(String senderId, int batchId, int[] pages, long[] lengths, int count) {
                admitted.add(senderId + "/" + batchId + "/" + count);
                return true;
            }

            @Override
            public boolean onBatchLanded(String senderId, int batchId) {
                return true;
            }
        };
        try (StagingBuffer local = new StagingBuffer(4 * PAGE);
             StagingBuffer remote = new StagingBuffer(4 * PAGE);
             Arena arena = Arena.ofShared()) {
            local.fixPageSize(PAGE);
            remote.fixPageSize(PAGE);
            MemorySegment pool = arena.allocate(2 * PAGE);
            for (long i = 0; i < pool.byteSize(); i++) {
                pool.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 7));
                local.segment().set(ValueLayout.JAVA_BYTE, i, (byte) (i * 3));
            }
            ChannelReceiver receiver = MockMemoryChannel.FACTORY.openReceiver(settings, remote, listener);
            ChannelSender sender = MockMemoryChannel.FACTORY.openSender(settings, local);
            try {
                assertThatThrownBy(() -> sender.registerRegion(0, pool)).isInstanceOf(ChannelException.class);
                sender.registerRegion(4, pool);
                ChannelSender.Handshake hs = sender.beginConnect("alice");
                ChannelConnection conn = hs.complete(receiver.handshake(hs.request()));
                WriteBatch b = new WriteBatch(new int[] {4, WriteBatch.STAGING}, new long[] {10, PAGE},
                        new int[] {1, 2}, new long[] {PAGE, 100}, PAGE);
                conn.write(b).get(10, TimeUnit.SECONDS);
                assertThat(remote.segment().asSlice(PAGE, PAGE).mismatch(pool.asSlice(10, PAGE))).isEqualTo(-1);
                assertThat(remote.segment().asSlice(2 * PAGE, 100).mismatch(local.segment().asSlice(PAGE, 100)))
                        .isEqualTo(-1);
                assertThat(admitted).containsExactly("alice/1/2");
                sender.unregisterRegion(4);
                assertThatThrownBy(() -> conn.write(b).get(10, TimeUnit.SECONDS)).cause()
                        .isInstanceOf(ChannelException.class).hasMessageContaining("local region 4");
            } finally {
                sender.close();
                receiver.close();
            }
        }
    }
}
