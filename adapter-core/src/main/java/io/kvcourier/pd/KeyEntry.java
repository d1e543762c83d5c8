package io.kvcourier.pd;

import io.kvcourier.l2.ObjectKey;

/**
 * One key of the receiver store and the staging page that holds its bytes: in flight (invisible to lookup) from
 * its allocation until its batch commits, then committed. Every field that changes is guarded by the store's lock
 * ({@link StoreState#lock}).
 */
final class KeyEntry {
    /** Where a key is in its life: IN_FLIGHT until its batch's bytes have all landed, then COMMITTED. */
    enum State { IN_FLIGHT, COMMITTED }

    final ObjectKey key;
    final int page;
    final long length;
    final Allocation allocation;
    State state = State.IN_FLIGHT;
    int locks;
    boolean loaded;
    boolean doomed; // cancelled while locked: freed on last unlock
    boolean ttlExpired; // its TTL ran out while locked: freed on last unlock
    long committedAtNanos;
    long received;  // bytes admitted so far, in order (channels that place bytes themselves)
    // Intrusive links of the evictable list (committed, unlocked, least recently listed first) and of the TTL
    // list (committed, in commit order): no node per commit.
    KeyEntry evictPrev;
    KeyEntry evictNext;
    boolean evictListed;
    KeyEntry ttlPrev;
    KeyEntry ttlNext;
    boolean ttlListed;

    KeyEntry(ObjectKey key, int page, long length, Allocation allocation) {
        this.key = key;
        this.page = page;
        this.length = length;
        this.allocation = allocation;
    }
}
