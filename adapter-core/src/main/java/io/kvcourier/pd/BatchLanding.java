package io.kvcourier.pd;

import io.kvcourier.l2.ObjectKey;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Landing in the receiver store, on the channel's thread: admits the writes and blocks of a live allocation,
 * refuses those of a fenced one ({@link #isFenced}), and commits a batch whose bytes have all landed, making its
 * keys visible. Everything it touches is guarded by the store's lock ({@link StoreState#lock}), which each entry
 * point takes once; admission and commit allocate nothing.
 */
final class BatchLanding {
    private static final System.Logger LOG = System.getLogger(ReceiverStore.class.getName());

    private final StoreState s;
    private final CommittedKeys committed;
    /** See {@link ReceiverStore#setCommitListener}. */
    private volatile Consumer<List<ObjectKey>> commitListener;
    /**
     * Committed batches (their pinned keys) whose listener call waits for the channel's acknowledgements
     * ({@link #afterAcknowledgements}), in commit order; guarded by itself, reused (nothing allocated once grown).
     */
    private final ArrayList<List<ObjectKey>> toTell = new ArrayList<>();

    BatchLanding(StoreState state, CommittedKeys committed) {
        this.s = state;
        this.committed = committed;
    }

    void setCommitListener(Consumer<List<ObjectKey>> listener) {
        this.commitListener = listener;
    }

    /**
     * The expired allocation of {@code senderId} whose first page is {@code batchId} and is still held (not freed
     * yet, or held by a per-allocation fence), or null.
     */
    private Allocation fencedBatchLocked(String senderId, int batchId) {
        return batchLocked(senderId, batchId, Allocation.State.EXPIRED);
    }

    /** The live, uncommitted allocation of {@code senderId} whose first page is {@code batchId}, or null. */
    private Allocation awaitingBatchLocked(String senderId, int batchId) {
        return batchLocked(senderId, batchId, Allocation.State.AWAITING);
    }

    private Allocation batchLocked(String senderId, int batchId, Allocation.State state) {
        if (batchId < 0 || batchId >= s.pageEntry.length) {
            return null;
        }
        KeyEntry head = s.pageEntry[batchId];
        Allocation a = head == null ? null : head.allocation;
        if (a == null || a.state != state || a.firstPage != batchId || !a.senderId.equals(senderId)) {
            return null;
        }
        return a;
    }

    /** The sender is done with the expired allocation's batch id: a held first page goes back now. */
    private void writerDoneLocked(Allocation a) {
        a.writerDone = true;
        if (a.queue == s.held) {
            s.held.remove(a);
            s.freePageLocked(a.entries.get(0));
            s.changed();
        }
    }

    boolean isFenced(String senderId, int batchId) {
        s.lock.lock();
        try {
            return fencedBatchLocked(senderId, batchId) != null;
        } finally {
            s.lock.unlock();
        }
    }

    boolean admitWrite(String senderId, int batchId, int page, long offsetInPage, long length) {
        s.lock.lock();
        try {
            Allocation a = awaitingBatchLocked(senderId, batchId);
            KeyEntry e = a == null || page < 0 || page >= s.pageEntry.length ? null : s.pageEntry[page];
            // Writes into a page arrive in order and exactly cover the key's length: then "all bytes are in" at
            // commit is a fact the receiver checked, not the sender's word.
            if (e == null || e.allocation != a || offsetInPage != e.received || length < 0
                    || offsetInPage + length > e.length) {
                s.rejectedWrites.incrementAndGet();
                return false;
            }
            e.received += length;
            a.accounted = true;
            return true;
        } finally {
            s.lock.unlock();
        }
    }

    /** See {@link ReceiverStore#admitBatch}. */
    boolean admitBatch(String senderId, int batchId, int[] pages, long[] lengths, int count) {
        s.lock.lock();
        try {
            Allocation a = awaitingBatchLocked(senderId, batchId);
            if (a == null || count <= 0) {
                if (a == null && fencedBatchLocked(senderId, batchId) == null) {
                    s.rejectedWrites.incrementAndGet(); // a fenced batch is refused, not a bad write
                }
                return false;
            }
            for (int i = 0; i < count; i++) {
                int page = pages[i];
                KeyEntry e = page < 0 || page >= s.pageEntry.length ? null : s.pageEntry[page];
                if (e == null || e.allocation != a || e.received != 0 || lengths[i] != e.length) {
                    for (int j = 0; j < i; j++) {
                        s.pageEntry[pages[j]].received = 0; // undo this block: a repeated page fails above
                    }
                    s.rejectedWrites.incrementAndGet();
                    return false;
                }
                e.received = e.length;
            }
            a.accounted = true;
            return true;
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * Commits the batch; with a commit listener set, its keys are pinned and the listener is told in {@link
     * #afterAcknowledgements}, so that the sender's acknowledgement goes out before whatever the listener starts
     * competes with it for the CPU.
     */
    boolean onBatchLanded(String senderId, int batchId) {
        boolean pin = commitListener != null;
        List<ObjectKey> keys = commitLanded(senderId, batchId, pin);
        if (keys == null) {
            return false;
        }
        if (pin) {
            synchronized (toTell) {
                toTell.add(keys);
            }
        }
        return true;
    }

    /**
     * The channel wrote (or gave up writing) the acknowledgements of the batches it committed so far: tells the
     * commit listener about them, in commit order. A batch committed while no listener is set any more is
     * unpinned instead.
     */
    void afterAcknowledgements() {
        // Told under the list's monitor, so several channel threads tell in commit order. The listener only hands
        // the keys to the adapter's executor; unlocking takes the store's lock, which is never held while waiting
        // for this monitor (onBatchLanded releases it first).
        synchronized (toTell) {
            if (toTell.isEmpty()) {
                return;
            }
            Consumer<List<ObjectKey>> listener = commitListener;
            try {
                for (int i = 0; i < toTell.size(); i++) {
                    tell(listener, toTell.get(i));
                }
            } finally {
                toTell.clear();
            }
        }
    }

    private void tell(Consumer<List<ObjectKey>> listener, List<ObjectKey> keys) {
        try {
            if (listener == null) {
                committed.unlock(keys);
            } else {
                listener.accept(keys);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "commit listener failed", e);
            committed.unlock(keys);
        }
    }

    private List<ObjectKey> commitLanded(String senderId, int batchId, boolean pin) {
        s.lock.lock();
        try {
            Allocation a = awaitingBatchLocked(senderId, batchId);
            if (a == null) {
                Allocation fenced = fencedBatchLocked(senderId, batchId);
                if (fenced != null) {
                    LOG.log(System.Logger.Level.DEBUG, "batch {0} from {1} refused: its allocation was fenced", batchId,
                            senderId);
                    writerDoneLocked(fenced);
                } else {
                    LOG.log(System.Logger.Level.WARNING, "batch {0} from {1} landed but is not a live allocation of "
                            + "that sender", batchId, senderId);
                }
                return null;
            }
            if (a.accounted && !allLandedLocked(a, senderId, batchId)) {
                return null;
            }
            commitLocked(a, pin);
            return a.keys;
        } finally {
            s.lock.unlock();
        }
    }

    /** Whether every byte of every key of {@code a} was admitted; logs and counts the refusal when not. */
    private boolean allLandedLocked(Allocation a, String senderId, int batchId) {
        List<KeyEntry> batch = a.entries;
        for (int i = 0; i < batch.size(); i++) { // indexed: no iterator on the channel's thread
            KeyEntry e = batch.get(i);
            if (e.received != e.length) {
                LOG.log(System.Logger.Level.WARNING, "batch {0} from {1}: commit before all bytes of {2} landed "
                        + "({3} of {4}); not committed", batchId, senderId, e.key, e.received, e.length);
                s.rejectedWrites.incrementAndGet();
                a.commitEvent("rejected", "commit before all bytes of a key landed");
                return false;
            }
        }
        return true;
    }

    /** Makes the allocation's keys visible; with {@code pin} each starts with one lock for the commit listener. */
    private void commitLocked(Allocation a, boolean pin) {
        List<KeyEntry> batch = a.entries;
        a.state = Allocation.State.COMMITTED;
        a.origin = null;
        s.awaiting.remove(a);
        long now = System.nanoTime();
        long bytes = 0;
        for (int i = 0; i < batch.size(); i++) {
            KeyEntry e = batch.get(i);
            s.pageEntry[e.page] = null;
            e.state = KeyEntry.State.COMMITTED;
            e.committedAtNanos = now;
            s.committedOrder.add(e);
            bytes += e.length;
            if (pin) {
                e.locks = 1;
            } else {
                s.evictable.add(e);
            }
        }
        s.committedBatches.incrementAndGet();
        s.committedBytes.addAndGet(bytes);
        a.commitEvent("committed", "");
        s.changed(); // requests waiting for these keys now report them as already sent
    }
}
