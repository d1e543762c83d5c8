package io.kvcourier.pd;

import io.kvcourier.channel.ChannelReceiver.AllocationFence;
import io.kvcourier.channel.ControlRequestHandler;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The receiver store's reclaim ({@link ReceiverStore#reap}): expires allocations past their transfer deadline,
 * fences their writers and frees their pages, escalates per-allocation fences that held a batch id's page past the
 * transfer timeout, releases reservations of idle requests and frees committed keys past their TTL. An in-band
 * allocation whose connection has closed ({@link Allocation#originClosed}) needs no fence: nothing of it can land.
 * The store's state is guarded by the store's lock ({@link StoreState#lock}), which a reap takes twice and never
 * holds while it fences; the reaper's own fields are the housekeeping thread's (one reap at a time).
 */
final class StoreReaper {
    private static final System.Logger LOG = System.getLogger(ReceiverStore.class.getName());

    private final StoreState s;
    /** Pages of expired allocations held back because their sender's fence is not confirmed yet (a gauge). */
    private volatile int quarantinedPages;
    /** Entries the last reap looked at (a gauge, for tests: what expired plus a constant). */
    private volatile int lastReapVisits;
    /** Entries this reap looked at so far (housekeeping thread only). */
    private int visits;
    /** Senders whose fence was not confirmed at the last reap (housekeeping thread only). */
    private final Set<String> unfenced = new HashSet<>();

    StoreReaper(StoreState state) {
        this.s = state;
    }

    int quarantinedPages() {
        return quarantinedPages;
    }

    int lastReapVisits() {
        return lastReapVisits;
    }

    int fenceHeldPages() {
        s.lock.lock();
        try {
            return s.held.size();
        } finally {
            s.lock.unlock();
        }
    }

    /** See {@link ReceiverStore#reap(long, ReceiverStore.Fencer)}. */
    int reap(long nowNanos, ReceiverStore.Fencer fencer) {
        List<Allocation> toFence;
        List<Allocation> toEscalate = new ArrayList<>();
        visits = 0;
        s.lock.lock();
        try {
            expireAwaitingLocked(nowNanos);
            toFence = new ArrayList<>(s.fencing);
            visits += s.fencing.size();
            collectHeldLocked(nowNanos, toEscalate);
            releaseIdleRequestsLocked(nowNanos);
        } finally {
            s.lock.unlock();
        }
        // Fence outside the lock. A sender fenced whole (or not confirmed) once is not fenced again in this reap.
        Map<String, AllocationFence> senderFence = new HashMap<>();
        Map<String, Long> closedBelow = new HashMap<>();
        AllocationFence[] outcome = fenceExpired(toFence, fencer, senderFence, closedBelow);
        boolean[] escalated = escalate(toEscalate, fencer, senderFence, closedBelow);
        reportUnconfirmed(senderFence);
        int freed;
        s.lock.lock();
        try {
            freed = applyFencesLocked(nowNanos, toFence, outcome, closedBelow);
            freed += releaseEscalatedLocked(toEscalate, escalated);
            freed += releaseClosedInBandLocked(closedBelow);
            freed += expireCommittedLocked(nowNanos);
            if (freed > 0) {
                s.changed();
            }
        } finally {
            s.lock.unlock();
        }
        int quarantined = 0;
        for (int i = 0; i < toFence.size(); i++) {
            if (outcome[i] == AllocationFence.UNCONFIRMED) {
                quarantined += toFence.get(i).entries.size();
            }
        }
        quarantinedPages = quarantined;
        lastReapVisits = visits;
        return freed;
    }

    /** Expires the awaiting allocations past their transfer deadline (deadline order: stops at the first alive). */
    private void expireAwaitingLocked(long nowNanos) {
        for (Allocation a = s.awaiting.head(); a != null; a = s.awaiting.head()) {
            visits++;
            if (nowNanos - a.deadlineNanos < 0) {
                break;
            }
            a.commitEvent("expired", "its bytes did not land within the transfer deadline");
            s.expireLocked(a);
            s.expiredAllocations.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, "allocation at page {0} from {1} (req {2}) did not land in time; "
                    + "fencing it and freeing its pages", a.firstPage, a.senderId, a.reqId);
        }
    }

    /** Adds to {@code toEscalate} the held batch ids held for a transfer timeout (oldest first). */
    private void collectHeldLocked(long nowNanos, List<Allocation> toEscalate) {
        for (Allocation a = s.held.head(); a != null; a = a.next) {
            visits++;
            if (nowNanos - a.heldSinceNanos - s.transferTimeoutNanos < 0) {
                break;
            }
            toEscalate.add(a);
        }
    }

    /** Releases the reservations of requests idle past the request timeout. */
    private void releaseIdleRequestsLocked(long nowNanos) {
        Iterator<Map.Entry<String, OpenRequest>> rit = s.requests.entrySet().iterator();
        while (rit.hasNext()) {
            OpenRequest r = rit.next().getValue();
            visits++;
            if (nowNanos - r.lastActivityNanos - s.requestTimeoutNanos < 0) {
                break; // activity order: the rest are younger
            }
            s.reservedTotal -= r.reservedLeft;
            r.reservedLeft = 0;
            rit.remove();
            s.changed();
        }
    }

    /** Fences each expired allocation (outside the lock); what each fence confirmed. */
    private AllocationFence[] fenceExpired(List<Allocation> toFence, ReceiverStore.Fencer fencer,
                                           Map<String, AllocationFence> senderFence, Map<String, Long> closedBelow) {
        AllocationFence[] outcome = new AllocationFence[toFence.size()];
        for (int i = 0; i < toFence.size(); i++) {
            Allocation a = toFence.get(i);
            if (a.originClosed()) {
                outcome[i] = AllocationFence.SENDER; // as after a whole-sender fence: nothing of it can land
                continue;
            }
            AllocationFence f = senderFence.get(a.senderId);
            if (f == null) {
                long made = s.allocationSeq; // read before the fence: every allocation below it was made before
                f = fencer.fenceAllocation(a.senderId, a.firstPage);
                if (f == AllocationFence.SENDER) {
                    closedBelow.merge(a.senderId, made, Math::max);
                }
                if (f != AllocationFence.ALLOCATION) {
                    senderFence.put(a.senderId, f);
                }
            }
            outcome[i] = f;
        }
        return outcome;
    }

    /**
     * Fences the writer of each batch id held too long (outside the lock): for an in-band one the connection it was
     * allocated on, else (or when that cannot be closed) the whole sender; which are fenced now.
     */
    private boolean[] escalate(List<Allocation> toEscalate, ReceiverStore.Fencer fencer,
                               Map<String, AllocationFence> senderFence, Map<String, Long> closedBelow) {
        boolean[] escalated = new boolean[toEscalate.size()];
        for (int i = 0; i < toEscalate.size(); i++) {
            Allocation a = toEscalate.get(i);
            if (a.originClosed()) {
                escalated[i] = true; // the only connection that could name it has closed since: no fence needed
                continue;
            }
            ControlRequestHandler.Replier origin = a.origin;
            if (origin != null) {
                LOG.log(System.Logger.Level.WARNING, "sender {0} did not finish fenced batch {1} within the transfer "
                        + "timeout; closing the connection it was allocated on", a.senderId, a.firstPage);
                if (fencer.fenceConnection(a.senderId, origin)) {
                    escalated[i] = true; // the only connection that could carry it; the sender's others stay open
                    continue;
                }
            }
            AllocationFence f = senderFence.get(a.senderId);
            if (f == null) {
                LOG.log(System.Logger.Level.WARNING, "sender {0} did not finish fenced batch {1} within the transfer "
                        + "timeout; fencing its connections so that the batch id can be reused", a.senderId,
                        a.firstPage);
                long made = s.allocationSeq; // read before the fence: every allocation below it was made before
                f = fencer.fenceSender(a.senderId) ? AllocationFence.SENDER : AllocationFence.UNCONFIRMED;
                senderFence.put(a.senderId, f);
                if (f == AllocationFence.SENDER) {
                    closedBelow.merge(a.senderId, made, Math::max);
                }
            }
            escalated[i] = f == AllocationFence.SENDER;
        }
        return escalated;
    }

    /** Logs each sender whose fence became unconfirmed (once until it is confirmed again). */
    private void reportUnconfirmed(Map<String, AllocationFence> senderFence) {
        Set<String> unconfirmed = new HashSet<>();
        senderFence.forEach((sender, f) -> {
            if (f == AllocationFence.UNCONFIRMED) {
                unconfirmed.add(sender);
            }
        });
        for (String sender : unconfirmed) {
            if (unfenced.add(sender)) {
                LOG.log(System.Logger.Level.ERROR, "fencing sender {0} is not confirmed: the pages of its expired "
                        + "allocations stay out of use (quarantined) until a later fence is", sender);
            }
        }
        unfenced.retainAll(unconfirmed);
    }

    /** Frees the pages of fenced allocations (a per-allocation fence holds the first); returns how many. */
    private int applyFencesLocked(long nowNanos, List<Allocation> toFence, AllocationFence[] outcome,
                                  Map<String, Long> closedBelow) {
        int freed = 0;
        List<Allocation> still = new ArrayList<>();
        for (int i = 0; i < toFence.size(); i++) {
            Allocation a = toFence.get(i);
            AllocationFence f = outcome[i];
            if (f == AllocationFence.UNCONFIRMED) {
                still.add(a);
                continue;
            }
            // Pages of a whole-sender fence all go; a per-allocation fence keeps the batch id's page while the
            // sender may still name it.
            boolean keepFirst = f == AllocationFence.ALLOCATION && !a.writerDone && !connectionClosed(a, closedBelow);
            List<KeyEntry> es = a.entries;
            for (int k = keepFirst ? 1 : 0; k < es.size(); k++) {
                s.freePageLocked(es.get(k));
                freed++;
            }
            if (keepFirst) {
                a.heldSinceNanos = nowNanos;
                s.held.add(a);
            }
        }
        // Cancels may have added to the list meanwhile: keep those, drop what was handled.
        s.fencing.subList(0, toFence.size()).clear();
        s.fencing.addAll(0, still);
        return freed;
    }

    /** Frees the held batch-id pages whose sender is now fenced whole; returns how many. */
    private int releaseEscalatedLocked(List<Allocation> toEscalate, boolean[] escalated) {
        int freed = 0;
        for (int i = 0; i < toEscalate.size(); i++) {
            Allocation a = toEscalate.get(i);
            if (escalated[i] && a.queue == s.held) {
                s.held.remove(a);
                s.freePageLocked(a.entries.get(0));
                freed++;
            }
        }
        return freed;
    }

    /**
     * Whether every connection that could carry {@code a}'s bytes is closed: it was made in-band before its sender
     * was fenced whole in this reap (the fence closed every connection the sender had; the reply went back on one of
     * them, and a sender writes an in-band allocation on no other connection).
     */
    private static boolean connectionClosed(Allocation a, Map<String, Long> closedBelow) {
        Long bound = a.inBand() ? closedBelow.get(a.senderId) : null;
        return bound != null && a.seq < bound;
    }

    /**
     * Frees at once, without a fence or a held batch id, the in-band allocations whose connections this reap's
     * whole-sender fences closed ({@link #connectionClosed}): awaiting ones (their replies may never have reached the
     * sender, which then never writes nor finishes them; held, they would be escalated again a transfer timeout
     * later, closing the sender's new connections and the exchanges in flight on them) and held batch ids.
     */
    private int releaseClosedInBandLocked(Map<String, Long> closedBelow) {
        if (closedBelow.isEmpty()) {
            return 0;
        }
        int freed = 0;
        for (Allocation a = s.awaiting.head(), next; a != null; a = next) {
            next = a.next;
            if (connectionClosed(a, closedBelow)) {
                a.commitEvent("expired", "every connection that could carry it was closed by a fence");
                s.expireLocked(a); // out of awaiting, keys released; it went last into the fencing list
                s.fencing.remove(s.fencing.size() - 1);
                for (KeyEntry e : a.entries) {
                    s.freePageLocked(e);
                    freed++;
                }
            }
        }
        for (Allocation a = s.held.head(), next; a != null; a = next) {
            next = a.next;
            if (connectionClosed(a, closedBelow)) {
                s.held.remove(a);
                s.freePageLocked(a.entries.get(0));
                freed++;
            }
        }
        return freed;
    }

    /** Frees the committed keys never loaded within the TTL (a locked one on its last unlock); returns how many. */
    private int expireCommittedLocked(long nowNanos) {
        int freed = 0;
        for (KeyEntry e = s.committedOrder.oldest(); e != null; e = s.committedOrder.oldest()) {
            visits++;
            if (nowNanos - e.committedAtNanos - s.committedTtlNanos < 0) {
                break; // commit order: the rest are younger
            }
            s.committedOrder.remove(e);
            if (e.locks > 0) {
                e.ttlExpired = true; // a lookup or load holds it: freed when the last lock goes
                continue;
            }
            StoreState.evictionEvent(e, "ttl");
            s.releaseLocked(e);
            freed++;
        }
        return freed;
    }
}
