package io.kvcourier.testkit;

import io.kvcourier.event.CompletionPoller;
import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.L2Adapter;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for task results the way a controller does: epoll on the adapter's event fds, then pop/query. Between
 * looks it waits for an event, or 200 ms at most, so a result is seen even if its event was consumed elsewhere.
 * Owns one {@link CompletionPoller}, closed by {@link #close()}; the adapter stays the caller's.
 */
public final class TaskWaiter implements AutoCloseable {
    /** How long {@link #lookup} and {@link #load} wait before failing the test. */
    public static final Duration WAIT = Duration.ofSeconds(30);
    private static final long MAX_PARK_NANOS = Duration.ofMillis(200).toNanos();

    private final L2Adapter adapter;
    private final CompletionPoller poller;
    private final Map<Long, Boolean> stores = new HashMap<>();

    /** A waiter on {@code adapter}'s event fds. */
    public TaskWaiter(L2Adapter adapter) {
        this.adapter = adapter;
        this.poller = CompletionPoller.forAdapter(adapter);
    }

    /** The store result of {@code id}, or null if it did not complete within {@code timeout}. */
    public Boolean awaitStore(long id, Duration timeout) {
        return await(timeout, MAX_PARK_NANOS, () -> {
            stores.putAll(adapter.popCompletedStoreTasks());
            return stores.remove(id);
        });
    }

    /** The lookup-and-lock result of {@code id}, or null if it did not complete within {@code timeout}. */
    public Bitmap awaitLookup(long id, Duration timeout) {
        return await(timeout, MAX_PARK_NANOS, () -> adapter.queryLookupAndLockResult(id));
    }

    /** The load result of {@code id}, or null if it did not complete within {@code timeout}. */
    public Bitmap awaitLoad(long id, Duration timeout) {
        return await(timeout, MAX_PARK_NANOS, () -> adapter.queryLoadResult(id));
    }

    /** Submits a lookup-and-lock of {@code keys} and returns its result; fails if none within {@link #WAIT}. */
    public Bitmap lookup(List<ObjectKey> keys) {
        long id = adapter.submitLookupAndLockTask(keys);
        return required(id, awaitLookup(id, WAIT));
    }

    /** Submits a load of {@code keys} into {@code into} and returns its result; fails if none within {@link #WAIT}. */
    public Bitmap load(List<ObjectKey> keys, List<MemoryObj> into) {
        long id = adapter.submitLoadTask(keys, into);
        return required(id, awaitLoad(id, WAIT));
    }

    /**
     * Waits until {@code condition} holds, re-checking after each adapter event or every 20 ms at most
     * (for state that changes without an event, such as a reclaim on the receiver's housekeeping thread).
     */
    public boolean until(BooleanSupplier condition, Duration timeout) {
        return await(timeout, Duration.ofMillis(20).toNanos(),
                () -> condition.getAsBoolean() ? Boolean.TRUE : null) != null;
    }

    private static Bitmap required(long id, Bitmap result) {
        if (result == null) {
            throw new AssertionError("task " + id + " did not complete within " + WAIT);
        }
        return result;
    }

    /** Looks for a result, and between looks waits on the adapter's eventfds, until {@code timeout}. */
    private <T> T await(Duration timeout, long maxParkNanos, Supplier<T> look) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T r = look.get();
            if (r != null) {
                return r;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            poller.await(Duration.ofNanos(Math.min(left, maxParkNanos)));
        }
    }

    @Override
    public void close() {
        poller.close();
    }
}
