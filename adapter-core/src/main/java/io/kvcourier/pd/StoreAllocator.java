package io.kvcourier.pd;

import io.kvcourier.l2.DType;
import io.kvcourier.l2.MemoryFormat;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.pd.ReceiverStore.Outcome;
import io.kvcourier.pd.ReceiverStore.Parsed;
import io.kvcourier.pd.ReceiverStore.Wait;
import io.kvcourier.wire.AllocRequest;
import io.kvcourier.wire.AllocResponse;
import io.kvcourier.wire.Utf8StringList;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Admission and allocation of the receiver store: parses an AllocRequest, reserves pages for its request
 * (evicting committed unlocked keys for room), allocates one page per new key and queues the allocation, in
 * deadline order, until its bytes land; or says why the reply must wait. Everything it touches is guarded by the
 * store's lock ({@link StoreState#lock}), which each entry point takes.
 */
final class StoreAllocator {
    private static final System.Logger LOG = System.getLogger(ReceiverStore.class.getName());

    private final StoreState s;
    /** Repeats within one request (under the store's lock, like everything here). */
    private final RepeatedKeys repeated = new RepeatedKeys();

    StoreAllocator(StoreState state) {
        this.s = state;
    }

    /** See {@link ReceiverStore#parse}. */
    static Parsed parse(AllocRequest req) {
        List<String> wireKeys = req.keys();
        if (wireKeys.size() > ReceiverStore.MAX_KEYS_PER_REQUEST) {
            throw new IllegalArgumentException("too many keys: " + wireKeys.size() + " > "
                    + ReceiverStore.MAX_KEYS_PER_REQUEST);
        }
        List<ObjectKey> keys = new ArrayList<>(wireKeys.size());
        if (wireKeys instanceof Utf8StringList decoded) { // from the wire: parsed from its bytes, no String per key
            for (int i = 0; i < decoded.size(); i++) {
                keys.add(decoded.parseKey(i));
            }
        } else {
            for (String k : wireKeys) {
                keys.add(ObjectKey.parse(k));
            }
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
                throw new IllegalArgumentException("shape has a non-positive dimension: " + Arrays.toString(shape));
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
        return new Parsed(keys, chunkBytes, lastBytes, null);
    }

    /** See {@link ReceiverStore#allocate}. */
    Outcome allocate(String senderId, AllocRequest req, Parsed p) {
        s.lock.lock();
        try {
            return allocateLocked(senderId, req, p, false, false);
        } finally {
            s.lock.unlock();
        }
    }

    /** See {@link ReceiverStore#tryAllocate}. */
    Outcome tryAllocate(String senderId, AllocRequest req, Parsed p, boolean giveUpRoom, boolean giveUpKeys) {
        s.lock.lock();
        try {
            return allocateLocked(senderId, req, p, giveUpRoom, giveUpKeys);
        } finally {
            s.lock.unlock();
        }
    }

    /** See {@link ReceiverStore#allocateWaiting}. */
    AllocResponse allocateWaiting(String senderId, AllocRequest req, Parsed p, long allocationTimeoutNanos)
            throws InterruptedException {
        long start = System.nanoTime();
        long lastDeadline = start + s.transferTimeoutNanos + allocationTimeoutNanos;
        long roomDeadline = start + allocationTimeoutNanos;
        s.waitingAllocations.incrementAndGet();
        s.lock.lock();
        try {
            while (true) {
                long now = System.nanoTime();
                Outcome o = allocateLocked(senderId, req, p, now - roomDeadline >= 0, now - lastDeadline >= 0);
                if (!o.mustWait()) {
                    return o.reply();
                }
                if (o.waitFor() == Wait.KEYS_IN_FLIGHT) {
                    // Room is counted from when the keys are settled, within the overall bound.
                    long next = now + allocationTimeoutNanos;
                    roomDeadline = next - lastDeadline < 0 ? next : lastDeadline;
                }
                long left = (o.waitFor() == Wait.ROOM ? roomDeadline : lastDeadline) - now;
                s.changed.awaitNanos(Math.max(1, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100))));
            }
        } finally {
            s.lock.unlock();
            s.waitingAllocations.decrementAndGet();
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
        int n = p.keys().size();
        if (n == 0) {
            return reply(AllocResponses.of(new int[0], new int[0]));
        }
        if (p.originClosed()) {
            return reply(AllocResponses.failed(n)); // its reply cannot go out, nor its bytes come in: no pages for it
        }
        long pageBytes = s.configuredChunkBytes > 0 ? s.configuredChunkBytes : p.chunkBytes();
        if (p.chunkBytes() != pageBytes || !s.fixPageSize(pageBytes)) {
            LOG.log(System.Logger.Level.WARNING, "alloc from {0}: chunk of {1} bytes does not match the page size {2}",
                    senderId, p.chunkBytes(), s.staging.pageSize());
            return reply(AllocResponses.failed(n));
        }
        String reqId = req.reqId();
        // Requests are per sender: another peer naming the same req_id gets its own (no cross-peer effect).
        String requestKey = OpenRequest.key(senderId, reqId);
        OpenRequest request = reqId.isEmpty() ? null : s.requests.get(requestKey);
        if (!reqId.isEmpty() && !admissibleLocked(req, request, requestKey, n)) {
            return reply(AllocResponses.failed(n));
        }
        // Keys the receiver holds are not written again; their positions go to already_sent_indexes.
        boolean[] duplicate = new boolean[n];
        int need = markHeldLocked(p.keys(), duplicate);
        if (need < 0) {
            if (!giveUpKeys) {
                return new Outcome(null, Wait.KEYS_IN_FLIGHT);
            }
            LOG.log(System.Logger.Level.WARNING, "alloc for req {0} from {1}: keys held by another allocation neither "
                    + "committed nor went away within the transfer and allocation deadlines", reqId, senderId);
            return reply(AllocResponses.failed(n));
        }
        // Admission: a new request reserves its whole total; a two-argument batch reserves itself.
        int reserveNow = request != null ? 0 : (reqId.isEmpty() ? need : Math.max(req.totalChunks(), need));
        Outcome noRoom = roomLocked(reqId, reserveNow, n, giveUpRoom);
        if (noRoom != null) {
            return noRoom;
        }
        if (request == null && !reqId.isEmpty()) {
            request = new OpenRequest(req.totalChunks());
            s.requests.put(requestKey, request);
            request.reservedLeft = reserveNow;
            s.reservedTotal += reserveNow;
        } else if (request == null) {
            s.reservedTotal += reserveNow; // consumed right below
        }
        if (request != null && need > request.reservedLeft && !topUpLocked(request, requestKey, need)) {
            return reply(AllocResponses.failed(n));
        }
        int[] pages = takePagesLocked(request, requestKey, need, n);
        if (need > 0) {
            recordLocked(senderId, reqId, p, pages, duplicate, request);
        }
        if (request != null && req.isLastBatch()) {
            s.reservedTotal -= request.reservedLeft;
            s.requests.remove(requestKey);
            s.changed();
        }
        return reply(AllocResponses.of(pages, alreadySent(duplicate, n - need)));
    }

