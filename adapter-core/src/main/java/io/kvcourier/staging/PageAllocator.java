package io.kvcourier.staging;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Hands out page indexes {@code 0..pageCount-1} of a staging buffer, all-or-nothing, from a stack of free pages,
 * each request's pages in ascending order. Waiting callers park (virtual-thread friendly) until enough pages are free
 * or their deadline passes. Thread-safe.
 */
public final class PageAllocator {
    private final int pageCount;
    private final int[] free;
    private final boolean[] inUse;
    private int top;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition freed = lock.newCondition();

    public PageAllocator(int pageCount) {
        if (pageCount <= 0) {
            throw new IllegalArgumentException("pageCount must be > 0, got " + pageCount);
        }
        this.pageCount = pageCount;
        this.free = new int[pageCount];
        this.inUse = new boolean[pageCount];
        // Lowest page on top, so a fresh buffer hands out 0, 1, 2, ... (adjacent pages coalesce into one write).
        for (int i = 0; i < pageCount; i++) {
            free[i] = pageCount - 1 - i;
        }
        this.top = pageCount;
    }

    public int pageCount() {
        return pageCount;
    }

    /** Pages free right now. */
    public int available() {
        lock.lock();
        try {
            return top;
        } finally {
            lock.unlock();
        }
    }

    /** Takes {@code out.length} pages if that many are free; otherwise takes none and returns false. */
    public boolean tryAllocate(int[] out) {
        return tryAllocate(out, out.length);
    }

    /**
     * Takes {@code count} pages into {@code out[0..count)} if that many are free; otherwise takes none and returns
     * false. For a caller that reuses one array for requests of different sizes.
     */
    public boolean tryAllocate(int[] out, int count) {
        if (count < 0 || count > out.length) {
            throw new IllegalArgumentException("count " + count + " outside 0.." + out.length);
        }
        lock.lock();
        try {
            return takeLocked(out, count);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes {@code out.length} pages, waiting until that many are free or until {@code deadlineNanos}
     * ({@link System#nanoTime()} based). Returns false on timeout or if more pages are asked for than exist.
     */
    public boolean allocate(int[] out, long deadlineNanos) throws InterruptedException {
        if (out.length > pageCount) {
            return false;
        }
        lock.lock();
        try {
            while (!takeLocked(out, out.length)) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                freed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private boolean takeLocked(int[] out, int count) {
        if (count > top) {
            return false;
        }
        for (int i = 0; i < count; i++) {
            int page = free[--top];
            inUse[page] = true;
            out[i] = page;
        }
        ascending(out, count);
        return true;
    }

    /**
     * Puts the pages taken in ascending order, so that pages freed together come back as a run of neighbours
     * (the channels move a run of neighbouring pages in one piece): the stack hands back a run freed in order
     * reversed, which is undone in one pass; any other order is sorted.
     */
    private static void ascending(int[] out, int count) {
        boolean up = true;
        boolean down = true;
        for (int i = 1; i < count && (up || down); i++) {
            up &= out[i] > out[i - 1];
            down &= out[i] < out[i - 1];
        }
        if (up) {
            return;
        }
        if (down) {
            for (int i = 0, j = count - 1; i < j; i++, j--) {
                int t = out[i];
                out[i] = out[j];
                out[j] = t;
            }
        } else {
            Arrays.sort(out, 0, count);
        }
    }

    /** Returns one page. Freeing a page that is not in use is a bug and throws. */
    public void free(int page) {
        lock.lock();
        try {
            freeLocked(page);
            freed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Returns pages; negative entries (positions that got no page) are skipped. */
    public void free(int[] pages) {
        lock.lock();
        try {
            for (int page : pages) {
                if (page >= 0) {
                    freeLocked(page);
                }
            }
            freed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns the pages that start at byte offsets {@code offsets} of a buffer of {@code pageSize}-byte pages
     * (page {@code offset / pageSize}): a holder that kept only the offsets frees with no page array.
     */
    public void freeAtOffsets(long[] offsets, long pageSize) {
        lock.lock();
        try {
            for (long offset : offsets) {
                freeLocked(Math.toIntExact(offset / pageSize));
            }
            freed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void freeLocked(int page) {
        if (page < 0 || page >= pageCount || !inUse[page]) {
            throw new IllegalStateException("page " + page + " is not allocated");
        }
        inUse[page] = false;
        free[top++] = page;
    }
}
