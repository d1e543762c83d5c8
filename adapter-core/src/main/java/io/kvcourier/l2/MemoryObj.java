package io.kvcourier.l2;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * A caller-owned buffer plus the metadata LMCache keeps with it ({@code meta.shape}, {@code meta.dtype},
 * {@code meta.fmt}).
 *
 * <p><b>Ownership.</b> The caller owns the segment. The adapter never closes it and never reads or writes it after
 * the task that used it completes; the caller must keep the segment alive (its arena open) and, for a store,
 * unchanged until the task's result has been popped ({@code popCompletedStoreTasks}) or queried
 * ({@code queryLoadResult}). A tcp sender, which writes native chunks to its socket straight from their segments,
 * keeps views of up to 256 segments it sent lately per connection (so that storing from the same objects again
 * allocates nothing) until they are displaced or the connection closes: that keeps no arena open, but delays the
 * reclamation of an {@link Arena#ofAuto()} segment's memory that long.
 *
 * <p><b>Threads.</b> The adapter reads and writes the segment on its own threads, so the segment must be
 * accessible from any thread: native memory from {@link Arena#ofShared()}, {@link Arena#global()} or
 * {@link Arena#ofAuto()}, or a heap segment. Segments of confined arenas are rejected here, because they
 * would throw {@link WrongThreadException} on the adapter's threads (docs/TRAPS.md#trap-19).
 *
 * <p><b>Read-only segments</b> are accepted: a store only reads them. A load writes into its objects and
 * therefore needs writable segments; see {@link #isReadOnly()}.
 *
 * <p>Immutable and thread-safe (the metadata; the segment's contents are the caller's business).
 */
public final class MemoryObj {

    /** A thread that never runs: no confined arena can be owned by it. */
    private static final Thread NON_OWNER = Thread.ofVirtual().unstarted(() -> { });

    private final MemorySegment segment;
    private final long[] shape;
    private final DType dtype;
    private final MemoryFormat fmt;
    private final long shapeBytes;

    /**
     * A chunk in caller memory with its tensor metadata.
     *
     * @param segment the caller's memory; its {@code byteSize()} is what the adapter transfers
     * @param shape   the tensor shape (copied); at least one dimension, every dimension {@code >= 0}
     * @param dtype   the element type
     * @param fmt     the layout
     * @throws IllegalArgumentException if the segment is confined to a thread or its scope is closed, or the
     *                                  shape is empty, negative, overflows, or describes more bytes than the
     *                                  segment holds
     */
    public MemoryObj(MemorySegment segment, long[] shape, DType dtype, MemoryFormat fmt) {
        Objects.requireNonNull(segment, "segment");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(fmt, "fmt");
        if (!segment.scope().isAlive()) {
            throw new IllegalArgumentException("MemoryObj segment's arena is already closed");
        }
        if (!segment.isAccessibleBy(NON_OWNER)) {
            throw new IllegalArgumentException("MemoryObj segments must be accessible from other threads: use "
                    + "Arena.ofShared(), Arena.global() or Arena.ofAuto() (confined arenas throw "
                    + "WrongThreadException on the adapter's threads)");
        }
        if (shape.length == 0) {
            throw new IllegalArgumentException("shape must have at least one dimension");
        }
        long[] copy = shape.clone();
        long elements = 1;
        for (int i = 0; i < copy.length; i++) {
            if (copy[i] < 0) {
                throw new IllegalArgumentException("shape[" + i + "] must be >= 0, got " + copy[i]);
            }
            try {
                elements = Math.multiplyExact(elements, copy[i]);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("shape " + Arrays.toString(copy) + " overflows a long", e);
            }
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(elements, (long) dtype.itemSize());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape " + Arrays.toString(copy) + " of " + dtype.wireName()
                    + " overflows a long byte count", e);
        }
        if (bytes > segment.byteSize()) {
            throw new IllegalArgumentException("shape " + Arrays.toString(copy) + " of " + dtype.wireName()
                    + " needs " + bytes + " bytes but the segment holds " + segment.byteSize());
        }
        this.segment = segment;
        this.shape = copy;
        this.dtype = dtype;
        this.fmt = fmt;
        this.shapeBytes = bytes;
    }

    /**
     * Opaque bytes: format {@link MemoryFormat#BINARY}, dtype {@link DType#UINT8}, shape {@code [byteSize]}.
     *
     * @param segment the caller's memory (shared, global or automatic arena)
     * @return the object
     */
    public static MemoryObj ofBytes(MemorySegment segment) {
        Objects.requireNonNull(segment, "segment");
        return new MemoryObj(segment, new long[] {segment.byteSize()}, DType.UINT8, MemoryFormat.BINARY);
    }

    /** {@return the caller's segment (not a copy)} */
    public MemorySegment segment() {
        return segment;
    }

    /** {@return a copy of the shape} */
    public long[] shape() {
        return shape.clone();
    }

    /** {@return the number of dimensions of the shape} (no copy: for per-chunk checks on hot paths) */
    public int dims() {
        return shape.length;
    }

    /**
     * {@return dimension {@code i} of the shape} (no copy: for per-chunk checks on hot paths)
     *
     * @param i the dimension, {@code 0 <= i < dims()}
     * @throws IndexOutOfBoundsException outside that range
     */
    public long dim(int i) {
        return shape[i];
    }

    /** {@return the element type} */
    public DType dtype() {
        return dtype;
    }

    /** {@return the layout} */
    public MemoryFormat fmt() {
        return fmt;
    }

    /** {@return the segment's size in bytes: what a store transfers and what a load may fill} */
    public long byteSize() {
        return segment.byteSize();
    }

    /** {@return the bytes the shape describes: product of the dimensions times the item size; {@code <= byteSize()}} */
    public long shapeBytes() {
        return shapeBytes;
    }

    /** {@return the token count, {@code shape[fmt.tokenDim()]}, or 0 when the shape has no such dimension} */
    public long tokens() {
        int dim = fmt.tokenDim();
        return dim < shape.length ? shape[dim] : 0;
    }

    /** {@return whether the segment is read-only (fine for a store; a load needs a writable segment)} */
    public boolean isReadOnly() {
        return segment.isReadOnly();
    }

    @Override
    public String toString() {
        return "MemoryObj[" + fmt + " " + dtype.wireName() + Arrays.toString(shape) + ", " + segment.byteSize()
                + " bytes]";
    }
}
