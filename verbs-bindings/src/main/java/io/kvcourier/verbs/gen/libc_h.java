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

public class libc_h {

    libc_h() {
        // Should not be called directly
    }

    static final Arena LIBRARY_ARENA = Arena.ofAuto();
    static final boolean TRACE_DOWNCALLS = Boolean.getBoolean("jextract.trace.downcalls");

    static void traceDowncall(String name, Object... args) {
         String traceArgs = Arrays.stream(args)
                       .map(Object::toString)
                       .collect(Collectors.joining(", "));
         System.out.printf("%s(%s)\n", name, traceArgs);
    }

    static MemorySegment findOrThrow(String symbol) {
        return Library.SYMBOL_LOOKUP.find(symbol)
            .orElseThrow(() -> new UnsatisfiedLinkError("unresolved symbol: " + symbol + Library.PROBLEM));
    }

    static MethodHandle upcallHandle(Class<?> fi, String name, FunctionDescriptor fdesc) {
        try {
            return MethodHandles.lookup().findVirtual(fi, name, fdesc.toMethodType());
        } catch (ReflectiveOperationException ex) {
            throw new AssertionError(ex);
        }
    }

    static MemoryLayout align(MemoryLayout layout, long align) {
        return switch (layout) {
            case PaddingLayout p -> p;
            case ValueLayout v -> v.withByteAlignment(align);
            case GroupLayout g -> {
                MemoryLayout[] alignedMembers = g.memberLayouts().stream()
                        .map(m -> align(m, align)).toArray(MemoryLayout[]::new);
                yield g instanceof StructLayout ?
                        MemoryLayout.structLayout(alignedMembers) : MemoryLayout.unionLayout(alignedMembers);
            }
            case SequenceLayout s -> MemoryLayout.sequenceLayout(s.elementCount(), align(s.elementLayout(), align));
        };
    }

    // kvcourier deviation from jextract's output: the library is looked up lazily, on the first
    // function call, so that constants and layouts load on machines without it. (libc is always there; kept lazy for symmetry.)
    private static final class Library {
        static final String PROBLEM;
        static final SymbolLookup SYMBOL_LOOKUP;
        static {
            SymbolLookup lookup;
            String problem = "";
            try {
                lookup = SymbolLookup.loaderLookup().or(Linker.nativeLinker().defaultLookup());
            } catch (IllegalArgumentException | IllegalCallerException e) {
                lookup = name -> Optional.empty();
                problem = " (" + e.getMessage() + ")";
            }
            SYMBOL_LOOKUP = lookup;
            PROBLEM = problem;
        }
    }

    public static final ValueLayout.OfBoolean C_BOOL = ValueLayout.JAVA_BOOLEAN;
    public static final ValueLayout.OfByte C_CHAR = ValueLayout.JAVA_BYTE;
    public static final ValueLayout.OfShort C_SHORT = ValueLayout.JAVA_SHORT;
    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    public static final ValueLayout.OfLong C_LONG_LONG = ValueLayout.JAVA_LONG;
    public static final ValueLayout.OfFloat C_FLOAT = ValueLayout.JAVA_FLOAT;
    public static final ValueLayout.OfDouble C_DOUBLE = ValueLayout.JAVA_DOUBLE;
    public static final AddressLayout C_POINTER = ValueLayout.ADDRESS
            .withTargetLayout(MemoryLayout.sequenceLayout(java.lang.Long.MAX_VALUE, JAVA_BYTE));
    public static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;

    private static final int EFD_SEMAPHORE = (int)1L;
    /**
     * {@snippet lang=c :
     * EFD_SEMAPHORE = 1
     * }
     */
    public static int EFD_SEMAPHORE() {
        return EFD_SEMAPHORE;
    }

    private static final int EFD_CLOEXEC = (int)524288L;
    /**
     * {@snippet lang=c :
     * EFD_CLOEXEC = 524288
     * }
     */
    public static int EFD_CLOEXEC() {
        return EFD_CLOEXEC;
    }

    private static final int EFD_NONBLOCK = (int)2048L;
    /**
     * {@snippet lang=c :
     * EFD_NONBLOCK = 2048
     * }
     */
    public static int EFD_NONBLOCK() {
        return EFD_NONBLOCK;
    }

