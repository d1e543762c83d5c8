package io.kvcourier.pd;

import java.util.ArrayList;
import java.util.List;

/**
 * The sender's store tasks submitted and not finished, as an intrusive doubly-linked list through the tasks'
 * own {@link StoreTask#livePrev}/{@link StoreTask#liveNext} fields: adding and removing a task allocates
 * nothing (a concurrent set made a node per task on the caller's thread). Guarded by this object's monitor,
 * held for a few field writes only. Any thread.
 */
final class LiveTasks {
    private StoreTask head;
    private int size;

    /** Adds a task that is not in the list. */
    synchronized void add(StoreTask t) {
        t.liveNext = head;
        if (head != null) {
            head.livePrev = t;
        }
        head = t;
        size++;
    }

    /** Removes the task if it is in the list. */
    synchronized void remove(StoreTask t) {
        if (t != head && t.livePrev == null) {
            return; // not in the list: only the head has no predecessor
        }
        if (t.livePrev != null) {
            t.livePrev.liveNext = t.liveNext;
        } else {
            head = t.liveNext;
        }
        if (t.liveNext != null) {
            t.liveNext.livePrev = t.livePrev;
        }
        t.livePrev = null;
        t.liveNext = null;
        size--;
    }

    /** The tasks in the list now (a copy: finishing them removes them). */
    synchronized List<StoreTask> snapshot() {
        List<StoreTask> out = new ArrayList<>(size);
        for (StoreTask t = head; t != null; t = t.liveNext) {
            out.add(t);
        }
        return out;
    }

    synchronized int size() {
        return size;
    }
}
