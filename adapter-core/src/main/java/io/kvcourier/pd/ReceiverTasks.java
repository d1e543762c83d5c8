package io.kvcourier.pd;

import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A receiving adapter's lookups, loads and commit listener over its {@link ReceiverStore}: lookups run on the
 * caller's thread and record their result (with the locks they took) in the ledger; loads run on the adapter's
 * virtual threads. The adapter checks the arguments, its role and that it is open before it calls here.
 */
final class ReceiverTasks {
    private static final System.Logger LOG = System.getLogger(PdL2Adapter.class.getName());

    private final ReceiverStore store;
    private final ExecutorService executor;
    private final TaskLedger ledger;
    private final InflightTasks tasks;
    /** Locks released because nobody collected their lookup's result within {@code result_ttl_sec}. */
    final AtomicLong locksReleasedByTtl = new AtomicLong();

    ReceiverTasks(ReceiverStore store, ExecutorService executor, TaskLedger ledger, InflightTasks tasks) {
        this.store = store;
        this.executor = executor;
        this.ledger = ledger;
        this.tasks = tasks;
    }

    /** See {@link PdL2Adapter#setCommitListener}: each call on a virtual thread, the batch's keys pinned meanwhile. */
    void setCommitListener(Consumer<List<ObjectKey>> listener) {
        if (listener == null) {
            store.setCommitListener(null);
            return;
        }
        store.setCommitListener(keys -> {
            try {
                executor.execute(() -> {
                    try {
                        listener.accept(keys);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "commit listener failed", e);
                    } finally {
                        store.unlock(keys); // the pin
                    }
                });
            } catch (RuntimeException e) {
                store.unlock(keys); // adapter closing: release the pin at once
            }
        });
    }

    /** Looks up and locks {@code keys} now, and records the result as task {@code id}. */
    void lookupAndLock(long id, List<ObjectKey> keys) {
        Bitmap bits = store.lookupAndLock(keys);
        List<ObjectKey> locked = bits.popcount() == 0 ? List.of() : lockedKeys(keys, bits);
        ledger.completeLookup(id, bits, locked.isEmpty() ? null : () -> {
            store.unlock(locked); // nobody collected the result within result_ttl_sec: its locks go too
            locksReleasedByTtl.addAndGet(locked.size());
        });
    }

    private static List<ObjectKey> lockedKeys(List<ObjectKey> keys, Bitmap bits) {
        List<ObjectKey> out = new ArrayList<>(bits.popcount());
        for (int i = 0; i < keys.size(); i++) {
            if (bits.test(i)) {
                out.add(keys.get(i));
            }
        }
        return out;
    }

    /** Loads on a virtual thread and records the result as task {@code id} (all zero if it cannot finish). */
    void load(long id, List<ObjectKey> keys, List<MemoryObj> objects) {
        List<ObjectKey> k = List.copyOf(keys);
        List<MemoryObj> o = List.copyOf(objects);
        tasks.run(executor, id, () -> {
            Bitmap bits = store.load(k, o);
            tasks.finish(id, () -> ledger.completeLoad(id, bits));
        }, () -> ledger.completeLoad(id, new Bitmap(k.size())));
    }

    /** Loads on a virtual thread and completes {@code stage} with the result. */
    void loadAsync(List<ObjectKey> keys, List<MemoryObj> objects, AdapterFuture<Bitmap> stage) {
        List<ObjectKey> k = List.copyOf(keys);
        List<MemoryObj> o = List.copyOf(objects);
        tasks.addAsyncLoad(stage);
        tasks.started();
        try {
            executor.execute(() -> {
                try {
                    stage.succeed(store.load(k, o));
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "async load failed", e);
                    stage.fail(e);
                } finally {
                    tasks.removeAsyncLoad(stage);
                    tasks.done();
                }
            });
        } catch (RuntimeException e) {
            tasks.removeAsyncLoad(stage);
            tasks.done();
            stage.fail(InflightTasks.closedBeforeDone("load"));
        }
    }
}