    private static final int EPOLL_CLOEXEC = (int)524288L;
    /**
     * {@snippet lang=c :
     * EPOLL_CLOEXEC = 524288
     * }
     */
    public static int EPOLL_CLOEXEC() {
        return EPOLL_CLOEXEC;
    }

    private static final int EPOLL_CTL_ADD = (int)1L;
    /**
     * {@snippet lang=c :
     * EPOLL_CTL_ADD = 1
     * }
     */
    public static int EPOLL_CTL_ADD() {
        return EPOLL_CTL_ADD;
    }

    private static final int EPOLL_CTL_DEL = (int)2L;
    /**
     * {@snippet lang=c :
     * EPOLL_CTL_DEL = 2
     * }
     */
    public static int EPOLL_CTL_DEL() {
        return EPOLL_CTL_DEL;
    }

    private static final int EPOLL_CTL_MOD = (int)3L;
    /**
     * {@snippet lang=c :
     * EPOLL_CTL_MOD = 3
     * }
     */
    public static int EPOLL_CTL_MOD() {
        return EPOLL_CTL_MOD;
    }

    private static final int EPOLLIN = (int)1L;
    /**
     * {@snippet lang=c :
     * EPOLLIN = 1
     * }
     */
    public static int EPOLLIN() {
        return EPOLLIN;
    }

    private static final int EPOLLPRI = (int)2L;
    /**
     * {@snippet lang=c :
     * EPOLLPRI = 2
     * }
     */
    public static int EPOLLPRI() {
        return EPOLLPRI;
    }

    private static final int EPOLLOUT = (int)4L;
    /**
     * {@snippet lang=c :
     * EPOLLOUT = 4
     * }
     */
    public static int EPOLLOUT() {
        return EPOLLOUT;
    }

    private static final int EPOLLERR = (int)8L;
    /**
     * {@snippet lang=c :
     * EPOLLERR = 8
     * }
     */
    public static int EPOLLERR() {
        return EPOLLERR;
    }

    private static final int EPOLLHUP = (int)16L;
    /**
     * {@snippet lang=c :
     * EPOLLHUP = 16
     * }
     */
    public static int EPOLLHUP() {
        return EPOLLHUP;
    }

    private static final int EPOLLRDHUP = (int)8192L;
    /**
     * {@snippet lang=c :
     * EPOLLRDHUP = 8192
     * }
     */
    public static int EPOLLRDHUP() {
        return EPOLLRDHUP;
    }

    private static final int EPOLLONESHOT = (int)1073741824L;
    /**
     * {@snippet lang=c :
     * EPOLLONESHOT = 1073741824
     * }
     */
    public static int EPOLLONESHOT() {
        return EPOLLONESHOT;
    }

    private static final int EPOLLET = (int)2147483648L;
    /**
     * {@snippet lang=c :
     * EPOLLET = 2147483648
     * }
     */
    public static int EPOLLET() {
        return EPOLLET;
    }

    private static final int F_GETFL = (int)3L;
    /**
     * {@snippet lang=c :
     * F_GETFL = 3
     * }
     */
    public static int F_GETFL() {
        return F_GETFL;
    }

    private static final int F_SETFL = (int)4L;
    /**
     * {@snippet lang=c :
     * F_SETFL = 4
     * }
     */
    public static int F_SETFL() {
        return F_SETFL;
    }

    private static final int F_GETFD = (int)1L;
    /**
     * {@snippet lang=c :
     * F_GETFD = 1
     * }
     */
    public static int F_GETFD() {
        return F_GETFD;
    }

    private static final int F_SETFD = (int)2L;
    /**
     * {@snippet lang=c :
     * F_SETFD = 2
     * }
     */
    public static int F_SETFD() {
        return F_SETFD;
    }

    private static final int FD_CLOEXEC = (int)1L;
    /**
     * {@snippet lang=c :
     * FD_CLOEXEC = 1
     * }
     */
    public static int FD_CLOEXEC() {
        return FD_CLOEXEC;
    }

    private static final int O_NONBLOCK = (int)2048L;
    /**
     * {@snippet lang=c :
     * O_NONBLOCK = 2048
     * }
     */
    public static int O_NONBLOCK() {
        return O_NONBLOCK;
    }

    private static final int EPERM = (int)1L;
    /**
     * {@snippet lang=c :
     * EPERM = 1
     * }
     */
    public static int EPERM() {
        return EPERM;
    }