    /** Whether a batch of {@code n} keys for {@code req} ({@code request}: its open request, or null) may go on. */
    private boolean admissibleLocked(AllocRequest req, OpenRequest request, String requestKey, int n) {
        String reqId = req.reqId();
        if (request == null) {
            if (req.totalChunks() <= 0) {
                LOG.log(System.Logger.Level.WARNING, "alloc for req {0}: total_chunks must be > 0", reqId);
                return false;
            }
            if (req.totalChunks() > s.staging.pageCount()) {
                LOG.log(System.Logger.Level.WARNING, "PD receiver buffer too small for req {0}: it needs {1} chunks "
                        + "but the buffer holds only {2}", reqId, req.totalChunks(), s.staging.pageCount());
                return false;
            }
        } else if (request.chunksSeen + n > request.totalChunks) {
            LOG.log(System.Logger.Level.WARNING,
                    "alloc for req {0}: {1} chunks so far + {2} exceed total_chunks {3}; rolling the request back",
                    reqId, request.chunksSeen, n, request.totalChunks);
            rollbackLocked(requestKey);
            return false;
        }
        return true;
    }

    /**
     * Marks in {@code duplicate} the keys the receiver holds or that repeat an earlier key of the request; returns
     * how many need a page, or -1 when a held key is still in flight for another allocation (or doomed).
     */
    private int markHeldLocked(List<ObjectKey> keys, boolean[] duplicate) {
        boolean many = keys.size() > 1; // a one-key request repeats nothing
        if (many) {
            repeated.begin(keys);
        }
        int need = 0;
        boolean keysInFlight = false;
        for (int i = 0; i < keys.size(); i++) {
            KeyEntry held = s.entries.get(keys.get(i));
            if (held != null || (many && repeated.repeats(i))) {
                duplicate[i] = true;
                keysInFlight |= held != null && (held.state == KeyEntry.State.IN_FLIGHT || held.doomed);
            } else {
                need++;
            }
        }
        if (many) {
            repeated.end();
        }
        return keysInFlight ? -1 : need;
    }

