package io.kvcourier.pd;

import io.kvcourier.channel.ChannelReceiver.AllocationFence;
import io.kvcourier.channel.ControlRequestHandler;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.AllocRequest;
import io.kvcourier.wire.AllocResponse;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The receiver's pages and keys: admission, allocation, commit after landing, lookup locks, load, and page
 * reclaim. All state is guarded by one lock; nothing here blocks on I/O except the admission wait, and
 * fencing a peer is handed to the {@code fencer} outside the lock.
 *
 * <p>Life of a key: an {@link AllocRequest} reserves pages for its request and allocates one page per new
 * key (state IN_FLIGHT: invisible to lookup). When the channel reports that the batch's bytes have all
 * landed, the batch commits (COMMITTED: visible). Lookup locks, load copies out, and a page is freed when
 * its key has been loaded and its last lock released, when a {@code CancelNotif} names it, when it stays
 * unloaded past the committed TTL, or when admission evicts it (unlocked, least recently committed first).
 * An allocation whose bytes do not land before the transfer deadline is expired: its keys leave the index
 * at once, its sender is fenced, and only then are its pages freed (docs/TRAPS.md#trap-23).
 *
 * <p>Fencing ({@link #reap}): a channel that fences one allocation ({@link AllocationFence#ALLOCATION}, tcp)
 * leaves the sender's connections open, so a late frame naming the allocation's batch id (its first page) may
 * still come; admission refuses it ({@link #isFenced}). That one page stays held, so that it cannot become the
 * batch id of another allocation of the same sender, until the sender is provably done with the batch (its
 * committing frame arrived and was refused) or, after the transfer timeout, its whole connection set is fenced;
 * the other pages are freed at once. Allocation deadlines are the allocation time plus one constant, so
 * the awaiting queue is kept in arrival order, which is deadline order: a reap visits what expired plus one.
 *
 * <p>The store is a front over its parts, which share one {@link StoreState} and its one lock
 * ({@link StoreState#lock}, which guards every index, list, queue and reservation of the store): admission and
 * allocation ({@link StoreAllocator}), landing and commit ({@link BatchLanding}), lookup, lock, load and cancel of
 * committed keys ({@link CommittedKeys}), and the reaper with its fencing ({@link StoreReaper}).
 */
final class ReceiverStore implements LandingListener {
    /** Most keys one AllocRequest may carry. */
    static final int MAX_KEYS_PER_REQUEST = 65_536;

    /** Why {@link #allocate} could not answer at once. */
    enum Wait {
        /** Answered: {@link Outcome#reply} holds the reply. */
        NONE,
        /** The request needs pages that are not free yet. */
        ROOM,
        /**
         * A key of the request is held by an allocation that has not committed yet (or by a committed key
         * that a cancel dooms): the reply waits until it commits (then the key is reported in
         * {@code already_sent_indexes}) or goes away (then it gets a page of its own).
         */
        KEYS_IN_FLIGHT
    }

    /** The outcome of {@link #allocate}: a reply now, or a reason to wait ({@link #allocateWaiting}). */
    record Outcome(AllocResponse reply, Wait waitFor) {
        boolean mustWait() {
            return waitFor != Wait.NONE;
        }
    }

    /**
     * A parsed, validated AllocRequest; {@code origin} is the replier of the data connection it came on (in-band
     * control), or null for the alloc port.
     */
    record Parsed(List<ObjectKey> keys, long chunkBytes, long lastBytes, ControlRequestHandler.Replier origin) {
        /** {@return this request as one that came in-band on the data connection that {@code via} answers on} */
        Parsed via(ControlRequestHandler.Replier via) {
            return new Parsed(keys, chunkBytes, lastBytes, via);
        }

        /** Whether it came in-band on a connection that has closed since: its reply cannot go out. */
        boolean originClosed() {
            return origin != null && !origin.connectionOpen();
        }
    }

    /** How {@link #reap} stops the writers of expired allocations (the receiver engine: its channel). */
    interface Fencer {
        /** Fences the allocation of {@code senderId} whose first page is {@code batchId}. */
        AllocationFence fenceAllocation(String senderId, int batchId);

        /** Fences every connection of {@code senderId}; whether that is confirmed. */
        boolean fenceSender(String senderId);

        /**
         * Closes the one connection of {@code senderId} that an in-band allocation came on ({@code origin}), which
         * is the only one that can carry its bytes; whether it is closed now (false: fence the sender instead).
         */
        default boolean fenceConnection(String senderId, ControlRequestHandler.Replier origin) {
            return origin.closeConnection();
        }

        /** A fencer that always fences the whole sender with {@code fence}. */
        static Fencer ofSender(Predicate<String> fence) {
            return new Fencer() {
                @Override
                public AllocationFence fenceAllocation(String senderId, int batchId) {
                    return fence.test(senderId) ? AllocationFence.SENDER : AllocationFence.UNCONFIRMED;
                }

                @Override
                public boolean fenceSender(String senderId) {
                    return fence.test(senderId);
                }
            };
        }
    }

    private final StoreState state;
    private final StoreAllocator allocator;
    private final CommittedKeys committed;
    private final BatchLanding landing;
    private final StoreReaper reaper;

    final AtomicLong committedBatches;
    final AtomicLong committedBytes;
    final AtomicLong expiredAllocations;
    final AtomicLong rejectedWrites;
    final AtomicLong evictions;
    /** AllocRequests whose reply is being held now (waiting for room or for keys in flight). */
    final AtomicInteger waitingAllocations;

    ReceiverStore(StagingBuffer staging, long configuredChunkBytes, long transferTimeoutNanos,
                  long committedTtlNanos, long requestTimeoutNanos) {
        this.state = new StoreState(staging, configuredChunkBytes, transferTimeoutNanos, committedTtlNanos,
                requestTimeoutNanos);
        this.allocator = new StoreAllocator(state);
        this.committed = new CommittedKeys(state);
        this.landing = new BatchLanding(state, committed);
        this.reaper = new StoreReaper(state);
        this.committedBatches = state.committedBatches;
        this.committedBytes = state.committedBytes;
        this.expiredAllocations = state.expiredAllocations;
        this.rejectedWrites = state.rejectedWrites;
        this.evictions = state.evictions;
        this.waitingAllocations = state.waitingAllocations;
    }

    // ------------------------------------------------------------------------------------------ allocation

    /**
     * Validates an AllocRequest from the wire before anything is touched.
     *
     * @throws IllegalArgumentException naming the problem
     */
    static Parsed parse(AllocRequest req) {
        return StoreAllocator.parse(req);
    }

    /**
     * Tries to admit and allocate without waiting. Returns the reply, or {@code mustWait} when the request
     * needs room that is not free yet or names keys still in flight for another allocation (the caller then
     * calls {@link #allocateWaiting} off the server thread).
     */
    Outcome allocate(String senderId, AllocRequest req, Parsed p) {
        return allocator.allocate(senderId, req, p);
    }

    /**
     * Sets what is told, under the store's lock, whenever a waiting allocation might succeed now (pages or a
     * reservation freed, a batch committed, an allocation expired). It must not block: the receiver engine queues
     * a retry on its control thread. {@code null} removes it.
     */
    void setChangeListener(Runnable listener) {
        state.setChangeListener(listener);
    }

    /**
     * One non-blocking try for a request that waits (the receiver's control thread keeps the deadlines, see
     * {@link #allocateWaiting} for the same rules): {@code giveUpRoom} answers with failures instead of waiting
     * for room, {@code giveUpKeys} instead of waiting for keys in flight.
     */
    Outcome tryAllocate(String senderId, AllocRequest req, Parsed p, boolean giveUpRoom, boolean giveUpKeys) {
        return allocator.tryAllocate(senderId, req, p, giveUpRoom, giveUpKeys);
    }

    /**
     * Waits, then allocates or answers with failures ({@code [-1] * n}). Room is waited for at most
     * {@code allocationTimeoutNanos}; keys in flight for another allocation are waited for until they commit
     * or their allocation ends (which its transfer deadline bounds), and room after that for at most
     * {@code allocationTimeoutNanos} again: the whole wait is bounded by the transfer timeout plus the
     * allocation timeout.
     */
    AllocResponse allocateWaiting(String senderId, AllocRequest req, Parsed p, long allocationTimeoutNanos)
            throws InterruptedException {
        return allocator.allocateWaiting(senderId, req, p, allocationTimeoutNanos);
    }

    // ---------------------------------------------------------------------------------------- landing

    @Override
    public boolean isFenced(String senderId, int batchId) {
        return landing.isFenced(senderId, batchId);
    }

    @Override
    public boolean admitWrite(String senderId, int batchId, int page, long offsetInPage, long length) {
        return landing.admitWrite(senderId, batchId, page, offsetInPage, length);
    }

    /**
     * One lock and one index lookup per entry: each page must be an entry of the sender's live allocation
     * {@code batchId}, not admitted before (in this or an earlier block), with the key's whole stored length.
     * All or nothing. Allocates nothing.
     */
    @Override
    public boolean admitBatch(String senderId, int batchId, int[] pages, long[] lengths, int count) {
        return landing.admitBatch(senderId, batchId, pages, lengths, count);
    }

    /**
     * Sets (or with {@code null} removes) the commit listener: told the keys of each committed batch, outside the
     * lock, on the channel's thread once the channel has written that batch's acknowledgement (see {@link
     * #afterAcknowledgements}); it must not block. While one is set, each committed key starts with one lock
     * (a pin) that the listener's owner releases with {@link #unlock} when it is done: a just-committed batch
     * cannot be evicted before its listener ran.
     */
    void setCommitListener(Consumer<List<ObjectKey>> listener) {
        landing.setCommitListener(listener);
    }

    @Override
    public boolean onBatchLanded(String senderId, int batchId) {
        return landing.onBatchLanded(senderId, batchId);
    }

    /** Tells the commit listener about the batches committed before the channel's acknowledgements went out. */
    @Override
    public void afterAcknowledgements() {
        landing.afterAcknowledgements();
    }

    /** The expected stored length of an in-flight or committed key, or -1 (used by channels and tests). */
    long lengthOf(ObjectKey key) {
        return committed.lengthOf(key);
    }

    // --------------------------------------------------------------------------------- lookup / load

    /** Sets bit i for each committed key and locks it. Keys still in flight are not found (commit after landing). */
    Bitmap lookupAndLock(List<ObjectKey> keys) {
        return committed.lookupAndLock(keys);
    }

    /** Releases one lock per key; a loaded (or cancelled) key whose last lock goes is freed. Never fails. */
    void unlock(List<ObjectKey> keys) {
        committed.unlock(keys);
    }

    /**
     * Copies each committed key's bytes into the caller's object. The copy runs outside the lock with the
     * key pinned (as if locked), so it cannot be freed underneath. Returns the bitmap of copied keys.
     */
    Bitmap load(List<ObjectKey> keys, List<MemoryObj> objects) {
        return committed.load(keys, objects);
    }

    // ------------------------------------------------------------------------------- cancel / reclaim

    /**
     * Handles a CancelNotif: the named keys that this sender allocated for this request are dropped
     * (in-flight allocations are expired and reclaimed after a fence, committed keys freed, or freed on their
     * last unlock when locked) and the request's reservation is released. Other named keys are left alone.
     */
    void cancel(String senderId, String reqId, List<ObjectKey> keys) {
        committed.cancel(senderId, reqId, keys);
    }

    /** Pages kept out of use until their sender's fence is confirmed. */
    int quarantinedPages() {
        return reaper.quarantinedPages();
    }

    /** Pages held because a fenced allocation's sender may still name them as a batch id. */
    int fenceHeldPages() {
        return reaper.fenceHeldPages();
    }

    /**
     * Entries the last {@link #reap} visited: allocations (awaiting, to fence, held), requests and committed keys.
     * Each kind is kept in deadline order, so this is what expired plus a constant.
     */
    int lastReapVisits() {
        return reaper.lastReapVisits();
    }

    /** {@link #reap(long, Fencer)} with a fencer that fences whole senders. */
    int reap(long nowNanos, Predicate<String> fencer) {
        return reap(nowNanos, Fencer.ofSender(fencer));
    }

    /**
     * Reclaims what passed its deadline: expires allocations whose bytes did not land in time, fences
     * their writers through {@code fencer} (outside the lock), then frees their pages; frees committed keys
     * never loaded within the TTL; releases reservations of requests idle past the request timeout.
     * A page is freed only once the fence that stops the writer that could still touch it is confirmed: when
     * it is not, the allocation's pages stay out of use (quarantined, counted by {@link #quarantinedPages}) and
     * the next reap fences again. A per-allocation fence frees every page but the first, which stays held until
     * the sender is done with that batch id or, a transfer timeout later, the whole sender is fenced.
     * Allocations, requests and committed keys are each visited in deadline order: what expired (or waits for its
     * fence), plus one of each kind. One reap at a time (the housekeeping thread).
     *
     * @param fencer fences an allocation or a sender; says whether that is confirmed
     * @return how many pages were freed
     */
    int reap(long nowNanos, Fencer fencer) {
        return reaper.reap(nowNanos, fencer);
    }

    // ----------------------------------------------------------------------------------------- status

    /** Keys visible to lookup. */
    int committedKeys() {
        return committed.count();
    }

    /** Pages in use (committed, in flight, or waiting for reclaim). */
    int pagesInUse() {
        state.lock.lock();
        try {
            StagingBuffer staging = state.staging;
            return staging.hasPages() ? staging.pageCount() - staging.allocator().available() : 0;
        } finally {
            state.lock.unlock();
        }
    }

    int reservedPages() {
        state.lock.lock();
        try {
            return state.reservedTotal;
        } finally {
            state.lock.unlock();
        }
    }
}
