package io.kvcourier.channel.verbs;

import io.kvcourier.channel.ChannelException;
import io.kvcourier.verbs.Epoll;
import io.kvcourier.verbs.Errno;
import io.kvcourier.verbs.EventFd;
import io.kvcourier.verbs.Fcntl;
import io.kvcourier.verbs.InlineVerbs;
import io.kvcourier.verbs.NativeException;
import io.kvcourier.verbs.Verbs;
import io.kvcourier.verbs.gen.ibv_ah_attr;
import io.kvcourier.verbs.gen.ibv_async_event;
import io.kvcourier.verbs.gen.ibv_comp_channel;
import io.kvcourier.verbs.gen.ibv_context;
import io.kvcourier.verbs.gen.ibv_device_attr;
import io.kvcourier.verbs.gen.ibv_gid;
import io.kvcourier.verbs.gen.ibv_global_route;
import io.kvcourier.verbs.gen.ibv_mr;
import io.kvcourier.verbs.gen.ibv_port_attr;
import io.kvcourier.verbs.gen.ibv_qp;
import io.kvcourier.verbs.gen.ibv_qp_attr;
import io.kvcourier.verbs.gen.ibv_qp_cap;
import io.kvcourier.verbs.gen.ibv_qp_init_attr;
import io.kvcourier.verbs.gen.ibv_recv_wr;
import io.kvcourier.verbs.gen.ibv_send_wr;
import io.kvcourier.verbs.gen.ibv_wc;
import io.kvcourier.verbs.gen.libc_h;
import io.kvcourier.verbs.gen.verbs_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import io.kvcourier.agent.Agent;
import io.kvcourier.agent.AgentRunner;
import io.kvcourier.agent.IdleStrategy;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One adapter's verbs resources and their progress thread: the device context, one protection domain, the
 * staging buffer registered once ({@code LOCAL_WRITE | REMOTE_WRITE}), one completion channel, and the
 * {@link QpSet}s (a CQ and its RC QPs per peer session).
 *
 * <p>Threading: one platform thread ({@code kvcourier-verbs-...}) owns every blocking wait and every verbs
 * call after start: it waits in epoll over the completion-channel fd, the async-event fd and a wake-up
 * eventfd (all non-blocking); on wake it takes and acks CQ events, drains every CQ into a reused
 * {@code ibv_wc} array, lets links post queued work, re-arms the CQs and sleeps again. Other threads hand
 * it work with {@link #call} (bounded waits). Nothing on the completion path allocates.
 *
 * <p>Ownership: {@link #close()} tears down in order — wake and join the progress thread, QPs (CQ events
 * are acked as they are taken), CQs, completion channel, MR, PD, context, arena — and is idempotent.
 */
final class VerbsEndpoint implements Agent, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(VerbsEndpoint.class.getName());
    static final int WC_BATCH = 32;
    private static final long WAKE = 0;
    private static final long COMP = 1;
    private static final long ASYNC = 2;
    /** 4.096 µs × 2^16 ≈ 268 ms per try: tolerant of rxe under emulation, yet a dead peer ends in seconds. */
    static final byte QP_TIMEOUT = 16;
    static final byte RETRY_CNT = 7;
    /** 7 would mean "retry forever" (docs/TRAPS.md#trap-24). */
    static final byte RNR_RETRY = 6;
    static final byte MIN_RNR_TIMER = 12;
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
    private final int maxCqe;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment setupState;
    private final MemorySegment loopState;
    private MemorySegment context = MemorySegment.NULL;
    private MemorySegment pd = MemorySegment.NULL;
    private MemorySegment mr = MemorySegment.NULL;
    private MemorySegment compChannel = MemorySegment.NULL;
    private Epoll epoll;
    private EventFd wake;

    // Progress-thread scratch, reused.
    private final MemorySegment wcs;
    private final MemorySegment cqOut;
    private final MemorySegment ctxOut;
    private final MemorySegment asyncEvent;
    private final MemorySegment qpAttr;
    private final MemorySegment initAttr;
    private final MemorySegment recvWr;
    final MemorySegment badWr;
    private final MemorySegment ackWr;
    private final MemorySegment goodbyeWr;
    /** {@code wr_id} of a sender's goodbye SEND (see {@link #postGoodbye}). */
    static final long GOODBYE_WR = 1L << 61;
    final WritePlanner planner;

    private final List<QpSet> links = new ArrayList<>();
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private AgentRunner runner;
    private volatile boolean stopping;
    private boolean closed;
    /** Local memory write batches read from, by region id (0 = the staging buffer): address, size, lkey, MR. */
    private volatile long[] regionAddr = new long[1];
    private volatile long[] regionSize = new long[1];
    private volatile int[] regionLkey = new int[1];
    private MemorySegment[] regionMr = new MemorySegment[1];

    private VerbsEndpoint(String name, DeviceChoice choice, MemorySegment buffer) throws ChannelException {
        // every field below is set in the try block or the constructor throws
        this.name = name;
        this.choice = choice;
        this.setupState = Errno.allocateState(arena);
        this.loopState = Errno.allocateState(arena);
        this.wcs = ibv_wc.allocateArray(WC_BATCH, arena);
        this.cqOut = arena.allocate(ADDRESS);
        this.ctxOut = arena.allocate(ADDRESS);
        this.asyncEvent = ibv_async_event.allocate(arena);
        this.qpAttr = ibv_qp_attr.allocate(arena);
        this.initAttr = ibv_qp_init_attr.allocate(arena);
        this.recvWr = ibv_recv_wr.allocate(arena);
        this.badWr = arena.allocate(ADDRESS);
        this.ackWr = ibv_send_wr.allocate(arena);
        ibv_send_wr.num_sge(ackWr, 0);
        ibv_send_wr.opcode(ackWr, verbs_h.IBV_WR_SEND_WITH_IMM());
        ibv_send_wr.send_flags(ackWr, verbs_h.IBV_SEND_SIGNALED());
        ibv_send_wr.wr_id(ackWr, 1L);
        this.goodbyeWr = ibv_send_wr.allocate(arena);
        ibv_send_wr.num_sge(goodbyeWr, 0);
        ibv_send_wr.opcode(goodbyeWr, verbs_h.IBV_WR_SEND());
        ibv_send_wr.send_flags(goodbyeWr, verbs_h.IBV_SEND_SIGNALED());
        ibv_send_wr.wr_id(goodbyeWr, GOODBYE_WR);
        try {
            this.context = openDevice(choice.device());
            MemorySegment dattr = ibv_device_attr.allocate(arena);
            check("ibv_query_device", verbs_h.ibv_query_device(context, dattr));
            MemorySegment pattr = ibv_port_attr.allocate(arena);
            check("ibv_query_port", InlineVerbs.queryPort(context, choice.port(), pattr));
            this.activeMtu = ibv_port_attr.active_mtu(pattr);
            this.lid = Short.toUnsignedInt(ibv_port_attr.lid(pattr));
            long maxMsg = Integer.toUnsignedLong(ibv_port_attr.max_msg_sz(pattr));
            this.maxWrBytes = Math.min(maxMsg == 0 ? 1L << 30 : maxMsg, 1L << 30);
            MemorySegment g = ibv_gid.allocate(arena);
            check("ibv_query_gid", verbs_h.ibv_query_gid(context, (byte) choice.port(), choice.gidIndex(), g));
            this.gid = g.toArray(ValueLayout.JAVA_BYTE);
            int maxQpWr = ibv_device_attr.max_qp_wr(dattr);
            this.sqDepth = Math.max(2, Math.min(128, maxQpWr));
            this.rqDepth = Math.max(2, Math.min(64, maxQpWr));
            this.maxCqe = ibv_device_attr.max_cqe(dattr);
            this.planner = new WritePlanner(arena, sqDepth);
            ibv_recv_wr.num_sge(recvWr, 0);

            this.pd = VerbsCalls.allocPd(setupState, context);
            if (pd.equals(MemorySegment.NULL)) {
                throw new NativeException("ibv_alloc_pd", Errno.get(setupState), choice.device());
            }
            long t0 = System.nanoTime();
            MemorySegment m = VerbsCalls.regMr(setupState, pd, buffer, buffer.byteSize(), ACCESS);
            this.registrationNanos = System.nanoTime() - t0;
            if (m.equals(MemorySegment.NULL)) {
                int errno = Errno.get(setupState);
                throw new NativeException("ibv_reg_mr", errno, buffer.byteSize() + " bytes"
                        + (errno == Errno.ENOMEM || errno == Errno.EPERM ? " (check RLIMIT_MEMLOCK: ulimit -l)" : ""));
            }
            this.mr = m.reinterpret(ibv_mr.sizeof());
            this.lkey = ibv_mr.lkey(mr);
            this.rkey = ibv_mr.rkey(mr);
            this.bufferAddr = buffer.address();
            this.bufferSize = buffer.byteSize();
            regionAddr[0] = bufferAddr;
            regionSize[0] = bufferSize;
            regionLkey[0] = lkey;

            MemorySegment cc = VerbsCalls.createCompChannel(setupState, context);
            if (cc.equals(MemorySegment.NULL)) {
                throw new NativeException("ibv_create_comp_channel", Errno.get(setupState));
            }
            this.compChannel = cc.reinterpret(ibv_comp_channel.sizeof());
            int compFd = ibv_comp_channel.fd(compChannel);
            int asyncFd = ibv_context.async_fd(context);
            Fcntl.setNonBlocking(compFd); // docs/TRAPS.md#trap-14: a spurious wake must not block in ibv_get_cq_event
            Fcntl.setNonBlocking(asyncFd);
            this.wake = EventFd.create();
            this.epoll = Epoll.create(4);
            epoll.add(wake.fd(), libc_h.EPOLLIN(), WAKE);
            epoll.add(compFd, libc_h.EPOLLIN(), COMP);
            epoll.add(asyncFd, libc_h.EPOLLIN(), ASYNC);
        } catch (RuntimeException e) {
            releaseNative();
            throw new ChannelException("verbs channel on " + choice.device() + " port " + choice.port()
                    + " cannot start: " + e.getMessage(), e);
        }
        LOG.log(System.Logger.Level.INFO, "{0}: {1} port {2} gid[{3}]={4}, MTU {5}, registered {6} bytes in {7} µs",
                name, choice.device(), choice.port(), choice.gidIndex(), choice.gid(), 128 << activeMtu, bufferSize,
                registrationNanos / 1000);
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
        VerbsEndpoint ep = new VerbsEndpoint(name, choice, buffer);
        ep.start();
        return ep;
    }

    private MemorySegment openDevice(String device) {
        MemorySegment num = arena.allocate(JAVA_INT);
        MemorySegment list = VerbsCalls.getDeviceList(setupState, num);
        if (list.equals(MemorySegment.NULL)) {
            throw new NativeException("ibv_get_device_list", Errno.get(setupState));
        }
        try {
            int n = num.get(JAVA_INT, 0);
            MemorySegment devices = list.reinterpret(ADDRESS.byteSize() * (n + 1L));
            for (int i = 0; i < n; i++) {
                MemorySegment d = devices.getAtIndex(ADDRESS, i);
                String dn = verbs_h.ibv_get_device_name(d).reinterpret(256).getString(0);
                if (dn.equals(device)) {
                    MemorySegment ctx = VerbsCalls.openDevice(setupState, d);
                    if (ctx.equals(MemorySegment.NULL)) {
                        throw new NativeException("ibv_open_device", Errno.get(setupState), device);
                    }
                    return ctx.reinterpret(ibv_context.sizeof());
                }
            }
            throw new NativeException("ibv_get_device_list", Errno.ENODEV, device + " went away");
        } finally {
            verbs_h.ibv_free_device_list(list);
        }
    }

    private void start() {
        runner = new AgentRunner(this, IdleStrategy.standard()).start();
    }

    @Override
    public String roleName() {
        return "kvcourier-verbs-" + name;
    }

    /** Whether the caller is the progress thread. */
    boolean onLoop() {
        return runner != null && runner.onAgentThread();
    }

    // ------------------------------------------------------------------------------------------ tasks

    /**
     * Runs {@code task} on the progress thread and waits up to {@code timeout} for it.
     *
     * @throws ChannelException when the channel is closed, the task failed (its message) or timed out
     */
    <T> T call(String what, Duration timeout, Callable<T> task) throws ChannelException {
        if (onLoop()) {
            try {
                return task.call();
            } catch (ChannelException e) {
                throw e;
            } catch (Exception e) {
                throw new ChannelException(what + " failed: " + e.getMessage(), e);
            }
        }
        if (stopping) {
            throw new ChannelException("verbs channel " + name + " is closed");
        }
        CompletableFuture<T> f = new CompletableFuture<>();
        execute(() -> {
            try {
                if (stopping) {
                    throw new ChannelException("verbs channel " + name + " is closed");
                }
                f.complete(task.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new ChannelException(what + " did not finish within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChannelException(what + " interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof ChannelException ce) {
                throw new ChannelException(ce.getMessage(), ce);
            }
            throw new ChannelException(what + " failed: " + c.getMessage(), c);
        }
    }

    /** Queues {@code task} for the progress thread and wakes it. */
    void execute(Runnable task) {
        tasks.add(task);
        wakeUp();
    }

    /**
     * Makes the progress thread run a duty cycle soon (posts queued writes). Free while it is busy: the eventfd is
     * written only when the thread is about to block (see {@link AgentRunner#wakeUp()}).
     */
    void wakeUp() {
        AgentRunner r = runner;
        if (r != null) {
            r.wakeUp();
        }
    }

    @Override
    public void wakeUpSignal() {
        try {
            wake.signal();
        } catch (IllegalStateException e) {
            // closed: the loop is gone and close() ran or runs the remaining tasks
        }
    }

    boolean isStopping() {
        return stopping;
    }

    // ------------------------------------------------------------------------------------- the loop

    /** One duty cycle: queued tasks, every CQ, queued writes, links to tear down. */
    @Override
    public int doWork() {
        if (stopping) {
            return 0;
        }
        int work = runTasks();
        work += pollAll();
        pumpAll();
        reap();
        return work;
    }

    /**
     * Arms every CQ, catches completions that raced the arming, then blocks in {@code epoll_wait} on the
     * completion channel, the async-event fd and the wake-up eventfd (bounded at 1 s as a safety net; the work
     * itself always comes with one of those fds).
     */
    @Override
    public void awaitWork() {
        if (stopping) {
            return;
        }
        armAll();
        if (pollAll() > 0 || !tasks.isEmpty()) {
            return; // completions that raced the arm, or work queued meanwhile
        }
        int n = epoll.wait(1000);
        for (int i = 0; i < n; i++) {
            long which = epoll.data(i);
            if (which == WAKE) {
                wake.drain();
            } else if (which == COMP) {
                takeCqEvents();
            } else {
                takeAsyncEvents();
            }
        }
    }

    private int runTasks() {
        int n = 0;
        for (Runnable r; (r = tasks.poll()) != null; n++) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, name + ": verbs task failed", e);
            }
        }
        return n;
    }

    /** Drains every CQ; returns the number of completions handled. */
    private int pollAll() {
        int total = 0;
        for (int l = 0; l < links.size(); l++) {
            QpSet link = links.get(l);
            if (link.destroyRequested) {
                continue;
            }
            int n;
            while ((n = InlineVerbs.pollCq(link.cq, WC_BATCH, wcs)) > 0) {
                total += n;
                for (int i = 0; i < n; i++) {
                    dispatch(link, i);
                }
                if (link.destroyRequested) {
                    break;
                }
            }
            if (n < 0) {
                link.destroyRequested = true;
                link.onDestroy("ibv_poll_cq failed: " + n);
            }
        }
        return total;
    }

    private void dispatch(QpSet link, int i) {
        long base = i * ibv_wc.sizeof();
        int qpn = wcs.get(JAVA_INT, base + ibv_wc.qp_num$offset());
        Qp qp = link.qp(qpn);
        if (qp == null) {
            return; // a flushed completion of a QP already destroyed
        }
        int status = wcs.get(JAVA_INT, base + ibv_wc.status$offset());
        int opcode = wcs.get(JAVA_INT, base + ibv_wc.opcode$offset());
        long wrId = wcs.get(JAVA_LONG, base + ibv_wc.wr_id$offset());
        int imm = wcs.get(WritePlanner.IMM_LAYOUT, base + ibv_wc.imm_data$offset());
        int flags = wcs.get(JAVA_INT, base + ibv_wc.wc_flags$offset());
        int vendorErr = wcs.get(JAVA_INT, base + ibv_wc.vendor_err$offset());
        link.onCompletion(qp, status, opcode, wrId, imm, flags, vendorErr);
    }

    private void pumpAll() {
        for (int l = 0; l < links.size(); l++) {
            QpSet link = links.get(l);
            if (!link.destroyRequested) {
                link.pump();
            }
        }
    }

    private void reap() {
        for (int l = links.size() - 1; l >= 0; l--) {
            QpSet link = links.get(l);
            if (link.destroyRequested) {
                destroy(link, "destroyed");
            }
        }
    }

    private void armAll() {
        for (int l = 0; l < links.size(); l++) {
            QpSet link = links.get(l);
            int rc = InlineVerbs.reqNotifyCq(link.cq, false);
            if (rc != 0) {
                link.destroyRequested = true;
                link.onDestroy(new NativeException("ibv_req_notify_cq", rc).getMessage());
            }
        }
    }

    private void takeCqEvents() {
        while (VerbsCalls.getCqEvent(loopState, compChannel, cqOut, ctxOut) == 0) {
            // Acked at once, so ibv_destroy_cq never waits for an unacked event (docs/TRAPS.md#trap-13). The link's own
            // segment is passed, so taking an event allocates nothing.
            long cq = cqOut.get(JAVA_LONG, 0);
            MemorySegment seg = null;
            for (int l = 0; l < links.size() && seg == null; l++) {
                if (links.get(l).cq.address() == cq) {
                    seg = links.get(l).cq;
                }
            }
            verbs_h.ibv_ack_cq_events(seg != null ? seg : MemorySegment.ofAddress(cq), 1);
        }
    }

    private void takeAsyncEvents() {
        while (VerbsCalls.getAsyncEvent(loopState, context, asyncEvent) == 0) {
            int type = ibv_async_event.event_type(asyncEvent);
            long element = asyncEvent.get(JAVA_LONG, 0);
            if (type == verbs_h.IBV_EVENT_QP_FATAL() || type == verbs_h.IBV_EVENT_QP_REQ_ERR()
                    || type == verbs_h.IBV_EVENT_QP_ACCESS_ERR()) {
                Qp qp = findQp(element);
                if (qp != null && !qp.broken) {
                    qp.qpSet.onQpFailed(qp, "async event " + eventName(type) + " on " + qp);
                }
            } else if (type == verbs_h.IBV_EVENT_DEVICE_FATAL() || type == verbs_h.IBV_EVENT_PORT_ERR()) {
                LOG.log(System.Logger.Level.WARNING, "{0}: async event {1}", name, eventName(type));
            }
            verbs_h.ibv_ack_async_event(asyncEvent);
        }
    }

    private Qp findQp(long address) {
        for (QpSet l : links) {
            for (Qp q : l.qps) {
                if (q.qp.address() == address) {
                    return q;
                }
            }
        }
        return null;
    }

    private static String eventName(int type) {
        MemorySegment s = verbs_h.ibv_event_type_str(type);
        return s.equals(MemorySegment.NULL) ? "event " + type : s.reinterpret(128).getString(0);
    }

    // -------------------------------------------------------------------------- registered regions

    /**
     * Registers caller memory as local region {@code id} (progress thread): an MR with this endpoint's PD, local
     * access only — the receiver never sees it.
     */
    void registerRegion(int id, MemorySegment segment) {
        if (id <= 0) {
            throw new IllegalArgumentException("region id must be > 0, got " + id);
        }
        if (id < regionMr.length && regionMr[id] != null) {
            throw new IllegalArgumentException("region " + id + " is already registered");
        }
        MemorySegment m = VerbsCalls.regMr(setupState, pd, segment, segment.byteSize(), 0);
        if (m.equals(MemorySegment.NULL)) {
            int errno = Errno.get(setupState);
            throw new NativeException("ibv_reg_mr", errno, segment.byteSize() + " bytes of caller memory"
                    + (errno == Errno.ENOMEM || errno == Errno.EPERM ? " (check RLIMIT_MEMLOCK: ulimit -l)" : ""));
        }
        m = m.reinterpret(ibv_mr.sizeof());
        int n = Math.max(regionMr.length, id + 1);
        long[] addr = java.util.Arrays.copyOf(regionAddr, n);
        long[] size = java.util.Arrays.copyOf(regionSize, n);
        int[] keys = java.util.Arrays.copyOf(regionLkey, n);
        regionMr = java.util.Arrays.copyOf(regionMr, n);
        regionMr[id] = m;
        addr[id] = segment.address();
        size[id] = segment.byteSize();
        keys[id] = ibv_mr.lkey(m);
        regionAddr = addr;
        regionSize = size;
        regionLkey = keys;
    }

    /** Deregisters region {@code id} (progress thread); unknown ids are ignored. */
    void unregisterRegion(int id) {
        if (id <= 0 || id >= regionMr.length || regionMr[id] == null) {
            return;
        }
        long[] size = regionSize.clone();
        size[id] = 0; // no batch can pass the bounds check any more
        regionSize = size;
        warnIf("ibv_dereg_mr", verbs_h.ibv_dereg_mr(regionMr[id]));
        regionMr[id] = null;
    }

    /** Region base addresses by id (0 = staging); a snapshot, never modified. */
    long[] regionAddresses() {
        return regionAddr;
    }

    /** Region lkeys by id; a snapshot, never modified. */
    int[] regionLkeys() {
        return regionLkey;
    }

    /** Whether {@code length} bytes at {@code offset} of region {@code id} lie inside registered memory. */
    boolean inRegion(int id, long offset, long length) {
        long[] size = regionSize;
        return id >= 0 && id < size.length && offset >= 0 && length >= 0 && offset <= size[id] - length;
    }

    // ------------------------------------------------------------------------- QP setup (loop only)

    /**
     * Creates a CQ and {@code n} RC QPs for {@code link}, moves them to INIT and posts {@code rqDepth}
     * receive WRs on each, then registers the link with the loop.
     */
    void createQps(QpSet link, int n) {
        int cqe = n * (sqDepth + rqDepth) + 1;
        if (maxCqe > 0 && cqe > maxCqe) {
            throw new IllegalStateException("a CQ for " + n + " QPs needs " + cqe + " entries; the device allows "
                    + maxCqe);
        }
        MemorySegment cq = VerbsCalls.createCq(setupState, context, cqe, MemorySegment.NULL, compChannel, 0);
        if (cq.equals(MemorySegment.NULL)) {
            throw new NativeException("ibv_create_cq", Errno.get(setupState), cqe + " entries");
        }
        link.cq = cq;
        links.add(link);
        Qp[] qps = new Qp[n];
        link.qps = new Qp[0];
        for (int i = 0; i < n; i++) {
            initAttr.fill((byte) 0);
            ibv_qp_init_attr.send_cq(initAttr, cq);
            ibv_qp_init_attr.recv_cq(initAttr, cq);
            MemorySegment cap = ibv_qp_init_attr.cap(initAttr);
            ibv_qp_cap.max_send_wr(cap, sqDepth);
            ibv_qp_cap.max_recv_wr(cap, rqDepth);
            ibv_qp_cap.max_send_sge(cap, 1);
            ibv_qp_cap.max_recv_sge(cap, 1);
            ibv_qp_init_attr.qp_type(initAttr, verbs_h.IBV_QPT_RC());
            MemorySegment qp = VerbsCalls.createQp(setupState, pd, initAttr);
            if (qp.equals(MemorySegment.NULL)) {
                throw new NativeException("ibv_create_qp", Errno.get(setupState), "QP " + (i + 1) + " of " + n);
            }
            qp = qp.reinterpret(ibv_qp.sizeof());
            qps[i] = new Qp(link, i, qp, ibv_qp.qp_num(qp), ThreadLocalRandom.current().nextInt(1 << 24), sqDepth);
            link.qps = java.util.Arrays.copyOf(qps, i + 1);

            qpAttr.fill((byte) 0);
            ibv_qp_attr.qp_state(qpAttr, verbs_h.IBV_QPS_INIT());
            ibv_qp_attr.pkey_index(qpAttr, (short) 0);
            ibv_qp_attr.port_num(qpAttr, (byte) choice.port());
            // The receiver's QP needs REMOTE_WRITE here, not only on the MR (docs/TRAPS.md#trap-24).
            ibv_qp_attr.qp_access_flags(qpAttr, ACCESS);
            modify(qps[i], verbs_h.IBV_QP_STATE() | verbs_h.IBV_QP_PKEY_INDEX() | verbs_h.IBV_QP_PORT()
                    | verbs_h.IBV_QP_ACCESS_FLAGS(), "INIT");
            postRecv(qps[i], rqDepth);
        }
    }

    /** Posts {@code count} zero-length receive WRs ({@code wr_id} 0) on {@code qp}; returns 0 or an errno. */
    int postRecv(Qp qp, int count) {
        for (int i = 0; i < count; i++) {
            int rc = InlineVerbs.postRecv(qp.qp, recvWr, badWr);
            if (rc != 0) {
                return rc;
            }
        }
        return 0;
    }

    /**
     * Posts one zero-length signalled {@code SEND_WITH_IMM} ({@code wr_id} 1) carrying {@code imm} big-endian:
     * the receiver's commit acknowledgement. Returns 0 or a positive errno.
     */
    int postAck(Qp qp, int imm) {
        ackWr.set(WritePlanner.IMM_LAYOUT, ibv_send_wr.imm_data$offset(), imm);
        return InlineVerbs.postSend(qp.qp, ackWr, badWr);
    }

    /**
     * Posts a zero-length signalled {@code SEND} ({@code wr_id} {@link #GOODBYE_WR}): a sender closing a
     * healthy connection tells the receiver to drop its session. Its completion also means every earlier WR
     * of the QP completed. Returns 0 or a positive errno.
     */
    int postGoodbye(Qp qp) {
        return InlineVerbs.postSend(qp.qp, goodbyeWr, badWr);
    }

    /** INIT → RTR → RTS against the peer's QP. */
    void connect(Qp qp, int remoteQpn, int remotePsn, byte[] remoteGid, int remoteLid, int remoteMtu) {
        qpAttr.fill((byte) 0);
        ibv_qp_attr.qp_state(qpAttr, verbs_h.IBV_QPS_RTR());
        ibv_qp_attr.path_mtu(qpAttr, Math.min(activeMtu, remoteMtu));
        ibv_qp_attr.dest_qp_num(qpAttr, remoteQpn);
        ibv_qp_attr.rq_psn(qpAttr, remotePsn & 0xFFFFFF);
        ibv_qp_attr.max_dest_rd_atomic(qpAttr, (byte) 1);
        ibv_qp_attr.min_rnr_timer(qpAttr, MIN_RNR_TIMER);
        MemorySegment ah = ibv_qp_attr.ah_attr(qpAttr);
        ibv_ah_attr.is_global(ah, (byte) 1); // RoCE needs the GRH
        ibv_ah_attr.dlid(ah, (short) remoteLid);
        ibv_ah_attr.sl(ah, (byte) 0);
        ibv_ah_attr.src_path_bits(ah, (byte) 0);
        ibv_ah_attr.port_num(ah, (byte) choice.port());
        MemorySegment grh = ibv_ah_attr.grh(ah);
        MemorySegment.copy(MemorySegment.ofArray(remoteGid), 0, ibv_global_route.dgid(grh), 0, 16);
        ibv_global_route.sgid_index(grh, (byte) choice.gidIndex());
        ibv_global_route.hop_limit(grh, (byte) 64);
        ibv_global_route.traffic_class(grh, (byte) 0);
        ibv_global_route.flow_label(grh, 0);
        modify(qp, verbs_h.IBV_QP_STATE() | verbs_h.IBV_QP_AV() | verbs_h.IBV_QP_PATH_MTU() | verbs_h.IBV_QP_DEST_QPN()
                | verbs_h.IBV_QP_RQ_PSN() | verbs_h.IBV_QP_MAX_DEST_RD_ATOMIC() | verbs_h.IBV_QP_MIN_RNR_TIMER(), "RTR");

        qpAttr.fill((byte) 0);
        ibv_qp_attr.qp_state(qpAttr, verbs_h.IBV_QPS_RTS());
        ibv_qp_attr.timeout(qpAttr, QP_TIMEOUT);
        ibv_qp_attr.retry_cnt(qpAttr, RETRY_CNT);
        ibv_qp_attr.rnr_retry(qpAttr, RNR_RETRY);
        ibv_qp_attr.sq_psn(qpAttr, qp.psn);
        ibv_qp_attr.max_rd_atomic(qpAttr, (byte) 1);
        modify(qp, verbs_h.IBV_QP_STATE() | verbs_h.IBV_QP_TIMEOUT() | verbs_h.IBV_QP_RETRY_CNT()
                | verbs_h.IBV_QP_RNR_RETRY() | verbs_h.IBV_QP_SQ_PSN() | verbs_h.IBV_QP_MAX_QP_RD_ATOMIC(), "RTS");
    }

    private void modify(Qp qp, int mask, String state) {
        int rc = verbs_h.ibv_modify_qp(qp.qp, qpAttr, mask);
        if (rc != 0) {
            throw new NativeException("ibv_modify_qp", rc, qp + " to " + state);
        }
    }

    /** Moves {@code qp} to ERR: its outstanding WRs flush and the peer can no longer write through it. */
    void toError(Qp qp) {
        qp.broken = true;
        qpAttr.fill((byte) 0);
        ibv_qp_attr.qp_state(qpAttr, verbs_h.IBV_QPS_ERR());
        verbs_h.ibv_modify_qp(qp.qp, qpAttr, verbs_h.IBV_QP_STATE());
    }

    /**
     * Fences and destroys {@code link} now (progress thread, or after the thread stopped): its QPs go to ERR
     * and are destroyed — after {@code ibv_destroy_qp} returns nothing can be read from or written to memory
     * through them — then its CQ.
     */
    void destroy(QpSet link, String why) {
        if (link.destroyed) {
            return;
        }
        link.destroyRequested = true;
        for (Qp q : link.qps) {
            toError(q);
        }
        for (Qp q : link.qps) {
            int rc = verbs_h.ibv_destroy_qp(q.qp);
            if (rc != 0) {
                LOG.log(System.Logger.Level.WARNING, "{0}: ibv_destroy_qp({1}) failed: {2}", name, q,
                        new NativeException("ibv_destroy_qp", rc).getMessage());
            }
        }
        // Only now, with no WR left that could read its memory, do the link's batches fail (and a sender's staging
        // pages go back for reuse).
        link.onDestroy(why);
        if (!link.cq.equals(MemorySegment.NULL)) {
            int rc = verbs_h.ibv_destroy_cq(link.cq);
            if (rc != 0) {
                LOG.log(System.Logger.Level.WARNING, "{0}: ibv_destroy_cq failed: {1}", name,
                        new NativeException("ibv_destroy_cq", rc).getMessage());
            }
        }
        link.destroyed = true;
        links.remove(link);
        link.gone.complete(null);
    }

    /** {@code ibv_query_qp}'s current state of {@code qp} ({@code IBV_QPS_*}); progress thread (tests, logs). */
    int qpState(Qp qp) {
        int rc = verbs_h.ibv_query_qp(qp.qp, qpAttr, verbs_h.IBV_QP_STATE(), initAttr);
        if (rc != 0) {
            throw new NativeException("ibv_query_qp", rc, qp.toString());
        }
        return ibv_qp_attr.qp_state(qpAttr);
    }

    /** Number of live links (tests). */
    int linkCount() {
        return links.size();
    }

    // ------------------------------------------------------------------------------------- teardown

    /**
     * Stops the progress thread (bounded by {@code timeout}), then destroys every link, the completion
     * channel, MR, PD and context, and frees the arena. Idempotent.
     */
    void close(Duration timeout) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        stopping = true;
        if (runner != null && !runner.close(timeout.plusSeconds(1))) {
            LOG.log(System.Logger.Level.ERROR, "{0}: progress thread did not stop within {1} ms; leaking its "
                    + "verbs resources rather than freeing them under it", name, timeout.toMillis());
            return;
        }
        if (runner == null) {
            teardown();
        }
    }

    /** The runner's last step, on the progress thread once its loop stopped: links, then native objects. */
    @Override
    public void onClose() {
        teardown();
    }

    private void teardown() {
        stopping = true;
        runTasks(); // each fails fast: stopping is set
        for (int l = links.size() - 1; l >= 0; l--) {
            destroy(links.get(l), "verbs channel closed");
        }
        releaseNative();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    private void releaseNative() {
        if (epoll != null) {
            epoll.close();
        }
        if (wake != null) {
            wake.close();
        }
        if (!compChannel.equals(MemorySegment.NULL)) {
            warnIf("ibv_destroy_comp_channel", verbs_h.ibv_destroy_comp_channel(compChannel));
            compChannel = MemorySegment.NULL;
        }
        for (int i = 1; i < regionMr.length; i++) {
            if (regionMr[i] != null) {
                warnIf("ibv_dereg_mr", verbs_h.ibv_dereg_mr(regionMr[i]));
                regionMr[i] = null;
            }
        }
        if (!mr.equals(MemorySegment.NULL)) {
            warnIf("ibv_dereg_mr", verbs_h.ibv_dereg_mr(mr));
            mr = MemorySegment.NULL;
        }
        if (!pd.equals(MemorySegment.NULL)) {
            warnIf("ibv_dealloc_pd", verbs_h.ibv_dealloc_pd(pd));
            pd = MemorySegment.NULL;
        }
        if (!context.equals(MemorySegment.NULL)) {
            warnIf("ibv_close_device", verbs_h.ibv_close_device(context));
            context = MemorySegment.NULL;
        }
        arena.close();
    }

    private void warnIf(String call, int rc) {
        if (rc != 0) {
            LOG.log(System.Logger.Level.WARNING, "{0}: {1} failed: {2}", name, call, rc);
        }
    }

    private static void check(String call, int rc) {
        if (rc != 0) {
            throw new NativeException(call, rc);
        }
    }
}
