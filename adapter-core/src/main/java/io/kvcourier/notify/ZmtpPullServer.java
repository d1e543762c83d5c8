package io.kvcourier.notify;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.kvcourier.agent.CloseHelper;

/**
 * The PULL end of ZMTP 3.0 (https://rfc.zeromq.org/spec/23/) with the NULL mechanism, for {@link ProxyListener}: a
 * listening socket and its connections, all served by the one thread that calls {@link #serve}, which hands each
 * message to the {@link Sink} as it takes it off the socket (no I/O thread in between, see
 * docs/ARCHITECTURE.md#decision-24).
 *
 * <p>Each accepted connection gets our greeting and READY at once; it must send a ZMTP 3.x NULL greeting and a READY
 * naming {@code Socket-Type: PUSH} within the handshake timeout ({@value #HANDSHAKE_MILLIS} ms for
 * {@link ProxyListener}), and then message frames. A PING is answered
 * with a PONG (ZMTP 3.1); other commands are ignored. A multi-frame message is skipped whole and reported once. A
 * peer that breaks the protocol, sends a frame of more than {@code maxMessageBytes} (docs/TRAPS.md#trap-6) or does
 * not read its PONGs is disconnected, as libzmq does; the other connections are not affected. No length the peer
 * sends is allocated before it was checked against those limits.
 *
 * <p>Not thread-safe, but for {@link #wakeUp}; {@link #close} is idempotent and releases every socket.
 */
