package io.kvcourier.cli;

import io.kvcourier.l2.ObjectKey;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class KeyedChunksTest {

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
        try (Arena arena = Arena.ofConfined()) {
            long n = 4099; // not a multiple of 8: the tail bytes count too
            MemorySegment a = arena.allocate(n);
            MemorySegment b = arena.allocate(n);
            MemorySegment c = arena.allocate(n);
            ObjectKey k = KeyedChunks.key("r", 0, n);
            KeyedChunks.fill(k, a, n);
            KeyedChunks.fill(k, b, n);
            KeyedChunks.fill(KeyedChunks.key("r", 1, n), c, n);
            assertEquals(-1, a.mismatch(b));
            assertEquals(KeyedChunks.crc32c(a, n), KeyedChunks.crc32c(b, n));
            assertNotEquals(KeyedChunks.crc32c(a, n), KeyedChunks.crc32c(c, n));
            b.set(ValueLayout.JAVA_BYTE, n - 1, (byte) (b.get(ValueLayout.JAVA_BYTE, n - 1) ^ 1));
            assertNotEquals(KeyedChunks.crc32c(a, n), KeyedChunks.crc32c(b, n), "a flipped last bit is caught");
        }
    }
}
