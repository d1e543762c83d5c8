package io.kvcourier.channel.tcp;

import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.WriteBatch;
import io.kvcourier.staging.StagingBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.kvcourier.channel.WriteBatch.CALLER_SEGMENT;
import static io.kvcourier.channel.WriteBatch.STAGING;
import static io.kvcourier.channel.tcp.TcpRig.PAGE;
import static io.kvcourier.channel.tcp.TcpRig.admitAll;
import static io.kvcourier.channel.tcp.TcpRig.same;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Batches whose entries read unregistered caller segments ({@link WriteBatch#CALLER_SEGMENT}): the tcp channel
 * sends them straight from the caller's memory (zero-copy from any native memory), byte for byte, and refuses
 * segments its progress thread cannot read without touching the connection.
 */
@Timeout(60)
class TcpCallerSegmentsTest {
    private static final long WAIT_S = 10;

    private final TcpRig rig = new TcpRig();
    private final Random random = new Random(23);

    @AfterEach
    void closeAll() throws Exception {
        rig.closeAll();
    }

    private MemorySegment randomSegment(Arena arena, long bytes) {
        MemorySegment m = arena.allocate(bytes, 64);
        fillRandom(m);
        return m;
    }

    private void fillRandom(MemorySegment m) {
        TcpRig.fillRandom(random, m, 0, m.byteSize());
    }

    /**
     * Large entries (sent from their own views), small ones (packed behind the descriptor) and an entry at an offset
     * inside its segment, between staging and registered-region entries; then the same segments again with new
     * contents, which land as they are now (a kept view is a view, not a copy).
     */
    @Test
    void entriesAreSentStraightFromTheirSegmentsByteForByte() throws Exception {
        StagingBuffer local = rig.staging();
        fillRandom(local.segment());
        Arena arena = rig.closing(Arena.ofShared());
        MemorySegment pool = randomSegment(arena, 2L * PAGE);
        MemorySegment big = randomSegment(arena, PAGE);
        MemorySegment small = randomSegment(arena, 3000);
        MemorySegment wide = randomSegment(arena, 3L * PAGE);
        StagingBuffer remote = rig.staging();
        TcpSender sender = rig.sender(local);
        assertThat(sender.callerSegmentMinBytes()).isEqualTo(FrameWriter.SMALL_ENTRY_BYTES + 1);
        sender.registerRegion(4, pool);
        TcpConnection conn = TcpRig.connect(sender, rig.receiver(remote, admitAll()), "alice");
        MemorySegment[] segments = {big, null, small, wide, null};
        WriteBatch b = new WriteBatch(new int[] {CALLER_SEGMENT, STAGING, CALLER_SEGMENT, CALLER_SEGMENT, 4},
                new long[] {0, 5L * PAGE, 0, PAGE + 17, 99}, new int[] {3, 0, 7, 1, 9},
                new long[] {PAGE, PAGE, 3000, PAGE, PAGE}, PAGE, segments);
        for (int round = 0; round < 2; round++) {
            conn.write(b).get(WAIT_S, TimeUnit.SECONDS);
            assertThat(same(big, 0, remote.segment(), 3L * PAGE, PAGE)).as("round %d", round).isTrue();
            assertThat(same(local.segment(), 5L * PAGE, remote.segment(), 0, PAGE)).as("round %d", round).isTrue();
            assertThat(same(small, 0, remote.segment(), 7L * PAGE, 3000)).as("round %d", round).isTrue();
            assertThat(same(wide, PAGE + 17, remote.segment(), PAGE, PAGE)).as("round %d", round).isTrue();
            assertThat(same(pool, 99, remote.segment(), 9L * PAGE, PAGE)).as("round %d", round).isTrue();
            fillRandom(big);
            fillRandom(small);
            fillRandom(wide);
        }
    }

    @Test
    void segmentsTheProgressThreadCannotReadAreRefusedAndTheConnectionStays() throws Exception {
        StagingBuffer remote = rig.staging();
        TcpSender sender = rig.sender(rig.staging());
        TcpConnection conn = TcpRig.connect(sender, rig.receiver(remote, admitAll()), "alice");
        MemorySegment heap = MemorySegment.ofArray(new byte[PAGE]);
        assertThatThrownBy(() -> conn.write(one(heap)).get(WAIT_S, TimeUnit.SECONDS)).cause()
                .isInstanceOf(ChannelException.class).hasMessageContaining("entry 0 reads a caller segment")
                .hasMessageContaining("not native memory");
        Arena gone = Arena.ofShared();
        MemorySegment closed = gone.allocate(PAGE);
        gone.close();
        assertThatThrownBy(() -> conn.write(one(closed)).get(WAIT_S, TimeUnit.SECONDS)).cause()
                .isInstanceOf(ChannelException.class).hasMessageContaining("no longer alive");
        try (Arena confined = Arena.ofConfined()) {
            MemorySegment mine = confined.allocate(PAGE);
            assertThatThrownBy(() -> conn.write(one(mine)).get(WAIT_S, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(ChannelException.class).hasMessageContaining("confined arena");
        }
        assertThat(conn.isOpen()).as("a refused batch does not touch the connection").isTrue();

        MemorySegment ok = randomSegment(rig.closing(Arena.ofShared()), PAGE);
        conn.write(one(ok)).get(WAIT_S, TimeUnit.SECONDS);
        assertThat(same(ok, 0, remote.segment(), 0, PAGE)).isTrue();
    }

    @Test
    void aCallerEntryNeedsASegmentThatHoldsItsBytes() {
        MemorySegment half = MemorySegment.ofArray(new byte[PAGE / 2]);
        assertThatThrownBy(() -> new WriteBatch(new int[] {CALLER_SEGMENT}, new long[] {0}, new int[] {0},
                new long[] {PAGE}, PAGE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reads a caller segment");
        assertThatThrownBy(() -> new WriteBatch(new int[] {CALLER_SEGMENT}, new long[] {0}, new int[] {0},
                new long[] {PAGE}, PAGE, new MemorySegment[] {half})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(PAGE + " bytes from offset 0");
        assertThatThrownBy(() -> new WriteBatch(new int[] {STAGING}, new long[] {0}, new int[] {0},
                new long[] {PAGE}, PAGE, new MemorySegment[2])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("one local segment slot per entry");
    }

    private static WriteBatch one(MemorySegment segment) {
        return new WriteBatch(new int[] {CALLER_SEGMENT}, new long[] {0}, new int[] {0}, new long[] {PAGE}, PAGE,
                new MemorySegment[] {segment});
    }
}
