package io.kvcourier.event;

import io.kvcourier.agent.CloseHelper;
import io.kvcourier.l2.L2Adapter;
import io.kvcourier.verbs.Epoll;
import io.kvcourier.verbs.gen.libc_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits for an adapter's completions the way LMCache's controllers do: epoll over its three eventfds,
 * then drain the ones that fired. Returns which operations completed so the caller pops or queries them.
 *
 * <p>On a platform thread {@link #await} blocks in {@code epoll_wait} with the given timeout. On a virtual
 * thread it never blocks in native code (that would pin its carrier): it polls with timeout 0 and parks
 * between tries, 50 µs growing to 1 ms.
 *
 * <p>One poller is used by one thread at a time. It owns its epoll fd and a small native buffer; it does
 * not own the adapter's fds (closing the poller leaves them open). Close it before the adapter.
 */
public final class CompletionPoller implements AutoCloseable {
    /** Bit set in {@link #await}'s result when store tasks completed. */
    public static final int STORE = 1;
    /** Bit set when lookup tasks completed. */
    public static final int LOOKUP = 2;
    /** Bit set when load tasks completed. */
    public static final int LOAD = 4;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment counter = arena.allocate(8, 8);
    private final Epoll epoll;
    private final int[] fds;

    /**
     * A poller over an adapter's three fds.
     *
     * @param adapter the adapter whose store, lookup and load eventfds are watched (it keeps owning them)
     * @return a new poller; close it before the adapter
     */
    public static CompletionPoller forAdapter(L2Adapter adapter) {
        return new CompletionPoller(adapter.storeEventFd(), adapter.lookupAndLockEventFd(), adapter.loadEventFd());
    }

    /**
     * A poller over three eventfds the caller owns (and keeps open until the poller is closed).
     *
     * @param storeFd the store completion eventfd
     * @param lookupFd the lookup completion eventfd
     * @param loadFd the load completion eventfd
     */
    public CompletionPoller(int storeFd, int lookupFd, int loadFd) {
        this.fds = new int[] {storeFd, lookupFd, loadFd};
        Epoll e = Epoll.create(3);
        try {
            for (int i = 0; i < 3; i++) {
                e.add(fds[i], libc_h.EPOLLIN(), 1L << i);
            }
        } catch (RuntimeException ex) {
            CloseHelper.closeOnFailure(ex, e, arena);
            throw ex;
        }
        this.epoll = e;
    }

    /**
     * Waits up to {@code timeout} for at least one completion, drains the fds that fired, and returns a mask
     * of {@link #STORE}, {@link #LOOKUP}, {@link #LOAD}; 0 on timeout.
     *
     * @param timeout the longest wait; zero polls once
     * @return the mask of operations that completed, 0 on timeout
     */
    public int await(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int n;
        if (Thread.currentThread().isVirtual()) {
            long park = TimeUnit.MICROSECONDS.toNanos(50);
            while ((n = epoll.poll()) == 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return 0;
                }
                LockSupport.parkNanos(Math.min(park, left));
                park = Math.min(park * 2, TimeUnit.MILLISECONDS.toNanos(1));
            }
        } else {
            long millis = Math.max(0, TimeUnit.NANOSECONDS.toMillis(timeout.toNanos() + 999_999));
            n = epoll.wait((int) Math.min(millis, Integer.MAX_VALUE));
        }
        int mask = 0;
        for (int i = 0; i < n; i++) {
            int bit = (int) epoll.data(i);
            mask |= bit;
            drain(fds[Integer.numberOfTrailingZeros(bit)]);
        }
        return mask;
    }

    private void drain(int fd) {
        // Non-blocking eventfd: one read returns and resets the counter; -1 (EAGAIN) means already drained.
        libc_h.read(fd, counter, 8);
    }

    /** Closes the epoll fd. Idempotent. */
    @Override
    public void close() {
        if (epoll.isOpen()) {
            epoll.close();
            arena.close();
        }
    }
}