final class ZmtpPullServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ProxyListener.class.getName());
    /** How long a connection may take to complete its handshake in {@link ProxyListener} (jeromq's default). */
    static final long HANDSHAKE_MILLIS = 30_000;
    /** Longest wait of {@link #serve} before it checks its stop condition and handshake deadlines again. */
    private static final long SELECT_MILLIS = 100;
    private static final byte[] HANDSHAKE = ZmtpCodec.serverHandshake();
    private static final int INITIAL_IN = 4096;
    private static final int OUT_BYTES = 256;

    /** Where the messages go; called on the serving thread. */
    interface Sink {
        /** A single-frame message, its body copied, and {@link System#nanoTime()} when it was read. */
        void message(byte[] body, long receivedNanos);

        /** A message of several frames was skipped. */
        void multiFrame();
    }

    private enum State { GREETING, READY, OPEN }

    /** One accepted connection's protocol state and buffers. */
    private static final class Peer {
        final SocketChannel ch;
        final long handshakeDeadline;
        State state = State.GREETING;
        ByteBuffer in = ByteBuffer.allocate(INITIAL_IN);
        final ByteBuffer out = ByteBuffer.allocate(OUT_BYTES);
        /** Bytes the frame being read needs in {@link #in}, when more than its capacity. */
        int want;
        /** Inside a multi-frame message: its frames are skipped. */
        boolean skipping;

        Peer(SocketChannel ch, long handshakeDeadline) {
            this.ch = ch;
            this.handshakeDeadline = handshakeDeadline;
        }
    }

    private final ServerSocketChannel server;
    private final Selector selector;
    private final int maxMessageBytes;
    private final Sink sink;
    private final long handshakeNanos;
    private int handshaking;
    private boolean closed;

    private ZmtpPullServer(ServerSocketChannel server, Selector selector, int maxMessageBytes, Duration handshake,
                           Sink sink) {
        this.server = server;
        this.selector = selector;
        this.maxMessageBytes = maxMessageBytes;
        this.handshakeNanos = handshake.toNanos();
        this.sink = sink;
    }

    /**
     * Binds {@code address} (port 0: an ephemeral one).
     *
     * @param maxMessageBytes largest message frame accepted, in bytes
     * @param handshake       how long a connection may take to send its greeting and READY
     * @throws IOException when it cannot be bound; nothing is left open then
     */
    static ZmtpPullServer bind(InetSocketAddress address, int maxMessageBytes, Duration handshake, Sink sink)
            throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        Selector selector = null;
        try {
            server.bind(address);
            server.configureBlocking(false);
            selector = Selector.open();
            server.register(selector, SelectionKey.OP_ACCEPT);
            return new ZmtpPullServer(server, selector, maxMessageBytes, handshake, sink);
        } catch (IOException | RuntimeException e) {
            CloseHelper.closeOnFailure(e, server, selector);
            throw e;
        }
    }

    /** {@return the bound port} */
    int port() {
        return server.socket().getLocalPort();
    }

    /** Serves until {@code stop} is true (checked at least every {@value #SELECT_MILLIS} ms and on {@link #wakeUp}). */
    void serve(BooleanSupplier stop) {
        while (!stop.getAsBoolean()) {
            try {
                selector.select(this::onSelected, SELECT_MILLIS);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "proxy listener: select failed", e);
                return;
            }
            if (handshaking > 0) {
                dropLateHandshakes(System.nanoTime());
            }
        }
    }

    /** Makes {@link #serve} check its stop condition now; any thread. */
    void wakeUp() {
        selector.wakeup();
    }

    private void onSelected(SelectionKey key) {
        if (key.attachment() == null) {
            accept();
            return;
        }
        Peer p = (Peer) key.attachment();
        try {
            if (key.isValid() && key.isWritable()) {
                flush(p, key);
            }
            if (key.isValid() && key.isReadable()) {
                read(p, key);
            }
        } catch (IOException e) {
            close(p, key, null);
        }
    }

    private void accept() {
        while (true) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "proxy listener: accept failed: {0}", e.getMessage());
                return;
            }
            if (ch == null) {
                return;
            }
            Peer p = new Peer(ch, System.nanoTime() + handshakeNanos);
            SelectionKey key = null;
            try {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                key = ch.register(selector, SelectionKey.OP_READ, p);
                handshaking++;
                p.out.put(HANDSHAKE);
                flush(p, key);
            } catch (IOException | RuntimeException e) {
                if (key != null) {
                    close(p, key, "could not greet it: " + e); // counted as handshaking: close() uncounts it
                } else {
                    LOG.log(System.Logger.Level.WARNING, "proxy listener: could not take a connection: {0}",
                            e.toString());
                    CloseHelper.quietClose(ch);
                }
            }
        }
    }

    private void read(Peer p, SelectionKey key) throws IOException {
        int n = p.ch.read(p.in);
        long now = System.nanoTime();
        if (n < 0) {
            close(p, key, null); // the peer went away: what it sent in full was delivered
            return;
        }
        p.in.flip();
        String why = frames(p, key, now);
        p.in.compact();
        if (why != null) {
            close(p, key, why);
        } else if (p.want > p.in.capacity()) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(p.want, Math.min(2 * p.in.capacity(),
                    ZmtpCodec.LONG_HEADER + maxMessageBytes)));
            p.in.flip();
            bigger.put(p.in);
            p.in = bigger;
        }
    }

    /** Handles the whole frames in {@code p.in} (read mode), leaving a partial one; @return why to drop, or null */
    private String frames(Peer p, SelectionKey key, long now) throws IOException {
        ByteBuffer in = p.in;
        while (true) {
            int at = in.position();
            int available = in.remaining();
            if (p.state == State.GREETING) {
                if (available < ZmtpCodec.GREETING_BYTES) {
                    return null;
                }
                String bad = ZmtpCodec.checkGreeting(in, at);
                if (bad != null) {
                    return bad;
                }
                in.position(at + ZmtpCodec.GREETING_BYTES);
                p.state = State.READY;
                continue;
            }
            long size = ZmtpCodec.frameSize(in, at, available);
            if (size == -1) {
                return null;
            }
            if (size == -2) {
                return "malformed frame header";
            }
            int flags = in.get(at);
            boolean command = (flags & ZmtpCodec.FLAG_COMMAND) != 0;
            long limit = command ? ZmtpCodec.MAX_COMMAND_BODY : maxMessageBytes;
            if (size > limit) {
                return (command ? "a command" : "a message") + " frame of " + size + " bytes (limit " + limit + ")";
            }
            int body = at + ZmtpCodec.headerLength(in, at);
            if (in.limit() - body < size) {
                p.want = body - at + (int) size;
                return null;
            }
            p.want = 0;
            String bad = command ? command(p, key, flags, body, (int) size) : message(p, flags, body, (int) size, now);
            if (bad != null) {
                return bad;
            }
            in.position(body + (int) size);
        }
    }

    private String command(Peer p, SelectionKey key, int flags, int body, int size) throws IOException {
        ZmtpCodec.Command c = ZmtpCodec.command(p.in, body, size);
        if (c == null || (flags & ZmtpCodec.FLAG_MORE) != 0) {
            return "malformed command";
        }
        if (p.state == State.READY) {
            if (c != ZmtpCodec.Command.READY) {
                return "expected READY, got " + c;
            }
            String bad = ZmtpCodec.checkPushReady(p.in, body, size);
            if (bad == null) {
                p.state = State.OPEN;
                handshaking--;
            }
            return bad;
        }
        return switch (c) {
            case READY -> "a second READY";
            case ERROR -> "the peer sent ERROR";
            case PING -> {
                if (p.out.remaining() < ZmtpCodec.MAX_PONG_FRAME) {
                    yield "the peer does not read its PONGs";
                }
                if (!ZmtpCodec.putPong(p.in, body, size, p.out)) {
                    yield "malformed PING";
                }
                flush(p, key);
                yield null;
            }
            case OTHER -> null;
        };
    }

    private String message(Peer p, int flags, int body, int size, long now) {
        if (p.state != State.OPEN) {
            return "a message before the handshake";
        }
        boolean more = (flags & ZmtpCodec.FLAG_MORE) != 0;
        if (p.skipping || more) {
            p.skipping = more;
            if (!more) {
                sink.multiFrame();
            }
            return null;
        }
        byte[] message = new byte[size];
        p.in.get(body, message);
        sink.message(message, now);
        return null;
    }

    private static void flush(Peer p, SelectionKey key) throws IOException {
        p.out.flip();
        p.ch.write(p.out);
        p.out.compact();
        int want = p.out.position() > 0 ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ;
        if (key.interestOps() != want) {
            key.interestOps(want);
        }
    }

    private void dropLateHandshakes(long now) {
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof Peer p && p.state != State.OPEN && now - p.handshakeDeadline > 0) {
                close(p, key, "no handshake within " + TimeUnit.NANOSECONDS.toMillis(handshakeNanos) + " ms");
            }
        }
    }

    private void close(Peer p, SelectionKey key, String why) {
        if (why != null) {
            LOG.log(System.Logger.Level.WARNING, "proxy listener: dropped a connection ({0}): {1}", remote(p), why);
        }
        if (p.state != State.OPEN) {
            handshaking--;
        }
        key.cancel();
        CloseHelper.quietClose(p.ch);
    }

    private static String remote(Peer p) {
        try {
            return String.valueOf(p.ch.getRemoteAddress());
        } catch (IOException e) {
            return "?";
        }
    }

    /** Closes the listening socket and every connection. Idempotent; not while {@link #serve} runs elsewhere. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof Peer p) {
                CloseHelper.quietClose(p.ch);
            }
        }
        CloseHelper.quietCloseAll(selector, server);
    }
}
