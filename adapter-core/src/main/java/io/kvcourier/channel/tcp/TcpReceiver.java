package io.kvcourier.channel.tcp;

import io.kvcourier.agent.Agent;
import io.kvcourier.agent.AgentRunner;
import io.kvcourier.agent.CloseHelper;
import io.kvcourier.agent.IdleStrategy;
import io.kvcourier.agent.WakeableSelector;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.channel.ChannelSettings;
import io.kvcourier.channel.ControlRequestHandler;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.InitError;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.TcpInitRequest;
import io.kvcourier.wire.TcpInitResponse;
import io.kvcourier.wire.WireCodec;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The receiver half of the tcp channel: a data listener on {@code bind_host}, port 0, and one progress thread
 * ({@code kvcourier-tcp-receiver-<port>}, an {@link AgentRunner} duty cycle) whose selector accepts connections,
 * reads frames ({@link TcpFrames}) straight into the staging pages and writes acknowledgements. Each
 * descriptor block is admitted once by the {@link LandingListener} ({@link LandingListener#admitBatch}) before
 * its payload is read; the committing frame's batch is reported to it and answered. Handshakes
 * ({@link #handshake}) run on the init servers' threads and mint single-use session tokens; {@link #fence} and
 * {@link #close} hand their work to the progress thread and wait for it.
 *
 * <p>Reading: each connection has a session-free read-ahead buffer that holds a descriptor block and the lead
 * payload a sender writes with it. Descriptor blocks, small entries and those first bytes go through it (one
 * read takes a small batch, or several small frames; their bytes are copied into the pages); a payload remainder
 * of at least {@value InboundDataConnection#READ_AHEAD_BELOW} bytes is read straight into the page's view, one
 * single-buffer read at a time ({@link RegionViews} says why not a scattering read).
 * Acks produced by one read pass of a connection go out in one write.
 *
 * <p>The parts: {@link SessionGrants} (the tokens handshakes mint), {@link InboundDataConnections} (accept, hello
 * deadlines, fences), {@link InboundDataConnection} (one connection's frame reader and batch admission),
 * {@link HelloReader}, {@link ControlRequestReader} and {@link ControlReplier} (in-band control) and
 * {@link AckWriter} (acks and replies). All of them run on the progress thread of this class's duty cycle.
 *
 * <p>Each connection keeps its "frame in progress" state explicit (which batch it is reading, which pages,
 * whether the batch still has frames to come), so that one allocation is fenced per frame without closing a
 * connection that other allocations use ({@link #fenceAllocation}): a frame of a fenced allocation is read and
 * discarded (its bytes go nowhere), and its batch's committing frame is answered with a refusal (an ACK with
 * committed = 0), which fails that batch only on the sender.
 *
 * <p><b>Control (data version {@value TcpFrames#VERSION_CONTROL}).</b> Once the engine has set its {@link
 * ControlRequestHandler}, handshakes offer version {@value TcpFrames#VERSION_CONTROL}: a CONTROL frame between
 * batches is handed to the handler on this thread, with a {@link ControlRequestHandler.Replier} that may be called
 * at once or later from any thread. The reply is written by this thread only, into the same output buffer as the
 * ACKs (whole frames, in the order queued); a reply from another thread is copied and handed over with a wake-up,
 * and dropped when its connection has closed meanwhile (the sender fails that exchange when the connection closes).
 * From version {@value TcpFrames#VERSION_EAGER} on, a connection also lands eager stores ({@link TcpFrames}) into
 * the pages that the handler granted while its CONTROL frame was handled ({@link EagerGrants}).
 */
final class TcpReceiver implements ChannelReceiver, Agent {
    private static final System.Logger LOG = System.getLogger(TcpReceiver.class.getName());
    /** Bytes read from one connection before the others get a turn. */
    private static final long READ_BUDGET = 16L << 20;
    private static final int SOCKET_BUFFER = 4 << 20;
    /** Most accepted connections still waiting for their hello; more are closed at once. */
    static final int MAX_UNAUTHENTICATED = 256;

    private final StagingBuffer staging;
    private final String advertisedHost;
    private final int port;
    private final long shutdownNanos;
    private final ServerSocketChannel server;
    private final WakeableSelector selector;
    final SessionGrants grants;
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    /** Open connections; progress thread only. */
    final InboundDataConnections connections;
    private final Consumer<SelectionKey> onKey = this::handle;
    private final AgentRunner runner;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean closing;
    private volatile boolean exited;

    /** Socket bytes one connection may read per read pass; smaller in tests of frames that straddle passes. */
    volatile long readBudget = READ_BUDGET;
    /**
     * Highest data version handshakes offer ({@value TcpFrames#VERSION_CONTROL} or more only with a control handler);
     * {@code -Dkvcourier.tcp.dataVersion=2} (or 3, or a test) makes this receiver talk like one from before in-band
     * control (or before eager stores).
     */
    volatile int maxDataVersion = Integer.getInteger("kvcourier.tcp.dataVersion", TcpFrames.VERSION_EAGER);
    /** Where CONTROL frames go; null until the engine sets it (no version 3 offered before). */
    private volatile ControlRequestHandler controlHandler;

    /** Connections closed because their hello was missing, late, malformed or had no live token. */
    final AtomicLong refusedConnections = new AtomicLong();
    /** Connections closed because of a frame: not admitted, malformed, or a peer that stopped reading acks. */
    final AtomicLong rejectedFrames = new AtomicLong();
    /** Frames of fenced allocations whose payload was discarded (the connection stayed open). */
    final AtomicLong discardedFrames = new AtomicLong();
    final AtomicLong committedBatches = new AtomicLong();
    /** Control requests handed to the handler, and replies queued to their connection. */
    final AtomicLong controlRequests = new AtomicLong();
    final AtomicLong controlReplies = new AtomicLong();
    final AtomicLong bytesReceived = new AtomicLong();

    TcpReceiver(ChannelSettings settings, StagingBuffer staging, LandingListener listener) throws ChannelException {
        this.staging = staging;
        long handshakeNanos = settings.handshakeTimeout().toNanos();
        this.grants = new SessionGrants(2 * handshakeNanos);
        this.connections = new InboundDataConnections(this, staging, listener, handshakeNanos);
        this.shutdownNanos = settings.shutdownTimeout().toNanos();
        this.advertisedHost = isWildcard(settings.bindHost()) ? settings.peerHost() : settings.bindHost();
        ServerSocketChannel srv = null;
        WakeableSelector sel = null;
        try {
            srv = ServerSocketChannel.open();
            srv.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
            srv.bind(isWildcard(settings.bindHost()) ? new InetSocketAddress(0)
                    : new InetSocketAddress(settings.bindHost(), 0), 2 * MAX_UNAUTHENTICATED);
            srv.configureBlocking(false);
            sel = WakeableSelector.open();
            srv.register(sel.selector(), SelectionKey.OP_ACCEPT);
            this.port = ((InetSocketAddress) srv.getLocalAddress()).getPort();
        } catch (IOException | RuntimeException e) {
            CloseHelper.closeOnFailure(e, sel, srv); // reverse order of opening
            throw new ChannelException("tcp receiver cannot listen on bind_host '" + settings.bindHost() + "': "
                    + e, e);
        }
        this.server = srv;
        this.selector = sel;
        this.runner = new AgentRunner(this, IdleStrategy.standard()).start();
    }

    static boolean isWildcard(String host) {
        return host.isEmpty() || host.equals("*") || host.equals("0.0.0.0") || host.equals("::")
                || host.equals("[::]") || host.equals("0:0:0:0:0:0:0:0");
    }

    /** The data port senders connect to. */
    int port() {
        return port;
    }

    /** The host announced to senders. */
    String advertisedHost() {
        return advertisedHost;
    }

    // ------------------------------------------------------------------------------------------ handshake

    @Override
    public PdMessage handshake(PdMessage request) {
        if (!(request instanceof TcpInitRequest req)) {
            return refuse("tcp receiver expects TcpInitRequest, got " + request.getClass().getSimpleName());
        }
        if (req.version() != WireCodec.PROTOCOL_VERSION) {
            return refuse("protocol version " + req.version() + " not supported (this receiver speaks "
                    + WireCodec.PROTOCOL_VERSION + ")");
        }
        int idBytes = req.senderId().getBytes(StandardCharsets.UTF_8).length;
        if (idBytes < 1 || idBytes > TcpFrames.MAX_SENDER_ID_BYTES) {
            return refuse("sender_id must be 1.." + TcpFrames.MAX_SENDER_ID_BYTES + " UTF-8 bytes, got " + idBytes);
        }
        if (req.dataVersion() < TcpFrames.VERSION) {
            return refuse("tcp data version " + req.dataVersion() + " not supported (this receiver speaks "
                    + TcpFrames.VERSION + ".." + TcpFrames.VERSION_EAGER + ")");
        }
        if (closing) {
            return refuse("receiver is closing");
        }
        int offered = controlHandler != null ? Math.max(TcpFrames.VERSION, Math.min(maxDataVersion,
                TcpFrames.VERSION_EAGER)) : TcpFrames.VERSION;
        int dataVersion = Math.min(req.dataVersion(), offered);
        byte[] token = grants.mint(req.senderId(), dataVersion);
        if (token == null) {
            return refuse("too many unused tcp handshakes (" + grants.size() + ")");
        }
        return new TcpInitResponse(WireCodec.PROTOCOL_VERSION, advertisedHost, port, token, staging.pageSize(),
                dataVersion);
    }

    /**
     * Installs the handler of CONTROL frames; handshakes answered from now on offer data version {@value
     * TcpFrames#VERSION_CONTROL}. A CONTROL frame that arrives while no handler is set closes its connection (the
     * sender then fails that exchange), as if the connection did not carry control.
     */
    @Override
    public void setControlHandler(ControlRequestHandler handler) {
        controlHandler = handler;
    }

    private static InitError refuse(String why) {
        return new InitError(WireCodec.PROTOCOL_VERSION, why);
    }

    /** Handshakes answered whose token no connection has used yet (and that have not expired). */
    int pendingGrants() {
        return grants.pending();
    }

    // ---------------------------------------------------------------------------------- fence / close

    /**
     * Closes every data connection of {@code senderId} and revokes its unused tokens (a connection whose hello
     * has not been read yet could otherwise authenticate after the fence), then returns once the progress
     * thread has done so, bounded by the shutdown deadline. The sender reconnects through a new handshake.
     */
    @Override
    public void fence(String senderId) {
        tryFence(senderId);
    }

    /** {@link #fence}; false when the progress thread did not close the connections within the shutdown deadline. */
    @Override
    public boolean tryFence(String senderId) {
        grants.revoke(senderId);
        return runAndWait(() -> connections.closeOf(senderId), "fencing sender", senderId);
    }

    /**
     * Closes one data connection (the one an in-band allocation came on: {@link ControlReplier#closeConnection}),
     * leaving the sender's others open; false when the progress thread did not within the shutdown deadline.
     */
    boolean closeConnection(InboundDataConnection c) {
        return runAndWait(c::close, "closing a data connection of sender", c.senderId);
    }

    /**
     * Runs {@code work} on the progress thread (at once when called there) and waits for it up to the shutdown
     * deadline. True once it ran, or once the progress thread has exited (it then closed every connection and reads
     * nothing any more); false, logged with {@code what} and {@code senderId}, when the deadline passed.
     */
    private boolean runAndWait(Runnable work, String what, String senderId) {
        if (runner.onAgentThread()) {
            work.run();
            return true;
        }
        CountDownLatch done = new CountDownLatch(1);
        commands.add(() -> {
            work.run();
            done.countDown();
        });
        runner.wakeUp();
        if (exited) {
            return true;
        }
        try {
            if (done.await(shutdownNanos, TimeUnit.NANOSECONDS)) {
                return true;
            }
            LOG.log(System.Logger.Level.ERROR, "{0} {1} did not finish within the shutdown deadline", what, senderId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /**
     * Fences one allocation without closing a connection: on the progress thread, a connection of
     * {@code senderId} that is reading a frame of batch {@code batchId} stops putting its bytes into the pages
     * (the rest of the batch is read and discarded, its committing frame refused), and admission (the listener,
     * which no longer admits that allocation) refuses its later frames the same way. Returns
     * {@link AllocationFence#ALLOCATION} once the progress thread has done so — from then on no byte of that
     * sender lands in the allocation's pages — or {@link AllocationFence#UNCONFIRMED} when it did not within the
     * shutdown deadline. A sender with no data connection at that moment is fenced whole (its unused tokens are
     * revoked, as {@link #tryFence} does): {@link AllocationFence#SENDER}.
     */
    @Override
    public AllocationFence fenceAllocation(String senderId, int batchId) {
        // SENDER stays if the progress thread exited first: it closed every connection and reads nothing.
        AllocationFence[] outcome = {AllocationFence.SENDER};
        boolean done = runAndWait(() -> outcome[0] = connections.discardBatchOf(senderId, batchId),
                "fencing batch " + batchId + " of sender", senderId);
        return done ? outcome[0] : AllocationFence.UNCONFIRMED;
    }

    /**
     * Stops the progress thread, closing every connection, and waits for it up to the shutdown deadline (not
     * when called on that thread itself, e.g. from the listener: it then stops reading at once). Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closing = true;
        grants.clear();
        if (!runner.close(Duration.ofNanos(shutdownNanos)) && !runner.onAgentThread()) {
            LOG.log(System.Logger.Level.ERROR,
                    "tcp receiver progress thread did not stop within the shutdown deadline");
        }
    }

    // ------------------------------------------------------------------------------------ progress thread

    @Override
    public String roleName() {
        return "kvcourier-tcp-receiver-" + port;
    }

    @Override
    public int doWork() throws IOException {
        // The selector first: a select clears a pending wake-up, so commands must be taken after it.
        return selector.selectNowUnlessSelected(onKey) + doWorkBeforeAwait();
    }

    /** All but polling the sockets: the select of {@link #awaitWork} that follows sees them (and any wake-up). */
    @Override
    public int doWorkBeforeAwait() {
        int work = 0;
        Runnable r;
        while ((r = commands.poll()) != null) {
            r.run();
            work++;
        }
        connections.expireHellos();
        return work;
    }

    @Override
    public void awaitWork() throws IOException {
        selector.select(onKey, connections.selectTimeoutMillis());
    }

    @Override
    public void wakeUpSignal() {
        selector.wakeUp();
    }

    @Override
    public void onClose() {
        exited = true;
        connections.closeAll();
        CloseHelper.quietCloseAll(server, selector);
        Runnable r;
        while ((r = commands.poll()) != null) {
            r.run(); // fences queued before the flag: there is nothing left to close
        }
    }

    private void handle(SelectionKey key) {
        try {
            if (key.isAcceptable()) {
                connections.accept(server, selector.selector());
                return;
            }
            InboundDataConnection c = (InboundDataConnection) key.attachment();
            if (key.isWritable()) {
                c.onWritable();
            }
            if (key.isValid() && key.isReadable()) {
                c.onReadable();
            }
        } catch (CancelledKeyException e) {
            // closed while this key was being handled
        }
    }

    // ------------------------------------------------------------------------ for the connections

    /** The receiver is closing: connections stop reading. */
    boolean closing() {
        return closing;
    }

    ControlRequestHandler controlHandler() {
        return controlHandler;
    }

    boolean onProgressThread() {
        return runner.onAgentThread();
    }

    /** Runs {@code r} on the progress thread (soon). */
    void submit(Runnable r) {
        commands.add(r);
        runner.wakeUp();
    }
}
