package io.kvcourier.channel.verbs;

import io.kvcourier.channel.WriteBatch;
import io.kvcourier.verbs.gen.verbs_h;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How a batch becomes work requests: coalescing, chain limits, signalling, the immediate. No device needed. */
class WritePlannerTest {
    private static final long PAGE = 4096;
    private static final long LOCAL = 0x10_0000_0000L;
    private static final long REMOTE = 0x20_0000_0000L;
    private static final long NO_LIMIT = 1L << 30;

    private static WriteBatch batch(long[] localPages, int[] remotePages, long[] lengths) {
        long[] offsets = new long[localPages.length];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = localPages[i] * PAGE;
        }
        return new WriteBatch(offsets, remotePages, lengths, PAGE);
    }

    @Test
    void adjacentPagesOnBothSidesBecomeOneWriteAndTheLastCarriesTheBigEndianBatchId() {
        try (Arena arena = Arena.ofConfined()) {
            WritePlanner p = new WritePlanner(arena, 16);
            // local 3,4,5 -> remote 7,8,9 is one run; local 9 -> remote 10 is not contiguous locally
            WriteBatch b = batch(new long[] {3, 4, 5, 9}, new int[] {7, 8, 9, 10}, new long[] {PAGE, PAGE, PAGE, 100});
            int n = p.plan(b, 0, 16, new long[] {LOCAL}, new int[] {0x11}, REMOTE, 0x22, NO_LIMIT);

            assertThat(n).isEqualTo(2);
            assertThat(p.nextEntry()).isEqualTo(4);
            assertThat(p.localAddr(0)).isEqualTo(LOCAL + 3 * PAGE);
            assertThat(p.remoteAddr(0)).isEqualTo(REMOTE + 7 * PAGE);
            assertThat(p.length(0)).isEqualTo(3 * PAGE);
            assertThat(p.opcode(0)).isEqualTo(verbs_h.IBV_WR_RDMA_WRITE());
            assertThat(p.flags(0)).isZero();
            assertThat(p.next(0)).isEqualTo(p.wrs().address() + WritePlanner.WR_SIZE);
            assertThat(p.rkey(0)).isEqualTo(0x22);

            assertThat(p.localAddr(1)).isEqualTo(LOCAL + 9 * PAGE);
            assertThat(p.remoteAddr(1)).isEqualTo(REMOTE + 10 * PAGE);
            assertThat(p.length(1)).isEqualTo(100);
            assertThat(p.opcode(1)).isEqualTo(verbs_h.IBV_WR_RDMA_WRITE_WITH_IMM());
            assertThat(p.flags(1)).isEqualTo(verbs_h.IBV_SEND_SIGNALED());
            assertThat(p.wrId(0)).as("unsignalled writes are marked too: an error completes them").isEqualTo(WritePlanner.SEND_WR);
            assertThat(p.wrId(1)).isEqualTo(WritePlanner.SEND_WR | 2);
            assertThat(WritePlanner.slots(p.wrId(1))).as("slots freed by the chain's completion").isEqualTo(2);
            assertThat(p.next(1)).isZero();
            assertThat(p.immBigEndian(1)).isEqualTo(7);
            assertThat(new byte[] {p.immByte(1, 0), p.immByte(1, 1), p.immByte(1, 2), p.immByte(1, 3)})
                    .as("imm_data is __be32").containsExactly(0, 0, 0, 7);
        }
    }

    @Test
    void aPartialPageEndsARunAndRemoteGapsSplitRuns() {
        try (Arena arena = Arena.ofConfined()) {
            WritePlanner p = new WritePlanner(arena, 16);
            // short first entry: the next page is not contiguous with its end
            WriteBatch b = batch(new long[] {0, 1, 2}, new int[] {0, 1, 5}, new long[] {PAGE - 1, PAGE, PAGE});
            assertThat(p.plan(b, 0, 16, new long[] {LOCAL}, new int[] {1}, REMOTE, 2, NO_LIMIT)).isEqualTo(3);
        }
    }

    @Test
    void aWriteNeverExceedsTheLargestMessage() {
        try (Arena arena = Arena.ofConfined()) {
            WritePlanner p = new WritePlanner(arena, 16);
            WriteBatch b = batch(new long[] {0, 1, 2, 3}, new int[] {0, 1, 2, 3}, new long[] {PAGE, PAGE, PAGE, PAGE});
            int n = p.plan(b, 0, 16, new long[] {LOCAL}, new int[] {1}, REMOTE, 2, 2 * PAGE);
            assertThat(n).isEqualTo(2);
            assertThat(p.length(0)).isEqualTo(2 * PAGE);
            assertThat(p.length(1)).isEqualTo(2 * PAGE);
        }
    }

    @Test
    void aBatchLongerThanTheFreeSlotsIsPostedAsSeveralSignalledChainsAndOnlyTheLastHasTheImmediate() {
        try (Arena arena = Arena.ofConfined()) {
            int depth = 4;
            WritePlanner p = new WritePlanner(arena, depth);
            int entries = 10;
            long[] local = new long[entries];
            int[] remote = new int[entries];
            long[] len = new long[entries];
            for (int i = 0; i < entries; i++) {
                local[i] = 2L * i; // never contiguous: one WR each
                remote[i] = 100 + 2 * i;
                len[i] = PAGE;
            }
            WriteBatch b = batch(local, remote, len);
            int from = 0;
            int chains = 0;
            int total = 0;
            int free = 3; // a send queue with 3 free slots of 4
            while (from < entries) {
                int n = p.plan(b, from, free, new long[] {LOCAL}, new int[] {1}, REMOTE, 2, NO_LIMIT);
                assertThat(n).isBetween(1, free);
                for (int i = 0; i < n - 1; i++) {
                    assertThat(p.flags(i)).isZero();
                    assertThat(p.opcode(i)).isEqualTo(verbs_h.IBV_WR_RDMA_WRITE());
                }
                assertThat(p.flags(n - 1)).as("every chain signals its last WR").isEqualTo(verbs_h.IBV_SEND_SIGNALED());
                assertThat(WritePlanner.slots(p.wrId(n - 1))).isEqualTo(n);
                boolean last = p.nextEntry() == entries;
                assertThat(p.opcode(n - 1)).isEqualTo(last ? verbs_h.IBV_WR_RDMA_WRITE_WITH_IMM() : verbs_h.IBV_WR_RDMA_WRITE());
                from = p.nextEntry();
                total += n;
                chains++;
                free = depth;
            }
            assertThat(total).isEqualTo(entries);
            assertThat(chains).isEqualTo(3); // 3 + 4 + 3
            assertThat(p.immBigEndian(2)).isEqualTo(100);
        }
    }

    @Test
    void rejectsAChainLongerThanTheQueue() {
        try (Arena arena = Arena.ofConfined()) {
            WritePlanner p = new WritePlanner(arena, 4);
            WriteBatch b = batch(new long[] {0}, new int[] {0}, new long[] {PAGE});
            assertThatThrownBy(() -> p.plan(b, 0, 5, new long[] {LOCAL}, new int[] {1}, REMOTE, 2, NO_LIMIT))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxWrs=5");
            assertThat(p.indexOf(p.wrs().address() + 2 * WritePlanner.WR_SIZE)).isEqualTo(2);
            assertThat(p.indexOf(12345)).isEqualTo(-1);
        }
    }

    @Test
    void entriesOfDifferentRegionsAreNotMergedAndEachCarriesItsRegionsKey() {
        try (Arena arena = Arena.ofConfined()) {
            WritePlanner p = new WritePlanner(arena, 16);
            long regionBase = 0x7000_0000L;
            // staging page 0 then a registered region whose offset happens to continue the staging address
            WriteBatch b = new WriteBatch(new int[] {0, 1, 1}, new long[] {0, PAGE, 2 * PAGE}, new int[] {4, 5, 6},
                    new long[] {PAGE, PAGE, PAGE}, PAGE);
            int n = p.plan(b, 0, 16, new long[] {LOCAL, regionBase}, new int[] {0x11, 0x33}, REMOTE, 0x22, NO_LIMIT);
            assertThat(n).isEqualTo(2);
            assertThat(p.localAddr(0)).isEqualTo(LOCAL);
            assertThat(p.length(0)).isEqualTo((int) PAGE);
            assertThat(p.localAddr(1)).isEqualTo(regionBase + PAGE);
            assertThat(p.length(1)).isEqualTo((int) (2 * PAGE));
            assertThat(p.remoteAddr(1)).isEqualTo(REMOTE + 5 * PAGE);
            assertThat(p.lkey(0)).isEqualTo(0x11);
            assertThat(p.lkey(1)).isEqualTo(0x33);
        }
    }
}
