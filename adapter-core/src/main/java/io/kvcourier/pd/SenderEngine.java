package io.kvcourier.pd;

import io.kvcourier.agent.CloseHelper;
import io.kvcourier.channel.BatchRefusedException;
import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.channel.WriteBatch;
import io.kvcourier.control.AllocExchange;
import io.kvcourier.control.AllocPool;
import io.kvcourier.control.InBandExchanges;
import io.kvcourier.control.ControlAgent;
import io.kvcourier.control.ControlSecurity;
import io.kvcourier.control.Endpoints;
import io.kvcourier.control.Heartbeat;
import io.kvcourier.control.InitExchange;
import io.kvcourier.jfr.AllocationEvent;
import io.kvcourier.jfr.BatchTransferEvent;
import io.kvcourier.jfr.FenceEvent;
import io.kvcourier.jfr.HandshakeEvent;
import io.kvcourier.jfr.Jfr;
import io.kvcourier.jfr.StoreTaskEvent;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.AllocResponse;
import io.kvcourier.wire.CancelNotif;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.WireEncoder;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The prefill side, rebuilt on threads that own their work. A store task is handed to the control thread
 * ({@link ControlAgent}), which splits its keys by TP rank and each rank's part into batches of one shape, and
 * for every batch at once: takes local memory (staging pages, or none when the objects lie in a registered
 * region), sends the {@code AllocRequest} on a free DEALER of that rank's pool, and hands the L1 → staging copy
 * to a virtual thread so that it overlaps the allocation round trip. When both the reply and the copy are in,
 * the control thread hands the write to the channel; the channel's progress thread completes the batch on the
 * receiver's <b>commit acknowledgement</b>, frees the staging pages and, for the task's last batch, records the
 * result. No thread waits on a socket: completions are callbacks.
 *
 * <p>Bounds: a batch waits at most {@code allocation_timeout_sec} for a slot and local pages, its allocation
 * reply at most that plus a grace period (a receiver may wait that long for room), its commit at most {@code
 * transfer_timeout_sec}; past that its connection is dropped (fencing every write on it) and it fails.
 */