    private static final int ENOENT = (int)2L;
    /**
     * {@snippet lang=c :
     * ENOENT = 2
     * }
     */
    public static int ENOENT() {
        return ENOENT;
    }

    private static final int EINTR = (int)4L;
    /**
     * {@snippet lang=c :
     * EINTR = 4
     * }
     */
    public static int EINTR() {
        return EINTR;
    }

    private static final int EIO = (int)5L;
    /**
     * {@snippet lang=c :
     * EIO = 5
     * }
     */
    public static int EIO() {
        return EIO;
    }

    private static final int EBADF = (int)9L;
    /**
     * {@snippet lang=c :
     * EBADF = 9
     * }
     */
    public static int EBADF() {
        return EBADF;
    }

    private static final int EAGAIN = (int)11L;
    /**
     * {@snippet lang=c :
     * EAGAIN = 11
     * }
     */
    public static int EAGAIN() {
        return EAGAIN;
    }

    private static final int ENOMEM = (int)12L;
    /**
     * {@snippet lang=c :
     * ENOMEM = 12
     * }
     */
    public static int ENOMEM() {
        return ENOMEM;
    }

    private static final int EACCES = (int)13L;
    /**
     * {@snippet lang=c :
     * EACCES = 13
     * }
     */
    public static int EACCES() {
        return EACCES;
    }

    private static final int EFAULT = (int)14L;
    /**
     * {@snippet lang=c :
     * EFAULT = 14
     * }
     */
    public static int EFAULT() {
        return EFAULT;
    }

    private static final int EBUSY = (int)16L;
    /**
     * {@snippet lang=c :
     * EBUSY = 16
     * }
     */
    public static int EBUSY() {
        return EBUSY;
    }

    private static final int EEXIST = (int)17L;
    /**
     * {@snippet lang=c :
     * EEXIST = 17
     * }
     */
    public static int EEXIST() {
        return EEXIST;
    }

    private static final int ENODEV = (int)19L;
    /**
     * {@snippet lang=c :
     * ENODEV = 19
     * }
     */
    public static int ENODEV() {
        return ENODEV;
    }

    private static final int EINVAL = (int)22L;
    /**
     * {@snippet lang=c :
     * EINVAL = 22
     * }
     */
    public static int EINVAL() {
        return EINVAL;
    }

    private static final int EMFILE = (int)24L;
    /**
     * {@snippet lang=c :
     * EMFILE = 24
     * }
     */
    public static int EMFILE() {
        return EMFILE;
    }

    private static final int ENOSPC = (int)28L;
    /**
     * {@snippet lang=c :
     * ENOSPC = 28
     * }
     */
    public static int ENOSPC() {
        return ENOSPC;
    }

    private static final int ENOSYS = (int)38L;
    /**
     * {@snippet lang=c :
     * ENOSYS = 38
     * }
     */
    public static int ENOSYS() {
        return ENOSYS;
    }

    private static final int ENODATA = (int)61L;
    /**
     * {@snippet lang=c :
     * ENODATA = 61
     * }
     */
    public static int ENODATA() {
        return ENODATA;
    }

    private static final int EPROTO = (int)71L;
    /**
     * {@snippet lang=c :
     * EPROTO = 71
     * }
     */
    public static int EPROTO() {
        return EPROTO;
    }

    private static final int EOPNOTSUPP = (int)95L;
    /**
     * {@snippet lang=c :
     * EOPNOTSUPP = 95
     * }
     */
    public static int EOPNOTSUPP() {
        return EOPNOTSUPP;
    }

    private static final int ETIMEDOUT = (int)110L;
    /**
     * {@snippet lang=c :
     * ETIMEDOUT = 110
     * }
     */
    public static int ETIMEDOUT() {
        return ETIMEDOUT;
    }

    private static final int ECONNREFUSED = (int)111L;
    /**
     * {@snippet lang=c :
     * ECONNREFUSED = 111
     * }
     */
    public static int ECONNREFUSED() {
        return ECONNREFUSED;
    }

    private static class eventfd {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(libc_h.C_INT, libc_h.C_INT, libc_h.C_INT);

