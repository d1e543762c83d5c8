package io.kvcourier.pd;

import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.channel.WriteBatch;
import io.kvcourier.control.AllocClient;
import io.kvcourier.control.ControlException;
import io.kvcourier.control.ControlSecurity;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.AllocRequest;
import io.kvcourier.wire.AllocResponse;
import io.kvcourier.wire.PdMessage;
import org.zeromq.ZContext;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The prefill side. A store task runs on its own virtual thread: its keys are split by TP rank, each rank's
 * part into batches of chunks of one shape; per batch it copies the L1 objects into its own staging pages,
 * asks the receiver rank for pages ({@link AllocRequest}), writes the pages through the channel, and waits
 * for the receiver's <b>commit acknowledgement</b>. The task succeeds only if every batch committed. Keys the
 * receiver reports as already sent are not written (it reports only committed keys). A {@code -1} in the reply,
 * or a reply that breaks the AllocResponse rules, aborts the request ({@link HeldKeys}, docs/INTEROP.md).
 */
final class SenderEngine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SenderEngine.class.getName());

    /** Told once per finished store task (after its result is known) — the proxy notification policy. */
    interface StoreListener {
        void onStoreDone(TransferSpec spec, int chunks, boolean landed);
    }

    private final PdL2AdapterConfig config;
    private final StagingBuffer staging;
    private final ChannelSender channel;
    private final List<PeerLink> links = new ArrayList<>();
    private final String senderId;
    private final StoreListener listener;
    /** Keys allocated on the receivers per request (for CancelNotif), forgotten when the request ends. */
    private final HeldKeys held = new HeldKeys();
    private volatile boolean closed;

    final AtomicLong bytesSent = new AtomicLong();
    final AtomicLong batchesCommitted = new AtomicLong();
    final AtomicLong batchesFailed = new AtomicLong();

    SenderEngine(PdL2AdapterConfig config, TransferChannelFactory channels, ZContext zmq, StoreListener listener)
            throws ChannelException {
        this.config = config;
        this.listener = listener;
        this.senderId = "kvc-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
        this.staging = new StagingBuffer(config.bufferSize());
        try {
            if (config.chunkBytes() > 0) {
                staging.fixPageSize(config.chunkBytes());
            }
            this.channel = channels.openSender(config, staging);
        } catch (RuntimeException | ChannelException e) {
            staging.close();
            throw e;
        }
        // curve_server_key set: CURVE client of the receiver (own pair from curve_public_key/curve_secret_key,
        // else a fresh one).
        ControlSecurity security;
        try {
            security = config.curveServerKey().isEmpty() ? ControlSecurity.NONE
                    : ControlSecurity.client(config.curveServerKey(), config.curvePublicKey(), config.curveSecretKey());
        } catch (IllegalArgumentException e) {
            channel.close();
            staging.close();
            throw e;
        }
        List<Integer> init = config.peerInitPort();
        List<Integer> alloc = config.peerAllocPort();
        int ranks = Math.max(init.size(), alloc.size());
        for (int r = 0; r < ranks; r++) {
            int initPort = init.get(Math.min(r, init.size() - 1));
            int allocPort = alloc.get(Math.min(r, alloc.size() - 1));
            links.add(new PeerLink(r, config.peerHost(), initPort, allocPort, senderId, zmq, channel,
                    config.maxInflightBatches(), security));
        }
    }

    String senderId() {
        return senderId;
    }

    /** Number of receiver ranks this sender talks to (one proxy notification each). */
    int ranks() {
        return links.size();
    }

    /** Runs one store task to its end; never throws. Returns whether every chunk was committed. */
    boolean store(List<ObjectKey> keys, List<MemoryObj> objects, TransferSpec spec) {
        boolean ok;
        try {
            ok = storeParts(keys, objects, spec);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "store task for req '" + spec.reqId() + "' failed", e);
            ok = false;
        }
        if (spec.isLastPrefill()) {
            forget(spec.reqId()); // the request is over: nothing left to cancel (before the task is reported done)
        }
        return ok;
    }

    void notifyDone(TransferSpec spec, int chunks, boolean ok) {
        listener.onStoreDone(spec, chunks, ok);
    }

    private boolean storeParts(List<ObjectKey> keys, List<MemoryObj> objects, TransferSpec spec) {
        if (keys.isEmpty()) {
            return true;
        }
        Map<Integer, List<Integer>> byRank = new java.util.TreeMap<>();
        for (int i = 0; i < keys.size(); i++) {
            int rank = links.size() == 1 ? 0 : keys.get(i).tpRank();
            if (rank >= links.size()) {
                LOG.log(System.Logger.Level.WARNING, "key {0} has TP rank {1} but only {2} ranks have ports",
                        keys.get(i), rank, links.size());
                return false;
            }
            byRank.computeIfAbsent(rank, r -> new ArrayList<>()).add(i);
        }
        if (byRank.size() == 1) {
            Map.Entry<Integer, List<Integer>> only = byRank.entrySet().iterator().next();
            return storePart(links.get(only.getKey()), keys, objects, only.getValue(), spec);
        }
        List<java.util.concurrent.CompletableFuture<Boolean>> parts = new ArrayList<>();
        for (Map.Entry<Integer, List<Integer>> e : byRank.entrySet()) {
            parts.add(java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> storePart(links.get(e.getKey()), keys, objects, e.getValue(), spec),
                    r -> Thread.ofVirtual().name("kvcourier-store-part").start(r)));
        }
        boolean ok = true;
        for (var f : parts) {
            ok &= f.join();
        }
        return ok;
    }

    /** Sends one rank's share of a task, batch by batch. */
    private boolean storePart(PeerLink link, List<ObjectKey> keys, List<MemoryObj> objects, List<Integer> positions,
                              TransferSpec spec) {
        List<int[]> batches = splitIntoBatches(objects, positions);
        if (batches == null) {
            return false;
        }
        int perRankTotal = spec.totalChunks();
        if (links.size() > 1 && perRankTotal % links.size() == 0) {
            perRankTotal /= links.size();
        }
        for (int b = 0; b < batches.size(); b++) {
            boolean last = b == batches.size() - 1;
            if (!sendBatch(link, keys, objects, batches.get(b), spec, last, perRankTotal)) {
                batchesFailed.incrementAndGet();
                return false;
            }
        }
        return true;
    }

    /**
     * Splits positions into batches the receiver can describe with one AllocRequest: full chunks (exactly one
     * staging page of data) of one shape, dtype and format, optionally ended by one shorter chunk (only the
     * last key of an AllocRequest may be partial), at most one staging buffer's worth. Returns null (and logs)
     * when an object cannot be sent at all.
     */
    private List<int[]> splitIntoBatches(List<MemoryObj> objects, List<Integer> positions) {
        long pageSize = pageSizeFor(objects.get(positions.get(0)));
        if (pageSize <= 0) {
            return null;
        }
        int maxPerBatch = Math.min(staging.pageCount(), ReceiverStore.MAX_KEYS_PER_REQUEST);
        List<int[]> batches = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        MemoryObj head = null;
        for (int pos : positions) {
            MemoryObj o = objects.get(pos);
            long bytes = o.shapeBytes();
            if (bytes <= 0 || bytes > pageSize || bytes > o.byteSize()) {
                LOG.log(System.Logger.Level.WARNING, "object at position {0} has {1} bytes of data in a {2}-byte segment; "
                        + "a staging page holds {3} (set chunk_bytes to the full chunk size)", pos, bytes, o.byteSize(),
                        pageSize);
                return null;
            }
            boolean joins = head != null && current.size() < maxPerBatch && sameShape(head, o);
            if (!joins && !current.isEmpty()) {
                batches.add(toArray(current));
                current = new ArrayList<>();
            }
            if (!joins) {
                head = o;
            }
            current.add(pos);
            if (bytes < pageSize) {
                batches.add(toArray(current));
                current = new ArrayList<>();
                head = null;
            }
        }
        if (!current.isEmpty()) {
            batches.add(toArray(current));
        }
        return batches;
    }

    private static int[] toArray(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The full-chunk shape an AllocRequest carries: the batch head's shape, with a partial head's token
     * dimension scaled up to one staging page (the receiver sizes pages by the full chunk and the partial
     * length by {@code last_chunk_toks}).
     */
    private long[] fullShape(MemoryObj head) {
        long[] shape = head.shape();
        long bytes = head.shapeBytes();
        long page = staging.pageSize();
        int td = head.fmt().tokenDim();
        if (bytes == page || td >= shape.length || shape[td] <= 0) {
            return shape;
        }
        long perToken = bytes / shape[td];
        if (perToken > 0 && bytes % shape[td] == 0 && page % perToken == 0) {
            shape[td] = page / perToken;
        }
        return shape;
    }

    /** Same dtype and format, and the same shape except possibly a shorter token dimension. */
    private static boolean sameShape(MemoryObj head, MemoryObj o) {
        if (head.dtype() != o.dtype() || head.fmt() != o.fmt()) {
            return false;
        }
        long[] a = head.shape();
        long[] b = o.shape();
        if (a.length != b.length) {
            return false;
        }
        int td = head.fmt().tokenDim();
        for (int i = 0; i < a.length; i++) {
            if (i == td ? b[i] > a[i] : a[i] != b[i]) {
                return false;
            }
        }
        return true;
    }

    private long pageSizeFor(MemoryObj first) {
        long want = config.chunkBytes() > 0 ? config.chunkBytes() : first.shapeBytes();
        try {
            staging.fixPageSize(want);
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot stage chunks of {0} bytes: {1}", want, e.getMessage());
            return -1;
        }
        return staging.pageSize();
    }

    private boolean sendBatch(PeerLink link, List<ObjectKey> keys, List<MemoryObj> objects, int[] positions,
                              TransferSpec spec, boolean lastOfPart, int totalChunks) {
        int n = positions.length;
        long allocDeadline = System.nanoTime() + config.allocationTimeout().toNanos();
        int[] pages = new int[n];
        boolean slot = false;
        boolean pagesHeld = false;
        ChannelConnection conn = null;
        try {
            if (!link.acquireSlot(allocDeadline)) {
                LOG.log(System.Logger.Level.WARNING, "rank {0}: too many batches in flight for the allocation deadline", link.rank);
                return false;
            }
            slot = true;
            if (!staging.allocator().allocate(pages, allocDeadline)) {
                LOG.log(System.Logger.Level.WARNING, "no {0} free staging pages within the allocation deadline", n);
                return false;
            }
            pagesHeld = true;
            MemoryObj head = objects.get(positions[0]);
            long chunkBytes = staging.pageSize();
            long[] lengths = new long[n];
            List<String> wireKeys = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                MemoryObj o = objects.get(positions[i]);
                lengths[i] = o.shapeBytes();
                MemorySegment.copy(o.segment(), 0, staging.segment(), staging.pageOffset(pages[i]), lengths[i]);
                wireKeys.add(keys.get(positions[i]).toCanonicalString());
            }
            MemoryObj lastObj = objects.get(positions[n - 1]);
            AllocRequest request = new AllocRequest(wireKeys, head.fmt().value(), fullShape(head), head.dtype().wireName(),
                    (int) lastObj.tokens(), spec.reqId(), spec.isLastPrefill() && lastOfPart, totalChunks);

            conn = link.connection(System.nanoTime() + config.handshakeTimeout().toNanos());
            // The receiver may wait up to its allocation deadline for room, and for keys another allocation has
            // in flight up to that allocation's transfer deadline; wait a little longer for its answer.
            long replyDeadline = System.nanoTime() + config.allocationTimeout().toNanos()
                    + config.transferTimeout().toNanos()
                    + Math.min(config.allocationTimeout().toNanos(), TimeUnit.SECONDS.toNanos(5));
            PdMessage reply = link.alloc.call(request, replyDeadline);
            if (!(reply instanceof AllocResponse response)) {
                LOG.log(System.Logger.Level.WARNING, "rank {0}: expected AllocResponse, got {1}; aborting the request",
                        link.rank, reply.getClass().getSimpleName());
                held.abort(spec.reqId(), List.of(), allocClients(), config.allocationTimeout());
                return false;
            }
            int[] remote = held.accept("rank " + link.rank, spec.reqId(), wireKeys, response, allocClients(),
                    config.allocationTimeout());
            if (remote == null) {
                return false; // aborted: the receivers were told to free what the request holds
            }
            int toWrite = 0;
            for (int i = 0; i < n; i++) {
                if (remote[i] >= 0) {
                    toWrite++;
                }
            }
            if (toWrite == 0) {
                batchesCommitted.incrementAndGet();
                return true; // every key is already on the receiver
            }
            long[] localOffsets = new long[toWrite];
            int[] remotePages = new int[toWrite];
            long[] writeLengths = new long[toWrite];
            for (int i = 0, j = 0; i < n; i++) {
                if (remote[i] >= 0) {
                    localOffsets[j] = staging.pageOffset(pages[i]);
                    remotePages[j] = remote[i];
                    writeLengths[j] = lengths[i];
                    j++;
                }
            }
            WriteBatch batch = new WriteBatch(localOffsets, remotePages, writeLengths, chunkBytes);
            try {
                conn.write(batch).get(config.transferTimeout().toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                LOG.log(System.Logger.Level.WARNING, "rank {0}: batch {1} not committed within the transfer deadline; "
                        + "fencing the connection", link.rank, batch);
                link.dropConnection(conn);
                return false;
            } catch (ExecutionException e) {
                LOG.log(System.Logger.Level.WARNING, "rank {0}: batch {1} failed: {2}", link.rank, batch,
                        e.getCause() == null ? e : e.getCause().getMessage());
                link.dropConnection(conn);
                return false;
            }
            bytesSent.addAndGet(batch.totalBytes());
            batchesCommitted.incrementAndGet();
            return true;
        } catch (ControlException e) {
            LOG.log(System.Logger.Level.WARNING, "rank {0}: {1}", link.rank, e.getMessage());
            if (conn != null) {
                // The receiver's control plane did not answer: it is likely gone, and a one-sided data path
                // (RDMA) would not notice. Drop the connection so that the next task handshakes afresh.
                link.dropConnection(conn);
            }
            return false;
        } catch (ChannelException e) {
            LOG.log(System.Logger.Level.WARNING, "rank {0}: {1}", link.rank, e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (conn != null) {
                link.dropConnection(conn);
            }
            return false;
        } finally {
            // Pages are reused only after the batch committed or its connection was fenced.
            if (pagesHeld) {
                staging.allocator().free(pages);
            }
            if (slot) {
                link.releaseSlot();
            }
        }
    }

    /** Forgets a finished request's allocation record (kept only for {@link #cancel}). */
    private void forget(String reqId) {
        held.forget(reqId);
    }

    private List<AllocClient> allocClients() {
        List<AllocClient> clients = new ArrayList<>(links.size());
        for (PeerLink link : links) {
            clients.add(link.alloc);
        }
        return clients;
    }

    /**
     * Tells every receiver rank to drop the keys it allocated for {@code reqId} ({@code CancelNotif}).
     * Returns how many ranks acknowledged within the allocation deadline.
     */
    int cancel(String reqId) {
        return held.cancel(reqId, List.of(), allocClients(), config.allocationTimeout());
    }

    Map<String, Object> status() {
        int connected = 0;
        for (PeerLink l : links) {
            connected += l.connected() ? 1 : 0;
        }
        return Map.of(
                "sender_id", senderId,
                "ranks", links.size(),
                "connected_ranks", connected,
                "bytes_sent", bytesSent.get(),
                "batches_committed", batchesCommitted.get(),
                "batches_failed", batchesFailed.get(),
                "cancellable_requests", held.requests(),
                "staging_pages", staging.pageCount(),
                "staging_pages_free", staging.hasPages() ? staging.allocator().available() : 0);
    }

    /** Closes links (fencing connections: pending writes fail), then the channel, then the staging memory. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (PeerLink l : links) {
            l.close();
        }
        channel.close();
        staging.close();
    }
}
