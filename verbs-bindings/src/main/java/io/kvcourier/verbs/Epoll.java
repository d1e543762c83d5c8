package io.kvcourier.verbs;

import io.kvcourier.verbs.gen.epoll_event;
import io.kvcourier.verbs.gen.libc_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A Linux {@code epoll(7)} instance (created with {@code EPOLL_CLOEXEC}) with a reused native event
 * array: {@link #wait(int)} fills it and returns the count, {@link #events(int)} and
 * {@link #data(int)} read the i-th ready entry. Each registered fd carries a {@code long} user datum
 * ({@code epoll_event.data.u64}).
 *
 * <p>Threading: {@code wait}/{@code poll} and the event accessors belong to one thread (the progress
 * thread that owns this object). {@code add}/{@code modify}/{@code remove} may be called from any
 * thread (they are serialised by a lock). A blocking {@code wait} is a native call: on a
 * <em>virtual</em> thread it pins the carrier for the whole timeout, so block only on platform
 * threads; a virtual thread may use {@link #poll()} (timeout 0).
 *
 * <p>Ownership: owns the epoll fd and the native arrays. {@link #close()} is idempotent; call it
 * only after the waiting thread has stopped (wake it with an {@link EventFd}).
 * No Java heap allocation per {@code wait}, {@code poll} or accessor call.
 */
public final class Epoll implements AutoCloseable {
    private static final long EVENT_SIZE = epoll_event.sizeof();
    private static final long EVENTS_OFFSET = epoll_event.events$offset();
    private static final long DATA_OFFSET = epoll_event.data$offset();
    // epoll_event is packed on x86-64 (12 bytes, data at offset 4): unaligned accesses.
    private static final ValueLayout.OfInt EVENTS = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong DATA = ValueLayout.JAVA_LONG_UNALIGNED;

    private final int epfd;
    private final int maxEvents;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment ready;
    private final MemorySegment waitState;
    private final ReentrantLock ctlLock = new ReentrantLock();
    private final MemorySegment ctlEvent;
    private final MemorySegment ctlState;
    private int readyCount;
    private volatile boolean closed;

    private Epoll(int epfd, int maxEvents) {
        this.epfd = epfd;
        this.maxEvents = maxEvents;
        this.ready = epoll_event.allocateArray(maxEvents, arena);
        this.waitState = Errno.allocateState(arena);
        this.ctlEvent = epoll_event.allocate(arena);
        this.ctlState = Errno.allocateState(arena);
    }

    /**
     * Creates an epoll instance.
     *
     * @param maxEvents how many ready fds one {@link #wait(int)} can report, at least 1
     * @return the epoll instance; close it
     * @throws IllegalArgumentException if {@code maxEvents < 1}
     * @throws NativeException naming {@code epoll_create1}
     */
    public static Epoll create(int maxEvents) {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("maxEvents must be at least 1, was " + maxEvents);
        }
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment state = Errno.allocateState(tmp);
            int fd = Syscalls.epollCreate1(state, libc_h.EPOLL_CLOEXEC());
            if (fd < 0) {
                throw new NativeException("epoll_create1", Errno.get(state));
            }
            return new Epoll(fd, maxEvents);
        }
    }

    /** {@return the epoll file descriptor} */
    public int fd() {
        return epfd;
    }

    /** {@return the capacity of the ready array} */
    public int maxEvents() {
        return maxEvents;
    }

    /**
     * Registers {@code fd} for {@code events} ({@code EPOLLIN} etc. from {@link libc_h}).
     *
     * @param data the user datum returned by {@link #data(int)} when {@code fd} is ready
     * @param fd the file descriptor
     * @param events the event mask
     * @throws NativeException naming {@code epoll_ctl} (e.g. EBADF, EEXIST)
     */
    public void add(int fd, int events, long data) {
        ctl(libc_h.EPOLL_CTL_ADD(), fd, events, data);
    }

    /**
     * Changes the events and datum of a registered {@code fd}.
     *
     * @param fd the file descriptor
     * @param events the new event mask
     * @param data the new user datum
     * @throws NativeException naming {@code epoll_ctl} (e.g. ENOENT when not registered)
     */
    public void modify(int fd, int events, long data) {
        ctl(libc_h.EPOLL_CTL_MOD(), fd, events, data);
    }

    /**
     * Unregisters {@code fd}.
     *
     * @param fd the file descriptor
     * @throws NativeException naming {@code epoll_ctl} (e.g. ENOENT when not registered)
     */
    public void remove(int fd) {
        ctl(libc_h.EPOLL_CTL_DEL(), fd, 0, 0);
    }

    private void ctl(int op, int fd, int events, long data) {
        ctlLock.lock();
        try {
            checkOpen();
            ctlEvent.set(EVENTS, EVENTS_OFFSET, events);
            ctlEvent.set(DATA, DATA_OFFSET, data);
            if (Syscalls.epollCtl(ctlState, epfd, op, fd, ctlEvent) == -1) {
                throw new NativeException("epoll_ctl", Errno.get(ctlState), opName(op) + " fd " + fd);
            }
        } finally {
            ctlLock.unlock();
        }
    }

    /**
     * Waits up to {@code timeoutMillis} for registered fds to become ready.
     *
     * <p>The parameter is an {@code int}, as in {@code epoll_wait(2)}: a {@code long} argument would
     * select {@link Object#wait(long)} instead.
     *
     * @param timeoutMillis milliseconds; 0 returns at once; -1 waits without limit (avoid: every
     *                      wait in kvcourier is bounded)
     * @return the number of ready entries (0 on timeout or when interrupted by a signal, EINTR)
     * @throws NativeException naming {@code epoll_wait}
     */
    public int wait(int timeoutMillis) {
        checkOpen();
        // Non-capturing first (docs/TRAPS.md#trap-37). On failure the wait is redone at once with errno captured:
        // an EINTR then reports what is ready by now, a closed or bad epfd fails again and is named.
        int n = libc_h.epoll_wait(epfd, ready, maxEvents, timeoutMillis);
        if (n == -1) {
            n = Syscalls.epollWait(waitState, epfd, ready, maxEvents, 0);
        }
        if (n == -1) {
            int errno = Errno.get(waitState);
            readyCount = 0;
            if (errno == Errno.EINTR) {
                return 0;
            }
            throw new NativeException("epoll_wait", errno, "epfd " + epfd);
        }
        readyCount = n;
        return n;
    }

    /**
     * Non-blocking {@link #wait(int)} (timeout 0); safe on virtual threads.
     *
     * @return the number of ready entries
     */
    public int poll() {
        return wait(0);
    }

    /**
     * {@return the ready event mask of the i-th entry of the last wait}
     *
     * @param i the entry, {@code 0 <= i <} the last wait's count
     * @throws IndexOutOfBoundsException unless {@code 0 <= i < } the last wait's count
     */
    public int events(int i) {
        return ready.get(EVENTS, entry(i) + EVENTS_OFFSET);
    }

    /**
     * {@return the user datum of the i-th entry of the last wait}
     *
     * @param i the entry, {@code 0 <= i <} the last wait's count
     * @throws IndexOutOfBoundsException unless {@code 0 <= i < } the last wait's count
     */
    public long data(int i) {
        return ready.get(DATA, entry(i) + DATA_OFFSET);
    }

    private long entry(int i) {
        if (i < 0 || i >= readyCount) {
            throw new IndexOutOfBoundsException("event " + i + " of " + readyCount);
        }
        return i * EVENT_SIZE;
    }

    /** {@return whether {@link #close()} has not been called yet} */
    public boolean isOpen() {
        return !closed;
    }

    /**
     * Closes the epoll fd and frees the arrays. Idempotent. Registered fds stay open (they belong to
     * their owners).
     *
     * @throws NativeException naming {@code close} if the kernel reports an error (the fd is gone anyway)
     */
    @Override
    public void close() {
        ctlLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            readyCount = 0;
            int rc = Syscalls.close(ctlState, epfd);
            int errno = Errno.get(ctlState);
            arena.close();
            if (rc == -1) {
                throw new NativeException("close", errno, "epfd " + epfd);
            }
        } finally {
            ctlLock.unlock();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("Epoll " + epfd + " is closed");
        }
    }

    private static String opName(int op) {
        if (op == libc_h.EPOLL_CTL_ADD()) {
            return "EPOLL_CTL_ADD";
        }
        return op == libc_h.EPOLL_CTL_MOD() ? "EPOLL_CTL_MOD" : "EPOLL_CTL_DEL";
    }

    @Override
    public String toString() {
        return "Epoll[fd=" + epfd + (closed ? ", closed]" : "]");
    }
}
