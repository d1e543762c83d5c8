package io.kvcourier.channel.tcp;

import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.pd.PdL2AdapterConfig;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.InitError;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.TcpInitRequest;
import io.kvcourier.wire.TcpInitResponse;
import io.kvcourier.wire.WireCodec;

import java.io.IOException;
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
import java.util.ArrayList;
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
 * The receiver half of the tcp channel: a data listener on {@code bind_host}, port 0, and one platform
 * progress thread ({@code kvcourier-tcp-receiver-<port>}) whose selector accepts connections, reads frames
 * ({@link TcpFrames}) straight into the staging pages and writes acknowledgements. Every DATA frame is
 * admitted by the {@link LandingListener} before its payload is read; every COMMIT is reported to it and
 * answered. Handshakes ({@link #handshake}) run on the init servers' threads and mint single-use session
 * tokens; {@link #fence} and {@link #close} hand their work to the progress thread and wait for it.
 */
final class TcpReceiver implements ChannelReceiver {
    private static final System.Logger LOG = System.getLogger(TcpReceiver.class.getName());
    private static final long TICK_MS = 100;
    /** Bytes read from one connection before the others get a turn. */
    private static final long READ_BUDGET = 16L << 20;
    private static final int SOCKET_BUFFER = 4 << 20;
    private static final int ACK_BUFFER = 512 * TcpFrames.ACK_BYTES;
    /** Most accepted connections still waiting for their hello; more are closed at once. */
    static final int MAX_UNAUTHENTICATED = 256;
    /** Most handshakes answered but not yet used. */
    private static final int MAX_GRANTS = 4096;

    private record Grant(String senderId, long expiresAtNanos) {
    }

    private final StagingBuffer staging;
    private final LandingListener listener;
    private final String advertisedHost;
    private final int port;
    private final long handshakeNanos;
    private final long shutdownNanos;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final PageWindows windows;
    private final SecureRandom random = new SecureRandom();
    private final Map<ByteBuffer, Grant> grants = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    /** Open connections; progress thread only. */
    private final List<Link> links = new ArrayList<>();
    private final Consumer<SelectionKey> onKey = this::handle;
    private final Thread progress;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean running = true;
    private volatile boolean exited;

    /** Connections closed because their hello was missing, late, malformed or had no live token. */
    final AtomicLong refusedConnections = new AtomicLong();
    /** Connections closed because of a frame: not admitted, malformed, or a peer that stopped reading acks. */
    final AtomicLong rejectedFrames = new AtomicLong();
    final AtomicLong committedBatches = new AtomicLong();
    final AtomicLong bytesReceived = new AtomicLong();

    TcpReceiver(PdL2AdapterConfig config, StagingBuffer staging, LandingListener listener) throws ChannelException {
        this.staging = staging;
        this.listener = listener;
        this.handshakeNanos = config.handshakeTimeout().toNanos();
        this.shutdownNanos = config.shutdownTimeout().toNanos();
        this.advertisedHost = isWildcard(config.bindHost()) ? config.peerHost() : config.bindHost();
        this.windows = new PageWindows(staging);
        ServerSocketChannel srv = null;
        Selector sel = null;
        try {
            srv = ServerSocketChannel.open();
            srv.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
            srv.bind(isWildcard(config.bindHost()) ? new InetSocketAddress(0)
                    : new InetSocketAddress(config.bindHost(), 0), 2 * MAX_UNAUTHENTICATED);
            srv.configureBlocking(false);
            sel = Selector.open();
            srv.register(sel, SelectionKey.OP_ACCEPT);
            this.port = ((InetSocketAddress) srv.getLocalAddress()).getPort();
        } catch (IOException | RuntimeException e) {
            closeQuietly(srv);
            closeQuietly(sel);
            throw new ChannelException("tcp receiver cannot listen on bind_host '" + config.bindHost() + "': " + e, e);
        }
        this.server = srv;
        this.selector = sel;
        this.progress = Thread.ofPlatform().daemon().name("kvcourier-tcp-receiver-" + port).unstarted(this::run);
        progress.start();
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
        if (!running) {
            return refuse("receiver is closing");
        }
        long now = System.nanoTime();
        purgeGrants(now);
        if (grants.size() >= MAX_GRANTS) {
            return refuse("too many unused tcp handshakes (" + grants.size() + ")");
        }
        byte[] token = new byte[TcpFrames.TOKEN_BYTES];
        random.nextBytes(token);
        grants.put(ByteBuffer.wrap(token), new Grant(req.senderId(), now + 2 * handshakeNanos));
        return new TcpInitResponse(WireCodec.PROTOCOL_VERSION, advertisedHost, port, token, staging.pageSize());
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
        grants.values().removeIf(g -> g.senderId.equals(senderId));
        if (Thread.currentThread() == progress) {
            closeLinksOf(senderId);
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        commands.add(() -> {
            closeLinksOf(senderId);
            done.countDown();
        });
        if (exited) {
            return; // the progress thread has closed every connection and reads nothing any more
        }
        selector.wakeup();
        try {
            if (!done.await(shutdownNanos, TimeUnit.NANOSECONDS)) {
                LOG.log(System.Logger.Level.ERROR, "fencing sender {0} did not finish within the shutdown deadline",
                        senderId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
        running = false;
        selector.wakeup();
        grants.clear();
        if (Thread.currentThread() == progress) {
            return; // called from a listener: the loop stops reading now and closes everything on its way out
        }
        try {
            progress.join(TimeUnit.NANOSECONDS.toMillis(shutdownNanos) + 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (progress.isAlive()) {
            LOG.log(System.Logger.Level.ERROR, "tcp receiver progress thread did not stop within the shutdown deadline");
        }
    }

    // ------------------------------------------------------------------------------------ progress thread

    private void run() {
        try {
            while (running) {
                runCommands();
                selector.select(onKey, TICK_MS);
                expireHellos(System.nanoTime());
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "tcp receiver progress thread failed; closing every data connection", e);
        } finally {
            for (int i = links.size() - 1; i >= 0; i--) {
                links.get(i).close();
            }
            closeQuietly(server);
            closeQuietly(selector);
            exited = true;
            runCommands();
        }
    }

    private void runCommands() {
        Runnable r;
        while ((r = commands.poll()) != null) {
            r.run();
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
                closeQuietly(ch);
                continue;
            }
            try {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
                Link l = new Link(ch);
                l.key = ch.register(selector, SelectionKey.OP_READ, l);
                links.add(l);
            } catch (IOException e) {
                closeQuietly(ch);
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

    private void expireHellos(long now) {
        for (int i = links.size() - 1; i >= 0; i--) {
            Link l = links.get(i);
            if (l.senderId == null && now - l.acceptedAtNanos - handshakeNanos > 0) {
                l.refuse("no valid hello within the handshake deadline");
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
        final ByteBuffer header = ByteBuffer.allocateDirect(TcpFrames.HEADER_BYTES);
        final ByteBuffer acks = ByteBuffer.allocateDirect(ACK_BUFFER);
        /** The payload window of the DATA frame being read, or null between frames. */
        ByteBuffer payload;
        boolean open = true;

        Link(SocketChannel ch) {
            this.ch = ch;
        }

        void onReadable() {
            try {
                long budget = READ_BUDGET;
                while (open && running && budget > 0) {
                    if (senderId == null) {
                        if (!readHello()) {
                            return;
                        }
                        continue;
                    }
                    if (payload != null) {
                        int n = ch.read(payload);
                        if (n < 0) {
                            lost("connection closed in the middle of a data frame");
                            return;
                        }
                        bytesReceived.addAndGet(n);
                        budget -= n;
                        if (payload.hasRemaining()) {
                            if (n == 0) {
                                return;
                            }
                            continue;
                        }
                        payload = null;
                        continue;
                    }
                    int n = ch.read(header);
                    if (n < 0) {
                        if (header.position() == 0) {
                            close(); // the sender closed between frames
                        } else {
                            lost("connection closed in the middle of a frame header");
                        }
                        return;
                    }
                    if (header.hasRemaining()) {
                        return;
                    }
                    onHeader();
                    header.clear();
                }
            } catch (IOException e) {
                lost("read failed: " + e.getMessage());
            }
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
                if (hello.getShort(4) != TcpFrames.VERSION) {
                    refuse("hello version " + hello.getShort(4) + " is not " + TcpFrames.VERSION);
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
            senderId = claimed;
            hello = null;
            LOG.log(System.Logger.Level.DEBUG, "tcp data connection from {0} ({1})", claimed, remote());
            return true;
        }

        private void onHeader() throws IOException {
            byte type = header.get(0);
            int reserved = header.get(1) | header.get(2) | header.get(3);
            int batch = header.getInt(4);
            int page = header.getInt(8);
            int length = header.getInt(12);
            long offset = header.getLong(16);
            if (reserved != 0) {
                drop("frame with non-zero reserved bytes");
                return;
            }
            if (type == TcpFrames.DATA) {
                long ps = staging.pageSize();
                if (ps <= 0 || page < 0 || page >= staging.pageCount() || length <= 0 || length > ps
                        || offset < 0 || offset > ps - length) {
                    drop("data frame for page " + page + " offset " + offset + " length " + length
                            + " is outside the staging pages");
                    return;
                }
                boolean admitted;
                try {
                    admitted = listener.admitWrite(senderId, batch, page, offset, length);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "landing listener failed on admitWrite", e);
                    admitted = false;
                }
                if (!admitted) {
                    drop("write to page " + page + " (offset " + offset + ", " + length + " bytes) of batch " + batch
                            + " is not in that sender's live allocation");
                    return;
                }
                payload = windows.window(page * ps + offset, length);
            } else if (type == TcpFrames.COMMIT) {
                if (page != 0 || length != 0 || offset != 0) {
                    drop("commit frame with non-zero page, length or offset");
                    return;
                }
                boolean committed;
                try {
                    committed = listener.onBatchLanded(senderId, batch);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "landing listener failed on onBatchLanded", e);
                    committed = false;
                }
                if (committed) {
                    committedBatches.incrementAndGet();
                }
                ack(batch, committed);
            } else {
                drop("unknown frame type " + type);
            }
        }

        private void ack(int batch, boolean committed) throws IOException {
            if (acks.remaining() < TcpFrames.ACK_BYTES) {
                flushAcks();
                if (!open || acks.remaining() < TcpFrames.ACK_BYTES) {
                    drop("sender does not read its acknowledgements");
                    return;
                }
            }
            acks.put(TcpFrames.ACK).put(committed ? (byte) 1 : (byte) 0).putShort((short) 0).putInt(batch);
            flushAcks();
        }

        void flushAcks() {
            if (!open) {
                return;
            }
            try {
                acks.flip();
                ch.write(acks);
                acks.compact();
            } catch (IOException e) {
                lost("acknowledgement write failed: " + e.getMessage());
                return;
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
            payload = null;
            if (key != null) {
                key.cancel();
            }
            closeQuietly(ch);
            links.remove(this);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // nothing left to do with it
        }
    }
}
