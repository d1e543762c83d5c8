package io.kvcourier.pd;

import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The {@link CompletionStage} view of a {@link PdL2Adapter}, for Java runtimes that are not LMCache controllers:
 * no eventfds to poll and no maps to pop. Obtained with {@link PdL2Adapter#async()}; it shares the adapter's
 * engine, threads, configuration and lifecycle (closing the adapter ends it).
 *
 * <p><b>One engine.</b> An async store is a store task like one submitted with
 * {@link PdL2Adapter#submitStoreTask}: same batching, deadlines and proxy notification (a {@link TransferSpec} with
 * a request id notifies the proxy exactly as on the eventfd path). Only its result goes elsewhere: to the returned
 * stage, not to {@link PdL2Adapter#popCompletedStoreTasks()}, and no eventfd is written. Loads and lookups run the
 * same receiver code as their eventfd forms and likewise never appear in query results or signal the eventfds.
 *
 * <p><b>Threads.</b> A stage is completed by the adapter's own threads — the channel's progress thread on the
 * receiver's commit acknowledgement, the control thread on an allocation failure, a task thread for a load —
 * without a thread per call. A dependent added without an executor ({@code thenApply}, {@code whenComplete},
 * ...) runs on the adapter's virtual-thread executor, never on one of those threads, so it may block. After
 * {@link PdL2Adapter#close()} dependents still run, each on a fresh virtual thread.
 *
 * <p><b>Not supported on a returned stage:</b> {@code cancel} (does nothing, returns {@code false}),
 * {@code complete}, {@code completeExceptionally}, {@code obtrudeValue}, {@code obtrudeException},
 * {@code completeAsync}, {@code orTimeout} and {@code completeOnTimeout} (throw
 * {@link UnsupportedOperationException}). The adapter bounds every store with its own deadlines; to give up on a
 * request use {@link #cancelRequest(String)}. {@code toCompletableFuture()} returns a separate future that the
 * caller may complete, time out or combine ({@code CompletableFuture.allOf}).
 *
 * <p><b>Ownership.</b> As for the eventfd contract: the caller keeps a store's or load's {@link MemoryObj}
 * segments alive (and a store's unchanged) until its stage has completed.
 *
 * <p>Thread-safe: call it from any number of threads.
 */
public final class AsyncPdAdapter {
    private final PdL2Adapter adapter;

    AsyncPdAdapter(PdL2Adapter adapter) {
        this.adapter = adapter;
    }

    /**
     * The adapter this view belongs to.
     *
     * @return the adapter (it owns every resource; close it to end this view too)
     */
    public PdL2Adapter adapter() {
        return adapter;
    }

    /**
     * Stores {@code objects[i]} under {@code keys[i]} as one task, as {@link PdL2Adapter#submitStoreTask} does.
     *
     * <p>The stage completes with {@code true} once every key is on its receiver rank (the receiver acknowledged
     * the commit, or already held the key); with {@code false} when the store failed the way the eventfd contract
     * reports {@code false} (the receiver refused the allocation, a write failed, the keys could not be sent); and
     * exceptionally with a {@link java.util.concurrent.TimeoutException} naming the step when one of the adapter's
     * deadlines passed ({@code allocation_timeout_sec}, {@code handshake_timeout_sec}, {@code transfer_timeout_sec}),
     * or with an {@link IllegalStateException} when the adapter was closed before the store finished (within the
     * shutdown deadline). A receiver adapter's store completes at once with {@code true}.
     *
     * @param keys    the chunk keys; the caller may reuse the list after the call
     * @param objects the chunks, one per key (caller-owned native memory, unchanged until the stage completes)
     * @param spec    the request the chunks belong to ({@link TransferSpec#NONE} for none)
     * @return the store's stage
     * @throws IllegalArgumentException as {@link PdL2Adapter#submitStoreTask}
     * @throws IllegalStateException    when the adapter is already closed
     */
    public CompletionStage<Boolean> store(List<ObjectKey> keys, List<MemoryObj> objects, TransferSpec spec) {
        return adapter.storeAsync(keys, objects, spec, null);
    }

    /**
     * Stores to the receiver the proxy chose for this request (xPyD), as {@link PdL2Adapter#submitStoreTask(List,
     * List, TransferSpec, ReceiverTarget)} does; the stage completes as {@link #store(List, List, TransferSpec)}'s
     * (with {@code false} at once when the receiver cannot be opened now: {@code max_peers} reached with none idle,
     * or its back-off after a failure still running).
     *
     * @param keys    the chunk keys
     * @param objects the chunks, one per key (caller-owned, unchanged until the stage completes)
     * @param spec    the request ({@link TransferSpec#NONE} for none)
     * @param target  the receiver, or {@code null} for the configured peer
     * @return the store's stage
     * @throws IllegalArgumentException as {@link PdL2Adapter#submitStoreTask}
     * @throws IllegalStateException    when the adapter is already closed
     */
    public CompletionStage<Boolean> store(List<ObjectKey> keys, List<MemoryObj> objects, TransferSpec spec,
                                          ReceiverTarget target) {
        return adapter.storeAsync(keys, objects, spec, target);
    }

    /**
     * Stores without a request ({@link TransferSpec#NONE}): no proxy notification follows.
     *
     * @param keys    the chunk keys
     * @param objects the chunks, one per key
     * @return the store's stage, as {@link #store(List, List, TransferSpec)}
     */
    public CompletionStage<Boolean> store(List<ObjectKey> keys, List<MemoryObj> objects) {
        return store(keys, objects, TransferSpec.NONE);
    }

    /**
     * Receiver: looks the keys up and locks those committed. The lookup itself runs on the caller's thread (it is
     * in memory and short); the returned stage is already complete, and its dependents still run on the adapter's
     * executor. Every found key stays locked until {@link #unlock(List)}. A sender's lookup finds nothing.
     *
     * @param keys the keys to look up
     * @return a stage with one bit per key, 1 = committed and now locked
     * @throws IllegalStateException when the adapter is closed
     */
    public CompletionStage<Bitmap> lookupAndLock(List<ObjectKey> keys) {
        return adapter.lookupAsync(keys);
    }

    /**
     * Receiver: copies each committed key's bytes into the caller's buffer, on one of the adapter's virtual
     * threads. Bit i is 1 when key i was copied (committed, and {@code objects[i]} writable and large enough). A
     * loaded key's page is freed on its last unlock. A sender's load loads nothing.
     *
     * @param keys    the keys to load (lock them first with {@link #lookupAndLock} so they cannot be evicted)
     * @param objects the destinations, one per key (caller-owned, alive until the stage completes)
     * @return the load's stage; it fails with an {@link IllegalStateException} if the adapter closes first
     * @throws IllegalArgumentException if the lists differ in length or hold nulls
     * @throws IllegalStateException    when the adapter is already closed
     */
    public CompletionStage<Bitmap> load(List<ObjectKey> keys, List<MemoryObj> objects) {
        return adapter.loadAsync(keys, objects);
    }

    /**
     * Receiver: releases one lock per key, as {@link PdL2Adapter#submitUnlock}. Never fails.
     *
     * @param keys the keys to unlock; unknown or unlocked keys are ignored
     */
    public void unlock(List<ObjectKey> keys) {
        adapter.submitUnlock(keys);
    }

    /**
     * Receiver: {@code listener} is told the keys of every batch right after it commits, as
     * {@link PdL2Adapter#setCommitListener}; it runs on one of the adapter's virtual threads and may call back
     * into this view (lookup, load, unlock).
     *
     * @param listener the listener, or {@code null} to remove it
     */
    public void onCommit(Consumer<List<ObjectKey>> listener) {
        adapter.setCommitListener(listener);
    }

    /**
     * Sender: tells every receiver rank to drop what it allocated for {@code reqId} ({@code CancelNotif}),
     * without blocking the caller. This, not {@code cancel} on a stage, is how a request is given up.
     *
     * @param reqId the request
     * @return a stage with the number of ranks that acknowledged, within the allocation deadline
     * @throws IllegalStateException on a receiver, or when the adapter is closed
     */
    public CompletionStage<Integer> cancelRequest(String reqId) {
        return adapter.cancelAsync(Objects.requireNonNull(reqId, "reqId"));
    }
}