        public static final MemorySegment ADDR = libc_h.findOrThrow("eventfd");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * eventfd(...)
     * }
     */
    public static FunctionDescriptor eventfd$descriptor() {
        return eventfd.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * eventfd(...)
     * }
     */
    public static MethodHandle eventfd$handle() {
        return eventfd.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * eventfd(...)
     * }
     */
    public static MemorySegment eventfd$address() {
        return eventfd.ADDR;
    }

    /**
     * {@snippet lang=c :
     * eventfd(...)
     * }
     */
    public static int eventfd(int __count, int __flags) {
        var mh$ = eventfd.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("eventfd", __count, __flags);
            }
            return (int) mh$.invokeExact(__count, __flags);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class read {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(libc_h.C_LONG, libc_h.C_INT, libc_h.C_POINTER, libc_h.C_LONG);

        public static final MemorySegment ADDR = libc_h.findOrThrow("read");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * read(...)
     * }
     */
    public static FunctionDescriptor read$descriptor() {
        return read.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * read(...)
     * }
     */
    public static MethodHandle read$handle() {
        return read.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * read(...)
     * }
     */
    public static MemorySegment read$address() {
        return read.ADDR;
    }

    /**
     * {@snippet lang=c :
     * read(...)
     * }
     */
    public static long read(int __fd, MemorySegment __buf, long __nbytes) {
        var mh$ = read.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("read", __fd, __buf, __nbytes);
            }
            return (long) mh$.invokeExact(__fd, __buf, __nbytes);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class write {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(libc_h.C_LONG, libc_h.C_INT, libc_h.C_POINTER, libc_h.C_LONG);

        public static final MemorySegment ADDR = libc_h.findOrThrow("write");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * write(...)
     * }
     */
    public static FunctionDescriptor write$descriptor() {
        return write.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * write(...)
     * }
     */
    public static MethodHandle write$handle() {
        return write.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * write(...)
     * }
     */
    public static MemorySegment write$address() {
        return write.ADDR;
    }

    /**
     * {@snippet lang=c :
     * write(...)
     * }
     */
    public static long write(int __fd, MemorySegment __buf, long __n) {
        var mh$ = write.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("write", __fd, __buf, __n);
            }
            return (long) mh$.invokeExact(__fd, __buf, __n);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class epoll_create1 {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(libc_h.C_INT, libc_h.C_INT);

        public static final MemorySegment ADDR = libc_h.findOrThrow("epoll_create1");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * epoll_create1(...)
     * }
     */
    public static FunctionDescriptor epoll_create1$descriptor() {
        return epoll_create1.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * epoll_create1(...)
     * }
     */
    public static MethodHandle epoll_create1$handle() {
        return epoll_create1.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * epoll_create1(...)
     * }
     */
    public static MemorySegment epoll_create1$address() {
        return epoll_create1.ADDR;
    }

    /**
     * {@snippet lang=c :
     * epoll_create1(...)
     * }
     */
    public static int epoll_create1(int __flags) {
        var mh$ = epoll_create1.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("epoll_create1", __flags);
            }
            return (int) mh$.invokeExact(__flags);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class epoll_ctl {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(libc_h.C_INT, libc_h.C_INT, libc_h.C_INT, libc_h.C_INT, libc_h.C_POINTER);

        public static final MemorySegment ADDR = libc_h.findOrThrow("epoll_ctl");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * epoll_ctl(...)
     * }
     */
    public static FunctionDescriptor epoll_ctl$descriptor() {
        return epoll_ctl.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * epoll_ctl(...)
     * }
     */
    public static MethodHandle epoll_ctl$handle() {
        return epoll_ctl.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * epoll_ctl(...)
     * }
     */
    public static MemorySegment epoll_ctl$address() {
        return epoll_ctl.ADDR;
    }

    /**
     * {@snippet lang=c :
     * epoll_ctl(...)
     * }
     */
    public static int epoll_ctl(int __epfd, int __op, int __fd, MemorySegment __event) {
        var mh$ = epoll_ctl.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("epoll_ctl", __epfd, __op, __fd, __event);
            }
            return (int) mh$.invokeExact(__epfd, __op, __fd, __event);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class epoll_wait {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(libc_h.C_INT, libc_h.C_INT, libc_h.C_POINTER, libc_h.C_INT, libc_h.C_INT);

        public static final MemorySegment ADDR = libc_h.findOrThrow("epoll_wait");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * epoll_wait(...)
     * }
     */
    public static FunctionDescriptor epoll_wait$descriptor() {
        return epoll_wait.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * epoll_wait(...)
     * }
     */
    public static MethodHandle epoll_wait$handle() {
        return epoll_wait.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * epoll_wait(...)
     * }
     */
    public static MemorySegment epoll_wait$address() {
        return epoll_wait.ADDR;
    }

