package io.kvcourier.bench;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The ceilings' libc calls as bare FFM downcalls: no errno capture, no locks, no wrappers. What a C program
 * would call, minus nothing but the downcall itself. {@code memcpy}, {@code write} and {@code read} use
 * {@link Linker.Option#critical(boolean)} (short, non-blocking calls on non-blocking fds); {@code epoll_wait}
 * does not (it blocks).
 */
final class RawLibc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();

    /** {@code void *memcpy(void *dst, const void *src, size_t n)}. */
    static final MethodHandle MEMCPY = handle("memcpy", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG),
            true);
    /** {@code ssize_t write(int fd, const void *buf, size_t n)}. */
    static final MethodHandle WRITE = handle("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
            true);
    /** {@code ssize_t read(int fd, void *buf, size_t n)}. */
    static final MethodHandle READ = handle("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
            true);
    /** {@code int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)}. */
    static final MethodHandle EPOLL_WAIT = handle("epoll_wait",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), false);
    /** {@code int epoll_create1(int flags)}. */
    static final MethodHandle EPOLL_CREATE1 = handle("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT), false);
    /** {@code int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)}. */
    static final MethodHandle EPOLL_CTL = handle("epoll_ctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), false);
    /** {@code int eventfd(unsigned int initval, int flags)}. */
    static final MethodHandle EVENTFD = handle("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), false);
    /** {@code int close(int fd)}. */
    static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), false);

    static final int EFD_NONBLOCK = 0x800; // eventfd.h: EFD_NONBLOCK = O_NONBLOCK
    static final int EFD_CLOEXEC = 0x80000;
    static final int EPOLL_CLOEXEC = 0x80000;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLLIN = 0x001;
    /** {@code sizeof(struct epoll_event)} on x86-64 (packed); 16 elsewhere. */
    static final long EPOLL_EVENT_SIZE = "amd64".equals(System.getProperty("os.arch"))
            || "x86_64".equals(System.getProperty("os.arch")) ? 12 : 16;

    private RawLibc() {
    }

    private static MethodHandle handle(String name, FunctionDescriptor fd, boolean critical) {
        MemorySegment addr = LIBC.find(name).orElseThrow(() -> new IllegalStateException("libc has no " + name));
        return critical ? LINKER.downcallHandle(addr, fd, Linker.Option.critical(false))
                : LINKER.downcallHandle(addr, fd);
    }

    static void memcpy(MemorySegment dst, MemorySegment src, long n) {
        try {
            MemorySegment unused = (MemorySegment) MEMCPY.invokeExact(dst, src, n);
        } catch (Throwable t) {
            throw new IllegalStateException("memcpy", t);
        }
    }

    static long write(int fd, MemorySegment buf, long n) {
        try {
            return (long) WRITE.invokeExact(fd, buf, n);
        } catch (Throwable t) {
            throw new IllegalStateException("write", t);
        }
    }

    static long read(int fd, MemorySegment buf, long n) {
        try {
            return (long) READ.invokeExact(fd, buf, n);
        } catch (Throwable t) {
            throw new IllegalStateException("read", t);
        }
    }

    static int epollWait(int epfd, MemorySegment events, int max, int timeoutMillis) {
        try {
            return (int) EPOLL_WAIT.invokeExact(epfd, events, max, timeoutMillis);
        } catch (Throwable t) {
            throw new IllegalStateException("epoll_wait", t);
        }
    }

    static int call(MethodHandle h, Object... args) {
        try {
            return (int) h.invokeWithArguments(args);
        } catch (Throwable t) {
            throw new IllegalStateException(String.valueOf(h), t);
        }
    }
}
