package io.kvcourier.verbs;

import io.kvcourier.verbs.gen.libc_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A Linux {@code eventfd(2)} counter, created with {@code EFD_NONBLOCK | EFD_CLOEXEC}: producers
 * {@link #signal()} it, a consumer waits for it to become readable (for example with {@link Epoll})
 * and {@link #drain()}s it.
 *
 * <p>Ownership: this object owns the fd and an 8-byte native buffer per direction (in its own shared
 * arena); {@link #close()} releases both and is idempotent.
 *
 * <p>Threading: {@link #signal} may be called from any number of threads at once, and {@link #drain}
 * from any thread; each direction is serialised by its own lock so that the reused native buffer
 * and errno capture segment are never shared by two calls in flight. Neither allocates on the Java
 * heap per call. {@code close()} waits for calls in flight and makes later calls throw
 * {@link IllegalStateException}, so a late signal can never hit a reused fd number. Both calls are
 * non-blocking system calls and are fine on virtual threads.
 */
public final class EventFd implements AutoCloseable {
    private static final long MAX_ADD = 0xFFFF_FFFF_FFFF_FFFEL; // eventfd(2): largest counter value

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final ReentrantLock signalLock = new ReentrantLock();
    private final ReentrantLock drainLock = new ReentrantLock();
    private final MemorySegment signalBuf;
    private final MemorySegment signalState;
    private final MemorySegment drainBuf;
    private final MemorySegment drainState;
    private volatile boolean closed;

    private EventFd(int fd) {
        this.fd = fd;
        this.signalBuf = arena.allocate(ValueLayout.JAVA_LONG);
        this.signalState = Errno.allocateState(arena);
        this.drainBuf = arena.allocate(ValueLayout.JAVA_LONG);
        this.drainState = Errno.allocateState(arena);
    }

    /**
     * Creates an eventfd with counter 0, flags {@code EFD_NONBLOCK | EFD_CLOEXEC}.
     *
     * @return the eventfd; close it
     * @throws NativeException naming {@code eventfd} (e.g. EMFILE)
     */
    public static EventFd create() {
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment state = Errno.allocateState(tmp);
            int fd = Syscalls.eventfd(state, 0, libc_h.EFD_NONBLOCK() | libc_h.EFD_CLOEXEC());
            if (fd < 0) {
                throw new NativeException("eventfd", Errno.get(state));
            }
            return new EventFd(fd);
        }
    }

    /** {@return the file descriptor, for registering with {@link Epoll}; valid until {@link #close()}} */
    public int fd() {
        return fd;
    }

    /** Adds 1 to the counter, making the fd readable. */
    public void signal() {
        signal(1);
    }

    /**
     * Adds {@code n} to the counter.
     *
     * @param n the amount, at least 1
     * @throws IllegalArgumentException if {@code n < 1}
     * @throws IllegalStateException after {@link #close()}
     * @throws NativeException naming {@code write}, e.g. EAGAIN if the counter would overflow
     */
    public void signal(long n) {
        if (n < 1 || Long.compareUnsigned(n, MAX_ADD) > 0) {
            throw new IllegalArgumentException("n must be at least 1, was " + n);
        }
        signalLock.lock();
        try {
            checkOpen();
            signalBuf.set(ValueLayout.JAVA_LONG, 0, n);
            // Non-capturing first: an errno-capturing call can allocate per call (docs/TRAPS.md#trap-37). A failed
            // write added nothing, so it is redone with errno captured.
            long rc = libc_h.write(fd, signalBuf, 8);
            while (rc != 8 && (rc = Syscalls.write(signalState, fd, signalBuf, 8)) == -1
                    && Errno.get(signalState) == Errno.EINTR) {
                // interrupted by a signal: write again
            }
            if (rc != 8) {
                throw new NativeException("write", rc == -1 ? Errno.get(signalState) : Errno.EIO, "eventfd " + fd);
            }
        } finally {
            signalLock.unlock();
        }
    }

    /**
     * Reads and resets the counter.
     *
     * @return the counter (the sum of all signals since the last drain), or 0 if it was 0 (EAGAIN)
     * @throws IllegalStateException after {@link #close()}
     * @throws NativeException naming {@code read} for any other error
     */
    public long drain() {
        drainLock.lock();
        try {
            checkOpen();
            // Non-capturing first (docs/TRAPS.md#trap-37); a failed read took nothing, so it is redone with errno.
            long rc = libc_h.read(fd, drainBuf, 8);
            while (rc != 8 && (rc = Syscalls.read(drainState, fd, drainBuf, 8)) == -1
                    && Errno.get(drainState) == Errno.EINTR) {
                // interrupted by a signal: read again
            }
            if (rc == 8) {
                return drainBuf.get(ValueLayout.JAVA_LONG, 0);
            }
            if (rc == -1 && Errno.get(drainState) == Errno.EAGAIN) {
                return 0;
            }
            throw new NativeException("read", rc == -1 ? Errno.get(drainState) : Errno.EIO, "eventfd " + fd);
        } finally {
            drainLock.unlock();
        }
    }

    /** {@return whether {@link #close()} has not been called yet} */
    public boolean isOpen() {
        return !closed;
    }

    /**
     * Closes the fd and frees the native buffers. Idempotent; waits for a signal or drain in flight.
     *
     * @throws NativeException naming {@code close} if the kernel reports an error (the fd is gone anyway)
     */
    @Override
    public void close() {
        signalLock.lock();
        drainLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            int rc = Syscalls.close(drainState, fd);
            int errno = Errno.get(drainState);
            arena.close();
            if (rc == -1) {
                throw new NativeException("close", errno, "eventfd " + fd);
            }
        } finally {
            drainLock.unlock();
            signalLock.unlock();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("EventFd " + fd + " is closed");
        }
    }

    @Override
    public String toString() {
        return "EventFd[fd=" + fd + (closed ? ", closed]" : "]");
    }
}
