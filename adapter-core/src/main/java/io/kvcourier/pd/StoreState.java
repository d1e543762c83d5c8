package io.kvcourier.pd;

import io.kvcourier.jfr.EvictionEvent;
import io.kvcourier.jfr.Jfr;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.staging.StagingBuffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The receiver store's state and its page bookkeeping, shared by the parts of {@link ReceiverStore}
 * ({@link StoreAllocator}, {@link BatchLanding}, {@link CommittedKeys}, {@link StoreReaper}).
 *
 * <p><b>One lock, {@link #lock}, guards all of it</b>: the key index, the evictable and TTL lists, the open
 * requests and their reservations, the awaiting, fencing and held allocation queues, the page-to-entry index, and
 * every mutable field of the {@link KeyEntry}s, {@link Allocation}s and {@link OpenRequest}s they hold, as well as
 * the staging buffer's page allocator. Not guarded by it: the staging memory itself (a load copies a pinned
 * key's bytes outside the lock), the counters (atomics) and the change listener (volatile). Methods named
 * {@code ...Locked} expect the caller to hold the lock.
 */
final class StoreState {
    final StagingBuffer staging;
    final long configuredChunkBytes;
    final long transferTimeoutNanos;
    final long committedTtlNanos;
    final long requestTimeoutNanos;
    final ReentrantLock lock = new ReentrantLock();
    /** Signalled when pages are freed, a batch commits, an allocation expires or a reservation is released. */
    final Condition changed = lock.newCondition();
    /** Told with {@link #changed} (under the lock; must not block): the receiver engine retries waiting requests. */
    private volatile Runnable changeListener = () -> { };
    final Map<ObjectKey, KeyEntry> entries = new HashMap<>();
    /** Committed, unlocked entries, least recently listed first: the eviction candidates. */
    final EntryList evictable = new EntryList(EntryList.EVICTABLE);
    /** Committed entries in commit order (locked or not): the TTL candidates, oldest first. */
    final EntryList committedOrder = new EntryList(EntryList.TTL);
    /** Open requests, least recently active first (an allocation moves its request to the end). */
    final Map<String, OpenRequest> requests = new LinkedHashMap<>();
    /** AWAITING allocations in deadline (= arrival) order. */
    final AllocationQueue awaiting = new AllocationQueue();
    /** EXPIRED allocations whose sender is still to be fenced (or whose fence was not confirmed: quarantined). */
    final List<Allocation> fencing = new ArrayList<>();
    /** EXPIRED allocations fenced per allocation whose first page is held (see ReceiverStore), oldest first. */
    final AllocationQueue held = new AllocationQueue();
    /**
     * The sequence number of the next allocation: written under the lock, read without it by the reaper before it
     * fences a sender whole (a stale read is lower, so it frees less: safe).
     */
    volatile long allocationSeq;
    /** Page index to the in-flight entry that owns it (null when free, committed or reclaimed): O(1) admission. */
    KeyEntry[] pageEntry = new KeyEntry[0];
    int reservedTotal;

    final AtomicLong committedBatches = new AtomicLong();
    final AtomicLong committedBytes = new AtomicLong();
    final AtomicLong expiredAllocations = new AtomicLong();
    final AtomicLong rejectedWrites = new AtomicLong();
    final AtomicLong evictions = new AtomicLong();
    /** AllocRequests whose reply is being held now (waiting for room or for keys in flight). */
    final AtomicInteger waitingAllocations = new AtomicInteger();

    StoreState(StagingBuffer staging, long configuredChunkBytes, long transferTimeoutNanos,
               long committedTtlNanos, long requestTimeoutNanos) {
        this.staging = staging;
        this.configuredChunkBytes = configuredChunkBytes;
        this.transferTimeoutNanos = transferTimeoutNanos;
        this.committedTtlNanos = committedTtlNanos;
        this.requestTimeoutNanos = requestTimeoutNanos;
        if (configuredChunkBytes > 0) {
            staging.fixPageSize(configuredChunkBytes);
            pageEntry = new KeyEntry[staging.pageCount()];
        }
    }

    /** See {@link ReceiverStore#setChangeListener}. */
    void setChangeListener(Runnable listener) {
        this.changeListener = listener == null ? () -> { } : listener;
    }

    /** Something a waiting allocation may be waiting for happened: wakes the waiters and tells the listener. */
    void changed() {
        changed.signalAll();
        changeListener.run();
    }

    /** Fixes the staging page size (first allocation when no chunk size is configured); false on a mismatch. */
    boolean fixPageSize(long pageBytes) {
        if (!staging.fixPageSize(pageBytes)) {
            return false;
        }
        if (pageEntry.length != staging.pageCount()) {
            pageEntry = new KeyEntry[staging.pageCount()];
        }
        return true;
    }

    /** Ensures {@code pages} unreserved pages are free, evicting committed unlocked keys (oldest first). */
    boolean makeRoomLocked(int pages) {
        while (staging.allocator().available() - reservedTotal < pages) {
            KeyEntry victim = evictable.oldest();
            if (victim == null) {
                return false;
            }
            evictions.incrementAndGet();
            evictionEvent(victim, "admission");
            freeLocked(victim);
        }
        return true;
    }

    /** Makes an in-flight allocation invisible at once; its pages wait for the reaper to fence and free them. */
    void expireLocked(Allocation a) {
        a.commitEvent("expired", "the request was cancelled or rolled back");
        a.state = Allocation.State.EXPIRED;
        awaiting.remove(a);
        fencing.add(a);
        for (KeyEntry e : a.entries) {
            if (entries.get(e.key) == e) {
                entries.remove(e.key);
            }
        }
        changed(); // requests waiting for these keys now allocate them afresh
    }

    /** Frees a committed entry's key and page and tells the waiters. */
    void freeLocked(KeyEntry e) {
        releaseLocked(e);
        changed();
    }

    /** Frees a committed entry's key and page without telling anyone (the caller does, once). */
    void releaseLocked(KeyEntry e) {
        if (entries.get(e.key) == e) {
            entries.remove(e.key);
        }
        evictable.remove(e);
        committedOrder.remove(e);
        staging.allocator().free(e.page);
    }

    /** Frees the page of an in-flight (or expired) entry. */
    void freePageLocked(KeyEntry e) {
        pageEntry[e.page] = null;
        staging.allocator().free(e.page);
    }

    /** Releases one lock of {@code e}; a loaded, cancelled or TTL-expired key whose last lock goes is freed. */
    void unlockLocked(KeyEntry e) {
        e.locks--;
        if (e.locks == 0) {
            if (e.loaded || e.doomed || e.ttlExpired) {
                freeLocked(e);
            } else {
                evictable.add(e);
            }
        }
    }

    static void evictionEvent(KeyEntry e, String reason) {
        if (!Jfr.eviction()) {
            return;
        }
        EvictionEvent ev = new EvictionEvent();
        ev.requestId = e.allocation.reqId;
        ev.rank = e.key.tpRank();
        ev.peer = e.allocation.senderId;
        ev.keys = 1;
        ev.bytes = e.length;
        ev.reason = reason;
        ev.commit();
    }
}
