package io.kvcourier.control;

import org.zeromq.ZMQ;

/** Socket options every control socket gets. */
final class ControlSockets {
    /** Largest control message accepted from the network, in bytes (traps 6). */
    static final long MAX_MESSAGE_BYTES = 16L << 20;
    /** How often a socket-owning thread wakes to check its stop flag, in milliseconds. */
    static final int POLL_SLICE_MS = 50;

    private ControlSockets() {
    }

    static void configure(ZMQ.Socket socket) {
        socket.setMaxMsgSize(MAX_MESSAGE_BYTES);
        socket.setLinger(0);
        socket.setReceiveTimeOut(POLL_SLICE_MS);
        socket.setSendTimeOut(POLL_SLICE_MS);
    }
}
