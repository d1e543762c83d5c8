package io.kvcourier.pd;

import io.kvcourier.event.CompletionPoller;
import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.L2Adapter;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/** Waits for task results the way a controller does: epoll on the adapter's fds, then pop/query. */
final class TaskWaiter implements AutoCloseable {
    private final L2Adapter adapter;
    private final CompletionPoller poller;
    private final Map<Long, Boolean> stores = new HashMap<>();

    TaskWaiter(L2Adapter adapter) {
        this.adapter = adapter;
        this.poller = CompletionPoller.forAdapter(adapter);
    }

    /** The store result of {@code id}, or null if it did not complete in time. */
    Boolean awaitStore(long id, Duration timeout) {
        return await(timeout, () -> {
            stores.putAll(adapter.popCompletedStoreTasks());
            return stores.remove(id);
        });
    }

    Bitmap awaitLookup(long id, Duration timeout) {
        return await(timeout, () -> adapter.queryLookupAndLockResult(id));
    }

    Bitmap awaitLoad(long id, Duration timeout) {
        return await(timeout, () -> adapter.queryLoadResult(id));
    }

    /** Looks for a result, and between looks waits on the adapter's eventfds, until {@code timeout}. */
    private <T> T await(Duration timeout, Supplier<T> look) {
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
            poller.await(Duration.ofNanos(left));
        }
    }

    @Override
    public void close() {
        poller.close();
    }
}
