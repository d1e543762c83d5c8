package io.kvcourier.verbs;

import io.kvcourier.verbs.gen.libc_h;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * errno-capturing handles over the libc functions bound in {@link libc_h}: the generated
 * descriptors and addresses, plus {@code captureCallState("errno")}. Each handle takes the
 * call-state segment ({@link Errno#allocateState}) first.
 */
final class Syscalls {
    static final MethodHandle EVENTFD = Errno.capturing(libc_h.eventfd$address(), libc_h.eventfd$descriptor());
    static final MethodHandle READ = Errno.capturing(libc_h.read$address(), libc_h.read$descriptor());
    static final MethodHandle WRITE = Errno.capturing(libc_h.write$address(), libc_h.write$descriptor());
    static final MethodHandle EPOLL_CREATE1 =
            Errno.capturing(libc_h.epoll_create1$address(), libc_h.epoll_create1$descriptor());
    static final MethodHandle EPOLL_CTL = Errno.capturing(libc_h.epoll_ctl$address(), libc_h.epoll_ctl$descriptor());
    static final MethodHandle EPOLL_WAIT =
            Errno.capturing(libc_h.epoll_wait$address(), libc_h.epoll_wait$descriptor());
    static final MethodHandle CLOSE = Errno.capturing(libc_h.close$address(), libc_h.close$descriptor());
    // fcntl is variadic: fcntl(int fd, int cmd, ...); the third argument is passed as a variadic int
    // (ignored by F_GETFL/F_GETFD, as fcntl(2) allows).
    static final MethodHandle FCNTL = Errno.capturing(libc_h.fcntl.address(),
            FunctionDescriptor.of(libc_h.C_INT, libc_h.C_INT, libc_h.C_INT, libc_h.C_INT),
            Linker.Option.firstVariadicArg(2));

    private Syscalls() {
    }

    static int eventfd(MemorySegment state, int initval, int flags) {
        try {
            return (int) EVENTFD.invokeExact(state, initval, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long read(MemorySegment state, int fd, MemorySegment buf, long count) {
        try {
            return (long) READ.invokeExact(state, fd, buf, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long write(MemorySegment state, int fd, MemorySegment buf, long count) {
        try {
            return (long) WRITE.invokeExact(state, fd, buf, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int epollCreate1(MemorySegment state, int flags) {
        try {
            return (int) EPOLL_CREATE1.invokeExact(state, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int epollCtl(MemorySegment state, int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) EPOLL_CTL.invokeExact(state, epfd, op, fd, event);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int epollWait(MemorySegment state, int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        try {
            return (int) EPOLL_WAIT.invokeExact(state, epfd, events, maxEvents, timeoutMillis);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int fcntl(MemorySegment state, int fd, int cmd, int arg) {
        try {
            return (int) FCNTL.invokeExact(state, fd, cmd, arg);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int close(MemorySegment state, int fd) {
        try {
            return (int) CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new AssertionError("should not reach here", t);
    }
}
