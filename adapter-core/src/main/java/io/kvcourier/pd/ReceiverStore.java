package io.kvcourier.pd;

import io.kvcourier.channel.ChannelReceiver.AllocationFence;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.jfr.CommitEvent;
import io.kvcourier.jfr.EvictionEvent;
import io.kvcourier.jfr.Jfr;
import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.DType;
import io.kvcourier.l2.MemoryFormat;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.AllocRequest;
import io.kvcourier.wire.AllocResponse;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
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
 * {@link #awaiting} is kept in arrival order, which is deadline order: a reap visits what expired plus one.
 */
final class ReceiverStore implements LandingListener {
    private static final System.Logger LOG = System.getLogger(ReceiverStore.class.getName());
    /** Most keys one AllocRequest may carry. */
    static final int MAX_KEYS_PER_REQUEST = 65_536;

    enum State { IN_FLIGHT, COMMITTED }

    private static final class Entry {
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
        Entry evictPrev;
        Entry evictNext;
        boolean evictListed;
        Entry ttlPrev;
        Entry ttlNext;
        boolean ttlListed;

        Entry(ObjectKey key, int page, long length, Allocation allocation) {
            this.key = key;
            this.page = page;
            this.length = length;
            this.allocation = allocation;
        }
    }

    enum AllocState { AWAITING, COMMITTED, EXPIRED }

    private static final class Allocation {
        final String senderId;
        final String reqId;
        final int firstPage;
        final List<Entry> entries = new ArrayList<>();
        /** The entries' keys, made once here so that a commit on the channel's thread allocates nothing. */
        List<ObjectKey> keys = List.of();
        final long deadlineNanos;
        AllocState state = AllocState.AWAITING;
        /** Links of the {@link AllocationQueue} it is in (awaiting, or held by a fence); guarded by the lock. */
        Allocation prev;
        Allocation next;
        AllocationQueue queue;
        /** EXPIRED: the sender is done with this batch id (its committing frame came and was refused). */
        boolean writerDone;
        /** EXPIRED and fenced per allocation: since when its first page is held. */
        long heldSinceNanos;
        boolean accounted; // a channel reported its writes through admitWrite: commit needs every byte
        /** Times allocation -> commit; made only while the JFR event is enabled, committed once. */
        CommitEvent jfr;

        Allocation(String senderId, String reqId, int firstPage, long deadlineNanos) {
            this.senderId = senderId;
            this.reqId = reqId;
            this.firstPage = firstPage;
            this.deadlineNanos = deadlineNanos;
            this.jfr = Jfr.commit() ? Jfr.begin(new CommitEvent()) : null;
        }

        /** Commits the allocation's JFR event (under the store's lock; once). */
        void commitEvent(String outcome, String reason) {
            CommitEvent e = jfr;
            if (e == null) {
                return;
            }
            jfr = null;
            long bytes = 0;
            for (Entry x : entries) {
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

    private static final class Request {
        final int totalChunks;
        int reservedLeft;     // pages promised to this request and not allocated yet
        int chunksSeen;       // keys of all its batches so far (overflow check)
        long lastActivityNanos;
        final List<Allocation> allocations = new ArrayList<>();

        Request(int totalChunks) {
            this.totalChunks = totalChunks;
        }
    }

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

    private final StagingBuffer staging;
    private final long configuredChunkBytes;
    private final long transferTimeoutNanos;
    private final long committedTtlNanos;
    private final long requestTimeoutNanos;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when pages are freed, a batch commits, an allocation expires or a reservation is released. */
    private final Condition changed = lock.newCondition();
    /** Told with {@link #changed} (under the lock; must not block): the receiver engine retries waiting requests. */
    private volatile Runnable changeListener = () -> { };
    private final Map<ObjectKey, Entry> entries = new HashMap<>();
    /** Committed, unlocked entries, least recently listed first: the eviction candidates. */
    private final EntryList evictable = new EntryList(EntryList.EVICTABLE);
    /** Committed entries in commit order (locked or not): the TTL candidates, oldest first. */
    private final EntryList committedOrder = new EntryList(EntryList.TTL);
    /** Open requests, least recently active first (an allocation moves its request to the end). */
    private final Map<String, Request> requests = new LinkedHashMap<>();
    /** AWAITING allocations in deadline (= arrival) order. */
    private final AllocationQueue awaiting = new AllocationQueue();
    /** EXPIRED allocations whose sender is still to be fenced (or whose fence was not confirmed: quarantined). */
    private final List<Allocation> fencing = new ArrayList<>();
    /** EXPIRED allocations fenced per allocation whose first page is held (see the class comment), oldest first. */
    private final AllocationQueue held = new AllocationQueue();
    /** Page index to the in-flight entry that owns it (null when free, committed or reclaimed): O(1) admission. */
    private Entry[] pageEntry = new Entry[0];
    private int reservedTotal;

    /**
     * Told the keys of each committed batch, outside the lock, on the channel's thread: must not block.
     * While one is set, each committed key starts with one lock (a pin) that the listener's owner releases
     * with {@link #unlock} when it is done: a just-committed batch cannot be evicted before its listener ran.
     */
    private volatile Consumer<List<ObjectKey>> commitListener;

    final AtomicLong committedBatches = new AtomicLong();
    final AtomicLong committedBytes = new AtomicLong();
    final AtomicLong expiredAllocations = new AtomicLong();
    final AtomicLong rejectedWrites = new AtomicLong();
    final AtomicLong evictions = new AtomicLong();
    /** AllocRequests whose reply is being held now (waiting for room or for keys in flight). */
    final AtomicInteger waitingAllocations = new AtomicInteger();

    ReceiverStore(StagingBuffer staging, long configuredChunkBytes, long transferTimeoutNanos,
                  long committedTtlNanos, long requestTimeoutNanos) {
        this.staging = staging;
        this.configuredChunkBytes = configuredChunkBytes;
        this.transferTimeoutNanos = transferTimeoutNanos;
        this.committedTtlNanos = committedTtlNanos;
        this.requestTimeoutNanos = requestTimeoutNanos;
        if (configuredChunkBytes > 0) {
            staging.fixPageSize(configuredChunkBytes);
            pageEntry = new Entry[staging.pageCount()];
        }
    }

    // ------------------------------------------------------------------------------------------ allocation

    /** A parsed, validated AllocRequest. */
    record Parsed(List<ObjectKey> keys, long chunkBytes, long lastBytes) {
    }

    /**
     * Validates an AllocRequest from the wire before anything is touched.
     *
     * @throws IllegalArgumentException naming the problem
     */
    static Parsed parse(AllocRequest req) {
        List<String> wireKeys = req.keys();
        if (wireKeys.size() > MAX_KEYS_PER_REQUEST) {
            throw new IllegalArgumentException("too many keys: " + wireKeys.size() + " > " + MAX_KEYS_PER_REQUEST);
        }
        List<ObjectKey> keys = new ArrayList<>(wireKeys.size());
        for (String k : wireKeys) {
            keys.add(ObjectKey.parse(k));
        }
        DType dtype = DType.fromWireName(req.dtype());
        MemoryFormat fmt = MemoryFormat.fromValue(req.fmt());
        long[] shape = req.shape();
        if (shape.length == 0) {
            throw new IllegalArgumentException("shape is empty");
        }
        long elements = 1;
        for (long d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("shape has a non-positive dimension: " + java.util.Arrays.toString(shape));
            }
            elements = Math.multiplyExact(elements, d);
        }
        long chunkBytes = Math.multiplyExact(elements, (long) dtype.itemSize());
        int tokenDim = fmt.tokenDim();
        long tokens = tokenDim < shape.length ? shape[tokenDim] : 0;
        long lastToks = req.lastChunkToks();
        long lastBytes;
        if (lastToks == 0 || tokens == 0 || lastToks == tokens) {
            lastBytes = chunkBytes;
        } else if (lastToks < 0 || lastToks > tokens) {
            throw new IllegalArgumentException("last_chunk_toks " + lastToks + " outside 1.." + tokens);
        } else {
            lastBytes = chunkBytes / tokens * lastToks;
        }
        return new Parsed(keys, chunkBytes, lastBytes);
    }

    /**
     * Tries to admit and allocate without waiting. Returns the reply, or {@code mustWait} when the request
     * needs room that is not free yet or names keys still in flight for another allocation (the caller then
     * calls {@link #allocateWaiting} off the server thread).
     */
    Outcome allocate(String senderId, AllocRequest req, Parsed p) {
        lock.lock();
        try {
            return allocateLocked(senderId, req, p, false, false);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sets what is told, under the store's lock, whenever a waiting allocation might succeed now (pages or a
     * reservation freed, a batch committed, an allocation expired). It must not block: the receiver engine queues
     * a retry on its control thread. {@code null} removes it.
     */
    void setChangeListener(Runnable listener) {
        this.changeListener = listener == null ? () -> { } : listener;
    }

    private void changed() {
        changed.signalAll();
        changeListener.run();
    }

    /**
     * One non-blocking try for a request that waits (the receiver's control thread keeps the deadlines, see
     * {@link #allocateWaiting} for the same rules): {@code giveUpRoom} answers with failures instead of waiting
     * for room, {@code giveUpKeys} instead of waiting for keys in flight.
     */
    Outcome tryAllocate(String senderId, AllocRequest req, Parsed p, boolean giveUpRoom, boolean giveUpKeys) {
        lock.lock();
        try {
            return allocateLocked(senderId, req, p, giveUpRoom, giveUpKeys);
        } finally {
            lock.unlock();
        }
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
        long start = System.nanoTime();
        long lastDeadline = start + transferTimeoutNanos + allocationTimeoutNanos;
        long roomDeadline = start + allocationTimeoutNanos;
        waitingAllocations.incrementAndGet();
        lock.lock();
        try {
            while (true) {
                long now = System.nanoTime();
                Outcome o = allocateLocked(senderId, req, p, now - roomDeadline >= 0, now - lastDeadline >= 0);
                if (!o.mustWait()) {
                    return o.reply;
                }
                if (o.waitFor == Wait.KEYS_IN_FLIGHT) {
                    // Room is counted from when the keys are settled, within the overall bound.
                    long next = now + allocationTimeoutNanos;
                    roomDeadline = next - lastDeadline < 0 ? next : lastDeadline;
                }
                long left = (o.waitFor == Wait.ROOM ? roomDeadline : lastDeadline) - now;
                changed.awaitNanos(Math.max(1, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100))));
            }
        } finally {
            lock.unlock();
            waitingAllocations.decrementAndGet();
        }
    }

    /**
     * One attempt at an AllocRequest, under the lock. Nothing changes unless the reply is final.
     *
     * <p>The reply follows current upstream ({@code pd_backend_async.py}, docs/INTEROP.md): the request
     * positions of keys the receiver already holds go to {@code already_sent_indexes}, and
     * {@code remote_indexes} lists pages only for the other keys, in request order. A key repeated inside one
     * request counts as held from its first occurrence on (the first gets a page, the others are listed as
     * already sent). Held means committed here: a key still in flight for another allocation makes the reply
     * wait ({@link Wait#KEYS_IN_FLIGHT}), so that a sender told "already sent" can rely on the key being visible
     * (commit after landing). A failure is {@code [-1] * n} with no already-sent entries.
     */
    private Outcome allocateLocked(String senderId, AllocRequest req, Parsed p, boolean giveUpRoom,
                                   boolean giveUpKeys) {
        int n = p.keys.size();
        if (n == 0) {
            return reply(AllocResponses.of(new int[0], new int[0]));
        }
        long pageBytes = configuredChunkBytes > 0 ? configuredChunkBytes : p.chunkBytes;
        if (p.chunkBytes != pageBytes || !fixPageSize(pageBytes)) {
            LOG.log(System.Logger.Level.WARNING, "alloc from {0}: chunk of {1} bytes does not match the page size {2}",
                    senderId, p.chunkBytes, staging.pageSize());
            return reply(AllocResponses.failed(n));
        }
        String reqId = req.reqId();
        // Requests are per sender: another peer naming the same req_id gets its own (no cross-peer effect).
        String requestKey = requestKey(senderId, reqId);
        Request request = null;
        if (!reqId.isEmpty()) {
            request = requests.get(requestKey);
            if (request == null) {
                if (req.totalChunks() <= 0) {
                    LOG.log(System.Logger.Level.WARNING, "alloc for req {0}: total_chunks must be > 0", reqId);
                    return reply(AllocResponses.failed(n));
                }
                if (req.totalChunks() > staging.pageCount()) {
                    LOG.log(System.Logger.Level.WARNING, "PD receiver buffer too small for req {0}: it needs {1} chunks "
                            + "but the buffer holds only {2}", reqId, req.totalChunks(), staging.pageCount());
                    return reply(AllocResponses.failed(n));
                }
            } else if (request.chunksSeen + n > request.totalChunks) {
                LOG.log(System.Logger.Level.WARNING,
                        "alloc for req {0}: {1} chunks so far + {2} exceed total_chunks {3}; rolling the request back",
                        reqId, request.chunksSeen, n, request.totalChunks);
                rollbackLocked(requestKey);
                return reply(AllocResponses.failed(n));
            }
        }

        // Keys the receiver holds are not written again; their positions go to already_sent_indexes.
        boolean[] duplicate = new boolean[n];
        Set<ObjectKey> seen = new HashSet<>();
        int need = 0;
        int duplicates = 0;
        boolean keysInFlight = false;
        for (int i = 0; i < n; i++) {
            ObjectKey k = p.keys.get(i);
            Entry held = entries.get(k);
            if (held != null || !seen.add(k)) {
                duplicate[i] = true;
                duplicates++;
                keysInFlight |= held != null && (held.state == State.IN_FLIGHT || held.doomed);
            } else {
                need++;
            }
        }
        if (keysInFlight) {
            if (!giveUpKeys) {
                return new Outcome(null, Wait.KEYS_IN_FLIGHT);
            }
            LOG.log(System.Logger.Level.WARNING, "alloc for req {0} from {1}: keys held by another allocation neither "
                    + "committed nor went away within the transfer and allocation deadlines", reqId, senderId);
            return reply(AllocResponses.failed(n));
        }

        // Admission: a new request reserves its whole total; a two-argument batch reserves itself.
        int reserveNow = request != null ? 0 : (reqId.isEmpty() ? need : Math.max(req.totalChunks(), need));
        if (reserveNow > staging.pageCount()) {
            LOG.log(System.Logger.Level.WARNING, "alloc for req {0}: {1} chunks can never fit in {2} pages",
                    reqId, reserveNow, staging.pageCount());
            return reply(AllocResponses.failed(n));
        }
        if (reserveNow > 0 && !makeRoomLocked(reserveNow)) {
            if (!giveUpRoom) {
                return new Outcome(null, Wait.ROOM);
            }
            LOG.log(System.Logger.Level.WARNING, "alloc for req {0}: no room for {1} chunks within the allocation deadline",
                    reqId, reserveNow);
            return reply(AllocResponses.failed(n));
        }
        if (request == null && !reqId.isEmpty()) {
            request = new Request(req.totalChunks());
            requests.put(requestKey, request);
            request.reservedLeft = reserveNow;
            reservedTotal += reserveNow;
        } else if (request == null) {
            reservedTotal += reserveNow; // consumed right below
        }
        if (request != null && need > request.reservedLeft) {
            // A request's own keys beyond its reservation (duplicates skew counts): top up if room allows.
            int extra = need - request.reservedLeft;
            if (!makeRoomLocked(extra)) {
                rollbackLocked(requestKey);
                return reply(AllocResponses.failed(n));
            }
            request.reservedLeft += extra;
            reservedTotal += extra;
        }

        int[] pages = new int[need];
        if (need > 0 && !staging.allocator().tryAllocate(pages)) {
            throw new IllegalStateException("reserved pages were not free: accounting bug");
        }
        reservedTotal -= need;
        if (request != null) {
            request.reservedLeft -= need;
            request.chunksSeen += n;
            request.lastActivityNanos = System.nanoTime();
            requests.remove(requestKey); // to the end: the map stays in activity order for the reaper
            requests.put(requestKey, request);
        }
        if (need > 0) {
            Allocation alloc = new Allocation(senderId, reqId, pages[0], System.nanoTime() + transferTimeoutNanos);
            for (int i = 0, next = 0; i < n; i++) {
                if (duplicate[i]) {
                    continue;
                }
                int page = pages[next++];
                long len = i == n - 1 ? p.lastBytes : p.chunkBytes;
                Entry e = new Entry(p.keys.get(i), page, len, alloc);
                alloc.entries.add(e);
                entries.put(e.key, e);
                pageEntry[page] = e;
            }
            List<ObjectKey> allocKeys = new ArrayList<>(alloc.entries.size());
            for (Entry e : alloc.entries) {
                allocKeys.add(e.key);
            }
            alloc.keys = java.util.Collections.unmodifiableList(allocKeys);
            awaiting.add(alloc);
            if (request != null) {
                request.allocations.add(alloc);
            }
        }
        if (request != null && req.isLastBatch()) {
            reservedTotal -= request.reservedLeft;
            requests.remove(requestKey);
            changed();
        }
        int[] already = new int[duplicates];
        for (int i = 0, j = 0; i < n; i++) {
            if (duplicate[i]) {
                already[j++] = i;
            }
        }
        return reply(AllocResponses.of(pages, already));
    }

    /** Requests are tracked per sender, so that one peer's req_id cannot touch another's request. */
    private static String requestKey(String senderId, String reqId) {
        return senderId + '\n' + reqId;
    }

    private static Outcome reply(AllocResponse r) {
        return new Outcome(r, Wait.NONE);
    }

    private boolean fixPageSize(long pageBytes) {
        if (!staging.fixPageSize(pageBytes)) {
            return false;
        }
        if (pageEntry.length != staging.pageCount()) {
            pageEntry = new Entry[staging.pageCount()];
        }
        return true;
    }

    /** Ensures {@code pages} unreserved pages are free, evicting committed unlocked keys (oldest first). */
    private boolean makeRoomLocked(int pages) {
        while (staging.allocator().available() - reservedTotal < pages) {
            Entry victim = evictable.oldest();
            if (victim == null) {
                return false;
            }
            evictions.incrementAndGet();
            evictionEvent(victim, "admission");
            freeLocked(victim);
        }
        return true;
    }

    /** Rolls a request back: releases its reservation, expires its in-flight allocations, frees its committed unlocked keys. */
    private void rollbackLocked(String requestKey) {
        Request r = requests.remove(requestKey);
        if (r == null) {
            return;
        }
        reservedTotal -= r.reservedLeft;
        for (Allocation a : r.allocations) {
            if (a.state == AllocState.AWAITING) {
                expireLocked(a);
            } else if (a.state == AllocState.COMMITTED) {
                for (Entry e : a.entries) {
                    if (entries.get(e.key) == e) {
                        if (e.locks == 0) {
                            freeLocked(e);
                        } else {
                            e.doomed = true;
                        }
                    }
                }
            }
        }
        changed();
    }

    /** Makes an in-flight allocation invisible at once; its pages wait for {@link #reap} to fence and free them. */
    private void expireLocked(Allocation a) {
        a.commitEvent("expired", "the request was cancelled or rolled back");
        a.state = AllocState.EXPIRED;
        awaiting.remove(a);
        fencing.add(a);
        for (Entry e : a.entries) {
            if (entries.get(e.key) == e) {
                entries.remove(e.key);
            }
        }
        changed(); // requests waiting for these keys now allocate them afresh
    }

    // ---------------------------------------------------------------------------------------- landing

    /**
     * The expired allocation of {@code senderId} whose first page is {@code batchId} and is still held (not freed
     * yet, or held by a per-allocation fence), or null.
     */
    private Allocation fencedBatchLocked(String senderId, int batchId) {
        if (batchId < 0 || batchId >= pageEntry.length) {
            return null;
        }
        Entry head = pageEntry[batchId];
        Allocation a = head == null ? null : head.allocation;
        if (a == null || a.state != AllocState.EXPIRED || a.firstPage != batchId || !a.senderId.equals(senderId)) {
            return null;
        }
        return a;
    }

    /** The sender is done with the expired allocation's batch id: a held first page goes back now. */
    private void writerDoneLocked(Allocation a) {
        a.writerDone = true;
        if (a.queue == held) {
            held.remove(a);
            freePageLocked(a.entries.get(0));
            changed();
        }
    }

    private void freePageLocked(Entry e) {
        pageEntry[e.page] = null;
        staging.allocator().free(e.page);
    }

    @Override
    public boolean isFenced(String senderId, int batchId) {
        lock.lock();
        try {
            return fencedBatchLocked(senderId, batchId) != null;
        } finally {
            lock.unlock();
        }
    }

    /** The live, uncommitted allocation of {@code senderId} whose first page is {@code batchId}, or null. */
    private Allocation awaitingBatchLocked(String senderId, int batchId) {
        if (batchId < 0 || batchId >= pageEntry.length) {
            return null;
        }
        Entry head = pageEntry[batchId];
        Allocation a = head == null ? null : head.allocation;
        if (a == null || a.state != AllocState.AWAITING || a.firstPage != batchId || !a.senderId.equals(senderId)) {
            return null;
        }
        return a;
    }

    @Override
    public boolean admitWrite(String senderId, int batchId, int page, long offsetInPage, long length) {
        lock.lock();
        try {
            Allocation a = awaitingBatchLocked(senderId, batchId);
            Entry e = a == null || page < 0 || page >= pageEntry.length ? null : pageEntry[page];
            // Writes into a page arrive in order and exactly cover the key's length: then "all bytes are in" at
            // commit is a fact the receiver checked, not the sender's word.
            if (e == null || e.allocation != a || offsetInPage != e.received || length < 0
                    || offsetInPage + length > e.length) {
                rejectedWrites.incrementAndGet();
                return false;
            }
            e.received += length;
            a.accounted = true;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * One lock and one index lookup per entry: each page must be an entry of the sender's live allocation
     * {@code batchId}, not admitted before (in this or an earlier block), with the key's whole stored length.
     * All or nothing. Allocates nothing.
     */
    @Override
    public boolean admitBatch(String senderId, int batchId, int[] pages, long[] lengths, int count) {
        lock.lock();
        try {
            Allocation a = awaitingBatchLocked(senderId, batchId);
            if (a == null || count <= 0) {
                if (a == null && fencedBatchLocked(senderId, batchId) == null) {
                    rejectedWrites.incrementAndGet(); // a fenced batch is refused, not a bad write
                }
                return false;
            }
            for (int i = 0; i < count; i++) {
                int page = pages[i];
                Entry e = page < 0 || page >= pageEntry.length ? null : pageEntry[page];
                if (e == null || e.allocation != a || e.received != 0 || lengths[i] != e.length) {
                    for (int j = 0; j < i; j++) {
                        pageEntry[pages[j]].received = 0; // undo this block: a repeated page fails above
                    }
                    rejectedWrites.incrementAndGet();
                    return false;
                }
                e.received = e.length;
            }
            a.accounted = true;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Sets (or with {@code null} removes) the commit listener; see {@link #commitListener}. */
    void setCommitListener(Consumer<List<ObjectKey>> listener) {
        this.commitListener = listener;
    }

    @Override
    public boolean onBatchLanded(String senderId, int batchId) {
        Consumer<List<ObjectKey>> listener = commitListener;
        List<ObjectKey> committed = commitLanded(senderId, batchId, listener != null);
        if (committed == null) {
            return false;
        }
        if (listener != null) {
            try {
                listener.accept(committed);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "commit listener failed", e);
                unlock(committed);
            }
        }
        return true;
    }

    private List<ObjectKey> commitLanded(String senderId, int batchId, boolean pin) {
        lock.lock();
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
            List<Entry> batch = a.entries;
            if (a.accounted) {
                for (int i = 0; i < batch.size(); i++) { // indexed: no iterator on the channel's thread
                    Entry e = batch.get(i);
                    if (e.received != e.length) {
                        LOG.log(System.Logger.Level.WARNING, "batch {0} from {1}: commit before all bytes of {2} landed "
                                + "({3} of {4}); not committed", batchId, senderId, e.key, e.received, e.length);
                        rejectedWrites.incrementAndGet();
                        a.commitEvent("rejected", "commit before all bytes of a key landed");
                        return null;
                    }
                }
            }
            a.state = AllocState.COMMITTED;
            awaiting.remove(a);
            long now = System.nanoTime();
            long bytes = 0;
            for (int i = 0; i < batch.size(); i++) {
                Entry e = batch.get(i);
                pageEntry[e.page] = null;
                e.state = State.COMMITTED;
                e.committedAtNanos = now;
                committedOrder.add(e);
                bytes += e.length;
                if (pin) {
                    e.locks = 1;
                } else {
                    evictable.add(e);
                }
            }
            committedBatches.incrementAndGet();
            committedBytes.addAndGet(bytes);
            a.commitEvent("committed", "");
            changed(); // requests waiting for these keys now report them as already sent
            return a.keys;
        } finally {
            lock.unlock();
        }
    }

    /** The expected stored length of an in-flight or committed key, or -1 (used by channels and tests). */
    long lengthOf(ObjectKey key) {
        lock.lock();
        try {
            Entry e = entries.get(key);
            return e == null ? -1 : e.length;
        } finally {
            lock.unlock();
        }
    }

    // --------------------------------------------------------------------------------- lookup / load

    /** Sets bit i for each committed key and locks it. Keys still in flight are not found (commit after landing). */
    Bitmap lookupAndLock(List<ObjectKey> keys) {
        Bitmap bits = new Bitmap(keys.size());
        lock.lock();
        try {
            for (int i = 0; i < keys.size(); i++) {
                Entry e = entries.get(keys.get(i));
                if (e != null && e.state == State.COMMITTED && !e.doomed) {
                    e.locks++;
                    evictable.remove(e);
                    bits.set(i);
                }
            }
        } finally {
            lock.unlock();
        }
        return bits;
    }

    /** Releases one lock per key; a loaded (or cancelled) key whose last lock goes is freed. Never fails. */
    void unlock(List<ObjectKey> keys) {
        lock.lock();
        try {
            for (ObjectKey k : keys) {
                Entry e = entries.get(k);
                if (e == null || e.locks == 0) {
                    continue;
                }
                unlockLocked(e);
            }
        } finally {
            lock.unlock();
        }
    }

    private void unlockLocked(Entry e) {
        e.locks--;
        if (e.locks == 0) {
            if (e.loaded || e.doomed || e.ttlExpired) {
                freeLocked(e);
            } else {
                evictable.add(e);
            }
        }
    }

    /**
     * Copies each committed key's bytes into the caller's object. The copy runs outside the lock with the
     * key pinned (as if locked), so it cannot be freed underneath. Returns the bitmap of copied keys.
     */
    Bitmap load(List<ObjectKey> keys, List<MemoryObj> objects) {
        Bitmap bits = new Bitmap(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            Entry e;
            lock.lock();
            try {
                e = entries.get(keys.get(i));
                if (e == null || e.state != State.COMMITTED || e.doomed) {
                    continue;
                }
                e.locks++;
                evictable.remove(e);
            } finally {
                lock.unlock();
            }
            boolean copied = false;
            try {
                MemorySegment dst = objects.get(i).segment();
                if (!dst.isReadOnly() && dst.byteSize() >= e.length) {
                    MemorySegment.copy(staging.segment(), staging.pageOffset(e.page), dst, 0, e.length);
                    copied = true;
                }
            } catch (RuntimeException ex) {
                LOG.log(System.Logger.Level.WARNING, "load of " + e.key + " failed: " + ex);
            } finally {
                lock.lock();
                try {
                    if (copied) {
                        e.loaded = true;
                    }
                    unlockLocked(e);
                } finally {
                    lock.unlock();
                }
            }
            if (copied) {
                bits.set(i);
            }
        }
        return bits;
    }

    // ------------------------------------------------------------------------------- cancel / reclaim

    /**
     * Handles a CancelNotif: the named keys that this sender allocated for this request are dropped
     * (in-flight allocations are expired and reclaimed after a fence, committed keys freed, or freed on their
     * last unlock when locked) and the request's reservation is released. Other named keys are left alone.
     */
    void cancel(String senderId, String reqId, List<ObjectKey> keys) {
        lock.lock();
        try {
            for (ObjectKey k : keys) {
                Entry e = entries.get(k);
                if (e == null || !e.allocation.senderId.equals(senderId) || !e.allocation.reqId.equals(reqId)) {
                    // Only the request that allocated a key may cancel it: upstream senders also name the keys
                    // they were told are already sent, which may belong to another request or sender.
                    continue;
                }
                if (e.state == State.IN_FLIGHT) {
                    if (e.allocation.state == AllocState.AWAITING) {
                        expireLocked(e.allocation);
                    }
                } else if (e.locks == 0) {
                    freeLocked(e);
                } else {
                    e.doomed = true;
                }
            }
            Request r = requests.remove(requestKey(senderId, reqId));
            if (r != null) {
                reservedTotal -= r.reservedLeft;
            }
            changed();
        } finally {
            lock.unlock();
        }
    }

    /** Pages of expired allocations held back because their sender's fence is not confirmed yet (a gauge). */
    private volatile int quarantinedPages;
    /** Entries the last reap looked at (a gauge, for tests: what expired plus a constant). */
    private volatile int lastReapVisits;
    /** Senders whose fence was not confirmed at the last reap (housekeeping thread only). */
    private final Set<String> unfenced = new HashSet<>();

    /** Pages kept out of use until their sender's fence is confirmed. */
    int quarantinedPages() {
        return quarantinedPages;
    }

    /** Pages held because a fenced allocation's sender may still name them as a batch id. */
    int fenceHeldPages() {
        lock.lock();
        try {
            return held.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Entries the last {@link #reap} visited: allocations (awaiting, to fence, held), requests and committed keys.
     * Each kind is kept in deadline order, so this is what expired plus a constant.
     */
    int lastReapVisits() {
        return lastReapVisits;
    }

    /** How {@link #reap} stops the writers of expired allocations (the receiver engine: its channel). */
    interface Fencer {
        /** Fences the allocation of {@code senderId} whose first page is {@code batchId}. */
        AllocationFence fenceAllocation(String senderId, int batchId);

        /** Fences every connection of {@code senderId}; whether that is confirmed. */
        boolean fenceSender(String senderId);

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
     * fence), plus one of each kind.
     *
     * @param fencer fences an allocation or a sender; says whether that is confirmed
     * @return how many pages were freed
     */
    int reap(long nowNanos, Fencer fencer) {
        List<Allocation> toFence;
        List<Allocation> toEscalate = new ArrayList<>();
        int visits = 0;
        lock.lock();
        try {
            for (Allocation a = awaiting.head(); a != null; a = awaiting.head()) {
                visits++;
                if (nowNanos - a.deadlineNanos < 0) {
                    break;
                }
                a.commitEvent("expired", "its bytes did not land within the transfer deadline");
                expireLocked(a);
                expiredAllocations.incrementAndGet();
                LOG.log(System.Logger.Level.WARNING, "allocation at page {0} from {1} (req {2}) did not land in time; "
                        + "fencing it and freeing its pages", a.firstPage, a.senderId, a.reqId);
            }
            toFence = new ArrayList<>(fencing);
            visits += fencing.size();
            for (Allocation a = held.head(); a != null; a = a.next) {
                visits++;
                if (nowNanos - a.heldSinceNanos - transferTimeoutNanos < 0) {
                    break;
                }
                toEscalate.add(a);
            }
            Iterator<Map.Entry<String, Request>> rit = requests.entrySet().iterator();
            while (rit.hasNext()) {
                Request r = rit.next().getValue();
                visits++;
                if (nowNanos - r.lastActivityNanos - requestTimeoutNanos < 0) {
                    break; // activity order: the rest are younger
                }
                reservedTotal -= r.reservedLeft;
                r.reservedLeft = 0;
                rit.remove();
                changed();
            }
        } finally {
            lock.unlock();
        }
        // Fence outside the lock. A sender fenced whole (or not confirmed) once is not fenced again in this reap.
        Map<String, AllocationFence> senderFence = new HashMap<>();
        AllocationFence[] outcome = new AllocationFence[toFence.size()];
        for (int i = 0; i < toFence.size(); i++) {
            Allocation a = toFence.get(i);
            AllocationFence f = senderFence.get(a.senderId);
            if (f == null) {
                f = fencer.fenceAllocation(a.senderId, a.firstPage);
                if (f != AllocationFence.ALLOCATION) {
                    senderFence.put(a.senderId, f);
                }
            }
            outcome[i] = f;
        }
        boolean[] escalated = new boolean[toEscalate.size()];
        for (int i = 0; i < toEscalate.size(); i++) {
            Allocation a = toEscalate.get(i);
            AllocationFence f = senderFence.get(a.senderId);
            if (f == null) {
                LOG.log(System.Logger.Level.WARNING, "sender {0} did not finish fenced batch {1} within the transfer "
                        + "timeout; fencing its connections so that the batch id can be reused", a.senderId, a.firstPage);
                f = fencer.fenceSender(a.senderId) ? AllocationFence.SENDER : AllocationFence.UNCONFIRMED;
                senderFence.put(a.senderId, f);
            }
            escalated[i] = f == AllocationFence.SENDER;
        }
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
        int freed = 0;
        int quarantined = 0;
        lock.lock();
        try {
            List<Allocation> still = new ArrayList<>();
            for (int i = 0; i < toFence.size(); i++) {
                Allocation a = toFence.get(i);
                AllocationFence f = outcome[i];
                if (f == AllocationFence.UNCONFIRMED) {
                    still.add(a);
                    quarantined += a.entries.size();
                    continue;
                }
                // Pages of a whole-sender fence all go; a per-allocation fence keeps the batch id's page while the
                // sender may still name it.
                boolean keepFirst = f == AllocationFence.ALLOCATION && !a.writerDone;
                List<Entry> es = a.entries;
                for (int k = keepFirst ? 1 : 0; k < es.size(); k++) {
                    freePageLocked(es.get(k));
                    freed++;
                }
                if (keepFirst) {
                    a.heldSinceNanos = nowNanos;
                    held.add(a);
                }
            }
            // Cancels may have added to the list meanwhile: keep those, drop what was handled.
            fencing.subList(0, toFence.size()).clear();
            fencing.addAll(0, still);
            for (int i = 0; i < toEscalate.size(); i++) {
                Allocation a = toEscalate.get(i);
                if (escalated[i] && a.queue == held) {
                    held.remove(a);
                    freePageLocked(a.entries.get(0));
                    freed++;
                }
            }
            for (Entry e = committedOrder.oldest(); e != null; e = committedOrder.oldest()) {
                visits++;
                if (nowNanos - e.committedAtNanos - committedTtlNanos < 0) {
                    break; // commit order: the rest are younger
                }
                committedOrder.remove(e);
                if (e.locks > 0) {
                    e.ttlExpired = true; // a lookup or load holds it: freed when the last lock goes
                    continue;
                }
                evictionEvent(e, "ttl");
                releaseLocked(e);
                freed++;
            }
            if (freed > 0) {
                changed();
            }
        } finally {
            lock.unlock();
        }
        quarantinedPages = quarantined;
        lastReapVisits = visits;
        return freed;
    }

    /**
     * Allocations in the order they were added, threaded through the allocations themselves (O(1) add, remove
     * and head; an allocation is in at most one queue). Guarded by the store's lock.
     */
    private static final class AllocationQueue {
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

    private static void evictionEvent(Entry e, String reason) {
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

    private void freeLocked(Entry e) {
        releaseLocked(e);
        changed();
    }

    /** Frees a committed entry's key and page without telling anyone (the caller does, once). */
    private void releaseLocked(Entry e) {
        if (entries.get(e.key) == e) {
            entries.remove(e.key);
        }
        evictable.remove(e);
        committedOrder.remove(e);
        staging.allocator().free(e.page);
    }

    /**
     * A doubly linked list of entries threaded through the entries themselves (one of two pairs of links), so
     * listing one (a commit on the channel's thread) allocates nothing. Guarded by the store's lock.
     */
    private static final class EntryList {
        /** The evictable list: committed, unlocked entries, least recently listed first. */
        static final int EVICTABLE = 0;
        /** The TTL list: committed entries in commit order. */
        static final int TTL = 1;
        private final int which;
        private Entry head;
        private Entry tail;

        EntryList(int which) {
            this.which = which;
        }

        Entry oldest() {
            return head;
        }

        /** Appends {@code e} unless it is listed already (then it keeps its place). */
        void add(Entry e) {
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

        void remove(Entry e) {
            if (!listed(e)) {
                return;
            }
            Entry p = prev(e);
            Entry n = next(e);
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

        private boolean listed(Entry e) {
            return which == EVICTABLE ? e.evictListed : e.ttlListed;
        }

        private Entry prev(Entry e) {
            return which == EVICTABLE ? e.evictPrev : e.ttlPrev;
        }

        private Entry next(Entry e) {
            return which == EVICTABLE ? e.evictNext : e.ttlNext;
        }

        private void link(Entry e, Entry prev, Entry next, boolean listed) {
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

    // ----------------------------------------------------------------------------------------- status

    /** Keys visible to lookup. */
    int committedKeys() {
        lock.lock();
        try {
            int n = 0;
            for (Entry e : entries.values()) {
                if (e.state == State.COMMITTED) {
                    n++;
                }
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** Pages in use (committed, in flight, or waiting for reclaim). */
    int pagesInUse() {
        lock.lock();
        try {
            return staging.hasPages() ? staging.pageCount() - staging.allocator().available() : 0;
        } finally {
            lock.unlock();
        }
    }

    int reservedPages() {
        lock.lock();
        try {
            return reservedTotal;
        } finally {
            lock.unlock();
        }
    }
}
