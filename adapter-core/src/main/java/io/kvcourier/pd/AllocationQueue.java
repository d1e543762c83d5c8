package io.kvcourier.pd;

/**
 * Allocations in the order they were added, threaded through the allocations themselves (O(1) add, remove
 * and head; an allocation is in at most one queue). Guarded by the store's lock ({@link StoreState#lock}).
 */
final class AllocationQueue {
    private Allocation head;
    private Allocation tail;
    private int size;

    Allocation head() {
        return head;
    }

    int size() {
        return size;
    }

    void add(Allocation a) {
        if (a.queue != null) {
            throw new IllegalStateException("allocation already queued");
        }
        a.queue = this;
        a.prev = tail;
        a.next = null;
        if (tail == null) {
            head = a;
        } else {
            tail.next = a;
        }
        tail = a;
        size++;
    }

    /** Removes {@code a} if it is in this queue. */
    void remove(Allocation a) {
        if (a.queue != this) {
            return;
        }
        if (a.prev == null) {
            head = a.next;
        } else {
            a.prev.next = a.next;
        }
        if (a.next == null) {
            tail = a.prev;
        } else {
            a.next.prev = a.prev;
        }
        a.prev = null;
        a.next = null;
        a.queue = null;
        size--;
    }
}
