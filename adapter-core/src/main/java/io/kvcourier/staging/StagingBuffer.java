package io.kvcourier.staging;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One contiguous block of native memory, owned by an adapter, that KV chunks pass through: a sender copies
 * its L1 objects into it before a transfer, a receiver's peers write into it. Channels register the whole
 * block once (RDMA). It is split into equal pages of one full KV chunk each; the page size is fixed once,
 * either from configuration or by the first request that needs it, and never changes afterwards.
 *
 * <p>The memory comes from a shared {@link Arena} owned by this object, 4 KiB aligned and zero-filled; it
 * is freed by {@link #close()}, which the adapter calls only after every channel and task has stopped
 * using it.
 */
public final class StagingBuffer implements AutoCloseable {
    /** Alignment of the block, in bytes. */
    public static final long ALIGNMENT = 4096;

    private static final AtomicLong OUTSTANDING_BYTES = new AtomicLong();

    private final Arena arena;
    private final MemorySegment segment;
    private volatile Pages pages;
    private volatile boolean closed;

    private record Pages(long pageSize, PageAllocator allocator) {
    }

    /**
     * Allocates {@code byteSize} bytes.
     *
     * @throws IllegalArgumentException if {@code byteSize <= 0}
     * @throws OutOfMemoryError         if the native allocation fails
     */
    public StagingBuffer(long byteSize) {
        if (byteSize <= 0) {
            throw new IllegalArgumentException("buffer_size must be > 0 bytes, got " + byteSize);
        }
        this.arena = Arena.ofShared();
        this.segment = arena.allocate(byteSize, ALIGNMENT);
        OUTSTANDING_BYTES.addAndGet(byteSize);
    }

    /**
     * Bytes of native memory held by staging buffers in this JVM that are not closed yet (all adapters
     * together). A diagnostic: leak tests compare it with a baseline, since the JVM's own tools do not see
     * {@link Arena} memory in-process.
     */
    public static long outstandingBytes() {
        return OUTSTANDING_BYTES.get();
    }

    /** The whole block (for channel registration). Valid until {@link #close()}. */
    public MemorySegment segment() {
        return segment;
    }

    public long byteSize() {
        return segment.byteSize();
    }

    /** Base address of the block. */
    public long address() {
        return segment.address();
    }

    /**
     * Fixes the page size if it is not fixed yet. {@code buffer_size} is rounded down to whole pages.
     *
     * @return true if the page size now equals {@code pageSize}; false if another size was fixed before
     * @throws IllegalArgumentException if not even one page of that size fits
     */
    public synchronized boolean fixPageSize(long pageSize) {
        Pages p = pages;
        if (p != null) {
            return p.pageSize == pageSize;
        }
        if (pageSize <= 0) {
            throw new IllegalArgumentException("page size must be > 0 bytes, got " + pageSize);
        }
        long count = segment.byteSize() / pageSize;
        if (count < 1) {
            throw new IllegalArgumentException("buffer_size (" + segment.byteSize()
                    + " bytes) is smaller than a single chunk (" + pageSize + " bytes)");
        }
        pages = new Pages(pageSize, new PageAllocator((int) Math.min(count, Integer.MAX_VALUE - 8)));
        return true;
    }

    /** True once the page size is fixed. */
    public boolean hasPages() {
        return pages != null;
    }

    /** The page size in bytes, or 0 while not fixed. */
    public long pageSize() {
        Pages p = pages;
        return p == null ? 0 : p.pageSize;
    }

    /** Number of pages, or 0 while the page size is not fixed. */
    public int pageCount() {
        Pages p = pages;
        return p == null ? 0 : p.allocator.pageCount();
    }

    /** The page allocator; the page size must be fixed. */
    public PageAllocator allocator() {
        Pages p = pages;
        if (p == null) {
            throw new IllegalStateException("staging page size not fixed yet");
        }
        return p.allocator;
    }

    /** Byte offset of {@code page} in the block. */
    public long pageOffset(int page) {
        return page * pageSize();
    }

    /** A view of {@code length} bytes at the start of {@code page}. */
    public MemorySegment page(int page, long length) {
        long size = pageSize();
        if (page < 0 || page >= pageCount() || length < 0 || length > size) {
            throw new IndexOutOfBoundsException("page " + page + " length " + length + " (page size " + size
                    + ", " + pageCount() + " pages)");
        }
        return segment.asSlice(page * size, length);
    }

    /** Whether [address, address+length) lies inside this block. */
    public boolean contains(long address, long length) {
        long base = segment.address();
        return address >= base && length >= 0 && address + length <= base + segment.byteSize();
    }

    /** Frees the memory. Callers must have stopped every use of it first. Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            arena.close();
            OUTSTANDING_BYTES.addAndGet(-segment.byteSize());
        }
    }
}