final class SenderEngine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SenderEngine.class.getName());
    /** DEALERs per receiver rank: allocations in flight at once per rank (each on its own socket). */
    static final int ALLOC_SOCKETS_PER_RANK = 4;
    /**
     * Batches up to this many bytes are copied into staging on the control thread, right after their
     * AllocRequest went out (tens of microseconds, hidden by the round trip); bigger ones on a virtual thread, so
     * the control thread keeps serving other requests meanwhile.
     */
    static final long INLINE_COPY_BYTES = 1 << 20;

    /** Told once per finished store task, on the thread that finished it; must not block. */
    interface TaskListener {
        void onStoreDone(StoreTask task, boolean ok);
    }

    private final PdL2AdapterConfig config;
    private final StagingBuffer staging;
    private final ChannelSender channel;
    private final Executor executor;
    private final TaskListener listener;
    private final String senderId;
    private final ControlSecurity security;
    private final ControlAgent control;
    private final Heartbeat heartbeat;
    /** The configured receiver and those named per request ({@link ReceiverTarget}); control thread. */
    private final PeerRegistry peers;
    /** {@code peer_staging_share}: of the staging pages, the fraction one receiver may hold while several are in use. */
    private final double stagingShare;
    private final Regions regions = new Regions();
    private final long allocTimeoutNanos;
    private final long replyGraceNanos;
    private final long transferTimeoutNanos;
    private final long handshakeTimeoutNanos;
    private final long requestTimeoutNanos;
    private final int maxInflight;
    private volatile boolean closing;
    /**
     * Whether allocations go over data connections that {@linkplain ChannelConnection#carriesControl() carry
     * control} ({@code -Dkvcourier.control.inBand=false} keeps every exchange on the ZMQ alloc port).
     */
    private final boolean inBandControl = Boolean.parseBoolean(System.getProperty("kvcourier.control.inBand", "true"));

    // Control thread only:
    private final WireEncoder encoder = new WireEncoder();
    /** Allocation exchanges on data connections of kvcourier receivers (the ZMQ-free control path). */
    private final InBandExchanges inBand;
    private final ArrayDeque<SenderBatch> admission = new ArrayDeque<>();
    private final ArrayDeque<SenderBatch> inTransfer = new ArrayDeque<>();
    /** Keys allocated on the receivers per request (for CancelNotif and aborts), forgotten when the request ends. */
    private final HeldKeys held = new HeldKeys();
    private final HeldKeys.Canceller canceller = this::sendCancel;
    private final Runnable retryAdmission = this::retryAdmission;
    /** Batches waiting for admission; read by other threads to decide whether to wake the control thread. */
    private volatile int admissionWaiting;

    final AtomicLong bytesSent = new AtomicLong();
    final AtomicLong batchesCommitted = new AtomicLong();
    final AtomicLong batchesFailed = new AtomicLong();
    /** Tasks submitted and not finished: failed by {@link #close} if still there after the shutdown deadline. */
    private final java.util.Set<StoreTask> live = java.util.concurrent.ConcurrentHashMap.newKeySet();

    SenderEngine(PdL2AdapterConfig config, TransferChannelFactory channels, Executor executor, TaskListener listener)
            throws ChannelException {
        this.config = config;
        this.executor = executor;
        this.listener = listener;
        this.senderId = "kvc-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
        this.allocTimeoutNanos = config.allocationTimeout().toNanos();
        this.replyGraceNanos = Math.min(allocTimeoutNanos, TimeUnit.SECONDS.toNanos(5));
        this.transferTimeoutNanos = config.transferTimeout().toNanos();
        this.handshakeTimeoutNanos = config.handshakeTimeout().toNanos();
        this.requestTimeoutNanos = config.requestTimeout().toNanos();
        this.maxInflight = config.maxInflightBatches();
        this.heartbeat = new Heartbeat(config.heartbeatInterval(), config.heartbeatTimeout());
        // curve_server_key set: CURVE client of the receiver (own pair from curve_public_key/curve_secret_key,
        // else a fresh one). Checked before anything native is made.
        this.security = config.curveServerKey().isEmpty() ? ControlSecurity.NONE
                : ControlSecurity.client(config.curveServerKey(), config.curvePublicKey(), config.curveSecretKey());
        this.staging = new StagingBuffer(config.bufferSize());
        ChannelSender ch = null;
        ControlAgent agent = null;
        try {
            if (config.chunkBytes() > 0) {
                staging.fixPageSize(config.chunkBytes());
            }
            ch = channels.openSender(ChannelSettingsOf.config(config), staging);
            agent = new ControlAgent("kvcourier-control-sender");
            this.channel = ch;
            this.control = agent;
            this.inBand = new InBandExchanges(agent, encoder);
            this.stagingShare = config.peerStagingShare();
            ReceiverPeer configured = newPeer(config.peerHost(), config.peerInitPort(), config.peerAllocPort(),
                    security, true);
            this.peers = new PeerRegistry(configured, new PeerRegistry.PeerIo() {
                @Override
                public ReceiverPeer open(ReceiverTarget target) {
                    return openPeer(target);
                }

                @Override
                public void close(ReceiverPeer peer, String why) {
                    closePeer(peer, why);
                }
            }, config);
            control.execute(() -> {
                for (RankPeer p : configured.ranks) {
                    control.add(p.alloc);
                }
                control.add(inBand);
                control.add(new Timers());
                control.add(peers);
            });
        } catch (RuntimeException | ChannelException e) {
            CloseHelper.closeOnFailure(e, agent, ch, staging); // reverse order of opening
            throw e;
        }
    }

    /**
     * A receiver's ranks: one alloc pool and init endpoint per port pair (a shorter list's last entry serves the
     * remaining ranks). Nothing connects until a batch needs it.
     */
    private ReceiverPeer newPeer(String host, List<Integer> init, List<Integer> alloc, ControlSecurity sec,
                                 boolean configured) {
        int n = Math.max(init.size(), alloc.size());
        RankPeer[] ranks = new RankPeer[n];
        for (int r = 0; r < n; r++) {
            int initPort = init.get(Math.min(r, init.size() - 1));
            int allocPort = alloc.get(Math.min(r, alloc.size() - 1));
            RankPeer[] all = ranks;
            int rank = r;
            AllocPool pool = new AllocPool(control, Endpoints.connect(host, allocPort), senderId, sec,
                    Math.min(ALLOC_SOCKETS_PER_RANK, maxInflight), encoder, heartbeat,
                    why -> rankLost(all[rank], why));
            ranks[r] = new RankPeer(r, Endpoints.connect(host, initPort), pool, sec);
        }
        return new ReceiverPeer(host + ":" + init, ranks, configured);
    }

    /** Control thread: a per-request target's first store; its sockets join the control thread's duties. */
    private ReceiverPeer openPeer(ReceiverTarget target) {
        byte[] key = target.curveServerKey();
        ControlSecurity sec = key == null ? security
                : ControlSecurity.client(org.zeromq.ZMQ.Curve.z85Encode(key), config.curvePublicKey(),
                        config.curveSecretKey());
        ReceiverPeer p = newPeer(target.host(), target.initPorts(), target.allocPorts(), sec, false);
        for (RankPeer r : p.ranks) {
            control.add(r.alloc);
        }
        LOG.log(System.Logger.Level.INFO, "opened {0} ({1} ranks)", p, p.ranks.length);
        return p;
    }

    /**
     * Control thread: an idle target peer goes: its alloc sockets close (the agent drops the pools), its data
     * connections are fenced, anything still waiting for it fails.
     */
    private void closePeer(ReceiverPeer peer, String why) {
        LOG.log(System.Logger.Level.INFO, "closing {0}: {1}", peer, why);
        for (RankPeer r : peer.ranks) {
            failWaitingForConnection(r, "receiver closed: " + why, false);
            r.alloc.close();
            dropConnection(r, r.connection, why);
        }
    }

    String senderId() {
        return senderId;
    }

    /** Number of receiver ranks this sender talks to (one proxy notification each). */
    int ranks() {
        return peers.configured().ranks.length;
    }

    // ------------------------------------------------------------------------------------------ submit

    /** Hands a task to the control thread; never blocks. A closing engine fails it at once. */
    void submit(StoreTask task) {
        live.add(task);
        if (closing || !control.execute(task)) {
            task.finish(false);
        }
    }

    /** Control thread: plans the task into batches and starts each. */
    void start(StoreTask task) {
        if (closing) {
            task.finish(false);
            return;
        }
        ReceiverPeer peer;
        try {
            peer = peers.resolve(task.target);
        } catch (PeerRegistry.PeerRefused | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "store task {0} for req ''{1}'' refused: {2}", task.id,
                    task.spec.reqId(), e.getMessage());
            task.noteFailure(String.valueOf(e.getMessage()), false);
            task.batchDone(false);
            return;
        }
        if (peer.backingOff(System.nanoTime())) {
            peer.fastFailed.incrementAndGet();
            String why = peer + " failed " + peer.failures + " time(s); stores to it fail at once until its "
                    + "back-off ends (peer_retry_backoff_sec)";
            LOG.log(System.Logger.Level.DEBUG, "store task {0}: {1}", task.id, why);
            task.noteFailure(why, false);
            task.batchDone(false);
            return;
        }
        boolean ok;
        try {
            ok = plan(task, peer.ranks);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "store task " + task.id + " for req '" + task.spec.reqId()
                    + "' failed", e);
            ok = false;
        }
        if (ok) {
            task.planned();
        } else {
            task.noteFailure("the task's keys or objects cannot be sent (see the log)", false);
            task.batchDone(false);
        }
    }

    /** Starts the task's batches; false when (some of) the task cannot be sent at all. */
    private boolean plan(StoreTask task, RankPeer[] ranks) {
        int n = task.keys.length;
        if (n == 0) {
            return true;
        }
        int perRankTotal = task.spec.totalChunks();
        if (ranks.length == 1) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            return startBatches(task, ranks[0], all, perRankTotal);
        }
        if (perRankTotal % ranks.length == 0) {
            perRankTotal /= ranks.length;
        }
        int[] rankOf = new int[n];
        int[] perRank = new int[ranks.length];
        for (int i = 0; i < n; i++) {
            int rank = task.keys[i].tpRank();
            if (rank >= ranks.length) {
                LOG.log(System.Logger.Level.WARNING, "key {0} has TP rank {1} but only {2} ranks have ports",
                        task.keys[i], rank, ranks.length);
                return false;
            }
            rankOf[i] = rank;
            perRank[rank]++;
        }
        for (int r = 0; r < ranks.length; r++) {
            if (perRank[r] == 0) {
                continue;
            }
            int[] positions = new int[perRank[r]];
            for (int i = 0, j = 0; i < n; i++) {
                if (rankOf[i] == r) {
                    positions[j++] = i;
                }
            }
            if (!startBatches(task, ranks[r], positions, perRankTotal)) {
                return false;
            }
        }
        return true;
    }

    /** Splits one rank's share of a task into batches and admits each; false when it cannot be sent at all. */
    private boolean startBatches(StoreTask task, RankPeer peer, int[] positions, int perRankTotal) {
        List<int[]> batches = splitIntoBatches(task.objects, positions);
        if (batches == null) {
            return false;
        }
        for (int b = 0; b < batches.size(); b++) {
            SenderBatch batch = new SenderBatch(this, task, peer, batches.get(b), b == batches.size() - 1, perRankTotal);
            task.batchStarted();
            peer.owner.openBatches.incrementAndGet();
            admit(batch, System.nanoTime() + allocTimeoutNanos);
        }
        return true;
    }

    /**
     * Splits positions into batches the receiver can describe with one AllocRequest: full chunks (exactly one
     * staging page of data) of one shape, dtype and format, optionally ended by one shorter chunk (only the
     * last key of an AllocRequest may be partial), at most one staging buffer's worth. Returns null (and logs)
     * when an object cannot be sent at all.
     */
    private List<int[]> splitIntoBatches(MemoryObj[] objects, int[] positions) {
        long pageSize = pageSizeFor(objects[positions[0]]);
        if (pageSize <= 0) {
            return null;
        }
        int maxPerBatch = Math.min(staging.pageCount(), ReceiverStore.MAX_KEYS_PER_REQUEST);
        List<int[]> batches = new ArrayList<>(1);
        int start = 0;
        MemoryObj head = null;
        for (int k = 0; k < positions.length; k++) {
            MemoryObj o = objects[positions[k]];
            long bytes = o.shapeBytes();
            if (bytes <= 0 || bytes > pageSize || bytes > o.byteSize()) {
                LOG.log(System.Logger.Level.WARNING, "object at position {0} has {1} bytes of data in a {2}-byte "
                        + "segment; a staging page holds {3} (set chunk_bytes to the full chunk size)",
                        positions[k], bytes, o.byteSize(), pageSize);
                return null;
            }
            boolean joins = head != null && k - start < maxPerBatch && sameShape(head, o);
            if (!joins && k > start) {
                batches.add(java.util.Arrays.copyOfRange(positions, start, k));
                start = k;
            }
            if (!joins) {
                head = o;
            }
            if (bytes < pageSize) {
                batches.add(java.util.Arrays.copyOfRange(positions, start, k + 1));
                start = k + 1;
                head = null;
            }
        }
        if (start < positions.length) {
            batches.add(start == 0 ? positions : java.util.Arrays.copyOfRange(positions, start, positions.length));
        }
        return batches;
    }

    /**
     * The full-chunk shape an AllocRequest carries: the batch head's shape, with a partial head's token
     * dimension scaled up to one staging page (the receiver sizes pages by the full chunk and the partial
     * length by {@code last_chunk_toks}).
     */
    long[] fullShape(MemoryObj head) {
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

    // -------------------------------------------------------------------------------------- admission

    /**
     * Control thread: starts the batch if its rank is connected, has a free slot and local memory is there; else
     * it waits. Until a rank's data connection exists, its batches wait for the handshake before they allocate:
     * the receiver's transfer deadline starts at allocation, and a first handshake can take a while.
     */
    private void admit(SenderBatch batch, long deadlineNanos) {
        batch.transferDeadlineNanos = deadlineNanos; // the admission deadline until the write goes out
        RankPeer peer = batch.peer;
        if (!peer.connected()) {
            peer.awaitingHandshake.add(batch);
            ensureConnection(peer);
            return;
        }
        // Behind its own receiver's waiting batches; another receiver's waiting ones do not hold it up.
        if (peer.owner.admissionWaiting > 0 || !tryStart(batch)) {
            enqueue(batch);
        }
    }

    private void enqueue(SenderBatch batch) {
        admission.add(batch);
        batch.peer.owner.admissionWaiting++;
        admissionWaiting = admission.size();
    }

    /** Control thread: starts a batch now if it can; false when it has to wait (nothing was taken). */
    private boolean tryStart(SenderBatch batch) {
        RankPeer peer = batch.peer;
        if (peer.inflight.get() >= maxInflight) {
            return false;
        }
        if (!localMemory(batch)) {
            return false;
        }
        peer.inflight.incrementAndGet();
        if (Jfr.allocation()) {
            batch.jfr = Jfr.begin(new AllocationEvent());
        }
        // The receiver may wait up to its allocation deadline for room, and for keys another allocation has in
        // flight up to that allocation's transfer deadline: wait a little longer for its answer.
        long replyDeadline = System.nanoTime() + allocTimeoutNanos + transferTimeoutNanos + replyGraceNanos;
        if (!inBandControl || !inBand.submit(peer.connection, batch, replyDeadline)) {
            peer.alloc.submit(batch, replyDeadline);
        }
        ensureConnection(peer);
        if (batch.stagingPages != null) {
            if (batch.bytes() <= INLINE_COPY_BYTES) {
                copy(batch); // the request is on its way: this copy overlaps the round trip, on no other thread
            } else {
                executor.execute(() -> copy(batch));
            }
        }
        return true;
    }

    /**
     * Control thread: the batch's local regions and offsets — a registered region when every object lies in
     * one (zero-copy), else staging pages (false when not enough are free).
     */
    private boolean localMemory(SenderBatch batch) {
        int n = batch.size();
        int[] regionIds = new int[n];
        long[] offsets = new long[n];
        if (regions.resolve(batch, regionIds, offsets)) {
            batch.regions = regionIds;
            batch.offsets = offsets;
            batch.step(SenderBatch.COPIED); // nothing to copy
            return true;
        }
        ReceiverPeer owner = batch.peer.owner;
        int held = owner.pages.get();
        // The page count is known once the first store fixed the page size.
        if (held > 0 && held + n > Math.max(1, (int) (stagingShare * staging.pageCount())) && peers.shareApplies()) {
            return false; // over its share: waits for its own pages, leaves the rest to the other receivers
        }
        int[] pages = new int[n];
        if (!staging.allocator().tryAllocate(pages)) {
            return false;
        }
        owner.pages.addAndGet(n);
        for (int i = 0; i < n; i++) {
            offsets[i] = staging.pageOffset(pages[i]);
        }
        batch.stagingPages = pages;
        batch.regions = new int[n]; // all WriteBatch.STAGING
        batch.offsets = offsets;
        return true;
    }

    /** Control thread: starts waiting batches in order while they can start; fails those past their deadline. */
    private void retryAdmission() {
        long now = System.nanoTime();
        int waited = admission.size();
        for (int i = 0; i < waited && !admission.isEmpty(); i++) {
            SenderBatch b = admission.poll();
            b.peer.owner.admissionWaiting--;
            if (b.done) {
                continue;
            }
            if (closing) {
                failBatch(b, "sender is closing");
                continue;
            }
            if (tryStart(b)) {
                continue;
            }
            if (now - b.transferDeadlineNanos >= 0) {
                LOG.log(System.Logger.Level.WARNING, "rank {0}: no slot or staging pages for {1} within the allocation "
                        + "deadline ({2} batches in flight, {3} staging pages free)", b.peer.rank, b,
                        b.peer.inflight.get(), staging.allocator().available());
                b.timedOut = true;
                failBatch(b, "no slot or staging pages within the allocation deadline");
                continue;
            }
            admission.add(b); // keeps its place relative to the others still waiting
            b.peer.owner.admissionWaiting++;
        }
        admissionWaiting = admission.size();
    }

    /** Control thread: fails the rank's batches that wait for admission; the others keep their places. */
    private void failAwaitingAdmission(RankPeer peer, String why) {
        int waited = admission.size();
        for (int i = 0; i < waited && !admission.isEmpty(); i++) {
            SenderBatch b = admission.poll();
            b.peer.owner.admissionWaiting--;
            if (b.done) {
                continue;
            }
            if (b.peer == peer) {
                failBatch(b, why);
                continue;
            }
            admission.add(b);
            b.peer.owner.admissionWaiting++;
        }
        admissionWaiting = admission.size();
    }

    /** Any thread: local memory or a slot was released; the control thread retries waiting batches. */
    private void released() {
        if (admissionWaiting > 0) {
            control.execute(retryAdmission);
        }
    }

    // -------------------------------------------------------------------------------------------- copy

    /** L1 → staging (control thread or a virtual thread), then the write if the allocation reply is already in. */
    private void copy(SenderBatch batch) {
        try {
            MemorySegment dst = staging.segment();
            for (int i = 0; i < batch.size(); i++) {
                MemorySegment.copy(batch.object(i).segment(), 0, dst, batch.offsets[i], batch.lengths[i]);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "copying " + batch + " into staging failed", e);
            if (!control.execute(() -> failBatch(batch, "copy into staging failed: " + e))) {
                failBatch(batch, "copy into staging failed");
            }
        } finally {
            int before = batch.steps.getAndUpdate(v -> v | SenderBatch.COPIED);
            if ((before & RELEASED) != 0) {
                freePages(batch); // the batch ended while the copy ran; its pages go back now
            } else if ((before & SenderBatch.REPLIED) != 0 && !batch.done) {
                control.execute(() -> issueWrite(batch));
            }
        }
    }

    private static final int RELEASED = 4;

    /** Any thread: the batch is over; its staging pages go back once no copy can still be writing them. */
    private void releaseLocal(SenderBatch batch) {
        int before = batch.steps.getAndUpdate(v -> v | RELEASED);
        if ((before & RELEASED) == 0 && (batch.stagingPages == null || (before & SenderBatch.COPIED) != 0)) {
            freePages(batch);
        }
    }

    private void freePages(SenderBatch batch) {
        int[] pages = batch.stagingPages;
        if (pages != null) {
            staging.allocator().free(pages);
            batch.peer.owner.pages.addAndGet(-pages.length);
        }
    }

    // ------------------------------------------------------------------------------------- allocation

    /** Control thread: the receiver answered the batch's AllocRequest. */
    void onAllocReply(SenderBatch batch, PdMessage reply) {
        if (batch.done) {
            return;
        }
        RankPeer peer = batch.peer;
        if (!(reply instanceof AllocResponse response)) {
            LOG.log(System.Logger.Level.WARNING, "rank {0}: expected AllocResponse, got {1}; aborting the request",
                    peer.rank, reply.getClass().getSimpleName());
            allocationEvent(batch, "failed", "unexpected reply " + reply.getClass().getSimpleName(), 0);
            held.abort(batch.task.spec.reqId(), List.of(), canceller);
            failBatch(batch, "unexpected reply " + reply.getClass().getSimpleName());
            return;
        }
        int n = batch.size();
        String reqId = batch.task.spec.reqId();
        int[] remote = held.accept(peer.rank, reqId, n, batch::wireKey, response, canceller);
        if (remote == null) {
            allocationEvent(batch, "refused", "the receiver refused the allocation", 0);
            failBatch(batch, "allocation failed; the request was aborted"); // held.accept logged why
            return;
        }
        int toWrite = 0;
        for (int i = 0; i < n; i++) {
            if (remote[i] >= 0) {
                toWrite++;
            }
        }
        if (batch.jfr != null) {
            allocationEvent(batch, "allocated", "", n - toWrite);
        }
        if (toWrite == 0) {
            finishBatch(batch, null); // every key is already on the receiver
            return;
        }
        if (toWrite == n) { // nothing deduplicated: the batch's own arrays describe the write
            batch.write = new WriteBatch(batch.regions, batch.offsets, remote, batch.lengths, staging.pageSize());
            if (batch.step(SenderBatch.REPLIED)) {
                issueWrite(batch);
            }
            return;
        }
        int[] regions = new int[toWrite];
        long[] offsets = new long[toWrite];
        int[] pages = new int[toWrite];
        long[] lengths = new long[toWrite];
        for (int i = 0, j = 0; i < n; i++) {
            if (remote[i] >= 0) {
                regions[j] = batch.regions[i];
                offsets[j] = batch.offsets[i];
                pages[j] = remote[i];
                lengths[j] = batch.lengths[i];
                j++;
            }
        }
        batch.write = new WriteBatch(regions, offsets, pages, lengths, staging.pageSize());
        if (batch.step(SenderBatch.REPLIED)) {
            issueWrite(batch);
        }
    }

    /** Control thread: no reply; after a timeout the receiver is probably gone, so its data connection goes too. */
    void onAllocFailed(SenderBatch batch, String why, boolean timedOut) {
        LOG.log(System.Logger.Level.WARNING, "rank {0}: {1}", batch.peer.rank, why);
        allocationEvent(batch, timedOut ? "timed_out" : "failed", why, 0);
        if (timedOut) {
            // A one-sided data path (RDMA) would not notice a dead receiver: the next task handshakes afresh.
            dropConnection(batch.peer, batch.peer.connection, "no allocation reply within the deadline");
        }
        batch.timedOut = timedOut;
        failBatch(batch, why);
    }

    /** Commits the batch's allocation event, if one was begun (control thread). */
    private static void allocationEvent(SenderBatch batch, String outcome, String reason, int alreadySent) {
        if (!(batch.jfr instanceof AllocationEvent e)) {
            return;
        }
        batch.jfr = null;
        e.taskId = batch.task.id;
        e.requestId = batch.task.spec.reqId();
        e.rank = batch.peer.rank;
        e.peer = batch.peer.alloc.endpoint();
        e.keys = batch.size();
        e.bytes = batch.bytes();
        e.alreadySent = alreadySent;
        e.outcome = outcome;
        e.reason = reason;
        e.commit();
    }

    // ------------------------------------------------------------------------------------------- write

    /** Control thread: the reply and the copy are in; the write goes out on the rank's data connection. */
    private void issueWrite(SenderBatch batch) {
        if (batch.done) {
            return;
        }
        RankPeer peer = batch.peer;
        if (closing) {
            failBatch(batch, "sender is closing");
            return;
        }
        if (!peer.connected()) {
            peer.awaitingConnection.add(batch);
            ensureConnection(peer);
            return;
        }
        batch.connection = peer.connection;
        batch.transferDeadlineNanos = System.nanoTime() + transferTimeoutNanos;
        inTransfer.add(batch);
        if (Jfr.batchTransfer()) {
            batch.jfr = Jfr.begin(new BatchTransferEvent());
        }
        batch.connection.write(batch.write, batch);
    }

    /** Channel thread (or the writer, for an immediate failure): the batch committed or failed. */
    void onWritten(SenderBatch batch, ChannelException failure) {
        if (failure != null) {
            LOG.log(System.Logger.Level.WARNING, "rank {0}: {1} failed: {2}", batch.peer.rank, batch.write,
                    failure.getMessage());
            if (!(failure instanceof BatchRefusedException)) { // a refusal leaves the connection healthy
                ChannelConnection c = batch.connection;
                control.execute(() -> dropConnection(batch.peer, c, "a write failed: " + failure.getMessage()));
            }
        } else {
            bytesSent.addAndGet(batch.write.totalBytes());
        }
        if (batch.jfr != null) {
            transferEvent(batch, failure);
        }
        finishBatch(batch, failure == null ? null : failure.getMessage());
    }

    private static void transferEvent(SenderBatch batch, ChannelException failure) {
        if (!(batch.jfr instanceof BatchTransferEvent e)) {
            return;
        }
        batch.jfr = null;
        e.taskId = batch.task.id;
        e.requestId = batch.task.spec.reqId();
        e.rank = batch.peer.rank;
        ChannelConnection c = batch.connection;
        e.peer = c == null ? batch.peer.initEndpoint : c.describe();
        e.keys = batch.write.size();
        e.bytes = batch.write.totalBytes();
        e.zeroCopy = batch.stagingPages == null;
        e.outcome = failure == null ? "committed" : batch.timedOut ? "timed_out" : "failed";
        e.reason = failure == null ? "" : String.valueOf(failure.getMessage());
        e.commit();
    }

    private void failBatch(SenderBatch batch, String why) {
        finishBatch(batch, why == null ? "failed" : why);
    }

    /** Any thread: ends the batch once; {@code failure} null = committed. */
    private void finishBatch(SenderBatch batch, String failure) {
        synchronized (batch) {
            if (batch.done) {
                return;
            }
            batch.done = true;
        }
        if (failure == null) {
            batchesCommitted.incrementAndGet();
        } else {
            batchesFailed.incrementAndGet();
            batch.task.noteFailure(failure, batch.timedOut);
        }
        if (batch.regions != null) { // it was admitted: holds a slot (and maybe pages)
            batch.peer.inflight.decrementAndGet();
            releaseLocal(batch);
            released();
        }
        ReceiverPeer owner = batch.peer.owner;
        boolean idleNow = owner.openBatches.decrementAndGet() == 0;
        if ((failure == null && owner.failures != 0) || (idleNow && !owner.configured)) {
            control.execute(() -> { // the breaker closes; the idle timer starts (and wakes the control thread)
                if (failure == null) {
                    peers.succeeded(owner);
                }
                peers.wentIdle(owner);
            });
        }
        batch.task.batchDone(failure == null);
    }

    // -------------------------------------------------------------------------------------- connection

    /** Control thread: starts a handshake for the rank unless it is connected or connecting. */
    private void ensureConnection(RankPeer peer) {
        if (peer.connected() || peer.connecting || closing) {
            return;
        }
        peer.connecting = true;
        peer.connection = null;
        executor.execute(() -> connect(peer));
    }

    /** Virtual thread: the channel handshake (the init exchange itself runs on the control thread). */
    private void connect(RankPeer peer) {
        HandshakeEvent jfr = Jfr.handshake() ? Jfr.begin(new HandshakeEvent()) : null;
        ChannelSender.Handshake hs = null;
        boolean completed = false;
        long deadline = System.nanoTime() + handshakeTimeoutNanos;
        String failure = null;
        try {
            hs = channel.beginConnect(senderId);
            PdMessage reply = InitExchange.start(control, peer.initEndpoint, hs.request(), deadline, peer.security)
                    .get(handshakeTimeoutNanos + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
            ChannelConnection c = hs.complete(reply);
            completed = true;
            LOG.log(System.Logger.Level.DEBUG, "rank {0}: connected {1}", peer.rank, c.describe());
            if (!control.execute(() -> connected(peer, c))) {
                c.close();
            }
        } catch (ExecutionException e) {
            failure = e.getCause() == null ? e.toString() : String.valueOf(e.getCause().getMessage());
        } catch (TimeoutException e) {
            failure = "handshake timed out";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = "interrupted";
        } catch (ChannelException | RuntimeException e) {
            failure = String.valueOf(e.getMessage());
        }
        boolean timedOut = failure != null && System.nanoTime() - deadline >= 0;
        if (jfr != null) {
            jfr.side = "sender";
            jfr.rank = peer.rank;
            jfr.peer = peer.initEndpoint;
            jfr.channel = config.transferChannel();
            jfr.outcome = failure == null ? "connected" : timedOut ? "timed_out" : "failed";
            jfr.reason = failure == null ? "" : failure;
            jfr.commit();
        }
        if (failure != null) {
            connectFailed(peer, hs, completed, failure, timedOut);
        }
    }

    private void connectFailed(RankPeer peer, ChannelSender.Handshake hs, boolean completed, String why,
                               boolean timedOut) {
        if (hs != null && !completed) {
            try {
                hs.abort();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "aborting a handshake failed: {0}", e.toString());
            }
        }
        LOG.log(System.Logger.Level.WARNING, "{0} rank {1}: cannot connect: {2}", peer.owner, peer.rank, why);
        if (!control.execute(() -> failConnecting(peer, why, timedOut))) {
            failWaitingForConnection(peer, "sender is closing", false);
        }
    }

    /** Control thread: the handshake succeeded; the waiting writes go out. */
    private void connected(RankPeer peer, ChannelConnection c) {
        peer.connecting = false;
        if (closing) {
            executor.execute(c::close);
            failWaitingForConnection(peer, "sender is closing", false);
            return;
        }
        peer.connection = c;
        if (inBandControl && c.carriesControl()) {
            // Allocations go in-band: the alloc port's socket stays connected only to notice a lost receiver.
            peer.alloc.keepConnected();
        }
        for (SenderBatch b; (b = peer.awaitingConnection.poll()) != null; ) {
            issueWrite(b);
        }
        for (SenderBatch b; (b = peer.awaitingHandshake.poll()) != null; ) {
            admit(b, b.transferDeadlineNanos);
        }
    }

    /** Control thread: the handshake failed; the batches waiting for it fail (the next task retries). */
    private void failConnecting(RankPeer peer, String why, boolean timedOut) {
        peer.connecting = false;
        peers.failed(peer.owner);
        failWaitingForConnection(peer, "no data connection: " + why, timedOut);
    }

    private void failWaitingForConnection(RankPeer peer, String why, boolean timedOut) {
        for (SenderBatch b; (b = peer.awaitingConnection.poll()) != null; ) {
            b.timedOut = timedOut;
            failBatch(b, why);
        }
        for (SenderBatch b; (b = peer.awaitingHandshake.poll()) != null; ) {
            b.timedOut = timedOut;
            failBatch(b, why);
        }
    }

    /** Control thread: drops a failed connection (closing = fencing it, on a virtual thread) so the next write reconnects. */
    private void dropConnection(RankPeer peer, ChannelConnection failed, String why) {
        if (failed == null) {
            return;
        }
        if (peer.connection == failed) {
            peer.connection = null;
        }
        inBand.connectionLost(failed, why);
        executor.execute(() -> fence(peer.rank, failed, why));
    }

    /** Closes a connection, which fences it: every write still on it fails and its pages come back. */
    private void fence(int rank, ChannelConnection c, String why) {
        // Recorded once per connection: a close that fails its writes makes their failures drop it again.
        FenceEvent jfr = Jfr.fence() && c.isOpen() ? Jfr.begin(new FenceEvent()) : null;
        try {
            c.close();
        } finally {
            if (jfr != null) {
                jfr.side = "sender";
                jfr.rank = rank;
                jfr.peer = c.describe();
                jfr.outcome = "fenced";
                jfr.reason = why;
                jfr.commit();
            }
        }
    }

    /**
     * Control thread: the receiver rank is gone (its alloc connection ended: RST/FIN, or no heartbeat within
     * {@code heartbeat_timeout_sec}; or its data connection ended). Every allocation pending to it has failed
     * already; now the batches still waiting for a slot or staging pages, or for its handshake or connection,
     * fail, and the data connection is dropped, which fails every batch in flight on it. Every store in flight to
     * the rank thus fails now, not when a fresh connection to a receiver that went silent times out. The next task
     * handshakes afresh.
     */
    private void rankLost(RankPeer peer, String why) {
        LOG.log(System.Logger.Level.WARNING, "{0} rank {1}: receiver lost: {2}", peer.owner, peer.rank, why);
        peers.failed(peer.owner);
        failAwaitingAdmission(peer, "receiver lost: " + why); // first: the failures below free slots for them
        peer.alloc.failAll("receiver lost: " + why);
        ChannelConnection c = peer.connection;
        failWaitingForConnection(peer, "receiver lost: " + why, false);
        dropConnection(peer, c, "receiver lost: " + why);
    }

    // ------------------------------------------------------------------------------------------ timers

    /** The engine's own deadlines on the control thread: commits that do not come, admission waits. */
    private final class Timers implements ControlAgent.Duty {
        /** When the request records are next checked against {@code request_timeout_sec}. */
        private long nextRecordSweep = System.nanoTime();

        @Override
        public int poll(long nowNanos) {
            int work = 0;
            while (!inTransfer.isEmpty() && inTransfer.peek().done) {
                inTransfer.poll();
                work++;
            }
            return work;
        }

        @Override
        public int expire(long nowNanos) {
            int work = 0;
            while (!inTransfer.isEmpty()) {
                SenderBatch b = inTransfer.peek();
                if (!b.done && nowNanos - b.transferDeadlineNanos < 0) {
                    break;
                }
                inTransfer.poll();
                if (!b.done) {
                    LOG.log(System.Logger.Level.WARNING, "rank {0}: {1} not committed within the transfer deadline; "
                            + "fencing the connection", b.peer.rank, b.write);
                    b.timedOut = true;
                    // its close fails every write on it, this one included
                    dropConnection(b.peer, b.connection, "a batch was not committed within the transfer deadline");
                    work++;
                }
            }
            if (!admission.isEmpty() && nowNanos - admission.peek().transferDeadlineNanos >= 0) {
                retryAdmission();
                work++;
            }
            if (nowNanos - nextRecordSweep >= 0) {
                work += held.expire(nowNanos, requestTimeoutNanos);
                nextRecordSweep = nowNanos + Math.min(TimeUnit.SECONDS.toNanos(1), requestTimeoutNanos / 4 + 1);
            }
            return work;
        }

        @Override
        public long nextDeadlineNanos() {
            long next = Long.MAX_VALUE;
            SenderBatch t = inTransfer.peek();
            if (t != null) {
                next = t.transferDeadlineNanos;
            }
            SenderBatch a = admission.peek();
            if (a != null && (next == Long.MAX_VALUE || a.transferDeadlineNanos - next < 0)) {
                next = a.transferDeadlineNanos;
            }
            if (held.requests() > 0 && (next == Long.MAX_VALUE || nextRecordSweep - next < 0)) {
                next = nextRecordSweep;
            }
            return next;
        }

        @Override
        public void close() {
        }
    }

    // -------------------------------------------------------------------------------------- completion

    /** A task's result is known (any thread). */
    void taskFinished(StoreTask task, boolean ok) {
        live.remove(task);
        if (task.jfr != null) {
            storeTaskEvent(task, ok);
        }
        if (task.spec.isLastPrefill() && !task.spec.reqId().isEmpty()) {
            String reqId = task.spec.reqId();
            held.forget(reqId); // the request is over: nothing left to cancel
        }
        listener.onStoreDone(task, ok);
    }

    private void storeTaskEvent(StoreTask task, boolean ok) {
        StoreTaskEvent e = task.jfr;
        e.taskId = task.id;
        e.api = task.completion == null ? "eventfd" : "async";
        e.requestId = task.spec.reqId();
        int rank = task.keys.length == 0 ? 0 : task.keys[0].tpRank();
        long bytes = 0;
        for (int i = 0; i < task.keys.length; i++) {
            rank = task.keys[i].tpRank() == rank ? rank : -1;
            bytes += task.objects[i].shapeBytes();
        }
        e.rank = rank;
        e.peer = task.target == null ? config.peerHost() : task.target.host();
        e.keys = task.keys.length;
        e.bytes = bytes;
        e.outcome = storeOutcome(task, ok);
        String why = task.failure();
        e.reason = ok ? "" : why != null ? why : closing ? "sender is closing" : "failed";
        e.commit();
    }

    /** The outcome of a finished task: {@code committed}, {@code closed}, {@code timed_out} or {@code failed}. */
    String storeOutcome(StoreTask task, boolean ok) {
        return ok ? "committed" : closing ? "closed" : task.timedOut() ? "timed_out" : "failed";
    }

    // ------------------------------------------------------------------------------------------ cancel

    /**
     * Tells every receiver rank to drop the keys it allocated for {@code reqId} ({@code CancelNotif}). The
     * future completes with how many ranks acknowledged, within the allocation deadline.
     */
    CompletableFuture<Integer> cancel(String reqId) {
        CompletableFuture<Integer> acked = new CompletableFuture<>();
        if (!control.execute(() -> sendCancel(reqId, acked))) {
            acked.complete(0);
        }
        return acked;
    }

    private void sendCancel(String reqId, CompletableFuture<Integer> result) {
        sendCancel(reqId, held.release(reqId, List.of()), result);
    }

    /** Control thread: an aborted request's CancelNotif, to every rank; failures are logged. */
    private void sendCancel(String reqId, List<String> keys) {
        sendCancel(reqId, keys, null);
    }

    private void sendCancel(String reqId, List<String> keys, CompletableFuture<Integer> result) {
        // Every receiver in use: a receiver that holds nothing for the request (the request went elsewhere) frees
        // nothing and acknowledges.
        List<RankPeer> ranks = new ArrayList<>();
        for (ReceiverPeer p : peers.used()) {
            ranks.addAll(List.of(p.ranks));
        }
        if (ranks.isEmpty()) {
            if (result != null) {
                result.complete(0);
            }
            return;
        }
        AtomicInteger left = new AtomicInteger(ranks.size());
        AtomicInteger acks = new AtomicInteger();
        long deadline = System.nanoTime() + allocTimeoutNanos;
        for (RankPeer peer : ranks) {
            peer.alloc.submit(new AllocExchange() {
                @Override
                protected ByteBuffer encode(WireEncoder enc) {
                    return enc.encode(new CancelNotif(reqId, keys));
                }

                @Override
                protected void onReply(PdMessage reply) {
                    acks.incrementAndGet();
                    done();
                }

                @Override
                protected void onFailure(String why, boolean timedOut) {
                    LOG.log(System.Logger.Level.WARNING, "rank {0}: CancelNotif for ''{1}'' failed: {2}", peer.rank,
                            reqId, why);
                    done();
                }

                private void done() {
                    if (left.decrementAndGet() == 0 && result != null) {
                        result.complete(acks.get());
                    }
                }
            }, deadline);
        }
    }

    // ------------------------------------------------------------------------------- registered memory

    /** Registers caller memory as a zero-copy region; returns its id. */
    int registerMemory(MemorySegment segment) throws ChannelException {
        return regions.register(segment, channel);
    }

    /** Forgets a region registered with {@link #registerMemory}. */
    boolean unregisterMemory(MemorySegment segment) {
        return regions.unregister(segment, channel);
    }

    // ------------------------------------------------------------------------------------------ status

    Map<String, Object> status() {
        ReceiverPeer configured = peers.configured();
        int connected = configured.connectedRanks();
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("sender_id", senderId);
        m.put("ranks", configured.ranks.length);
        m.put("connected_ranks", connected);
        m.put("bytes_sent", bytesSent.get());
        m.put("batches_committed", batchesCommitted.get());
        m.put("batches_failed", batchesFailed.get());
        m.put("cancellable_requests", held.requests());
        m.put("staging_pages", staging.pageCount());
        m.put("staging_pages_free", staging.hasPages() ? staging.allocator().available() : 0);
        m.put("registered_regions", regions.count());
        m.put("in_band_allocations", inBand.sent());
        m.put("peers", peers.status());
        return m;
    }

    // ------------------------------------------------------------------------------------------- close

    /**
     * Fails what has not been written yet, drops every data connection (fencing them: their pending writes
     * fail), stops the control thread (closing its sockets), then the channel, then the staging memory. Tasks
     * end within about the shutdown deadline. Idempotent.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        Duration shutdown = config.shutdownTimeout();
        CompletableFuture<List<ChannelConnection>> stopped = new CompletableFuture<>();
        if (control.execute(() -> stopped.complete(failUnwritten()))) {
            try {
                for (ChannelConnection c : stopped.get(shutdown.toMillis(), TimeUnit.MILLISECONDS)) {
                    fence(-1, c, "sender is closing"); // every write still on it fails, its pages come back
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.log(System.Logger.Level.WARNING, "sender control thread did not stop its work in time: {0}",
                        e.toString());
            }
        }
        control.close(shutdown);
        channel.close();
        for (StoreTask t : live) {
            t.finish(false); // still open past every deadline: announced as failed, late results dropped
        }
        staging.close();
    }

    /** Control thread, at close: fails every batch not on the wire; returns the connections to fence. */
    private List<ChannelConnection> failUnwritten() {
        for (SenderBatch b; (b = admission.poll()) != null; ) {
            failBatch(b, "sender is closing");
        }
        admissionWaiting = 0;
        List<ChannelConnection> open = new ArrayList<>();
        for (ReceiverPeer rp : peers.all()) {
            rp.admissionWaiting = 0;
            for (RankPeer p : rp.ranks) {
                failWaitingForConnection(p, "sender is closing", false);
                p.alloc.failAll("sender is closing");
                if (p.connection != null) {
                    open.add(p.connection);
                    p.connection = null;
                }
            }
        }
        for (SenderBatch b : inTransfer) {
            if (!b.done && b.connection != null && !open.contains(b.connection)) {
                open.add(b.connection);
            }
        }
        return open;
    }

    int liveTasks() {
        return live.size();
    }
}
