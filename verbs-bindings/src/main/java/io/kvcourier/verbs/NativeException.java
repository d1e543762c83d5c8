package io.kvcourier.verbs;

import java.io.Serial;

/**
 * A native call failed. Carries the C function's name, the errno it reported (captured with
 * {@code captureCallState}, or the positive error code that verbs such as {@code ibv_post_send}
 * and {@code ibv_modify_qp} return) and {@code strerror}'s text.
 *
 * <p>Unchecked on purpose: the calls that throw it are setup and teardown calls whose failure is an
 * environment or programming error the caller cannot usually recover from locally; hot paths
 * ({@link InlineVerbs}) return result codes instead of throwing.
 */
public final class NativeException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The C function that failed. */
    private final String call;
    /** The error number it reported. */
    private final int errno;

    /**
     * An exception for a failed C call.
     *
     * @param call the C function that failed, e.g. {@code "epoll_ctl"}
     * @param errno the error number it reported (positive)
     */
    public NativeException(String call, int errno) {
        this(call, errno, null);
    }

    /**
     * An exception for a failed C call, with context.
     *
     * @param call the C function that failed
     * @param errno the error number it reported (positive)
     * @param detail extra context for the message (may be null), e.g. {@code "fd 17"}
     */
    public NativeException(String call, int errno, String detail) {
        super(call + " failed: " + Errno.name(errno) + " (" + errno + "): " + Errno.describe(errno)
                + (detail == null ? "" : " [" + detail + "]"));
        this.call = call;
        this.errno = errno;
    }

    /** {@return the C function that failed, e.g. {@code "epoll_ctl"}} */
    public String call() {
        return call;
    }

    /** {@return the error number, e.g. {@link Errno#EBADF}} */
    public int errno() {
        return errno;
    }

    /** {@return the symbolic errno name, e.g. {@code "EBADF"}} */
    public String errnoName() {
        return Errno.name(errno);
    }
}