    /**
     * {@snippet lang=c :
     * epoll_wait(...)
     * }
     */
    public static int epoll_wait(int __epfd, MemorySegment __events, int __maxevents, int __timeout) {
        var mh$ = epoll_wait.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("epoll_wait", __epfd, __events, __maxevents, __timeout);
            }
            return (int) mh$.invokeExact(__epfd, __events, __maxevents, __timeout);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    /**
     * Variadic invoker class for:
     * {@snippet lang=c :
     * fcntl(...)
     * }
     */
    public static class fcntl {
        private static final FunctionDescriptor BASE_DESC = FunctionDescriptor.of(libc_h.C_INT, libc_h.C_INT, libc_h.C_INT);
        private static final MemorySegment ADDR = libc_h.findOrThrow("fcntl");

        private final MethodHandle handle;
        private final FunctionDescriptor descriptor;
        private final MethodHandle spreader;

        private fcntl(MethodHandle handle, FunctionDescriptor descriptor, MethodHandle spreader) {
            this.handle = handle;
            this.descriptor = descriptor;
            this.spreader = spreader;
        }

        /**
         * Variadic invoker factory for:
         * {@snippet lang=c :
         * fcntl(...)
         * }
         */
        public static fcntl makeInvoker(MemoryLayout... layouts) {
            FunctionDescriptor desc$ = BASE_DESC.appendArgumentLayouts(layouts);
            Linker.Option fva$ = Linker.Option.firstVariadicArg(BASE_DESC.argumentLayouts().size());
            var mh$ = Linker.nativeLinker().downcallHandle(ADDR, desc$, fva$);
            var spreader$ = mh$.asSpreader(Object[].class, layouts.length);
            return new fcntl(mh$, desc$, spreader$);
        }

        /**
         * {@return the address}
         */
        public static MemorySegment address() {
            return ADDR;
        }

        /**
         * {@return the specialized method handle}
         */
        public MethodHandle handle() {
            return handle;
        }

        /**
         * {@return the specialized descriptor}
         */
        public FunctionDescriptor descriptor() {
            return descriptor;
        }

        public int apply(int __fd, int __cmd, Object... x2) {
            try {
                if (TRACE_DOWNCALLS) {
                    traceDowncall("fcntl", __fd, __cmd, x2);
                }
                return (int) spreader.invokeExact(__fd, __cmd, x2);
            } catch (IllegalArgumentException | ClassCastException ex$)  {
                throw ex$; // rethrow IAE from passing wrong number/type of args
            } catch (Throwable ex$) {
                throw new AssertionError("should not reach here", ex$);
            }
        }
    }

    private static class close {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(libc_h.C_INT, libc_h.C_INT);

        public static final MemorySegment ADDR = libc_h.findOrThrow("close");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * close(...)
     * }
     */
    public static FunctionDescriptor close$descriptor() {
        return close.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * close(...)
     * }
     */
    public static MethodHandle close$handle() {
        return close.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * close(...)
     * }
     */
    public static MemorySegment close$address() {
        return close.ADDR;
    }

    /**
     * {@snippet lang=c :
     * close(...)
     * }
     */
    public static int close(int __fd) {
        var mh$ = close.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("close", __fd);
            }
            return (int) mh$.invokeExact(__fd);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class strerror {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(libc_h.C_POINTER, libc_h.C_INT);

        public static final MemorySegment ADDR = libc_h.findOrThrow("strerror");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * strerror(...)
     * }
     */
    public static FunctionDescriptor strerror$descriptor() {
        return strerror.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * strerror(...)
     * }
     */
    public static MethodHandle strerror$handle() {
        return strerror.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * strerror(...)
     * }
     */
    public static MemorySegment strerror$address() {
        return strerror.ADDR;
    }

    /**
     * {@snippet lang=c :
     * strerror(...)
     * }
     */
    public static MemorySegment strerror(int __errnum) {
        var mh$ = strerror.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("strerror", __errnum);
            }
            return (MemorySegment) mh$.invokeExact(__errnum);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }
}
