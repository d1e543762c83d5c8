package io.kvcourier.l2;

import java.util.List;
import java.util.Map;

/**
 * LMCache's L2 adapter contract ({@code L2AdapterInterface}) in Java: a non-blocking task interface with
 * three event fds.
 *
 * <p><b>Tasks.</b> Every {@code submit*} call takes a task id from one counter that starts at 0 and only
 * grows (ids are unique per adapter), hands the work to the adapter's executor and returns at once; the
 * caller thread never blocks on I/O. When a task completes, its result is recorded first and then the
 * operation's eventfd is written with the value 1 (eventfds are {@code EFD_NONBLOCK|EFD_CLOEXEC} counters:
 * one read returns how many completions happened since the last read). One wake-up can cover several
 * tasks, so a consumer drains the fd and then pops or queries everything that is ready.
 *
 * <p><b>Results are returned once.</b> {@link #popCompletedStoreTasks()} removes what it returns;
 * {@link #queryLookupAndLockResult(long)} and {@link #queryLoadResult(long)} return a task's bitmap exactly
 * once and {@code null} before completion, afterwards, and for unknown ids.
 *
 * <p><b>Ownership.</b> The adapter owns nothing the caller passes in. The {@link MemoryObj} segments given to
 * a store or load task belong to the caller, who must keep them alive (and not write to a store task's
 * segments) until the task's result has been popped or queried.
 *
 * <p><b>Threads.</b> All methods are safe to call from any number of threads concurrently.
 */
public interface L2Adapter extends AutoCloseable {

    /**
     * Stores {@code objects[i]} under {@code keys[i]}. The whole task succeeds or fails.
     *
     * @param keys the chunk keys
     * @param objects the chunks, one per key (caller-owned)
     * @return the task id; its result appears in {@link #popCompletedStoreTasks()}
     * @throws IllegalArgumentException if the lists differ in length or hold nulls
     * @throws IllegalStateException    after {@link #close()}
     */
    default long submitStoreTask(List<ObjectKey> keys, List<MemoryObj> objects) {
        return submitStoreTask(keys, objects, TransferSpec.NONE);
    }

    /**
     * Stores with a transfer spec: the request the chunks belong to, whether this batch is the request's
     * last prefill batch, and how many chunks the request has in total. A PD sender uses it to reserve
     * pages on the receiver for the whole request and to notify the proxy once every chunk of the request
     * has landed. {@link TransferSpec#NONE} behaves like the two-argument form (no notification).
     *
     * @param keys the chunk keys
     * @param objects the chunks, one per key (caller-owned, unchanged until the result was popped)
     * @param spec the request the chunks belong to
     * @return the task id
     * @throws IllegalArgumentException as the two-argument form, and (PD adapter) when {@code spec} names a
     *                                  request but gives {@code totalChunks == 0}
     */
    long submitStoreTask(List<ObjectKey> keys, List<MemoryObj> objects, TransferSpec spec);

    /**
     * Drains every completed store task. Each id appears exactly once.
     *
     * @return task id to success, for every store task that completed since the last call
     */
    Map<Long, Boolean> popCompletedStoreTasks();

    /**
     * Looks the keys up and locks the ones found (a per-key count that keeps them from being freed until
     * {@link #submitUnlock(List)}). The result bitmap has one bit per key: 1 = found and locked.
     *
     * @param keys the keys to look up
     * @return the task id; its bitmap comes from {@link #queryLookupAndLockResult(long)}
     */
    long submitLookupAndLockTask(List<ObjectKey> keys);

    /**
     * The lookup result of a completed task, exactly once; {@code null} while pending or for unknown ids.
     *
     * @param taskId an id from {@link #submitLookupAndLockTask(List)}
     * @return the bitmap, or {@code null}
     */
    Bitmap queryLookupAndLockResult(long taskId);

    /**
     * Releases one lock per key. Fire-and-forget: unknown or unlocked keys are ignored; never fails.
     *
     * @param keys the keys to unlock
     */
    void submitUnlock(List<ObjectKey> keys);

    /**
     * Copies the stored bytes of {@code keys[i]} into {@code objects[i]} (the caller's writable buffer, at
     * least as large as what was stored). Bit i of the result is 1 when key i was copied.
     *
     * @param keys the keys to load
     * @param objects the destinations, one per key (caller-owned, alive until the result was queried)
     * @return the task id; its bitmap comes from {@link #queryLoadResult(long)}
     */
    long submitLoadTask(List<ObjectKey> keys, List<MemoryObj> objects);

    /**
     * The load result of a completed task, exactly once; {@code null} while pending or for unknown ids.
     *
     * @param taskId an id from {@link #submitLoadTask(List, List)}
     * @return the bitmap, or {@code null}
     */
    Bitmap queryLoadResult(long taskId);

    /** {@return the fd written once per completed store task. Owned by the adapter; valid until {@link #close()}} */
    int storeEventFd();

    /** {@return the fd written once per completed lookup task. Owned by the adapter; valid until {@link #close()}} */
    int lookupAndLockEventFd();

    /** {@return the fd written once per completed load task. Owned by the adapter; valid until {@link #close()}} */
    int loadEventFd();

    /**
     * {@return health and counters, e.g. {@code is_healthy}, {@code type}, {@code role}; a fresh map each call}
     * The PD adapter's keys, with units, are listed in the README ("reportStatus() keys").
     */
    Map<String, Object> reportStatus();

    /**
     * Stops accepting work, finishes or fails in-flight tasks within the shutdown deadline, releases every
     * socket, thread and native resource, and only then closes the event fds. Idempotent.
     */
    @Override
    void close();
}
