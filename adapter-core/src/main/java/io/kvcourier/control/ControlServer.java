package io.kvcourier.control;

import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.WireCodec;
import io.kvcourier.wire.WireEncoder;
import io.kvcourier.wire.WireFormatException;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A ROUTER server on one port, owned by a {@link ControlAgent}: the receiver's alloc server and its init
 * (handshake) server. It receives {@code [identity, "", payload]} (DEALER and REQ clients both send the empty
 * delimiter), decodes the payload strictly, and replies {@code [identity, "", reply]}. A handler answers now, or
 * later from any thread through a {@link Reply}, which hands the reply to the control thread (one wake-up).
 *
 * <p>Malformed or oversized input never reaches the handler as a message: {@link Handler#onMalformed} decides
 * the error reply (or none), and the server keeps serving.
 */
public final class ControlServer implements ControlAgent.Duty {
    private static final System.Logger LOG = System.getLogger(ControlServer.class.getName());
    private static final byte[] EMPTY = new byte[0];
    /** Messages read per server per duty cycle before other duties get a turn. */
    private static final int BURST = 64;
    /**
     * Seconds {@link #bind} waits for the control thread to bind. Only a wedged control thread should reach it:
     * a fresh JVM's first bind loads jeromq on that thread, which took over 10 s in a soft-RoCE guest under
     * emulation (.ci/rxe's two-guest step, host load ~15).
     */
    public static final int START_TIMEOUT_SEC = 60;

    /** What the server does with requests. Called on the control thread: must not block. */
    public interface Handler {
        /**
         * Handles one request from the peer whose ZMQ identity is {@code peer}. Returns the reply to send now,
         * or {@code null} to answer later through {@code later} (at most once).
         */
        PdMessage onRequest(String peer, PdMessage request, Reply later);

        /** The payload did not decode. Returns the error reply, or {@code null} to send none. */
        PdMessage onMalformed(String peer, WireFormatException error);
    }

    /** A deferred reply to one request; {@link #send} may be called from any thread, once. */
    public interface Reply {
        void send(PdMessage reply);
    }

    private final ControlAgent agent;
    private final String name;
    private final Handler handler;
    private final WireEncoder encoder;
    private final AtomicLong malformed = new AtomicLong();
    private ZMQ.Socket socket;
    private volatile int port;
    private boolean closed;

    private ControlServer(ControlAgent agent, String name, Handler handler, WireEncoder encoder) {
        this.agent = agent;
        this.name = name;
        this.handler = handler;
        this.encoder = encoder;
    }

    /**
     * Binds {@code tcp://bindHost:port} (port 0 = ephemeral) on the control thread, secured by {@code security}
     * (a CURVE server key, or {@link ControlSecurity#NONE}), and starts serving. Peers that fail the CURVE
     * handshake never reach the handler. Waits at most {@link #START_TIMEOUT_SEC} s for the control thread.
     *
     * <p>The server sends no ZMTP PINGs of its own: a kvcourier sender's PINGs carry a TTL, and jeromq drops a
     * connection whose peer has been silent past that TTL, so a sender that vanishes is still disconnected here. A
     * server that pinged too would blind both ends: with PINGs in both directions, jeromq 0.6.0 noticed a silent
     * partition on neither side in most runs (docs/TRAPS.md#trap-36).
     *
     * @param encoder the control thread's encoder (used on that thread only)
     * @throws IllegalStateException if the bind fails (e.g. the port is taken), naming the endpoint
     */
    public static ControlServer bind(ControlAgent agent, String name, String bindHost, int port, Handler handler,
                                     ControlSecurity security, WireEncoder encoder) {
        ControlServer server = new ControlServer(agent, name, handler, encoder);
        String endpoint = Endpoints.bind(bindHost, port);
        CompletableFuture<Void> bound = new CompletableFuture<>();
        boolean queued = agent.execute(() -> {
            ZMQ.Socket s = agent.context().createSocket(SocketType.ROUTER);
            try {
                ControlSockets.configure(s);
                s.setHandshakeIvl(ControlSockets.SERVER_HANDSHAKE_MS);
                security.applyServer(s);
                s.setRouterMandatory(false);
                s.bind(endpoint);
                server.port = Endpoints.portOf(s.getLastEndpoint());
            } catch (RuntimeException e) {
                s.setLinger(0);
                ControlSockets.destroy(agent, s);
                bound.completeExceptionally(e);
                return;
            }
            server.socket = s;
            agent.watch(s);
            agent.add(server);
            bound.complete(null);
        });
        if (!queued) {
            throw new IllegalStateException(name + ": control plane is closed");
        }
        try {
            bound.get(START_TIMEOUT_SEC, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(name + ": cannot bind " + endpoint + ": " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(name + ": server did not start within " + START_TIMEOUT_SEC + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(name + ": interrupted while starting", e);
        }
        return server;
    }

    /** The bound port (the real one when 0 was asked for). */
    public int port() {
        return port;
    }

    /** Messages that failed to decode so far. */
    public long malformedCount() {
        return malformed.get();
    }

    @Override
    public int poll(long nowNanos) {
        if (socket == null) {
            return 0;
        }
        int n = 0;
        byte[] identity;
        while (n < BURST && ControlAgent.readable(socket) && (identity = socket.recv(ZMQ.DONTWAIT)) != null) {
            n++;
            byte[] payload = readRest(socket);
            if (payload != null) {
                handle(identity, payload);
            }
        }
        return n;
    }

    /** Reads the remaining frames of one message; returns the last one (the payload), or null if none. */
    private static byte[] readRest(ZMQ.Socket socket) {
        byte[] last = null;
        int frames = 0;
        while (socket.hasReceiveMore()) {
            byte[] frame = socket.recv(0);
            if (frame == null) {
                return null;
            }
            frames++;
            last = frame;
        }
        // [identity, "", payload] from DEALER/REQ; anything else still decodes its last frame.
        return frames == 0 ? null : last;
    }

    private void handle(byte[] identity, byte[] payload) {
        String peer = new String(identity, StandardCharsets.ISO_8859_1);
        PdMessage reply;
        try {
            PdMessage request = WireCodec.decode(payload);
            reply = handler.onRequest(peer, request, r -> {
                if (!agent.execute(() -> send(identity, r))) {
                    LOG.log(System.Logger.Level.DEBUG, () -> name + ": deferred reply dropped (closing)");
                }
            });
        } catch (WireFormatException e) {
            malformed.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, () -> name + ": malformed message from " + printable(peer) + ": "
                    + e.getMessage());
            reply = handler.onMalformed(peer, e);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, name + ": handler failed for a message from " + printable(peer), e);
            reply = null;
        }
        if (reply != null) {
            send(identity, reply);
        }
    }

    private void send(byte[] identity, PdMessage reply) {
        if (socket == null || closed) {
            return;
        }
        encoder.encode(reply);
        // send(byte[], off, len) copies, so the encoder's buffer is free again at once (sendByteBuffer keeps a view).
        // A peer that went away is not an error for the server: ROUTER drops unroutable replies.
        if (!socket.send(identity, ZMQ.SNDMORE | ZMQ.DONTWAIT) || !socket.send(EMPTY, ZMQ.SNDMORE | ZMQ.DONTWAIT)
                || !socket.send(encoder.array(), 0, encoder.length(), ZMQ.DONTWAIT)) {
            LOG.log(System.Logger.Level.DEBUG, () -> name + ": reply dropped (peer gone or slow)");
        }
    }

    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }

    @Override
    public int expire(long nowNanos) {
        return 0;
    }

    @Override
    public long nextDeadlineNanos() {
        return Long.MAX_VALUE;
    }

    @Override
    public boolean isActive() {
        return !closed;
    }

    /** Closes the socket; control thread only (the agent calls it when it stops). Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (socket != null) {
            agent.unwatch(socket);
            socket.setLinger(0);
            ControlSockets.destroy(agent, socket);
            socket = null;
        }
    }
}