    /** Null when {@code reserveNow} unreserved pages are free (evicting for them); else the failure or the wait. */
    private Outcome roomLocked(String reqId, int reserveNow, int n, boolean giveUpRoom) {
        if (reserveNow > s.staging.pageCount()) {
            LOG.log(System.Logger.Level.WARNING, "alloc for req {0}: {1} chunks can never fit in {2} pages",
                    reqId, reserveNow, s.staging.pageCount());
            return reply(AllocResponses.failed(n));
        }
        if (reserveNow > 0 && !s.makeRoomLocked(reserveNow)) {
            if (!giveUpRoom) {
                return new Outcome(null, Wait.ROOM);
            }
            LOG.log(System.Logger.Level.WARNING, "alloc for req {0}: no room for {1} chunks within the allocation "
                    + "deadline", reqId, reserveNow);
            return reply(AllocResponses.failed(n));
        }
        return null;
    }

    /** A request's own keys beyond its reservation (duplicates skew counts): top up if room allows, else roll back. */
    private boolean topUpLocked(OpenRequest request, String requestKey, int need) {
        int extra = need - request.reservedLeft;
        if (!s.makeRoomLocked(extra)) {
            rollbackLocked(requestKey);
            return false;
        }
        request.reservedLeft += extra;
        s.reservedTotal += extra;
        return true;
    }

    /** Takes {@code need} reserved pages and charges them to the request (if any), which becomes the most active. */
    private int[] takePagesLocked(OpenRequest request, String requestKey, int need, int n) {
        int[] pages = new int[need];
        if (need > 0 && !s.staging.allocator().tryAllocate(pages)) {
            throw new IllegalStateException("reserved pages were not free: accounting bug");
        }
        s.reservedTotal -= need;
        if (request != null) {
            request.reservedLeft -= need;
            request.chunksSeen += n;
            request.lastActivityNanos = System.nanoTime();
            s.requests.remove(requestKey); // to the end: the map stays in activity order for the reaper
            s.requests.put(requestKey, request);
        }
        return pages;
    }

    /** Makes the in-flight entries of a new allocation on {@code pages} and queues it until its bytes land. */
    private void recordLocked(String senderId, String reqId, Parsed p, int[] pages, boolean[] duplicate,
                              OpenRequest request) {
        int n = p.keys().size();
        Allocation alloc = new Allocation(senderId, reqId, pages[0], System.nanoTime() + s.transferTimeoutNanos);
        alloc.origin = p.origin();
        alloc.seq = s.allocationSeq;
        s.allocationSeq = alloc.seq + 1; // under the lock; read without it by the reaper (volatile)
        alloc.entries.ensureCapacity(pages.length); // one array, not the 6 growths of a 512-key request
        for (int i = 0, next = 0; i < n; i++) {
            if (duplicate[i]) {
                continue;
            }
            int page = pages[next++];
            long len = i == n - 1 ? p.lastBytes() : p.chunkBytes();
            KeyEntry e = new KeyEntry(p.keys().get(i), page, len, alloc);
            alloc.entries.add(e);
            s.entries.put(e.key, e);
            s.pageEntry[page] = e;
        }
        List<ObjectKey> allocKeys = new ArrayList<>(alloc.entries.size());
        for (KeyEntry e : alloc.entries) {
            allocKeys.add(e.key);
        }
        alloc.keys = Collections.unmodifiableList(allocKeys);
        s.awaiting.add(alloc);
        if (request != null) {
            request.allocations.add(alloc);
        }
    }

    private static int[] alreadySent(boolean[] duplicate, int duplicates) {
        int[] already = new int[duplicates];
        for (int i = 0, j = 0; i < duplicate.length; i++) {
            if (duplicate[i]) {
                already[j++] = i;
            }
        }
        return already;
    }

    private static Outcome reply(AllocResponse r) {
        return new Outcome(r, Wait.NONE);
    }

    /**
     * Rolls a request back: releases its reservation, expires its in-flight allocations, frees its committed
     * unlocked keys.
     */
    private void rollbackLocked(String requestKey) {
        OpenRequest r = s.requests.remove(requestKey);
        if (r == null) {
            return;
        }
        s.reservedTotal -= r.reservedLeft;
        for (Allocation a : r.allocations) {
            if (a.state == Allocation.State.AWAITING) {
                s.expireLocked(a);
            } else if (a.state == Allocation.State.COMMITTED) {
                for (KeyEntry e : a.entries) {
                    if (s.entries.get(e.key) == e) {
                        if (e.locks == 0) {
                            s.freeLocked(e);
                        } else {
                            e.doomed = true;
                        }
                    }
                }
            }
        }
        s.changed();
    }
}
