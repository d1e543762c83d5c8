package io.kvcourier.channel.verbs;

import io.kvcourier.channel.ChannelException;
import io.kvcourier.verbs.Verbs;
import io.kvcourier.verbs.gen.verbs_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * One adapter's verbs resources and their progress thread, made of four parts: the opened device and its one
 * protection domain ({@link VerbsDevice}), the staging buffer registered once ({@code LOCAL_WRITE | REMOTE_WRITE})
 * and any caller regions ({@link MemoryRegions}), the QP state machine ({@link QueuePairs}), and the progress
 * loop with its completion channel ({@link ProgressLoop}) that drives the {@link QpSet}s (a CQ and its RC QPs
 * per peer).
 *
 * <p>Threading: one platform thread ({@code kvcourier-verbs-...}) owns every blocking wait and every verbs
 * call after start (see {@link ProgressLoop}). Other threads hand it work with {@link #call} (bounded waits).
 * Nothing on the completion path allocates.
 *
 * <p>Ownership: {@link #close()} tears down in order — wake and join the progress thread, QPs (CQ events
 * are acked as they are taken), CQs, completion channel, MRs, PD, context, arena (docs/TRAPS.md#trap-13) — and
 * is idempotent.
 */
final class VerbsEndpoint implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(VerbsEndpoint.class.getName());
    /** Access of the staging MR and of every QP: the receiver's QP needs REMOTE_WRITE too (docs/TRAPS.md#trap-24). */
    static final int ACCESS = verbs_h.IBV_ACCESS_LOCAL_WRITE() | verbs_h.IBV_ACCESS_REMOTE_WRITE();

    final String name;
    final DeviceChoice choice;
    final int sqDepth;
    final int rqDepth;
    final long maxWrBytes;
    final int activeMtu;
    final int lid;
    final byte[] gid;
    final long registrationNanos;
    final long bufferAddr;
    final long bufferSize;
    final int lkey;
    final int rkey;
    /** Where {@code ibv_post_send} stores the first WR it did not post (progress thread). */
    final MemorySegment badWr;
    final WritePlanner planner;

    private final Arena arena;
    private final VerbsDevice device;
    private final MemoryRegions regions;
    private final QueuePairs queuePairs;
    private final ProgressLoop loop;
    private boolean closed;

    private VerbsEndpoint(String name, Arena arena, VerbsDevice device, MemoryRegions regions, ProgressLoop loop) {
        this.name = name;
        this.arena = arena;
        this.device = device;
        this.regions = regions;
        this.loop = loop;
        this.queuePairs = new QueuePairs(name, device, loop.compChannel(), arena);
        this.choice = device.choice;
        this.sqDepth = device.sqDepth;
        this.rqDepth = device.rqDepth;
        this.maxWrBytes = device.maxWrBytes;
        this.activeMtu = device.activeMtu;
        this.lid = device.lid;
        this.gid = device.gid;
        this.registrationNanos = regions.registrationNanos;
        this.bufferAddr = regions.bufferAddr;
        this.bufferSize = regions.bufferSize;
        this.lkey = regions.lkey;
        this.rkey = regions.rkey;
        this.badWr = queuePairs.badWr;
        this.planner = new WritePlanner(arena, sqDepth);
    }

    /**
     * Opens the device picked from the config, registers {@code buffer} and starts the progress thread.
     *
     * @throws ChannelException with the devices that exist when the request cannot be met, or naming the
     *                          verbs call that failed
     */
    static VerbsEndpoint open(String name, String device, int port, int gidIndex, MemorySegment buffer)
            throws ChannelException {
        if (!Verbs.isAvailable()) {
            throw new ChannelException("RDMA verbs unavailable: " + Verbs.unavailabilityCause());
        }
        DeviceChoice choice = DeviceSelector.choose(Verbs.listDevices(), device, port, gidIndex);
        Arena arena = Arena.ofShared();
        VerbsDevice dev = null;
        MemoryRegions regions = null;
        ProgressLoop loop;
        try {
            dev = new VerbsDevice(name, choice, arena);
            regions = new MemoryRegions(name, dev.pd(), buffer, arena);
            loop = new ProgressLoop(name, dev.context(), arena);
        } catch (RuntimeException e) {
            if (regions != null) {
                regions.close();
            }
            if (dev != null) {
                dev.close();
            }
            arena.close();
            throw new ChannelException("verbs channel on " + choice.device() + " port " + choice.port()
                    + " cannot start: " + e.getMessage(), e);
        }
        VerbsEndpoint ep = new VerbsEndpoint(name, arena, dev, regions, loop);
        LOG.log(System.Logger.Level.INFO, "{0}: {1} port {2} gid[{3}]={4}, MTU {5}, registered {6} bytes in {7} µs",
                name, choice.device(), choice.port(), choice.gidIndex(), choice.gid(), 128 << ep.activeMtu,
                ep.bufferSize, ep.registrationNanos / 1000);
        loop.start(ep);
        return ep;
    }

    boolean isStopping() {
        return loop.isStopping();
    }

    /**
     * Runs {@code task} on the progress thread and waits up to {@code timeout} for it.
     *
     * @throws ChannelException when the channel is closed, the task failed (its message) or timed out
     */
    <T> T call(String what, Duration timeout, Callable<T> task) throws ChannelException {
        return loop.call(what, timeout, task);
    }

    /** Makes the progress thread run a duty cycle soon (posts queued writes); free while it is busy. */
    void wakeUp() {
        loop.wakeUp();
    }

    // -------------------------------------------------------------------------- registered regions

    /** Registers caller memory as local region {@code id} (progress thread); see {@link MemoryRegions#register}. */
    void registerRegion(int id, MemorySegment segment) {
        regions.register(id, segment);
    }

    /** Deregisters region {@code id} (progress thread); unknown ids are ignored. */
    void unregisterRegion(int id) {
        regions.unregister(id);
    }

    /** Region base addresses by id (0 = staging); a snapshot, never modified. */
    long[] regionAddresses() {
        return regions.addresses();
    }

    /** Region lkeys by id; a snapshot, never modified. */
    int[] regionLkeys() {
        return regions.lkeys();
    }

    /** Whether {@code length} bytes at {@code offset} of region {@code id} lie inside registered memory. */
    boolean inRegion(int id, long offset, long length) {
        return regions.contains(id, offset, length);
    }

    // ------------------------------------------------------------------------- QP sets (loop only)

    /**
     * Creates a CQ and {@code n} RC QPs for {@code set}, moves them to INIT and posts {@code rqDepth} receive WRs
     * on each; the set is polled by the loop from the moment its CQ exists.
     */
    void createQps(QpSet set, int n) {
        set.cq = queuePairs.createCq(n);
        loop.add(set);
        queuePairs.createQps(set, n);
    }

    /** Posts {@code count} zero-length receive WRs ({@code wr_id} 0) on {@code qp}; returns 0 or an errno. */
    int postRecv(Qp qp, int count) {
        return queuePairs.postRecv(qp, count);
    }

    /** Posts the receiver's commit acknowledgement carrying {@code imm}; returns 0 or a positive errno. */
    int postAck(Qp qp, int imm) {
        return queuePairs.postAck(qp, imm);
    }

    /** Posts a sender's goodbye {@code SEND} ({@link QueuePairs#GOODBYE_WR}); returns 0 or a positive errno. */
    int postGoodbye(Qp qp) {
        return queuePairs.postGoodbye(qp);
    }

    /** INIT → RTR → RTS against the peer's QP. */
    void connect(Qp qp, int remoteQpn, int remotePsn, byte[] remoteGid, int remoteLid, int remoteMtu) {
        queuePairs.connect(qp, remoteQpn, remotePsn, remoteGid, remoteLid, remoteMtu);
    }

    /** Moves {@code qp} to ERR: its outstanding WRs flush and the peer can no longer write through it. */
    void toError(Qp qp) {
        queuePairs.toError(qp);
    }

    /**
     * Fences and destroys {@code set} now (progress thread, or after the thread stopped): its QPs go to ERR
     * and are destroyed — after {@code ibv_destroy_qp} returns nothing can be read from or written to memory
     * through them — then its CQ. Idempotent.
     */
    void destroy(QpSet set, String why) {
        if (set.destroyed) {
            return;
        }
        set.destroyRequested = true;
        queuePairs.destroyQps(set);
        // Only now, with no WR left that could read its memory, do the set's batches fail (and a sender's staging
        // pages go back for reuse).
        set.onDestroy(why);
        queuePairs.destroyCq(set);
        set.destroyed = true;
        loop.remove(set);
        set.gone.complete(null);
    }

    /** {@code ibv_query_qp}'s current state of {@code qp} ({@code IBV_QPS_*}); progress thread (tests, logs). */
    int qpState(Qp qp) {
        return queuePairs.state(qp);
    }

    /** Number of live QP sets (progress thread; tests). */
    int qpSetCount() {
        return loop.setCount();
    }

    // ------------------------------------------------------------------------------------- teardown

    /**
     * Stops the progress thread (bounded by {@code timeout}), then destroys every QP set, the completion
     * channel, MRs, PD and context, and frees the arena. Idempotent.
     */
    void close(Duration timeout) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (!loop.stop(timeout.plusSeconds(1))) {
            LOG.log(System.Logger.Level.ERROR, "{0}: progress thread did not stop within {1} ms; leaking its "
                    + "verbs resources rather than freeing them under it", name, timeout.toMillis());
            return;
        }
        if (!loop.started()) {
            teardown();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    /** The loop's last step (on its thread once it stopped): QP sets, then native objects in order. */
    void teardown() {
        loop.shutDown();
        loop.closeNative();
        regions.close();
        device.close();
        arena.close();
    }

    /** Logs a WARNING when a teardown call {@code call} of endpoint {@code owner} returned {@code rc != 0}. */
    static void warnIf(String owner, String call, int rc) {
        if (rc != 0) {
            LOG.log(System.Logger.Level.WARNING, "{0}: {1} failed: {2}", owner, call, rc);
        }
    }
}
