package io.kvcourier.channel.tcp;

import io.kvcourier.staging.StagingBuffer;

import java.nio.ByteBuffer;

/**
 * Reusable NIO views of a staging buffer's pages, one per page, made on first use (traps 17: a view of the
 * whole block fails above 2 GiB, so every view is one page). {@link #window} re-positions the page's view
 * instead of allocating, so the frame path allocates nothing. Used by one progress thread only; its views
 * must not be used after that thread stopped, because the staging memory is freed then. Connections share a
 * page's view: two connections filling the same page at once (only a sender writing its own allocation twice
 * in parallel could) would interleave inside that page, never outside what was admitted for it.
 */
final class PageWindows {
    private final StagingBuffer staging;
    private ByteBuffer[] views;
    private long pageSize;

    PageWindows(StagingBuffer staging) {
        this.staging = staging;
    }

    /**
     * A buffer whose remaining bytes are {@code [offset, offset + length)} of the staging block. The range
     * must lie inside the block; a range that crosses a page boundary (or pages above 2 GiB) gets a fresh
     * slice instead of a cached view.
     */
    ByteBuffer window(long offset, int length) {
        long ps = staging.pageSize();
        if (ps > 0 && ps <= Integer.MAX_VALUE) {
            if (views == null || pageSize != ps) {
                views = new ByteBuffer[staging.pageCount()];
                pageSize = ps;
            }
            long page = offset / ps;
            long inPage = offset - page * ps;
            if (page < views.length && inPage + length <= ps) {
                ByteBuffer v = views[(int) page];
                if (v == null) {
                    v = staging.segment().asSlice(page * ps, ps).asByteBuffer();
                    views[(int) page] = v;
                }
                v.limit((int) (inPage + length));
                v.position((int) inPage);
                return v;
            }
        }
        return staging.segment().asSlice(offset, length).asByteBuffer();
    }
}
