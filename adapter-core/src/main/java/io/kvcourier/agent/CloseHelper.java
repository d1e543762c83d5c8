package io.kvcourier.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * Closes resources the same way everywhere (after Agrona's {@code CloseHelper}): one or many
 * {@link AutoCloseable}s in the order given, {@code null} entries skipped, and every one of them closed even when
 * an earlier one fails. What happens to the failures is the caller's choice:
 * <ul>
 *   <li>{@link #quietClose} and {@link #quietCloseAll} log each failure at {@code WARNING} and return normally;</li>
 *   <li>{@link #closeAll} throws the first failure, with the later ones attached as
 *       {@linkplain Throwable#getSuppressed() suppressed};</li>
 *   <li>{@link #closeOnFailure} attaches every failure as suppressed to an exception the caller is already
 *       throwing: the failure path of a constructor that closes, in reverse order, what it opened so far and then
 *       rethrows its original exception.</li>
 * </ul>
 * A failure is an {@link Exception}; an {@link Error} is not handled and propagates at once. An
 * {@link InterruptedException} from a {@code close()} is treated like any other failure, and the current thread's
 * interrupt status is set again. The helper never closes a resource twice by itself; callers that may
 * run their own close more than once still rely on each resource's {@code close()} being idempotent.
 */
public final class CloseHelper {
    private static final System.Logger LOG = System.getLogger(CloseHelper.class.getName());

    private CloseHelper() {
    }

    /**
     * Waits up to {@code timeoutNanos} for {@code closed} (a future of a close that never completes exceptionally)
     * to complete; false when it did not in time, or the wait was interrupted (the interrupt status is set again).
     */
    public static boolean awaitClosed(java.util.concurrent.Future<?> closed, long timeoutNanos) {
        try {
            closed.get(timeoutNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("a close completed exceptionally", e);
        }
    }

    /**
     * Closes {@code resource} unless it is {@code null}; a failure is logged at {@code WARNING}, never thrown.
     *
     * @param resource what to close, or {@code null}
     */
    public static void quietClose(AutoCloseable resource) {
        Exception t = closeOne(resource);
        if (t != null) {
            LOG.log(System.Logger.Level.WARNING, "closing " + resource + " failed", t);
        }
    }

    /**
     * {@linkplain #quietClose Quietly closes} each resource in the order given, {@code null}s skipped.
     *
     * @param resources what to close, first to last; the array itself may be {@code null}
     */
    public static void quietCloseAll(AutoCloseable... resources) {
        if (resources != null) {
            for (AutoCloseable r : resources) {
                quietClose(r);
            }
        }
    }

    /**
     * Closes each resource in the order given, {@code null}s skipped, and keeps closing after a failure. Then throws
     * the first failure with every later one attached as suppressed: a {@link RuntimeException} as it is; an
     * {@link IOException} wrapped in an {@link UncheckedIOException}; any other checked exception (an
     * {@link InterruptedException} included) wrapped in an {@link IllegalStateException}.
     *
     * @param resources what to close, first to last; the array itself may be {@code null}
     * @throws RuntimeException the first failure (see above), after every resource has been closed
     */
    public static void closeAll(AutoCloseable... resources) {
        Exception first = null;
        if (resources != null) {
            for (AutoCloseable r : resources) {
                Exception t = closeOne(r);
                if (t == null) {
                    continue;
                }
                if (first == null) {
                    first = t;
                } else if (t != first) {
                    first.addSuppressed(t);
                }
            }
        }
        if (first == null) {
            return;
        }
        switch (first) {
            case RuntimeException e -> throw e;
            case IOException e -> throw new UncheckedIOException("close failed: " + e.getMessage(), e);
            default -> throw new IllegalStateException("close failed: " + first, first);
        }
    }

    /**
     * Closes each resource in the order given, {@code null}s skipped, keeps closing after a failure, and attaches
     * each failure to {@code failure} as suppressed (unless it is {@code failure} itself). Never throws; the caller
     * then throws {@code failure}:
     * <pre>{@code
     * } catch (RuntimeException | ChannelException e) {
     *     CloseHelper.closeOnFailure(e, agent, channel, staging); // reverse order of opening
     *     throw e;
     * }
     * }</pre>
     *
     * @param failure   the exception the caller is about to throw, not {@code null}
     * @param resources what to close, first to last; the array itself may be {@code null}
     */
    public static void closeOnFailure(Throwable failure, AutoCloseable... resources) {
        Objects.requireNonNull(failure, "failure");
        if (resources != null) {
            for (AutoCloseable r : resources) {
                Exception t = closeOne(r);
                if (t != null && t != failure) {
                    failure.addSuppressed(t);
                }
            }
        }
    }

    /** Closes {@code r} unless it is null; returns what its close threw, or null. */
    private static Exception closeOne(AutoCloseable r) {
        if (r == null) {
            return null;
        }
        try {
            r.close();
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e;
        } catch (Exception e) {
            return e;
        }
    }
}
