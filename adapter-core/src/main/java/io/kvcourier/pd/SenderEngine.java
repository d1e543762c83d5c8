package io.kvcourier.pd;

import io.kvcourier.agent.CloseHelper;
import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.control.ControlAgent;
import io.kvcourier.control.ControlSecurity;
import io.kvcourier.control.Heartbeat;
import io.kvcourier.control.InBandExchanges;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.WireEncoder;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
 *
 * <p>The engine holds the shared state and the task's life (submit, start, finish, close); each seam of a
 * batch's way is its own part: {@link BatchPlanner} (task → batches), {@link BatchAdmission} (slots, staging
 * pages, the copy), {@link AllocationReplies} (the AllocResponse), {@link BatchWrites} (write, commit, the
 * batch's end), {@link RankConnections} (handshake, fencing, lost ranks), {@link PeerSockets} (a receiver's
 * sockets), {@link RequestCancels} (CancelNotif) and {@link SenderDeadlines} (the control thread's timers).
 */
final class SenderEngine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SenderEngine.class.getName());
    /** DEALERs per receiver rank: allocations in flight at once per rank (each on its own socket). */
    static final int ALLOC_SOCKETS_PER_RANK = 4;
    /**
     * Batches up to this many bytes are copied into staging on the control thread, right after their
     * AllocRequest went out (tens of microseconds, hidden by the round trip); bigger ones on a virtual thread, so
     * the control thread keeps serving other requests meanwhile: the next batches' requests, and the replies that
     * start the writes (a task's in-band batches of 128 small chunks each waited behind the copy of every batch
     * before them while this was 1 MiB; BENCHMARKS.md).
     */
    static final long INLINE_COPY_BYTES = 256 << 10;
    /**
     * Largest batch whose bytes go right behind its AllocRequest (an eager store) when it reads caller memory in place
     * and its connection carries eager stores: a receiver that cannot allocate at once reads and discards them, and
     * the batch is written again after the reply ({@code -Dkvcourier.control.eagerMaxBytes=N} overrides).
     */
    static final long EAGER_MAX_BYTES = 256 << 10;
    /**
     * Most keys per batch to a receiver reached in-band ({@link BatchPlanner}): a larger part of a task goes as
     * several batches, so that the receiver allocates one while the bytes of the one before are written
     * ({@code -Dkvcourier.control.inBandBatchKeys=N} overrides; 0 keeps every part whole).
     */
    static final int IN_BAND_BATCH_KEYS = 128;

    /** Told once per finished store task, on the thread that finished it; must not block. */
    interface TaskListener {
        void onStoreDone(StoreTask task, boolean ok);
    }

    final PdL2AdapterConfig config;
    final StagingBuffer staging;
    final ChannelSender channel;
    final Executor executor;
    private final TaskListener listener;
    final String senderId;
    final ControlSecurity security;
    final ControlAgent control;
    final Heartbeat heartbeat;
    /** The configured receiver and those named per request ({@link ReceiverTarget}); control thread. */
    final PeerRegistry peers;
    final Regions regions = new Regions();
    final long allocTimeoutNanos;
    final long replyGraceNanos;
    final long transferTimeoutNanos;
    final long handshakeTimeoutNanos;
    final long requestTimeoutNanos;
    final int maxInflight;
    volatile boolean closing;
    /**
     * Whether allocations go over data connections that {@linkplain ChannelConnection#carriesControl() carry
     * control} ({@code -Dkvcourier.control.inBand=false} keeps every exchange on the ZMQ alloc port).
     */
    final boolean inBandControl = Boolean.parseBoolean(System.getProperty("kvcourier.control.inBand", "true"));
    /** Whether in-band allocations may carry their batch's bytes ({@code -Dkvcourier.control.eager=false}: never). */
    final boolean eagerStores = Boolean.parseBoolean(System.getProperty("kvcourier.control.eager", "true"));
    /** Largest eager store, in bytes ({@link #EAGER_MAX_BYTES} unless {@code -Dkvcourier.control.eagerMaxBytes}). */
    final long eagerMaxBytes = Long.getLong("kvcourier.control.eagerMaxBytes", EAGER_MAX_BYTES);
    /**
     * Whether the control thread yields its CPU once after each wake-up, so that a caller whose submit woke it onto
     * the caller's CPU returns first instead of waiting out the control thread's duty cycle (BENCHMARKS.md;
     * {@code -Dkvcourier.control.yieldOnWake=false}: it runs at once).
     */
    final boolean yieldAfterWake = Boolean.parseBoolean(System.getProperty("kvcourier.control.yieldOnWake", "true"));
    /** Most keys per in-band batch ({@link #IN_BAND_BATCH_KEYS} unless {@code -Dkvcourier.control.inBandBatchKeys}). */
    final int inBandBatchKeys = Integer.getInteger("kvcourier.control.inBandBatchKeys", IN_BAND_BATCH_KEYS);

    // Control thread only:
    final WireEncoder encoder = new WireEncoder();
    /** Allocation exchanges on data connections of kvcourier receivers (the ZMQ-free control path). */
    final InBandExchanges inBand;
    /** Keys allocated on the receivers per request (for CancelNotif and aborts), forgotten when it ends. */
    final HeldKeys held = new HeldKeys();

    // The engine's parts, each one seam of a batch's way (made in this order; they reach each other through here):
    final RankConnections connections;
    final BatchWrites writes;
    final BatchAdmission admission;
    final AllocationReplies allocations;
    final BatchPlanner planner;
    private final RequestCancels cancels;

    /** Tasks submitted and not finished: failed by {@link #close} if still there after the shutdown deadline. */
    private final LiveTasks live = new LiveTasks();

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
            agent = new ControlAgent("kvcourier-control-sender", yieldAfterWake);
            this.channel = ch;
            this.control = agent;
            this.inBand = new InBandExchanges(agent, encoder);
            PeerSockets sockets = new PeerSockets(this);
            ReceiverPeer configured = sockets.newPeer(config.peerHost(), config.peerInitPort(),
                    config.peerAllocPort(), security, true);
            this.peers = new PeerRegistry(configured, sockets, config);
            this.connections = new RankConnections(this);
            this.writes = new BatchWrites(this);
            this.admission = new BatchAdmission(this);
            this.cancels = new RequestCancels(this);
            this.allocations = new AllocationReplies(this, cancels);
            this.planner = new BatchPlanner(this);
            SenderDeadlines deadlines = new SenderDeadlines(this);
            control.execute(() -> {
                for (RankPeer p : configured.ranks) {
                    control.add(p.alloc);
                }
                control.add(inBand);
                control.add(deadlines);
                control.add(peers);
            });
        } catch (RuntimeException | ChannelException e) {
            CloseHelper.closeOnFailure(e, agent, ch, staging); // reverse order of opening
            throw e;
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
            ok = planner.plan(task, peer.ranks);
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

    // -------------------------------------------------------------------------------------- completion

    /** A task's result is known (any thread). */
    void taskFinished(StoreTask task, boolean ok) {
        live.remove(task);
        if (task.jfr != null) {
            SenderEvents.storeTask(task, ok, config.peerHost(), storeOutcome(task, ok), closing);
        }
        if (task.spec.isLastPrefill() && !task.spec.reqId().isEmpty()) {
            String reqId = task.spec.reqId();
            held.forget(reqId); // the request is over: nothing left to cancel
        }
        listener.onStoreDone(task, ok);
    }

    /** The outcome of a finished task: {@code committed}, {@code closed}, {@code timed_out} or {@code failed}. */
    String storeOutcome(StoreTask task, boolean ok) {
        return ok ? "committed" : closing ? "closed" : task.timedOut() ? "timed_out" : "failed";
    }

    /**
     * Tells every receiver rank to drop the keys it allocated for {@code reqId} ({@code CancelNotif}). The
     * future completes with how many ranks acknowledged, within the allocation deadline.
     */
    CompletableFuture<Integer> cancel(String reqId) {
        return cancels.cancel(reqId);
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
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sender_id", senderId);
        m.put("ranks", configured.ranks.length);
        m.put("connected_ranks", connected);
        m.put("bytes_sent", writes.bytesSent.get());
        m.put("batches_committed", writes.batchesCommitted.get());
        m.put("batches_failed", writes.batchesFailed.get());
        m.put("cancellable_requests", held.requests());
        m.put("staging_pages", staging.pageCount());
        m.put("staging_pages_free", staging.hasPages() ? staging.allocator().available() : 0);
        m.put("registered_regions", regions.count());
        m.put("zero_copy_batches", admission.zeroCopyBatches);
        m.put("staged_batches", admission.stagedBatches);
        m.put("in_band_allocations", inBand.sent());
        m.put("in_band_replies_in_place", inBand.repliesInPlace());
        m.put("eager_stores", admission.eagerStores);
        m.put("eager_stores_landed", writes.eagerLanded);
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
                    // every write still on it fails, its pages come back
                    RankConnections.fence(-1, c, "sender is closing");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.log(System.Logger.Level.WARNING, "sender control thread did not stop its work in time: {0}",
                        e.toString());
            }
        }
        control.close(shutdown);
        admission.copier.close(); // no more copies come from the control thread
        channel.close();
        for (StoreTask t : live.snapshot()) {
            t.finish(false); // still open past every deadline: announced as failed, late results dropped
        }
        staging.close();
    }

    /** Control thread, at close: fails every batch not on the wire; returns the connections to fence. */
    private List<ChannelConnection> failUnwritten() {
        admission.failAll("sender is closing");
        List<ChannelConnection> open = new ArrayList<>();
        for (ReceiverPeer rp : peers.all()) {
            rp.admissionWaiting = 0;
            for (RankPeer p : rp.ranks) {
                connections.failWaitingForConnection(p, "sender is closing", false);
                p.alloc.failAll("sender is closing");
                if (p.connection != null) {
                    open.add(p.connection);
                    p.connection = null;
                }
            }
        }
        for (SenderBatch b : writes.inTransfer) {
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
