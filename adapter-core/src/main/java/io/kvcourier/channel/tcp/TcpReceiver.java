package io.kvcourier.channel.tcp;

import io.kvcourier.agent.Agent;
import io.kvcourier.agent.AgentRunner;
import io.kvcourier.agent.CloseHelper;
import io.kvcourier.agent.IdleStrategy;
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
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 * of at least {@value #READ_AHEAD_BELOW} bytes is read straight into the page's view, one single-buffer read at a
 * time ({@link RegionViews} says why not a scattering read).
 * Acks produced by one read pass of a connection go out in one write.
 *
 * <p>Each connection keeps its "frame in progress" state explicit (which batch it is reading, which pages,
 * whether the batch still has frames to come), so that one allocation is fenced per frame without closing a
 * connection that other allocations use ({@link #fenceAllocation}): a frame of a fenced allocation is read and
 * discarded (its bytes go nowhere), and its batch's committing frame is answered with a refusal (an ACK with
 * committed = 0), which fails that batch only on the sender.
 *
 * <p><b>Control (data version {@value TcpFrames#VERSION_CONTROL}).</b> Once the engine has set its {@link
 * ControlRequestHandler}, handshakes offer version {@value TcpFrames#VERSION_CONTROL}: a CONTROL frame between batches
 * is handed to the handler on this thread, with a {@link ControlRequestHandler.Replier} that may be called at once or
 * later from any thread. The reply is written by this thread only, into the same output buffer as the ACKs (whole
 * frames, in the order queued); a reply from another thread is copied and handed over with a wake-up, and dropped when
 * its connection has closed meanwhile (the sender fails that exchange when the connection closes).
 */
final class TcpReceiver implements ChannelReceiver, Agent {
    private static final System.Logger LOG = System.getLogger(TcpReceiver.class.getName());
    /** Bytes read from one connection before the others get a turn. */
    private static final long READ_BUDGET = 16L << 20;
    private static final int SOCKET_BUFFER = 4 << 20;
    /** Read-ahead per connection: a whole descriptor block and the lead payload a sender writes with it. */
    static final int IN_BYTES = TcpFrames.MAX_DESCRIPTOR_BYTES + TcpConnection.LEAD_BYTES;
    /** A payload remainder below this many bytes is read through the read-ahead buffer, not into the page. */
    static final int READ_AHEAD_BELOW = TcpConnection.SMALL_ENTRY_BYTES;
    private static final int ACK_BUFFER = 1024 * TcpFrames.ACK_BYTES;
    /** Most accepted connections still waiting for their hello; more are closed at once. */
    static final int MAX_UNAUTHENTICATED = 256;
    /** Most handshakes answered but not yet used. */
    private static final int MAX_GRANTS = 4096;

    /** Message bytes a connection keeps buffered for its next control request; a larger one's buffer goes after it. */
    private static final int KEEP_CONTROL_BYTES = 64 << 10;
    /** Most bytes of ACKs and control replies a connection holds for a sender that does not read them. */
    private static final int MAX_OUT_BYTES = 2 * (TcpFrames.CONTROL_HEAD_BYTES + TcpFrames.MAX_CONTROL_BYTES);

    /** An unused session token: whose it is, until when, and the data version its connection talks. */
    private record Grant(String senderId, long expiresAtNanos, int dataVersion) {
    }

    private final StagingBuffer staging;
    private final LandingListener listener;
    private final String advertisedHost;
    private final int port;
    private final long handshakeNanos;
    private final long shutdownNanos;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final SecureRandom random = new SecureRandom();
    private final Map<ByteBuffer, Grant> grants = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    /** Open connections; progress thread only. */
    private final List<Link> links = new ArrayList<>();
    private final Consumer<SelectionKey> onKey = this::handle;
    private final Consumer<SelectionKey> ignoreKey = k -> { };
    private final AgentRunner runner;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean closing;
    private volatile boolean exited;
    /** Earliest hello deadline of a connection that has not sent its hello; progress thread only. */
    private long nextHelloDeadline;
    private boolean helloDeadlinePending;

    /** Socket bytes one connection may read per read pass; smaller in tests of frames that straddle passes. */
    volatile long readBudget = READ_BUDGET;
    /**
     * Highest data version handshakes offer ({@value TcpFrames#VERSION_CONTROL} only with a control handler);
     * {@code -Dkvcourier.tcp.dataVersion=2} (or a test) makes this receiver talk like one from before in-band control.
     */
    volatile int maxDataVersion = Integer.getInteger("kvcourier.tcp.dataVersion", TcpFrames.VERSION_CONTROL);
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
        this.listener = listener;
        this.handshakeNanos = settings.handshakeTimeout().toNanos();
        this.shutdownNanos = settings.shutdownTimeout().toNanos();
        this.advertisedHost = isWildcard(settings.bindHost()) ? settings.peerHost() : settings.bindHost();
        ServerSocketChannel srv = null;
        Selector sel = null;
        try {
            srv = ServerSocketChannel.open();
            srv.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
            srv.bind(isWildcard(settings.bindHost()) ? new InetSocketAddress(0)
                    : new InetSocketAddress(settings.bindHost(), 0), 2 * MAX_UNAUTHENTICATED);
            srv.configureBlocking(false);
            sel = Selector.open();
            srv.register(sel, SelectionKey.OP_ACCEPT);
            this.port = ((InetSocketAddress) srv.getLocalAddress()).getPort();
        } catch (IOException | RuntimeException e) {
            CloseHelper.closeOnFailure(e, sel, srv); // reverse order of opening
            throw new ChannelException("tcp receiver cannot listen on bind_host '" + settings.bindHost() + "': " + e,
                    e);
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
                    + TcpFrames.VERSION + ".." + TcpFrames.VERSION_CONTROL + ")");
        }
        if (closing) {
            return refuse("receiver is closing");
        }
        int offered = controlHandler != null ? Math.max(TcpFrames.VERSION, Math.min(maxDataVersion,
                TcpFrames.VERSION_CONTROL)) : TcpFrames.VERSION;
        int dataVersion = Math.min(req.dataVersion(), offered);
        long now = System.nanoTime();
        purgeGrants(now);
        if (grants.size() >= MAX_GRANTS) {
            return refuse("too many unused tcp handshakes (" + grants.size() + ")");
        }
        byte[] token = new byte[TcpFrames.TOKEN_BYTES];
        random.nextBytes(token);
        grants.put(ByteBuffer.wrap(token), new Grant(req.senderId(), now + 2 * handshakeNanos, dataVersion));
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

    private void purgeGrants(long now) {
        grants.values().removeIf(g -> now - g.expiresAtNanos > 0);
    }

    /** Handshakes answered whose token no connection has used yet (and that have not expired). */
    int pendingGrants() {
        purgeGrants(System.nanoTime());
        return grants.size();
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
        grants.values().removeIf(g -> g.senderId.equals(senderId));
        if (runner.onAgentThread()) {
            closeLinksOf(senderId);
            return true;
        }
        CountDownLatch done = new CountDownLatch(1);
        commands.add(() -> {
            closeLinksOf(senderId);
            done.countDown();
        });
        runner.wakeUp();
        if (exited) {
            return true; // the progress thread has closed every connection and reads nothing any more
        }
        try {
            if (done.await(shutdownNanos, TimeUnit.NANOSECONDS)) {
                return true;
            }
            LOG.log(System.Logger.Level.ERROR, "fencing sender {0} did not finish within the shutdown deadline",
                    senderId);
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
        if (runner.onAgentThread()) {
            return discardBatchOf(senderId, batchId);
        }
        CountDownLatch done = new CountDownLatch(1);
        AllocationFence[] outcome = new AllocationFence[1];
        commands.add(() -> {
            outcome[0] = discardBatchOf(senderId, batchId);
            done.countDown();
        });
        runner.wakeUp();
        if (exited) {
            return AllocationFence.SENDER; // the progress thread has closed every connection and reads nothing
        }
        try {
            if (done.await(shutdownNanos, TimeUnit.NANOSECONDS)) {
                return outcome[0];
            }
            LOG.log(System.Logger.Level.ERROR, "fencing batch {0} of sender {1} did not finish within the shutdown "
                    + "deadline", batchId, senderId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return AllocationFence.UNCONFIRMED;
    }

    /** Progress thread: see {@link #fenceAllocation}. */
    private AllocationFence discardBatchOf(String senderId, int batchId) {
        boolean connected = false;
        for (int i = 0; i < links.size(); i++) {
            Link l = links.get(i);
            if (!senderId.equals(l.senderId)) {
                continue;
            }
            connected = true;
            if (l.batchOpen && l.openBatch == batchId && !l.discarding) {
                LOG.log(System.Logger.Level.DEBUG, "fencing batch {0} of {1}: the rest of it is discarded", batchId,
                        senderId);
                l.discarding = true;
            }
        }
        if (connected) {
            return AllocationFence.ALLOCATION;
        }
        // No connection: nothing to keep open. Links authenticate on this thread, so none can appear meanwhile.
        grants.values().removeIf(g -> g.senderId.equals(senderId));
        return AllocationFence.SENDER;
    }

    private void closeLinksOf(String senderId) {
        for (int i = links.size() - 1; i >= 0; i--) {
            Link l = links.get(i);
            if (senderId.equals(l.senderId)) {
                LOG.log(System.Logger.Level.DEBUG, "fencing a data connection of {0}", senderId);
                l.close();
            }
        }
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
            LOG.log(System.Logger.Level.ERROR, "tcp receiver progress thread did not stop within the shutdown deadline");
        }
    }

    // ------------------------------------------------------------------------------------ progress thread

    @Override
    public String roleName() {
        return "kvcourier-tcp-receiver-" + port;
    }

    @Override
    public int doWork() throws IOException {
        // The selector first: selectNow clears a pending wake-up, so commands must be taken after it.
        int work = selector.selectNow(onKey);
        Runnable r;
        while ((r = commands.poll()) != null) {
            r.run();
            work++;
        }
        if (helloDeadlinePending && System.nanoTime() - nextHelloDeadline >= 0) {
            expireHellos(System.nanoTime());
        }
        return work;
    }

    @Override
    public void awaitWork() throws IOException {
        long timeoutMs = 0; // block until a socket or a wake-up brings work
        if (helloDeadlinePending) {
            timeoutMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextHelloDeadline - System.nanoTime()) + 1);
        }
        selector.select(ignoreKey, timeoutMs);
    }

    @Override
    public void wakeUpSignal() {
        selector.wakeup();
    }

    @Override
    public void onClose() {
        exited = true;
        for (int i = links.size() - 1; i >= 0; i--) {
            links.get(i).close();
        }
        CloseHelper.quietCloseAll(server, selector);
        Runnable r;
        while ((r = commands.poll()) != null) {
            r.run(); // fences queued before the flag: there is nothing left to close
        }
    }

    private void handle(SelectionKey key) {
        try {
            if (key.isAcceptable()) {
                accept();
                return;
            }
            Link l = (Link) key.attachment();
            if (key.isWritable()) {
                l.flushAcks();
            }
            if (key.isValid() && key.isReadable()) {
                l.onReadable();
            }
        } catch (CancelledKeyException e) {
            // closed while this key was being handled
        }
    }

    private void accept() {
        while (true) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "tcp accept failed: {0}", e.toString());
                return;
            }
            if (ch == null) {
                return;
            }
            if (unauthenticated() >= MAX_UNAUTHENTICATED) {
                refusedConnections.incrementAndGet();
                LOG.log(System.Logger.Level.WARNING, "closing a new tcp data connection: {0} connections are already "
                        + "waiting for their hello", MAX_UNAUTHENTICATED);
                CloseHelper.quietClose(ch);
                continue;
            }
            try {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
                Link l = new Link(ch);
                l.key = ch.register(selector, SelectionKey.OP_READ, l);
                links.add(l);
                long deadline = l.acceptedAtNanos + handshakeNanos;
                if (!helloDeadlinePending || deadline - nextHelloDeadline < 0) {
                    nextHelloDeadline = deadline;
                    helloDeadlinePending = true;
                }
            } catch (IOException e) {
                CloseHelper.quietClose(ch);
            }
        }
    }

    private int unauthenticated() {
        int n = 0;
        for (int i = 0; i < links.size(); i++) {
            if (links.get(i).senderId == null) {
                n++;
            }
        }
        return n;
    }

    /** Closes connections whose hello is overdue and finds the next hello deadline. */
    private void expireHellos(long now) {
        helloDeadlinePending = false;
        for (int i = links.size() - 1; i >= 0; i--) {
            Link l = links.get(i);
            if (l.senderId != null) {
                continue;
            }
            long deadline = l.acceptedAtNanos + handshakeNanos;
            if (now - deadline >= 0) {
                l.refuse("no valid hello within the handshake deadline");
            } else if (!helloDeadlinePending || deadline - nextHelloDeadline < 0) {
                nextHelloDeadline = deadline;
                helloDeadlinePending = true;
            }
        }
    }

    /** One accepted data connection; touched only by the progress thread. */
    private final class Link {
        final SocketChannel ch;
        final long acceptedAtNanos = System.nanoTime();
        SelectionKey key;
        /** Null until a valid hello arrived. */
        String senderId;
        ByteBuffer hello = ByteBuffer.allocate(TcpFrames.HELLO_BYTES + TcpFrames.MAX_SENDER_ID_BYTES);
        /** Read-ahead, kept in read mode: bytes between position and limit are received and not yet used. */
        final ByteBuffer in = ByteBuffer.allocateDirect(IN_BYTES);
        final MemorySegment inMemory = MemorySegment.ofBuffer(in);
        /** ACKs and control replies waiting to be written, in write mode; grows for large replies. */
        ByteBuffer acks = ByteBuffer.allocateDirect(ACK_BUFFER);
        final RegionViews views = new RegionViews(staging.segment());
        boolean open = true;
        /** The data version agreed for this connection's token (known with the hello). */
        int dataVersion;

        // The control frame in progress.
        /** A CONTROL frame's head was read and its message bytes are being read into {@code control}. */
        boolean inControl;
        long controlId;
        int controlLength;
        int controlRead;
        byte[] control = new byte[0];

        // The frame in progress (explicit, see the class comment).
        /** A frame's descriptor was admitted and its payload is being read. */
        boolean inPayload;
        /** Frames of {@code openBatch} arrived, its committing frame has not. */
        boolean batchOpen;
        int openBatch;
        boolean frameCommits;
        /** {@code openBatch} is fenced: its payload is read and discarded, its committing frame refused. */
        boolean discarding;
        int frameCount;
        final int[] pages = new int[TcpFrames.MAX_ENTRIES];
        final long[] lengths = new long[TcpFrames.MAX_ENTRIES];
        /** The entry being read and its bytes read so far. */
        int entry;
        long entryDone;

        Link(SocketChannel ch) {
            this.ch = ch;
            in.flip(); // empty, in read mode
        }

        /**
         * Reads what the socket has, up to {@link #readBudget} bytes of socket reads per call (then the other
         * connections get a turn; the selector reports this one again). Bytes already in the read-ahead buffer
         * are always used up before returning, since no readiness event would bring us back for them.
         */
        void onReadable() {
            long budget = readBudget;
            try {
                while (open && !closing) {
                    if (senderId == null) {
                        if (!readHello()) {
                            return;
                        }
                        continue;
                    }
                    int n;
                    if (inControl) {
                        if (in.hasRemaining()) {
                            int take = Math.min(controlLength - controlRead, in.remaining());
                            in.get(control, controlRead, take);
                            controlRead += take;
                            if (controlRead == controlLength) {
                                controlDone();
                            }
                            continue;
                        }
                        if (budget <= 0) {
                            return;
                        }
                        n = fill();
                        if (n < 0) {
                            lost("connection closed in the middle of a control frame");
                            return;
                        }
                    } else if (!inPayload) {
                        int need = parseFrame();
                        if (need < 0) {
                            return; // dropped
                        }
                        if (need == 0) {
                            continue; // admitted: the payload follows
                        }
                        if (budget <= 0) {
                            return;
                        }
                        n = fill();
                        if (n < 0) {
                            endOfStream();
                            return;
                        }
                    } else {
                        long left = lengths[entry] - entryDone;
                        long at = staging.pageOffset(pages[entry]) + entryDone;
                        if (in.hasRemaining()) {
                            int take = (int) Math.min(left, in.remaining());
                            if (!discarding) {
                                MemorySegment.copy(inMemory, in.position(), staging.segment(), at, take);
                            }
                            in.position(in.position() + take);
                            advance(take);
                            continue;
                        }
                        if (budget <= 0) {
                            return;
                        }
                        if (discarding || left < READ_AHEAD_BELOW) {
                            // A small remainder: read ahead, the next frames may come with it. A fenced batch's
                            // bytes go through the read-ahead buffer too, and no further.
                            n = fill();
                        } else {
                            n = ch.read(views.view(at, (int) runLength(at, left)));
                            if (n > 0) {
                                advance(n);
                            }
                        }
                        if (n < 0) {
                            lost("connection closed in the middle of a frame's payload");
                            return;
                        }
                    }
                    if (n == 0) {
                        return;
                    }
                    budget -= n;
                    bytesReceived.addAndGet(n);
                }
            } catch (IOException | RuntimeException e) {
                lost("read failed: " + e.getMessage());
            } finally {
                flushAcks();
            }
        }

        /** Reads more into the read-ahead buffer (keeping what is unread); the read's result. */
        private int fill() throws IOException {
            in.compact();
            try {
                return ch.read(in);
            } finally {
                in.flip();
            }
        }

        /**
         * Bytes one read may put in place from {@code at}: the rest ({@code left}) of the entry being read, and the
         * entries after it while each fills its page and the next one is the page right behind it (one read for
         * a run of neighbouring pages), up to the end of the view's window.
         */
        private long runLength(long at, long left) {
            long limit = views.spanInWindow(at, Long.MAX_VALUE);
            long span = Math.min(left, limit);
            long pageSize = staging.pageSize();
            for (int k = entry + 1; k < frameCount && span == left; k++) {
                if (pages[k] != pages[k - 1] + 1 || lengths[k - 1] != pageSize || left + lengths[k] > limit) {
                    break;
                }
                left += lengths[k];
                span = left;
            }
            return span;
        }

        /** {@code n} more payload bytes are in their pages; the frame ends with its last entry. */
        private void advance(long n) {
            while (n > 0) {
                long take = Math.min(n, lengths[entry] - entryDone);
                entryDone += take;
                n -= take;
                if (entryDone == lengths[entry]) {
                    entry++;
                    entryDone = 0;
                    if (entry == frameCount) {
                        frameDone();
                        return;
                    }
                }
            }
        }

        private void endOfStream() {
            if (in.hasRemaining() || (batchOpen && !discarding)) {
                lost("connection closed in the middle of " + (in.hasRemaining() ? "a descriptor block" : "batch "
                        + openBatch));
            } else {
                close(); // the sender closed between batches
            }
        }

        /**
         * Parses and admits the descriptor block at the front of the read-ahead buffer: 0 when admitted (the
         * payload is next), a positive count of bytes still missing, or -1 when the connection was dropped.
         */
        private int parseFrame() {
            if (in.remaining() < TcpFrames.HEAD_BYTES) {
                return TcpFrames.HEAD_BYTES - in.remaining();
            }
            int at = in.position();
            byte type = in.get(at);
            if (type == TcpFrames.CONTROL && dataVersion >= TcpFrames.VERSION_CONTROL) {
                return parseControl(at);
            }
            byte flags = in.get(at + 1);
            int count = in.getShort(at + 2) & 0xFFFF;
            int batch = in.getInt(at + 4);
            int reserved = in.getInt(at + 8);
            if (type != TcpFrames.DATA) {
                drop("unknown frame type " + type);
                return -1;
            }
            if ((flags & ~TcpFrames.FLAG_COMMIT) != 0 || reserved != 0) {
                drop("frame with non-zero reserved bits or bytes (flags " + flags + ", reserved " + reserved + ")");
                return -1;
            }
            if (count < 1 || count > TcpFrames.MAX_ENTRIES) {
                drop("frame with " + count + " entries (1.." + TcpFrames.MAX_ENTRIES + ")");
                return -1;
            }
            if (batchOpen && batch != openBatch) {
                drop("frame of batch " + batch + " while batch " + openBatch + " is unfinished");
                return -1;
            }
            int size = TcpFrames.descriptorBytes(count);
            if (in.remaining() < size) {
                return size - in.remaining();
            }
            long pageSize = staging.pageSize();
            int pageCount = staging.pageCount();
            for (int i = 0; i < count; i++) {
                int page = in.getInt(at + TcpFrames.HEAD_BYTES + i * TcpFrames.ENTRY_BYTES);
                long length = in.getLong(at + TcpFrames.HEAD_BYTES + i * TcpFrames.ENTRY_BYTES + 4);
                if (page < 0 || page >= pageCount || length <= 0 || length > pageSize) {
                    drop("entry " + i + " of batch " + batch + " (page " + page + ", " + length + " bytes) is outside "
                            + "the staging pages (" + pageCount + " of " + pageSize + " bytes)");
                    return -1;
                }
                pages[i] = page;
                lengths[i] = length;
            }
            boolean fenced = batchOpen && discarding; // a later frame of a batch fenced mid-way
            if (!fenced) {
                boolean admitted;
                try {
                    admitted = listener.admitBatch(senderId, batch, pages, lengths, count);
                    fenced = !admitted && listener.isFenced(senderId, batch);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "landing listener failed on admitBatch", e);
                    admitted = false;
                }
                if (!admitted && !fenced) {
                    drop("batch " + batch + " (" + count + " entries, first page " + pages[0] + ") is not in that "
                            + "sender's live allocation");
                    return -1;
                }
            }
            if (fenced) {
                discardedFrames.incrementAndGet();
                if (!discarding) {
                    LOG.log(System.Logger.Level.INFO, "batch {0} of {1} ({2}): its allocation was fenced; discarding "
                            + "its frames and refusing its commit", batch, senderId, remote());
                }
            }
            discarding = fenced;
            in.position(at + size);
            batchOpen = true;
            openBatch = batch;
            frameCommits = (flags & TcpFrames.FLAG_COMMIT) != 0;
            frameCount = count;
            entry = 0;
            entryDone = 0;
            inPayload = true;
            return 0;
        }

        /** Parses a CONTROL frame's head at {@code at}: as {@link #parseFrame}. */
        private int parseControl(int at) {
            if (batchOpen) {
                drop("control frame inside batch " + openBatch + " (control frames go between batches)");
                return -1;
            }
            if (in.remaining() < TcpFrames.CONTROL_HEAD_BYTES) {
                return TcpFrames.CONTROL_HEAD_BYTES - in.remaining();
            }
            byte flags = in.get(at + 1);
            short reserved = in.getShort(at + 2);
            int length = in.getInt(at + 4);
            long id = in.getLong(at + 8);
            if (flags != 0 || reserved != 0) {
                drop("control frame with non-zero flags or reserved bytes (flags " + flags + ", reserved " + reserved
                        + ")");
                return -1;
            }
            if (length < 1 || length > TcpFrames.MAX_CONTROL_BYTES) {
                drop("control frame of " + length + " bytes (1.." + TcpFrames.MAX_CONTROL_BYTES + ")");
                return -1;
            }
            in.position(at + TcpFrames.CONTROL_HEAD_BYTES);
            if (control.length < length) {
                control = new byte[Math.max(length, 1024)];
            }
            inControl = true;
            controlId = id;
            controlLength = length;
            controlRead = 0;
            return 0;
        }

        /** A control request is in: the handler gets it (its bytes are valid during the call only). */
        private void controlDone() {
            inControl = false;
            byte[] bytes = control;
            if (control.length > KEEP_CONTROL_BYTES) {
                control = new byte[0];
            }
            ControlRequestHandler h = controlHandler;
            if (h == null) {
                drop("control request, but this receiver takes none (no control handler)");
                return;
            }
            controlRequests.incrementAndGet();
            try {
                h.onControlRequest(senderId, bytes, 0, controlLength, new LinkReplier(this, controlId));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "control handler failed on a request of " + senderId, e);
            }
        }

        /**
         * Queues the reply to exchange {@code id} behind the ACKs already queued and writes what the socket takes.
         * Progress thread. Dropped when the connection has closed: the sender fails the exchange itself.
         */
        void queueReply(long id, byte[] bytes, int offset, int length) {
            if (!open) {
                return;
            }
            if (length < 1 || length > TcpFrames.MAX_CONTROL_BYTES) {
                LOG.log(System.Logger.Level.ERROR, "control reply of {0} bytes cannot be sent (1..{1}); closing the "
                        + "connection so that the sender fails the exchange", length, TcpFrames.MAX_CONTROL_BYTES);
                close();
                return;
            }
            int need = TcpFrames.CONTROL_HEAD_BYTES + length;
            if (acks.remaining() < need) {
                flushAcks();
                if (!open) {
                    return;
                }
                if (acks.remaining() < need && !growOut(need)) {
                    drop("sender does not read its acknowledgements");
                    return;
                }
            }
            TcpFrames.putControlHead(acks, TcpFrames.CONTROL_REPLY, id, length);
            acks.put(bytes, offset, length);
            controlReplies.incrementAndGet();
            flushAcks();
        }

        /** Makes room for {@code need} more bytes behind the queued ones; false beyond {@link #MAX_OUT_BYTES}. */
        private boolean growOut(int need) {
            long wanted = (long) acks.position() + need;
            if (wanted > MAX_OUT_BYTES) {
                return false;
            }
            ByteBuffer bigger = ByteBuffer.allocateDirect((int) Math.max(wanted, Math.min(MAX_OUT_BYTES,
                    2L * acks.capacity())));
            acks.flip();
            bigger.put(acks);
            acks = bigger;
            return true;
        }

        /**
         * Every byte of the frame is in: a committing frame commits its batch and queues its ack (a fenced batch's
         * is refused: the listener, told about it, says no).
         */
        private void frameDone() {
            inPayload = false;
            if (!frameCommits) {
                return;
            }
            batchOpen = false;
            discarding = false;
            boolean committed;
            try {
                committed = listener.onBatchLanded(senderId, openBatch);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "landing listener failed on onBatchLanded", e);
                committed = false;
            }
            if (committed) {
                committedBatches.incrementAndGet();
            }
            if (acks.remaining() < TcpFrames.ACK_BYTES) {
                flushAcks();
                if (!open || acks.remaining() < TcpFrames.ACK_BYTES) {
                    drop("sender does not read its acknowledgements");
                    return;
                }
            }
            TcpFrames.putAck(acks, openBatch, committed);
        }

        private boolean readHello() throws IOException {
            if (hello.position() < TcpFrames.HELLO_BYTES) {
                hello.limit(TcpFrames.HELLO_BYTES);
                if (ch.read(hello) < 0) {
                    refuse("closed before its hello");
                    return false;
                }
                if (hello.hasRemaining()) {
                    return false;
                }
                if (hello.getInt(0) != TcpFrames.MAGIC) {
                    refuse("bad magic in hello");
                    return false;
                }
                short version = hello.getShort(4);
                if (version != TcpFrames.VERSION && version != TcpFrames.VERSION_CONTROL) {
                    refuse("hello version " + version + " is not " + TcpFrames.VERSION + " or "
                            + TcpFrames.VERSION_CONTROL);
                    return false;
                }
                int n = hello.getShort(6) & 0xFFFF;
                if (n < 1 || n > TcpFrames.MAX_SENDER_ID_BYTES) {
                    refuse("hello sender id length " + n + " outside 1.." + TcpFrames.MAX_SENDER_ID_BYTES);
                    return false;
                }
                hello.limit(TcpFrames.HELLO_BYTES + n);
            }
            if (ch.read(hello) < 0) {
                refuse("closed before its hello");
                return false;
            }
            if (hello.hasRemaining()) {
                return false;
            }
            byte[] token = new byte[TcpFrames.TOKEN_BYTES];
            hello.get(8, token);
            byte[] id = new byte[hello.limit() - TcpFrames.HELLO_BYTES];
            hello.get(TcpFrames.HELLO_BYTES, id);
            String claimed = new String(id, StandardCharsets.UTF_8);
            ByteBuffer tokenKey = ByteBuffer.wrap(token);
            Grant g = grants.get(tokenKey);
            if (g == null || System.nanoTime() - g.expiresAtNanos > 0 || !g.senderId.equals(claimed)
                    || !grants.remove(tokenKey, g)) {
                refuse("no live session token for sender '" + claimed + "'");
                return false;
            }
            if (hello.getShort(4) != g.dataVersion) {
                refuse("hello version " + hello.getShort(4) + ", but the handshake of sender '" + claimed
                        + "' chose data version " + g.dataVersion);
                return false;
            }
            dataVersion = g.dataVersion;
            senderId = claimed;
            hello = null;
            LOG.log(System.Logger.Level.DEBUG, "tcp data connection from {0} ({1})", claimed, remote());
            return true;
        }

        /** Writes the queued acknowledgements (one write for all of a read pass). */
        void flushAcks() {
            if (!open) {
                return;
            }
            if (acks.position() > 0) {
                try {
                    acks.flip();
                    ch.write(acks);
                    acks.compact();
                } catch (IOException e) {
                    lost("acknowledgement write failed: " + e.getMessage());
                    return;
                }
            }
            int want = acks.position() > 0 ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ;
            if (key.interestOps() != want) {
                key.interestOps(want);
            }
        }

        void refuse(String why) {
            refusedConnections.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, "closing tcp data connection from {0}: {1}", remote(), why);
            close();
        }

        void drop(String why) {
            rejectedFrames.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, "closing tcp data connection of {0} ({1}): {2}", senderId, remote(), why);
            close();
        }

        /** The peer went away (EOF, reset): not the peer's fault as far as we know, so not counted. */
        void lost(String why) {
            LOG.log(System.Logger.Level.INFO, "tcp data connection of {0} ({1}) lost: {2}", senderId, remote(), why);
            close();
        }

        private String remote() {
            try {
                return String.valueOf(ch.getRemoteAddress());
            } catch (IOException e) {
                return "?";
            }
        }

        void close() {
            if (!open) {
                return;
            }
            open = false;
            inPayload = false;
            inControl = false;
            discarding = false;
            if (key != null) {
                key.cancel();
            }
            CloseHelper.quietClose(ch);
            links.remove(this);
        }
    }

    /**
     * Sends the reply to one control request over the connection it came on: at once when called on the progress
     * thread (the handler answered during the call), else copied and handed to the progress thread. At most once.
     */
    private final class LinkReplier implements ControlRequestHandler.Replier {
        private final Link link;
        private final long id;
        private boolean replied;

        LinkReplier(Link link, long id) {
            this.link = link;
            this.id = id;
        }

        @Override
        public void reply(byte[] bytes, int offset, int length) {
            synchronized (this) {
                if (replied) {
                    return; // one reply per request
                }
                replied = true;
            }
            if (runner.onAgentThread()) {
                link.queueReply(id, bytes, offset, length);
                return;
            }
            byte[] copy = Arrays.copyOfRange(bytes, offset, offset + length);
            commands.add(() -> link.queueReply(id, copy, 0, copy.length));
            runner.wakeUp();
        }
    }
}
