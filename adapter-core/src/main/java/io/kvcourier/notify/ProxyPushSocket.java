package io.kvcourier.notify;

import java.lang.System.Logger.Level;
import java.time.Duration;

import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZEvent;
import org.zeromq.ZMQ;
import org.zeromq.ZMonitor;

/**
 * The notifier's PUSH connection to the proxy: its own {@link ZContext}, the PUSH socket, and a
 * monitor that says whether a proxy has completed the ZMTP handshake. Confined to the thread that
 * created it (ZMQ sockets are not thread-safe).
 *
 * <p>Why not simply libzmq's {@code ZMQ_IMMEDIATE} (docs/TRAPS.md#trap-5)? Two jeromq 0.6.0 facts, both measured
 * here and pinned by tests:
 * <ul>
 *   <li>jeromq's {@code setImmediate(true)} is the <em>opposite</em> of libzmq's {@code ZMQ_IMMEDIATE=1}:
 *       it is jeromq's default and attaches the pipe at {@code connect}; libzmq's meaning is
 *       {@code setDelayAttachOnConnect(true)}.</li>
 *   <li>A fresh connecting socket sometimes (about 3% of connections on this machine; jeromq PR
 *       #1022, "connect hand-off race") completes the TCP connect but never the handshake, until the
 *       handshake timer tears it down and reconnects. With delay-attach the message already accepted
 *       into that connection's pipe is then discarded: 8 of 200 lost in a test, 0 of 200 with the
 *       pipe attached at connect, which survives the reconnect.</li>
 * </ul>
 * So the pipe is attached at connect (messages survive reconnects), the handshake interval is short
 * (a stalled handshake is retried quickly), and "is a proxy there?" comes from the monitor's
 * handshake/disconnect events: {@link #trySend} refuses while no proxy is connected, which gives the
 * caller the EAGAIN, back-off and deadline behaviour of docs/TRAPS.md#trap-5.
 */
final class ProxyPushSocket {
    private static final System.Logger LOG = System.getLogger(ProxyPushSocket.class.getName());
    private static final String MONITOR = "inproc://kvcourier-proxy-notifier-monitor";
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(5);

    private final OwnedContext owned;
    private final ZContext ctx;
    private final ZMQ.Socket push;
    private final ZMQ.Socket monitor;
    private int handshakenPeers;

    /**
     * @param endpoint       {@code tcp://host:port} of the proxy
     * @param sendHwm        PUSH send high-water mark, in messages
     * @param handshakeIvl   ZMTP handshake timeout; a stalled handshake is retried after it
     * @param lingerMs       linger applied when the socket is closed
     * @param threadPrefix   name prefix for jeromq's reaper and I/O threads
     */
    ProxyPushSocket(String endpoint, int sendHwm, Duration handshakeIvl, long lingerMs, String threadPrefix) {
        owned = new OwnedContext(threadPrefix);
        ctx = owned.context();
        ZMQ.Socket p = null;
        ZMQ.Socket m = null;
        try {
            // ZContext applies its own linger when it creates *and* when it destroys a socket.
            ctx.setLinger((int) Math.min(Integer.MAX_VALUE, lingerMs));
            p = ctx.createSocket(SocketType.PUSH);
            p.setSndHWM(sendHwm);
            p.setHandshakeIvl((int) Math.max(1, handshakeIvl.toMillis()));
            if (!p.monitor(MONITOR, ZMQ.EVENT_HANDSHAKE_PROTOCOL | ZMQ.EVENT_DISCONNECTED)) {
                throw new IllegalStateException("cannot monitor the PUSH socket, errno " + p.errno());
            }
            m = ctx.createSocket(SocketType.PAIR);
            m.setLinger(0);
            if (!m.connect(MONITOR)) {
                throw new IllegalStateException("cannot connect the monitor, errno " + m.errno());
            }
            if (!p.connect(endpoint)) {
                throw new IllegalStateException("cannot connect to " + endpoint + ", errno " + p.errno());
            }
        } catch (RuntimeException e) {
            ctx.setLinger(0);
            owned.close(JOIN_TIMEOUT);
            throw e;
        }
        push = p;
        monitor = m;
    }

    /** Applies pending monitor events. @return whether a proxy has completed the handshake */
    boolean peerConnected() {
        for (ZEvent e; (e = ZEvent.recv(monitor, ZMQ.DONTWAIT)) != null; ) {
            if (e.getEvent() == ZMonitor.Event.HANDSHAKE_PROTOCOL) {
                handshakenPeers++;
            } else if (e.getEvent() == ZMonitor.Event.DISCONNECTED && handshakenPeers > 0) {
                handshakenPeers--;
            }
        }
        return handshakenPeers > 0;
    }

    /**
     * Sends one frame without blocking.
     *
     * @return {@code false} when no proxy is connected or the send queue is full (try again later)
     */
    boolean trySend(byte[] bytes, int length) {
        return peerConnected() && push.send(bytes, 0, length, ZMQ.DONTWAIT);
    }

    /** Closes the PUSH socket with {@code lingerMs} to flush, then the monitor, then the context. */
    void close(long lingerMs) {
        try {
            int linger = (int) Math.min(Integer.MAX_VALUE, Math.max(0, lingerMs));
            push.monitor(null, 0);
            ctx.setLinger(linger); // a ZContext socket's close() applies the context's linger
            push.setLinger(linger);
            push.close();
            ctx.setLinger(0);
            monitor.close();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "closing the proxy notifier socket failed", e);
        } finally {
            owned.close(JOIN_TIMEOUT);
        }
    }
}
