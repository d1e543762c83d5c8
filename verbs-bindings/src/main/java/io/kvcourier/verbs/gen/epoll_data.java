// Generated in jextract's form by jextract/stylegen.py. DO NOT EDIT.

package io.kvcourier.verbs.gen;

import java.lang.invoke.*;
import java.lang.foreign.*;
import java.nio.ByteOrder;
import java.util.*;
import java.util.function.*;
import java.util.stream.*;

import static java.lang.foreign.ValueLayout.*;
import static java.lang.foreign.MemoryLayout.PathElement.*;

/**
 * {@snippet lang=c :
 * union epoll_data (layout from the C probe, see jextract/layoutcheck.c)
 * }
 */
public class epoll_data {

    epoll_data() {
        // Should not be called directly
    }

    private static final GroupLayout $LAYOUT = MemoryLayout.unionLayout(
        libc_h.C_POINTER.withName("ptr"),
        libc_h.C_INT.withName("fd"),
        libc_h.C_INT.withName("u32"),
        libc_h.C_LONG.withName("u64")
    ).withName("epoll_data");

    /**
     * The layout of this union
     */
    public static final GroupLayout layout() {
        return $LAYOUT;
    }

    private static final AddressLayout ptr$LAYOUT = (AddressLayout)$LAYOUT.select(groupElement("ptr"));

    /**
     * Layout for field ptr
     */
    public static final AddressLayout ptr$layout() {
        return ptr$LAYOUT;
    }

    private static final long ptr$OFFSET = 0;

    /**
     * Offset for field ptr
     */
    public static final long ptr$offset() {
        return ptr$OFFSET;
    }

    /**
     * Getter for field ptr
     */
    public static MemorySegment ptr(MemorySegment struct) {
        return struct.get(ptr$LAYOUT, ptr$OFFSET);
    }

    /**
     * Setter for field ptr
     */
    public static void ptr(MemorySegment struct, MemorySegment fieldValue) {
        struct.set(ptr$LAYOUT, ptr$OFFSET, fieldValue);
    }

    private static final OfInt fd$LAYOUT = (OfInt)$LAYOUT.select(groupElement("fd"));

    /**
     * Layout for field fd
     */
    public static final OfInt fd$layout() {
        return fd$LAYOUT;
    }

    private static final long fd$OFFSET = 0;

    /**
     * Offset for field fd
     */
    public static final long fd$offset() {
        return fd$OFFSET;
    }

    /**
     * Getter for field fd
     */
    public static int fd(MemorySegment struct) {
        return struct.get(fd$LAYOUT, fd$OFFSET);
    }

    /**
     * Setter for field fd
     */
    public static void fd(MemorySegment struct, int fieldValue) {
        struct.set(fd$LAYOUT, fd$OFFSET, fieldValue);
    }

    private static final OfInt u32$LAYOUT = (OfInt)$LAYOUT.select(groupElement("u32"));

    /**
     * Layout for field u32
     */
    public static final OfInt u32$layout() {
        return u32$LAYOUT;
    }

    private static final long u32$OFFSET = 0;

    /**
     * Offset for field u32
     */
    public static final long u32$offset() {
        return u32$OFFSET;
    }

    /**
     * Getter for field u32
     */
    public static int u32(MemorySegment struct) {
        return struct.get(u32$LAYOUT, u32$OFFSET);
    }

    /**
     * Setter for field u32
     */
    public static void u32(MemorySegment struct, int fieldValue) {
        struct.set(u32$LAYOUT, u32$OFFSET, fieldValue);
    }

    private static final OfLong u64$LAYOUT = (OfLong)$LAYOUT.select(groupElement("u64"));

    /**
     * Layout for field u64
     */
    public static final OfLong u64$layout() {
        return u64$LAYOUT;
    }

    private static final long u64$OFFSET = 0;

    /**
     * Offset for field u64
     */
    public static final long u64$offset() {
        return u64$OFFSET;
    }

    /**
     * Getter for field u64
     */
    public static long u64(MemorySegment struct) {
        return struct.get(u64$LAYOUT, u64$OFFSET);
    }

    /**
     * Setter for field u64
     */
    public static void u64(MemorySegment struct, long fieldValue) {
        struct.set(u64$LAYOUT, u64$OFFSET, fieldValue);
    }

    /**
     * Obtains a slice of {@code arrayParam} which selects the array element at {@code index}.
     * The returned segment has address {@code arrayParam.address() + index * layout().byteSize()}
     */
    public static MemorySegment asSlice(MemorySegment array, long index) {
        return array.asSlice(layout().byteSize() * index);
    }

    /**
     * The size (in bytes) of this struct
     */
    public static long sizeof() { return layout().byteSize(); }

    /**
     * Allocate a segment of size {@code layout().byteSize()} using {@code allocator}
     */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(layout());
    }

    /**
     * Allocate an array of size {@code elementCount} using {@code allocator}.
     * The returned segment has size {@code elementCount * layout().byteSize()}.
     */
    public static MemorySegment allocateArray(long elementCount, SegmentAllocator allocator) {
        return allocator.allocate(MemoryLayout.sequenceLayout(elementCount, layout()));
    }

    /**
     * Reinterprets {@code addr} using target {@code arena} and {@code cleanupAction} (if any).
     * The returned segment has size {@code layout().byteSize()}
     */
    public static MemorySegment reinterpret(MemorySegment addr, Arena arena, Consumer<MemorySegment> cleanup) {
        return reinterpret(addr, 1, arena, cleanup);
    }

    /**
     * Reinterprets {@code addr} using target {@code arena} and {@code cleanupAction} (if any).
     * The returned segment has size {@code elementCount * layout().byteSize()}
     */
    public static MemorySegment reinterpret(MemorySegment addr, long elementCount, Arena arena, Consumer<MemorySegment> cleanup) {
        return addr.reinterpret(layout().byteSize() * elementCount, arena, cleanup);
    }
}
