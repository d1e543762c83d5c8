package io.kvcourier.l2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MemoryObjTest {

    @Test
    void dimsAndDimReadTheShapeInPlace() {
        MemoryObj obj = new MemoryObj(MemorySegment.ofArray(new byte[2 * 3 * 4 * 2]), new long[] {2, 3, 4},
                DType.BFLOAT16, MemoryFormat.KV_2LTD);
        assertThat(obj.dims()).isEqualTo(3);
        assertThat(new long[] {obj.dim(0), obj.dim(1), obj.dim(2)}).containsExactly(obj.shape());
        assertThatThrownBy(() -> obj.dim(3)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void confinedSegmentIsRejectedWithAClearMessage() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(64);
            assertThatThrownBy(() -> MemoryObj.ofBytes(seg))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Arena.ofShared()")
                    .hasMessageContaining("WrongThreadException");
        }
    }

    @Test
    void sharedGlobalAutoAndHeapSegmentsAreAcceptedAndUsableFromAnotherThread() throws Exception {
        try (Arena shared = Arena.ofShared()) {
            MemorySegment[] segments = {
                shared.allocate(16), Arena.global().allocate(16), Arena.ofAuto().allocate(16),
                MemorySegment.ofArray(new byte[16])
            };
            for (MemorySegment seg : segments) {
                MemoryObj obj = MemoryObj.ofBytes(seg);
                CompletableFuture<Byte> read = CompletableFuture.supplyAsync(() -> {
                    obj.segment().set(java.lang.foreign.ValueLayout.JAVA_BYTE, 3, (byte) 9);
                    return obj.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 3);
                });
                assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo((byte) 9);
            }
        }
    }

    @Test
    void closedArenaIsRejected() {
        Arena arena = Arena.ofShared();
        MemorySegment seg = arena.allocate(8);
        arena.close();
        assertThatThrownBy(() -> MemoryObj.ofBytes(seg)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void ofBytesMetadata() {
        MemoryObj obj = MemoryObj.ofBytes(MemorySegment.ofArray(new byte[100]));
        assertThat(obj.fmt()).isEqualTo(MemoryFormat.BINARY);
        assertThat(obj.dtype()).isEqualTo(DType.UINT8);
        assertThat(obj.shape()).containsExactly(100);
        assertThat(obj.byteSize()).isEqualTo(100);
        assertThat(obj.shapeBytes()).isEqualTo(100);
        assertThat(obj.tokens()).isEqualTo(100); // BINARY token dim is 0
    }

    @Test
    void kvChunkShapeBytesAndTokens() {
        long[] shape = {2, 4, 16, 8};
        long bytes = 2 * 4 * 16 * 8 * 2;
        MemoryObj obj = new MemoryObj(Arena.ofAuto().allocate(bytes), shape, DType.BFLOAT16, MemoryFormat.KV_2LTD);
        assertThat(obj.shapeBytes()).isEqualTo(bytes);
        assertThat(obj.tokens()).isEqualTo(16);
        shape[2] = 1;
        assertThat(obj.shape()).containsExactly(2, 4, 16, 8);
        obj.shape()[2] = 1;
        assertThat(obj.tokens()).isEqualTo(16);
        MemoryObj t2d = new MemoryObj(MemorySegment.ofArray(new byte[96]), new long[] {3, 2, 4}, DType.FLOAT,
                MemoryFormat.KV_T2D);
        assertThat(t2d.tokens()).isEqualTo(2);
        MemoryObj shortShape = new MemoryObj(MemorySegment.ofArray(new byte[8]), new long[] {8}, DType.UINT8,
                MemoryFormat.KV_2LTD);
        assertThat(shortShape.tokens()).isZero();
    }

    @Test
    void badShapesAreRejected() {
        MemorySegment seg = MemorySegment.ofArray(new byte[64]);
        assertThatThrownBy(() -> new MemoryObj(seg, new long[0], DType.UINT8, MemoryFormat.BINARY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shape");
        assertThatThrownBy(() -> new MemoryObj(seg, new long[] {4, -1}, DType.UINT8, MemoryFormat.BINARY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shape[1]");
        assertThatThrownBy(() -> new MemoryObj(seg, new long[] {1L << 40, 1L << 40}, DType.UINT8,
                MemoryFormat.BINARY)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("overflow");
        assertThatThrownBy(() -> new MemoryObj(seg, new long[] {1L << 61}, DType.INT64, MemoryFormat.BINARY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("overflow");
        assertThatThrownBy(() -> new MemoryObj(seg, new long[] {33}, DType.HALF, MemoryFormat.BINARY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("66 bytes");
    }

    @Test
    void readOnlySegmentIsAcceptedAndVisible() {
        MemoryObj obj = MemoryObj.ofBytes(MemorySegment.ofArray(new byte[8]).asReadOnly());
        assertThat(obj.isReadOnly()).isTrue();
        assertThat(MemoryObj.ofBytes(MemorySegment.ofArray(new byte[8])).isReadOnly()).isFalse();
    }
}
