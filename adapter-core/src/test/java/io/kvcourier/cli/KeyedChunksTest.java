package io.kvcourier.cli;

import io.kvcourier.l2.ObjectKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

@Timeout(30)
class KeyedChunksTest {
    private static final int BLOCK = KeyedChunks.BLOCK;

    @Test
    void keysCarryRequestIndexAndLengthAndSurviveTheWireForm() {
        ObjectKey k = KeyedChunks.key("req-7", 3, 65_537);
        ObjectKey back = ObjectKey.parse(k.toCanonicalString());
        assertEquals(k, back);
        assertEquals(new KeyedChunks.Meta("req-7", 3, 65_537), KeyedChunks.meta(back));
        assertNull(KeyedChunks.meta(ObjectKey.of(new byte[] {1, 2}, "llama", 0)));
    }

    @Test
    void contentIsDeterminedByTheKeyAndDiffersBetweenKeys() {
        // one partial block, exact blocks, blocks and a tail shorter than 8 bytes, blocks and a longer tail
        for (long n : new long[] {4099, 2L * BLOCK, 3L * BLOCK + 5, 3L * BLOCK + 4099}) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment a = arena.allocate(n);
                MemorySegment b = arena.allocate(n);
                MemorySegment c = arena.allocate(n);
                MemorySegment scratch = arena.allocate(Math.min(n, BLOCK));
                ObjectKey k = KeyedChunks.key("r", 0, n);
                KeyedChunks.fill(k, a, n);
                KeyedChunks.fill(k, b, n);
                KeyedChunks.fill(KeyedChunks.key("r", 1, n), c, n);
                assertEquals(-1, a.mismatch(b), "length " + n);
                assertEquals(-1, KeyedChunks.mismatch(k, a, n, scratch), "length " + n);
                assertNotEquals(-1, KeyedChunks.mismatch(k, c, n, scratch), "another key's chunk, length " + n);
            }
        }
    }

    @Test
    void mismatchNamesTheFirstChangedByteWhereverItIs() {
        long n = 3L * BLOCK + 4099;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment got = arena.allocate(n);
            MemorySegment scratch = arena.allocate(BLOCK);
            ObjectKey k = KeyedChunks.key("r", 0, n);
            for (long at : new long[] {0, 7, 8, BLOCK - 1, BLOCK, BLOCK + 3, 2L * BLOCK + 100, n - 1}) {
                KeyedChunks.fill(k, got, n);
                got.set(ValueLayout.JAVA_BYTE, at, (byte) (got.get(ValueLayout.JAVA_BYTE, at) ^ 0x10));
                assertEquals(at, KeyedChunks.mismatch(k, got, n, scratch), "a flipped bit at byte " + at);
            }
        }
    }

    @Test
    void blocksInTheWrongPlaceAreCaught() {
        long n = 4L * BLOCK;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment got = arena.allocate(n);
            MemorySegment tmp = arena.allocate(BLOCK);
            MemorySegment scratch = arena.allocate(BLOCK);
            ObjectKey k = KeyedChunks.key("r", 0, n);
            KeyedChunks.fill(k, got, n);
            MemorySegment.copy(got, BLOCK, tmp, 0, BLOCK);
            MemorySegment.copy(got, 2L * BLOCK, got, BLOCK, BLOCK);
            MemorySegment.copy(tmp, 0, got, 2L * BLOCK, BLOCK);
            assertEquals(BLOCK, KeyedChunks.mismatch(k, got, n, scratch), "blocks 1 and 2 swapped");

            KeyedChunks.fill(k, got, n);
            MemorySegment.copy(got, 0, got, 3L * BLOCK, BLOCK);
            assertEquals(3L * BLOCK, KeyedChunks.mismatch(k, got, n, scratch), "block 0 repeated as block 3");
        }
    }
}
