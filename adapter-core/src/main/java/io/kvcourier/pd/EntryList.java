package io.kvcourier.pd;

/**
 * A doubly linked list of entries threaded through the entries themselves (one of two pairs of links), so
 * listing one (a commit on the channel's thread) allocates nothing. Guarded by the store's lock
 * ({@link StoreState#lock}).
 */
final class EntryList {
    /** The evictable list: committed, unlocked entries, least recently listed first. */
    static final int EVICTABLE = 0;
    /** The TTL list: committed entries in commit order. */
    static final int TTL = 1;
    private final int which;
    private KeyEntry head;
    private KeyEntry tail;

    EntryList(int which) {
        this.which = which;
    }

    KeyEntry oldest() {
        return head;
    }

    /** Appends {@code e} unless it is listed already (then it keeps its place). */
    void add(KeyEntry e) {
        if (listed(e)) {
            return;
        }
        link(e, tail, null, true);
        if (tail == null) {
            head = e;
        } else {
            link(tail, prev(tail), e, true);
        }
        tail = e;
    }

    void remove(KeyEntry e) {
        if (!listed(e)) {
            return;
        }
        KeyEntry p = prev(e);
        KeyEntry n = next(e);
        if (p == null) {
            head = n;
        } else {
            link(p, prev(p), n, true);
        }
        if (n == null) {
            tail = p;
        } else {
            link(n, p, next(n), true);
        }
        link(e, null, null, false);
    }

    private boolean listed(KeyEntry e) {
        return which == EVICTABLE ? e.evictListed : e.ttlListed;
    }

    private KeyEntry prev(KeyEntry e) {
        return which == EVICTABLE ? e.evictPrev : e.ttlPrev;
    }

    private KeyEntry next(KeyEntry e) {
        return which == EVICTABLE ? e.evictNext : e.ttlNext;
    }

    private void link(KeyEntry e, KeyEntry prev, KeyEntry next, boolean listed) {
        if (which == EVICTABLE) {
            e.evictPrev = prev;
            e.evictNext = next;
            e.evictListed = listed;
        } else {
            e.ttlPrev = prev;
            e.ttlNext = next;
            e.ttlListed = listed;
        }
    }
}
