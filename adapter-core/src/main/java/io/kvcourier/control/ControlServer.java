package io.kvcourier.control;

import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.WireCodec;
import io.kvcourier.wire.WireFormatException;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A ROUTER server on one port: the receiver's alloc server and its init (handshake) server. One virtual
 * thread owns the socket for its whole life (ZMQ sockets are not thread-safe); it receives
 * {@code [identity, "", payload]} (DEALER and REQ clients both send the empty delimiter), decodes the
 * payload strictly, and replies {@code [identity, "", reply]}. A handler may answer later from any thread
 * through {@link Reply}; such replies are queued and sent by the owning thread.
 *
 * <p>Malformed or oversized input never reaches the handler as a message: the handler's
 * {@link Handler#onMalformed} decides the error reply (or none), and the server keeps serving.
 */
public final class ControlServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ControlServer.class.getName());

    /** What the server does with requests. Called on the server's thread: must not block for long. */
    public interface Handler {
        /**
         * Handles one request from the peer whose ZMQ identity is {@code peer}. Returns the reply to send
         * now, or {@code null} to answer later through {@code later} (exactly once).
         */
        PdMessage onRequest(String peer, PdMessage request, Reply later);

        /** The payload did not decode. Returns the error reply, or {@code null} to send none. */
        PdMessage onMalformed(String peer, WireFormatException error);
    }

    /** A deferred reply to one request. */
    public interface Reply {
        void send(PdMessage reply);
    }

    private record Outgoing(byte[] identity, byte[] payload) {
    }

    private final String name;
    private final Handler handler;
    private final ControlSecurity security;
    private final ConcurrentLinkedQueue<Outgoing> outgoing = new ConcurrentLinkedQueue<>();
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicLong malformed = new AtomicLong();
    private volatile boolean running = true;
    private volatile int port;
    private volatile RuntimeException bindError;
    private final Thread thread;

    /**
     * Binds {@code tcp://bindHost:port} (port 0 = ephemeral) and starts serving.
     *
     * @throws IllegalStateException if the bind fails (e.g. the port is taken), naming the endpoint
     */
    public ControlServer(ZContext context, String name, String bindHost, int port, Handler handler) {
        this(context, name, bindHost, port, handler, ControlSecurity.NONE);
    }

    /**
     * Binds {@code tcp://bindHost:port} (port 0 = ephemeral) as a server secured by {@code security} (a CURVE
     * server key, or {@link ControlSecurity#NONE}) and starts serving. Peers that fail the CURVE handshake
     * never reach the handler.
     *
     * @throws IllegalStateException if the bind fails (e.g. the port is taken), naming the endpoint
     */
    public ControlServer(ZContext context, String name, String bindHost, int port, Handler handler,
                         ControlSecurity security) {
        this.name = name;
        this.handler = handler;
        this.security = security;
        String endpoint = Endpoints.bind(bindHost, port);
        this.thread = Thread.ofVirtual().name("kvcourier-" + name).start(() -> run(context, endpoint));
        try {
            if (!started.await(10, TimeUnit.SECONDS)) {
                running = false;
                throw new IllegalStateException(name + ": server did not start within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
            throw new IllegalStateException(name + ": interrupted while starting", e);
        }
        if (bindError != null) {
            throw bindError;
        }
    }

    /** The bound port (the real one when 0 was asked for). */
    public int port() {
        return port;
    }

    /** Messages that failed to decode so far. */
    public long malformedCount() {
        return malformed.get();
    }

    private void run(ZContext context, String endpoint) {
        ZMQ.Socket socket;
        try {
            socket = context.createSocket(SocketType.ROUTER);
            ControlSockets.configure(socket);
            socket.setHandshakeIvl(ControlSockets.SERVER_HANDSHAKE_MS);
            security.applyServer(socket);
            socket.setRouterMandatory(false);
            socket.bind(endpoint);
            port = Endpoints.portOf(socket.getLastEndpoint());
        } catch (RuntimeException e) {
            bindError = new IllegalStateException(name + ": cannot bind " + endpoint + ": " + e.getMessage(), e);
            started.countDown();
            stopped.countDown();
            return;
        }
        started.countDown();
        try {
            while (running) {
                flushOutgoing(socket);
                byte[] identity = socket.recv();
                if (identity == null) {
                    continue;
                }
                byte[] payload = readRest(socket);
                if (payload == null) {
                    continue;
                }
                handle(socket, identity, payload);
            }
            flushOutgoing(socket);
        } catch (RuntimeException e) {
            if (running) {
                LOG.log(System.Logger.Level.ERROR, name + ": server loop failed", e);
            }
        } finally {
            socket.close();
            stopped.countDown();
        }
    }

    /** Reads the remaining frames of one message; returns the last one (the payload), or null if none. */
    private static byte[] readRest(ZMQ.Socket socket) {
        byte[] last = null;
        int frames = 0;
        while (socket.hasReceiveMore()) {
            byte[] frame = socket.recv();
            if (frame == null) {
                return null;
            }
            frames++;
            last = frame;
        }
        // [identity, "", payload] from DEALER/REQ; anything else still decodes its last frame.
        return frames == 0 ? null : last;
    }

    private void handle(ZMQ.Socket socket, byte[] identity, byte[] payload) {
        String peer = new String(identity, StandardCharsets.ISO_8859_1);
        PdMessage reply;
        try {
            PdMessage request = WireCodec.decode(payload);
            reply = handler.onRequest(peer, request, r -> {
                outgoing.add(new Outgoing(identity, WireCodec.encode(r)));
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
            send(socket, identity, WireCodec.encode(reply));
        }
    }

    private void flushOutgoing(ZMQ.Socket socket) {
        Outgoing o;
        while ((o = outgoing.poll()) != null) {
            send(socket, o.identity, o.payload);
        }
    }

    private void send(ZMQ.Socket socket, byte[] identity, byte[] payload) {
        // A peer that went away is not an error for the server: ROUTER drops unroutable replies.
        if (!socket.sendMore(identity) || !socket.sendMore(new byte[0]) || !socket.send(payload, 0)) {
            LOG.log(System.Logger.Level.DEBUG, () -> name + ": reply dropped (peer gone or slow)");
        }
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }

    /**
     * Stops the loop (by flag, never by interrupt: jeromq breaks on interrupts), waits for the owning
     * thread to close its socket, at most {@code timeout}. Idempotent.
     */
    public void close(Duration timeout) {
        running = false;
        try {
            stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
