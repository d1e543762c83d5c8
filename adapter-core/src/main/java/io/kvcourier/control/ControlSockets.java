package io.kvcourier.control;

import org.zeromq.ZMQ;

/** Socket options every control socket gets. */
final class ControlSockets {
    /** Largest control message accepted from the network, in bytes (docs/TRAPS.md#trap-6). */
    static final long MAX_MESSAGE_BYTES = 16L << 20;
    /** How often a socket-owning thread wakes to check its stop flag, in milliseconds. */
    static final int POLL_SLICE_MS = 50;

    private ControlSockets() {
    }

    /**
     * ZMTP handshake deadline for client sockets, in milliseconds. jeromq sometimes stalls the handshake of a
     * fresh tcp connection (the peer's greeting sits unread; jeromq PR #1022); the default 30 s would hold
     * the first request that long. A short deadline drops the stalled connection and reconnects.
     */
    static final int CLIENT_HANDSHAKE_MS = 1_000;
    /** The same for servers, longer so that a slow (emulated) client is not cut off. */
    static final int SERVER_HANDSHAKE_MS = 5_000;

    static void configure(ZMQ.Socket socket) {
        socket.setMaxMsgSize(MAX_MESSAGE_BYTES);
        socket.setLinger(0);
        socket.setReceiveTimeOut(POLL_SLICE_MS);
        socket.setSendTimeOut(POLL_SLICE_MS);
    }

    /**
     * Client sockets (DEALER, REQ). Note that jeromq's {@code setImmediate(true)} is its default and means
     * "attach the pipe at connect" — the opposite of libzmq's {@code ZMQ_IMMEDIATE=1}. We keep the default:
     * with delayed attach jeromq drops accepted messages when a stalled handshake is retried. Requests stay
     * bounded because every exchange has a deadline and a stale socket is replaced.
     */
    static void configureClient(ZMQ.Socket socket) {
        configure(socket);
        socket.setHandshakeIvl(CLIENT_HANDSHAKE_MS);
    }

    private static final java.util.concurrent.atomic.AtomicLong MONITORS = new java.util.concurrent.atomic.AtomicLong();

    /**
     * Starts a monitor on {@code socket} for {@code events} and returns the PAIR socket that receives them, watched
     * by the agent (control thread only). Its endpoint is unique per process.
     */
    static ZMQ.Socket monitor(ControlAgent agent, ZMQ.Socket socket, String name, int events) {
        String endpoint = "inproc://kvcourier-monitor-" + MONITORS.incrementAndGet() + "-" + name;
        if (!socket.monitor(endpoint, events)) {
            throw new IllegalStateException("cannot monitor " + name + ", errno " + socket.errno());
        }
        ZMQ.Socket m = agent.context().createSocket(org.zeromq.SocketType.PAIR);
        m.setLinger(0);
        if (!m.connect(endpoint)) {
            throw new IllegalStateException("cannot connect the monitor of " + name + ", errno " + m.errno());
        }
        agent.watch(m);
        return m;
    }

    /**
     * Closes {@code socket} (linger 0 must be set already) through its context, which also drops it from the
     * context's list. {@code ZContext.destroySocket} is deprecated in jeromq 0.6.0 but kept on purpose: with a plain
     * {@code Socket.close()} of a context's socket, a closed receiver's connections were not seen to end by its
     * senders ({@code PerRequestTargetTest.aFailedReceiverIsBackedOffThenUsedAgainOnceItIsBack} failed every run).
     */
    @SuppressWarnings("deprecation") // see above: the replacement does not behave the same
    static void destroy(ControlAgent agent, ZMQ.Socket socket) {
        agent.context().destroySocket(socket);
    }
}
