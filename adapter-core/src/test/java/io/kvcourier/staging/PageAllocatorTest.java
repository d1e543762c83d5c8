package io.kvcourier.staging;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Staging pages are handed out all-or-nothing and come back exactly once, by index or by byte offset. */
@Timeout(10)
class PageAllocatorTest {
    private static final long PAGE = 4096;

    @Test
    void takesAPrefixOfAReusedArrayAllOrNothing() {
        PageAllocator a = new PageAllocator(8);
        int[] scratch = new int[16];
        assertThat(a.tryAllocate(scratch, 5)).isTrue();
        assertThat(Arrays.copyOf(scratch, 5)).containsExactly(0, 1, 2, 3, 4);
        assertThat(a.available()).isEqualTo(3);
        Arrays.fill(scratch, -7);
        assertThat(a.tryAllocate(scratch, 4)).as("4 of 3 free pages").isFalse();
        assertThat(scratch).as("nothing taken, nothing written").containsOnly(-7);
        assertThat(a.available()).isEqualTo(3);
        assertThatThrownBy(() -> a.tryAllocate(new int[2], 3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pagesKnownOnlyByTheirOffsetsGoBackExactlyOnce() {
        PageAllocator a = new PageAllocator(4);
        int[] pages = new int[3];
        assertThat(a.tryAllocate(pages, 3)).isTrue();
        long[] offsets = {pages[2] * PAGE, pages[0] * PAGE};
        a.freeAtOffsets(offsets, PAGE);
        assertThat(a.available()).isEqualTo(3);
        assertThatThrownBy(() -> a.freeAtOffsets(new long[] {pages[0] * PAGE}, PAGE))
                .as("a page freed twice").isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not allocated");
        a.free(pages[1]);
        assertThat(a.available()).isEqualTo(4);
        int[] all = new int[4];
        assertThat(a.tryAllocate(all)).isTrue();
        assertThat(all).containsExactlyInAnyOrder(0, 1, 2, 3);
    }

    @Test
    void pagesFreedTogetherComeBackAsAnAscendingRunWhateverTheFreeOrder() {
        PageAllocator a = new PageAllocator(64);
        int[] pages = new int[16];
        assertThat(a.tryAllocate(pages)).isTrue();
        for (int p : pages) {
            a.free(p); // one at a time, in order: the stack holds them reversed
        }
        int[] again = new int[16];
        assertThat(a.tryAllocate(again)).isTrue();
        assertThat(again).isEqualTo(pages).isSorted();
        a.free(new int[] {again[5], again[0], again[15], again[9], again[2], again[11], again[7], again[3]});
        int[] some = new int[8];
        assertThat(a.tryAllocate(some, 8)).isTrue();
        assertThat(some).isSorted().containsExactlyInAnyOrder(again[0], again[2], again[3], again[5], again[7],
                again[9], again[11], again[15]);
    }
}
