package io.kvcourier.channel.tcp;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Reusable NIO views of one block of native memory (a staging buffer or a registered caller region) for one
 * connection. The block is cut into windows of at most {@value #WINDOW_BYTES} bytes, each with one view made
 * on first use, so a block of any size works (docs/TRAPS.md#trap-17: one view of a block above 2 GiB is impossible) and
 * {@link #view} only re-positions a view: nothing is allocated per frame.
 *
 * <p>Views are used for one single-buffer socket call at a time. That is deliberate: NIO's gathering and
 * scattering calls ({@code write(ByteBuffer[])}, {@code read(ByteBuffer[])}) allocate two objects per
 * segment-backed buffer per call (JDK 25 {@code IOUtil} pins each buffer's memory session with a new
 * releaser; measured 40 bytes per buffer), while the single-buffer calls allocate nothing. Small pieces are
 * instead packed into one session-free bounce buffer by the callers.
 *
 * <p>Owned by one progress thread; the views keep the memory's session, so a use after the owner freed the
 * memory fails with an exception instead of touching freed memory.
 */
final class RegionViews {
    /** Largest window, in bytes. */
    static final long WINDOW_BYTES = 1L << 30;

    private final MemorySegment memory;
    private final long windowBytes;
    private final ByteBuffer[] windows;

    RegionViews(MemorySegment memory) {
        this(memory, WINDOW_BYTES);
    }

    /** With a smaller window (tests make many windows out of a small block). */
    RegionViews(MemorySegment memory, long windowBytes) {
        if (windowBytes <= 0 || windowBytes > WINDOW_BYTES) {
            throw new IllegalArgumentException("window must be 1.." + WINDOW_BYTES + " bytes, got " + windowBytes);
        }
        this.memory = memory;
        this.windowBytes = windowBytes;
        this.windows = new ByteBuffer[(int) ((memory.byteSize() + windowBytes - 1) / windowBytes)];
    }

    MemorySegment memory() {
        return memory;
    }

    /** How many bytes of {@code [offset, offset + length)} lie in the window that holds {@code offset}. */
    int spanInWindow(long offset, long length) {
        long windowEnd = (offset / windowBytes + 1) * windowBytes;
        return (int) Math.min(length, windowEnd - offset);
    }

    /**
     * The view whose remaining bytes are {@code [offset, offset + length)} of the block; the range must lie
     * inside one window ({@link #spanInWindow}). The same view object comes back for the next range of its
     * window, so the caller finishes with one before asking for the next.
     */
    ByteBuffer view(long offset, int length) {
        int w = (int) (offset / windowBytes);
        ByteBuffer v = windows[w];
        if (v == null) {
            long start = w * windowBytes;
            v = memory.asSlice(start, Math.min(windowBytes, memory.byteSize() - start)).asByteBuffer();
            windows[w] = v;
        }
        int at = (int) (offset - w * windowBytes);
        v.clear();
        v.limit(at + length);
        v.position(at);
        return v;
    }
}
