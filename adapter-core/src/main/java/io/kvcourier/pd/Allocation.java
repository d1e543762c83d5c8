package io.kvcourier.pd;

import io.kvcourier.channel.ControlRequestHandler;
import io.kvcourier.jfr.CommitEvent;
import io.kvcourier.jfr.Jfr;
import io.kvcourier.l2.ObjectKey;

import java.util.ArrayList;
import java.util.List;

/**
 * The pages one AllocRequest got for its new keys, one per key; its first page is the batch id that the sender
 * names when it writes and commits. Every field that changes is guarded by the store's lock
 * ({@link StoreState#lock}).
 */
final class Allocation {
    /** AWAITING its bytes, COMMITTED once they all landed, or EXPIRED (cancelled, rolled back or too late). */
    enum State { AWAITING, COMMITTED, EXPIRED }

    final String senderId;
    final String reqId;
    final int firstPage;
    final ArrayList<KeyEntry> entries = new ArrayList<>();
    /** The entries' keys, made once here so that a commit on the channel's thread allocates nothing. */
    List<ObjectKey> keys = List.of();
    final long deadlineNanos;
    State state = State.AWAITING;
    /** Links of the {@link AllocationQueue} it is in (awaiting, or held by a fence). */
    Allocation prev;
    Allocation next;
    AllocationQueue queue;
    /** EXPIRED: the sender is done with this batch id (its committing frame came and was refused). */
    boolean writerDone;
    /** EXPIRED and fenced per allocation: since when its first page is held. */
    long heldSinceNanos;
    boolean accounted; // a channel reported its writes through admitWrite: commit needs every byte
    /**
     * Asked for in-band on a data connection (until committed): the replier of that connection, null for the alloc
     * port. Its reply went back on that connection only and its sender writes it on no other, so once that
     * connection is closed (or every connection the sender had when it was made), no byte of it can land. Null once
     * committed, so that a committed key does not keep a closed connection reachable.
     */
    ControlRequestHandler.Replier origin;
    /** Order of making ({@link StoreState#allocationSeq}). */
    long seq;
    /** Times allocation -> commit; made only while the JFR event is enabled, committed once. */
    CommitEvent jfr;

    Allocation(String senderId, String reqId, int firstPage, long deadlineNanos) {
        this.senderId = senderId;
        this.reqId = reqId;
        this.firstPage = firstPage;
        this.deadlineNanos = deadlineNanos;
        this.jfr = Jfr.commit() ? Jfr.begin(new CommitEvent()) : null;
    }

    /** Whether it was asked for in-band; only asked while it is awaiting or expired (its origin is kept till then). */
    boolean inBand() {
        return origin != null;
    }

    /**
     * Whether the connection that asked for this in-band allocation has closed: then no byte of it can land any more,
     * and its pages can be freed without a fence.
     */
    boolean originClosed() {
        ControlRequestHandler.Replier o = origin;
        return o != null && !o.connectionOpen();
    }

    /** Commits the allocation's JFR event (under the store's lock; once). */
    void commitEvent(String outcome, String reason) {
        CommitEvent e = jfr;
        if (e == null) {
            return;
        }
        jfr = null;
        long bytes = 0;
        for (KeyEntry x : entries) {
            bytes += x.length;
        }
        e.requestId = reqId;
        e.rank = entries.isEmpty() ? -1 : entries.get(0).key.tpRank();
        e.peer = senderId;
        e.keys = entries.size();
        e.bytes = bytes;
        e.outcome = outcome;
        e.reason = reason;
        e.commit();
    }
}
