package io.kvcourier.verbs;

import io.kvcourier.verbs.gen.libc_h;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * errno values (Linux x86-64, checked against {@code <errno.h>} by {@code LayoutCheckTest} through
 * {@link libc_h}) and the errno capture used by every hand-written downcall.
 *
 * <p>errno is captured with {@code Linker.Option.captureCallState("errno")} into a small native
 * "call state" segment that the caller passes as the first argument of a capturing handle; it is
 * never read from the thread afterwards (the JVM may clobber it). The captured value is only
 * meaningful when the call reported failure (for example returned -1): a successful call leaves a
 * stale value there.
 *
 * <p>Thread-safety: a call-state segment holds the errno of the last call made with it; give each
 * thread (or each lock-guarded owner) its own.
 */
public final class Errno {
    /** {@code EPERM}: Operation not permitted. */
    public static final int EPERM = libc_h.EPERM();
    /** {@code ENOENT}: No such file or directory. */
    public static final int ENOENT = libc_h.ENOENT();
    /** {@code EINTR}: Interrupted system call. */
    public static final int EINTR = libc_h.EINTR();
    /** {@code EIO}: Input/output error. */
    public static final int EIO = libc_h.EIO();
    /** {@code EBADF}: Bad file descriptor. */
    public static final int EBADF = libc_h.EBADF();
    /** {@code EAGAIN}: Resource temporarily unavailable. */
    public static final int EAGAIN = libc_h.EAGAIN();
    /** {@code ENOMEM}: Cannot allocate memory. */
    public static final int ENOMEM = libc_h.ENOMEM();
    /** {@code EACCES}: Permission denied. */
    public static final int EACCES = libc_h.EACCES();
    /** {@code EFAULT}: Bad address. */
    public static final int EFAULT = libc_h.EFAULT();
    /** {@code EBUSY}: Device or resource busy. */
    public static final int EBUSY = libc_h.EBUSY();
    /** {@code EEXIST}: File exists. */
    public static final int EEXIST = libc_h.EEXIST();
    /** {@code ENODEV}: No such device. */
    public static final int ENODEV = libc_h.ENODEV();
    /** {@code EINVAL}: Invalid argument. */
    public static final int EINVAL = libc_h.EINVAL();
    /** {@code EMFILE}: Too many open files. */
    public static final int EMFILE = libc_h.EMFILE();
    /** {@code ENOSPC}: No space left on device. */
    public static final int ENOSPC = libc_h.ENOSPC();
    /** {@code ENOSYS}: Function not implemented. */
    public static final int ENOSYS = libc_h.ENOSYS();
    /** {@code ENODATA}: No data available. */
    public static final int ENODATA = libc_h.ENODATA();
    /** {@code EPROTO}: Protocol error. */
    public static final int EPROTO = libc_h.EPROTO();
    /** {@code EOPNOTSUPP}: Operation not supported. */
    public static final int EOPNOTSUPP = libc_h.EOPNOTSUPP();
    /** {@code ETIMEDOUT}: Connection timed out. */
    public static final int ETIMEDOUT = libc_h.ETIMEDOUT();
    /** {@code ECONNREFUSED}: Connection refused. */
    public static final int ECONNREFUSED = libc_h.ECONNREFUSED();

    private static final String[] NAMES = new String[128];

    static {
        name(EPERM, "EPERM"); name(ENOENT, "ENOENT"); name(EINTR, "EINTR"); name(EIO, "EIO");
        name(EBADF, "EBADF"); name(EAGAIN, "EAGAIN"); name(ENOMEM, "ENOMEM"); name(EACCES, "EACCES");
        name(EFAULT, "EFAULT"); name(EBUSY, "EBUSY"); name(EEXIST, "EEXIST"); name(ENODEV, "ENODEV");
        name(EINVAL, "EINVAL"); name(EMFILE, "EMFILE"); name(ENOSPC, "ENOSPC"); name(ENOSYS, "ENOSYS");
        name(ENODATA, "ENODATA"); name(EPROTO, "EPROTO"); name(EOPNOTSUPP, "EOPNOTSUPP");
        name(ETIMEDOUT, "ETIMEDOUT"); name(ECONNREFUSED, "ECONNREFUSED");
    }

    private static void name(int errno, String name) {
        NAMES[errno] = name;
    }

    private static final StructLayout STATE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            STATE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");

    private Errno() {
    }

    /**
     * {@return the symbolic name of an errno value, e.g. {@code "EBADF"}, or {@code "errno 123"}}
     *
     * @param errno an errno value
     */
    public static String name(int errno) {
        String n = errno >= 0 && errno < NAMES.length ? NAMES[errno] : null;
        return n != null ? n : "errno " + errno;
    }

    /**
     * {@return libc's {@code strerror} text for {@code errno}, e.g. "Bad file descriptor"}
     * Not for hot paths (it reads a C string); strerror's buffer is only used for unknown values,
     * which glibc formats per call.
     *
     * @param errno an errno value
     */
    public static String describe(int errno) {
        MemorySegment s = libc_h.strerror(errno);
        if (s.equals(MemorySegment.NULL)) {
            return "Unknown error " + errno;
        }
        return s.reinterpret(4096).getString(0);
    }

    /**
     * Allocates a call-state segment for capturing handles. The caller owns it (through
     * {@code allocator}) and must not share it between threads without a lock.
     *
     * @param allocator where the segment lives (its arena owns it)
     * @return the call-state segment, to pass as the first argument of a {@link #capturing} handle
     */
    public static MemorySegment allocateState(SegmentAllocator allocator) {
        return allocator.allocate(STATE_LAYOUT);
    }

    /**
     * {@return the errno captured into {@code state} by the last call that used it}
     *
     * @param state a segment from {@link #allocateState}
     */
    public static int get(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /**
     * Builds a downcall handle that captures errno: the returned handle takes the call-state
     * segment as an extra first argument, before the C arguments.
     *
     * @param address the function (for example {@code verbs_h.ibv_create_cq$address()})
     * @param descriptor its descriptor (for example {@code verbs_h.ibv_create_cq$descriptor()})
     * @param options further linker options (for example {@code firstVariadicArg})
     * @return the downcall handle
     */
    public static MethodHandle capturing(MemorySegment address, FunctionDescriptor descriptor,
                                         Linker.Option... options) {
        Linker.Option[] all = Arrays.copyOf(options, options.length + 1);
        all[options.length] = CAPTURE;
        return Linker.nativeLinker().downcallHandle(address, descriptor, all);
    }
}
