package io.kvcourier.pd;

import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The committed keys of the receiver store as the L2 adapter sees them: lookup and lock, unlock, load (copy out),
 * and cancel. Everything it touches is guarded by the store's lock ({@link StoreState#lock}); a load copies a
 * key's bytes outside the lock while the key is pinned.
 */
final class CommittedKeys {
    private static final System.Logger LOG = System.getLogger(ReceiverStore.class.getName());

    private final StoreState s;

    CommittedKeys(StoreState state) {
        this.s = state;
    }

    /** See {@link ReceiverStore#lengthOf}. */
    long lengthOf(ObjectKey key) {
        s.lock.lock();
        try {
            KeyEntry e = s.entries.get(key);
            return e == null ? -1 : e.length;
        } finally {
            s.lock.unlock();
        }
    }

    /** Keys visible to lookup. */
    int count() {
        s.lock.lock();
        try {
            int n = 0;
            for (KeyEntry e : s.entries.values()) {
                if (e.state == KeyEntry.State.COMMITTED) {
                    n++;
                }
            }
            return n;
        } finally {
            s.lock.unlock();
        }
    }

    /** See {@link ReceiverStore#lookupAndLock}. */
    Bitmap lookupAndLock(List<ObjectKey> keys) {
        Bitmap bits = new Bitmap(keys.size());
        s.lock.lock();
        try {
            for (int i = 0; i < keys.size(); i++) {
                KeyEntry e = s.entries.get(keys.get(i));
                if (e != null && e.state == KeyEntry.State.COMMITTED && !e.doomed) {
                    e.locks++;
                    s.evictable.remove(e);
                    bits.set(i);
                }
            }
        } finally {
            s.lock.unlock();
        }
        return bits;
    }

    /** See {@link ReceiverStore#unlock}. */
    void unlock(List<ObjectKey> keys) {
        s.lock.lock();
        try {
            for (ObjectKey k : keys) {
                KeyEntry e = s.entries.get(k);
                if (e == null || e.locks == 0) {
                    continue;
                }
                s.unlockLocked(e);
            }
        } finally {
            s.lock.unlock();
        }
    }

    /** See {@link ReceiverStore#load}. */
    Bitmap load(List<ObjectKey> keys, List<MemoryObj> objects) {
        Bitmap bits = new Bitmap(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            KeyEntry e = pin(keys.get(i));
            if (e == null) {
                continue;
            }
            boolean copied = false;
            try {
                MemorySegment dst = objects.get(i).segment();
                if (!dst.isReadOnly() && dst.byteSize() >= e.length) {
                    MemorySegment.copy(s.staging.segment(), s.staging.pageOffset(e.page), dst, 0, e.length);
                    copied = true;
                }
            } catch (RuntimeException ex) {
                LOG.log(System.Logger.Level.WARNING, "load of " + e.key + " failed: " + ex);
            } finally {
                s.lock.lock();
                try {
                    if (copied) {
                        e.loaded = true;
                    }
                    s.unlockLocked(e);
                } finally {
                    s.lock.unlock();
                }
            }
            if (copied) {
                bits.set(i);
            }
        }
        return bits;
    }

    /** Locks a committed key for a load (as if looked up); null when it is not committed or doomed. */
    private KeyEntry pin(ObjectKey key) {
        s.lock.lock();
        try {
            KeyEntry e = s.entries.get(key);
            if (e == null || e.state != KeyEntry.State.COMMITTED || e.doomed) {
                return null;
            }
            e.locks++;
            s.evictable.remove(e);
            return e;
        } finally {
            s.lock.unlock();
        }
    }

    /** See {@link ReceiverStore#cancel}. */
    void cancel(String senderId, String reqId, List<ObjectKey> keys) {
        s.lock.lock();
        try {
            for (ObjectKey k : keys) {
                KeyEntry e = s.entries.get(k);
                if (e == null || !e.allocation.senderId.equals(senderId) || !e.allocation.reqId.equals(reqId)) {
                    // Only the request that allocated a key may cancel it: upstream senders also name the keys
                    // they were told are already sent, which may belong to another request or sender.
                    continue;
                }
                if (e.state == KeyEntry.State.IN_FLIGHT) {
                    if (e.allocation.state == Allocation.State.AWAITING) {
                        s.expireLocked(e.allocation);
                    }
                } else if (e.locks == 0) {
                    s.freeLocked(e);
                } else {
                    e.doomed = true;
                }
            }
            OpenRequest r = s.requests.remove(OpenRequest.key(senderId, reqId));
            if (r != null) {
                s.reservedTotal -= r.reservedLeft;
            }
            s.changed();
        } finally {
            s.lock.unlock();
        }
    }
}
