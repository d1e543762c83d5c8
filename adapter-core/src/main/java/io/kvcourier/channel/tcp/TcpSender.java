package io.kvcourier.channel.tcp;

import io.kvcourier.agent.Agent;
import io.kvcourier.agent.AgentRunner;
import io.kvcourier.agent.CloseHelper;
import io.kvcourier.agent.IdleStrategy;
import io.kvcourier.agent.WakeableSelector;
import io.kvcourier.channel.BatchCompletion;
import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.ChannelSettings;
import io.kvcourier.channel.WriteBatch;
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
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The sender half of the tcp channel. A connection is made on the caller's (virtual) thread: a bounded
 * blocking connect to the host and port from {@code TcpInitResponse} and the HELLO; then the socket turns
 * non-blocking and belongs to this sender's progress thread ({@code kvcourier-tcp-sender}, an
 * {@link AgentRunner} duty cycle), which writes every frame ({@link TcpFrames}) straight from the batch's
 * local memory and reads the acknowledgements of all connections.
 *
 * <p>{@link TcpConnection#write} validates the batch on the caller's thread and, when the connection is idle,
 * sends it right there with non-blocking writes; otherwise it offers it to a ring ({@link WriteQueue}: no
 * allocation per write) and wakes the progress thread only when that thread is about to block. Completions run
 * on the progress thread.
 *
 * <p><b>Local memory.</b> A batch reads from the staging buffer (region {@link WriteBatch#STAGING}), from caller memory
 * registered with {@link #registerRegion}, or from the caller segments its entries name ({@link
 * WriteBatch#CALLER_SEGMENT}; both zero-copy stores). A batch's memory is read, under its connection's send lock, from
 * the moment its sending starts until its last byte went into the socket. Its completion runs only after that: success
 * on the receiver's commit acknowledgement, matched only once the batch is queued as fully sent (an acknowledgement
 * that arrives while a writer still holds the send lock waits for it; one for a batch still being sent closes the
 * connection); failure or close after taking the send lock, between socket calls; or on the writing thread for a batch
 * that never started. So once a completion ran, the channel reads that batch's memory no more. {@link
 * #unregisterRegion} makes the same promise for a whole region when it returns.
 */
final class TcpSender implements ChannelSender, Agent {
    private static final System.Logger LOG = System.getLogger(TcpSender.class.getName());
    static final int SOCKET_BUFFER = 4 << 20;
    /** Writes the ring holds before further writes go to an (allocating) overflow queue. */
    static final int QUEUE_CAPACITY = 4096;

    private record Queued(TcpConnection connection, WriteBatch batch, BatchCompletion completion) {
    }

    final StagingBuffer staging;
    final LocalRegions regions;
    final long shutdownNanos;
    private final long connectTimeoutMs;
    private final WakeableSelector selector;
    private final AgentRunner runner;
    private final WriteQueue queue = new WriteQueue(QUEUE_CAPACITY);
    private final ConcurrentLinkedQueue<Queued> overflow = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    /** Every connection not yet closed (for {@link #close}). */
    final Set<TcpConnection> connections = ConcurrentHashMap.newKeySet();
    /** Registered connections; progress thread only. */
    private final ArrayList<TcpConnection> active = new ArrayList<>();
    private final Consumer<SelectionKey> onKey = this::handle;
    private final WriteQueue.Sink toConnection = TcpConnection::accept;
    /** Serialises draining the queues once the progress thread has stopped (it is their only consumer before). */
    private final ReentrantLock drainAfterExit = new ReentrantLock();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean exited;
    /** Most entries per frame; smaller in tests that exercise batches of several frames. */
    volatile int maxEntriesPerFrame = TcpFrames.MAX_ENTRIES;
    /** Writers on an idle connection send themselves ({@link TcpConnection}); false: all via this thread. */
    volatile boolean directWrites = Boolean.parseBoolean(System.getProperty("kvcourier.tcp.directWrites", "true"));
    /** Highest data version asked for ({@value TcpFrames#VERSION_EAGER}: eager stores; 3, 2: as before them). */
    volatile int maxDataVersion = Integer.getInteger("kvcourier.tcp.dataVersion", TcpFrames.VERSION_EAGER);
    /** Completions gathered during a duty cycle, run outside the connections' locks; progress thread only. */
    private final Completions done = new Completions();

    TcpSender(ChannelSettings settings, StagingBuffer staging) throws ChannelException {
        this.staging = staging;
        this.regions = new LocalRegions(staging.segment());
        this.shutdownNanos = settings.shutdownTimeout().toNanos();
        this.connectTimeoutMs = Math.max(1, settings.handshakeTimeout().toMillis());
        try {
            this.selector = WakeableSelector.open();
        } catch (IOException e) {
            throw new ChannelException("tcp sender cannot open a selector: " + e, e);
        }
        this.runner = new AgentRunner(this, IdleStrategy.standard()).start();
    }

    // ------------------------------------------------------------------------------------------ connect

    @Override
    public Handshake beginConnect(String senderId) throws ChannelException {
        if (closed.get()) {
            throw new ChannelException("tcp sender is closed");
        }
        byte[] id = senderId.getBytes(StandardCharsets.UTF_8);
        if (id.length < 1 || id.length > TcpFrames.MAX_SENDER_ID_BYTES) {
            throw new ChannelException("sender id must be 1.." + TcpFrames.MAX_SENDER_ID_BYTES + " UTF-8 bytes, got "
                    + id.length);
        }
        int dataVersion = Math.max(TcpFrames.VERSION, Math.min(maxDataVersion, TcpFrames.VERSION_EAGER));
        return new Handshake() {
            @Override
            public PdMessage request() {
                return new TcpInitRequest(WireCodec.PROTOCOL_VERSION, senderId, dataVersion);
            }

            @Override
            public ChannelConnection complete(PdMessage reply) throws ChannelException {
                return connect(id, dataVersion, reply);
            }

            @Override
            public void abort() {
                // nothing was prepared before the reply
            }
        };
    }

    private TcpConnection connect(byte[] senderId, int askedVersion, PdMessage reply) throws ChannelException {
        if (reply instanceof InitError err) {
            throw new ChannelException("tcp receiver refused the handshake: " + err.message());
        }
        if (!(reply instanceof TcpInitResponse r)) {
            throw new ChannelException("expected TcpInitResponse, got " + reply.getClass().getSimpleName());
        }
        if (r.version() != WireCodec.PROTOCOL_VERSION) {
            throw new ChannelException("receiver speaks protocol version " + r.version() + ", this sender "
                    + WireCodec.PROTOCOL_VERSION);
        }
        int dataVersion = r.dataVersion();
        if (dataVersion < TcpFrames.VERSION || dataVersion > askedVersion) {
            throw new ChannelException("receiver chose tcp data version " + dataVersion + ", this sender asked for "
                    + TcpFrames.VERSION + ".." + askedVersion);
        }
        if (r.port() <= 0) {
            throw new ChannelException("receiver announced no data port (port " + r.port() + ")");
        }
        byte[] token = r.sessionToken();
        if (token.length != TcpFrames.TOKEN_BYTES) {
            throw new ChannelException("session_token must be " + TcpFrames.TOKEN_BYTES + " bytes, got "
                    + token.length);
        }
        String peer = r.host() + ":" + r.port();
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open();
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
            ch.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
            ch.socket().connect(new InetSocketAddress(r.host(), r.port()),
                    (int) Math.min(Integer.MAX_VALUE, connectTimeoutMs));
            ByteBuffer hello = ByteBuffer.allocate(TcpFrames.HELLO_BYTES + senderId.length);
            hello.putInt(TcpFrames.MAGIC).putShort((short) dataVersion).putShort((short) senderId.length).put(token)
                    .put(senderId).flip();
            while (hello.hasRemaining()) {
                ch.write(hello);
            }
            ch.configureBlocking(false);
        } catch (IOException | RuntimeException e) {
            CloseHelper.closeOnFailure(e, ch);
            throw new ChannelException("tcp connect to " + peer + " failed: " + e, e);
        }
        TcpConnection c = new TcpConnection(this, ch, peer, dataVersion);
        connections.add(c);
        submit(c::register);
        if (exited || closed.get()) {
            c.closeNow(new ChannelException("tcp sender is closed"));
            throw new ChannelException("tcp sender is closed");
        }
        return c;
    }

    // ------------------------------------------------------------------------------------------ regions

    /**
     * Lets batches read entries from {@code segment} as local region {@code region} (no staging copy). Checked
     * here: a native segment that is not empty and that the progress thread may read (a confined arena's
     * segment is refused, docs/TRAPS.md#trap-19). No registration with the kernel is needed for tcp. The caller
     * keeps the memory alive until {@link #unregisterRegion} returned.
     */
    @Override
    public void registerRegion(int region, MemorySegment segment) throws ChannelException {
        if (closed.get()) {
            throw new ChannelException("tcp sender is closed");
        }
        regions.register(region, segment, runner.thread());
    }

    /**
     * Forgets a region. New writes from it fail at once; when this returns, the progress thread reads the
     * region no more: a batch that was still being sent from it (the caller should have let it complete
     * first) has failed and its connection was closed, since a frame cannot be abandoned half-way. Bounded by
     * the shutdown deadline. Unknown ids are ignored.
     */
    @Override
    public void unregisterRegion(int region) {
        LocalRegions.Region r = regions.unregister(region);
        if (r == null) {
            return;
        }
        runAndWait(() -> {
            for (int i = active.size() - 1; i >= 0; i--) {
                active.get(i).stopReading(r);
            }
        }, "unregistering region " + region);
    }

    /** A socket reads any native memory ({@link #validate}); entries up to 16 KiB are bounced (FrameWriter) anyway. */
    @Override
    public long callerSegmentMinBytes() {
        return FrameWriter.SMALL_ENTRY_BYTES + 1;
    }

    /**
     * Null when every entry of {@code batch} lies inside a known local region or a readable caller segment, else
     * why not. No allocation when valid.
     */
    ChannelException validate(WriteBatch batch) {
        int[] ids = batch.localRegions();
        long[] offsets = batch.localOffsets();
        long[] lengths = batch.lengths();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == WriteBatch.CALLER_SEGMENT) { // its bounds were checked by WriteBatch
                String why = LocalRegions.unreadable(batch.localSegments()[i], runner.thread());
                if (why != null) {
                    return new ChannelException("write batch entry " + i + " reads a caller segment that " + why);
                }
                continue;
            }
            LocalRegions.Region r = regions.find(ids[i]);
            if (r == null) {
                return new ChannelException("write batch entry " + i + " reads from local region " + ids[i]
                        + ", which is not registered with this tcp sender");
            }
            if (offsets[i] > r.byteSize() - lengths[i]) {
                return new ChannelException("write batch entry " + i + " (offset " + offsets[i] + ", " + lengths[i]
                        + " bytes) is outside local region " + ids[i] + " (" + r.byteSize() + " bytes)");
            }
        }
        return null;
    }

    // ------------------------------------------------------------------------------------- hand-offs

    /** Queues a validated write for the progress thread. Any thread; allocates nothing unless the ring is full. */
    void enqueue(TcpConnection c, WriteBatch batch, BatchCompletion completion) {
        if (!queue.offer(c, batch, completion)) {
            overflow.add(new Queued(c, batch, completion));
        }
        if (exited) {
            failQueuedAfterExit(); // nobody else will take it
            return;
        }
        runner.wakeUp();
    }

    /** Tells the progress thread that a connection has work left (see {@link AgentRunner#wakeUp()}). */
    void wakeUp() {
        runner.wakeUp();
    }

    /** Runs {@code r} on the progress thread (soon). */
    void submit(Runnable r) {
        commands.add(r);
        runner.wakeUp();
    }

    /** Runs {@code r} on the progress thread and waits for it, at most the shutdown deadline; inline when stopped. */
    void runAndWait(Runnable r, String what) {
        if (onProgressThread()) {
            r.run();
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        submit(() -> {
            try {
                r.run();
            } finally {
                done.countDown();
            }
        });
        if (exited) {
            return; // stopped: it ran r on its way out, or it reads nothing any more
        }
        try {
            if (!done.await(shutdownNanos, TimeUnit.NANOSECONDS)) {
                LOG.log(System.Logger.Level.ERROR, "{0} did not finish within the shutdown deadline", what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.log(System.Logger.Level.WARNING, "{0} was interrupted", what);
        }
    }

    boolean onProgressThread() {
        return runner.onAgentThread();
    }

    boolean exited() {
        return exited;
    }

    WakeableSelector selector() {
        return selector;
    }

    /** A connection registered with the selector (progress thread). */
    void activate(TcpConnection c) {
        active.add(c);
    }

    /** A connection that closed (progress thread). */
    void deactivate(TcpConnection c) {
        active.remove(c);
    }

    /** Closes every connection (failing their pending writes) and stops the progress thread. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (!runner.close(Duration.ofNanos(shutdownNanos)) && !onProgressThread()) {
            LOG.log(System.Logger.Level.ERROR, "tcp sender progress thread did not stop within the shutdown deadline");
        }
    }

    // ------------------------------------------------------------------------------------ progress thread

    @Override
    public String roleName() {
        return "kvcourier-tcp-sender";
    }

    @Override
    public int doWork() throws IOException {
        // The selector first: a select clears a pending wake-up, so what the wake-up announced must be taken
        // from the queues after it, never before.
        return selector.selectNowUnlessSelected(onKey) + doWorkBeforeAwait();
    }

    /** All but polling the sockets: the select of {@link #awaitWork} that follows sees them (and any wake-up). */
    @Override
    public int doWorkBeforeAwait() {
        done.run(); // acknowledged batches
        int work = runCommands();
        work += queue.drain(toConnection);
        Queued q;
        while ((q = overflow.poll()) != null) {
            q.connection().accept(q.batch(), q.completion());
            work++;
        }
        for (int i = active.size() - 1; i >= 0; i--) {
            work += active.get(i).pump(done);
        }
        done.run(); // batches that could not start
        return work;
    }

    @Override
    public void awaitWork() throws IOException {
        selector.select(onKey, 0); // no timers: sockets and wake-ups bring all work
    }

    @Override
    public void wakeUpSignal() {
        selector.wakeUp();
    }

    @Override
    public void onClose() {
        exited = true; // from here on, writers and waiters no longer count on this thread
        runCommands(); // after the flag: a command queued later is seen by its submitter as "exited"
        ChannelException why = new ChannelException("tcp sender closed");
        for (TcpConnection c : connections) {
            c.closeNow(why);
        }
        failQueuedAfterExit();
        CloseHelper.quietClose(selector);
    }

    private int runCommands() {
        int n = 0;
        Runnable r;
        while ((r = commands.poll()) != null) {
            n++;
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "tcp sender command failed", e);
            }
        }
        return n;
    }

    /** Fails every queued write once the progress thread has stopped; any thread. */
    private void failQueuedAfterExit() {
        drainAfterExit.lock();
        try {
            queue.drain(toConnection); // accept() fails writes to a closed connection at once
            Queued q;
            while ((q = overflow.poll()) != null) {
                q.connection().accept(q.batch(), q.completion());
            }
        } finally {
            drainAfterExit.unlock();
        }
    }

    private void handle(SelectionKey key) {
        TcpConnection c = (TcpConnection) key.attachment();
        try {
            if (key.isReadable()) {
                c.onReadable(done);
            }
            if (key.isValid() && key.isWritable()) {
                c.onWritable();
            }
        } catch (CancelledKeyException e) {
            // closed while this key was being handled
        }
    }
}
