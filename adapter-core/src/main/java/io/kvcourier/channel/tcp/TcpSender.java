package io.kvcourier.channel.tcp;

import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelSender;
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
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The sender half of the tcp channel. A connection is made on the caller's (virtual) thread: a bounded
 * blocking connect to the host and port from {@code TcpInitResponse} and the HELLO; then the socket turns
 * non-blocking and belongs to this sender's platform progress thread ({@code kvcourier-tcp-sender}), which
 * writes every frame straight from the staging pages and reads the acknowledgements of all connections.
 */
final class TcpSender implements ChannelSender {
    private static final System.Logger LOG = System.getLogger(TcpSender.class.getName());
    private static final long TICK_MS = 1000;
    static final int SOCKET_BUFFER = 4 << 20;

    final StagingBuffer staging;
    /** Views of the sender's staging pages; progress thread only. */
    final PageWindows windows;
    final long shutdownNanos;
    private final long connectTimeoutMs;
    private final Selector selector;
    private final Thread progress;
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    final Set<TcpConnection> connections = ConcurrentHashMap.newKeySet();
    private final Consumer<SelectionKey> onKey = this::handle;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean running = true;
    private volatile boolean exited;

    TcpSender(PdL2AdapterConfig config, StagingBuffer staging) throws ChannelException {
        this.staging = staging;
        this.windows = new PageWindows(staging);
        this.shutdownNanos = config.shutdownTimeout().toNanos();
        this.connectTimeoutMs = Math.max(1, config.handshakeTimeout().toMillis());
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new ChannelException("tcp sender cannot open a selector: " + e, e);
        }
        this.progress = Thread.ofPlatform().daemon().name("kvcourier-tcp-sender").unstarted(this::run);
        progress.start();
    }

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
        return new Handshake() {
            @Override
            public PdMessage request() {
                return new TcpInitRequest(WireCodec.PROTOCOL_VERSION, senderId);
            }

            @Override
            public ChannelConnection complete(PdMessage reply) throws ChannelException {
                return connect(id, reply);
            }

            @Override
            public void abort() {
                // nothing was prepared before the reply
            }
        };
    }

    private TcpConnection connect(byte[] senderId, PdMessage reply) throws ChannelException {
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
        if (r.port() <= 0) {
            throw new ChannelException("receiver announced no data port (port " + r.port() + ")");
        }
        byte[] token = r.sessionToken();
        if (token.length != TcpFrames.TOKEN_BYTES) {
            throw new ChannelException("session_token must be " + TcpFrames.TOKEN_BYTES + " bytes, got " + token.length);
        }
        String peer = r.host() + ":" + r.port();
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open();
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
            ch.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
            ch.socket().connect(new InetSocketAddress(r.host(), r.port()), (int) Math.min(Integer.MAX_VALUE, connectTimeoutMs));
            ByteBuffer hello = ByteBuffer.allocate(TcpFrames.HELLO_BYTES + senderId.length);
            hello.putInt(TcpFrames.MAGIC).putShort(TcpFrames.VERSION).putShort((short) senderId.length).put(token)
                    .put(senderId).flip();
            while (hello.hasRemaining()) {
                ch.write(hello);
            }
            ch.configureBlocking(false);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            throw new ChannelException("tcp connect to " + peer + " failed: " + e, e);
        }
        TcpConnection c = new TcpConnection(this, ch, peer);
        connections.add(c);
        submit(c::register);
        if (exited || closed.get()) {
            c.closeNow(new ChannelException("tcp sender is closed"));
            throw new ChannelException("tcp sender is closed");
        }
        return c;
    }

    /** Runs {@code r} on the progress thread (soon). */
    void submit(Runnable r) {
        commands.add(r);
        selector.wakeup();
    }

    boolean onProgressThread() {
        return Thread.currentThread() == progress;
    }

    boolean exited() {
        return exited;
    }

    Selector selector() {
        return selector;
    }

    /** Closes every connection (failing their pending writes) and stops the progress thread. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running = false;
        selector.wakeup();
        if (onProgressThread()) {
            return; // the loop ends after this command and closes everything itself
        }
        try {
            progress.join(TimeUnit.NANOSECONDS.toMillis(shutdownNanos) + 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (progress.isAlive()) {
            LOG.log(System.Logger.Level.ERROR, "tcp sender progress thread did not stop within the shutdown deadline");
        }
    }

    private void run() {
        try {
            while (running) {
                runCommands();
                selector.select(onKey, TICK_MS);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "tcp sender progress thread failed; closing every data connection", e);
        } finally {
            exited = true;
            for (TcpConnection c : connections) {
                c.closeNow(new ChannelException("tcp sender closed"));
            }
            runCommands();
            closeQuietly(selector);
        }
    }

    private void runCommands() {
        Runnable r;
        while ((r = commands.poll()) != null) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "tcp sender command failed", e);
            }
        }
    }

    private void handle(SelectionKey key) {
        TcpConnection c = (TcpConnection) key.attachment();
        try {
            if (key.isReadable()) {
                c.onReadable();
            }
            if (key.isValid() && key.isWritable()) {
                c.pump();
            }
        } catch (CancelledKeyException e) {
            // closed while this key was being handled
        }
    }

    static void closeQuietly(AutoCloseable c) {
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
