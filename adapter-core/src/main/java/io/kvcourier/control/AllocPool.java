package io.kvcourier.control;

import io.kvcourier.wire.CancelNotif;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.WireCodec;
import io.kvcourier.wire.WireEncoder;
import io.kvcourier.wire.WireFormatException;
import org.zeromq.SocketType;
import org.zeromq.ZEvent;
import org.zeromq.ZMQ;
import org.zeromq.ZMonitor;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A sender's DEALER sockets to one receiver alloc port, owned by the control thread. Up to {@code maxSockets}
 * exchanges are in flight at once, each on its own DEALER: msgspec messages carry no correlation id, and an
 * upstream receiver answers concurrent requests in any order, so one DEALER never carries two requests at a
 * time (docs/TRAPS.md#trap-1). Exchanges beyond that wait in arrival order (their deadlines are in the same order).
 *
 * <p>A DEALER whose exchange timed out or got a malformed reply is closed at once (linger 0) and replaced by
 * one with a fresh identity ({@code senderId/generation}, unique per sender process), so a late reply is never
 * read as the answer to the next request.
 *
 * <p>jeromq occasionally loses the first message on a freshly made tcp connection (jeromq #624, PR #1022). An
 * AllocRequest is not idempotent, so every new DEALER is first proven with a probe that is: an empty {@code
 * CancelNotif} (no request, no keys), which a receiver — upstream's included — answers with an empty
 * AllocResponse and otherwise ignores. An unanswered probe is retried on a fresh socket after a window that
 * starts at 250 ms and doubles to 2 s.
 */
public final class AllocPool implements ControlAgent.Duty {
    private static final System.Logger LOG = System.getLogger(AllocPool.class.getName());
    private static final byte[] EMPTY = new byte[0];
    private static final byte[] PROBE = WireCodec.encode(new CancelNotif("", List.of()));
    private static final long FIRST_PROBE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long MAX_PROBE_NANOS = TimeUnit.SECONDS.toNanos(2);
    /**
     * How long connections must go on being refused, with none accepted, before the receiver counts as lost. jeromq
     * tells of a refusal after the fact (and retries every 100-200 ms): a refusal from while the receiver was down
     * can be read after a new receiver is up on the same port, and is followed by an accepted connection.
     */
    private static final long REFUSED_FOR_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long NONE = Long.MAX_VALUE;

    private enum State { PROBING, IDLE, BUSY }

    /**
     * Told on the control thread when the receiver is gone: a connection that had completed its ZMTP handshake
     * ended, or, after one had, new connections were refused for a second, none accepted and none of the pool's
     * sockets connected (the first socket may have been replaced before the receiver went, e.g. when its probe was
     * answered late). Told once per handshake.
     */
    @FunctionalInterface
    public interface PeerListener {
        void peerLost(String why);
    }

    private final class Dealer {
        final ZMQ.Socket socket;
        /** Reports this socket's connection events (handshake done, disconnected) to the control thread. */
        final ZMQ.Socket monitor;
        State state = State.PROBING;
        AllocExchange exchange;
        long probeDeadline;
        boolean handshaken;

        Dealer(ZMQ.Socket socket, ZMQ.Socket monitor) {
            this.socket = socket;
            this.monitor = monitor;
        }
    }

    private final ControlAgent agent;
    private final String endpoint;
    private final String senderId;
    private final ControlSecurity security;
    private final int maxSockets;
    private final WireEncoder encoder;
    private final Heartbeat heartbeat;
    private final PeerListener listener;
    private final List<Dealer> dealers = new ArrayList<>();
    private final ArrayDeque<AllocExchange> waiting = new ArrayDeque<>();
    private long probeWindow = FIRST_PROBE_NANOS;
    /** A socket of this pool completed a handshake since the receiver was last reported lost. */
    private boolean peerUp;
    /** When connections began to be refused (none accepted since) while {@link #peerUp}; {@link #NONE} if not. */
    private long refusedSince = NONE;
    private long generation;
    private boolean closed;
    /** Keep one socket open even with nothing to send (see {@link #keepConnected}). */
    private boolean keepConnected;

    /**
     * @param agent      the control agent that owns the sockets (this pool must be added to it)
     * @param endpoint   {@code tcp://host:port} of the receiver's alloc port
     * @param senderId   this sender's identity; DEALER identities are {@code senderId/generation}
     * @param security   CURVE client keys or {@link ControlSecurity#NONE}
     * @param maxSockets most exchanges in flight at once, {@code >= 1}
     * @param encoder    the control thread's encoder
     */
    public AllocPool(ControlAgent agent, String endpoint, String senderId, ControlSecurity security, int maxSockets,
                     WireEncoder encoder) {
        this(agent, endpoint, senderId, security, maxSockets, encoder, Heartbeat.NONE, why -> { });
    }

    /**
     * A pool whose sockets send ZMTP heartbeats and whose {@code listener} is told, on the control thread, when an
     * established connection to the receiver ends (RST/FIN, or no traffic within the heartbeat timeout). Exchanges
     * in flight on that connection fail at once.
     */
    public AllocPool(ControlAgent agent, String endpoint, String senderId, ControlSecurity security, int maxSockets,
                     WireEncoder encoder, Heartbeat heartbeat, PeerListener listener) {
        if (maxSockets < 1) {
            throw new IllegalArgumentException("maxSockets must be >= 1, got " + maxSockets);
        }
        this.agent = agent;
        this.endpoint = endpoint;
        this.senderId = senderId;
        this.security = security;
        this.maxSockets = maxSockets;
        this.encoder = encoder;
        this.heartbeat = heartbeat;
        this.listener = listener;
    }

    public String endpoint() {
        return endpoint;
    }

    /** Exchanges waiting for a socket or a reply. */
    public int pending() {
        int n = waiting.size();
        for (int i = 0; i < dealers.size(); i++) {
            n += dealers.get(i).state == State.BUSY ? 1 : 0;
        }
        return n;
    }

    /**
     * Sends {@code x} as soon as a proven socket is free; its callback runs on the control thread with the
     * reply, or with a failure at {@code deadlineNanos} at the latest.
     */
    public void submit(AllocExchange x, long deadlineNanos) {
        x.deadlineNanos = deadlineNanos;
        if (closed) {
            x.onFailure("alloc pool to " + endpoint + " is closed", false);
            return;
        }
        x.pool = this;
        for (int i = 0; i < dealers.size(); i++) {
            Dealer d = dealers.get(i);
            if (d.state == State.IDLE) {
                send(d, x);
                return;
            }
        }
        waiting.add(x);
        grow();
    }

    /**
     * Control thread: keeps at least one socket connected (proven with the probe, then idle), even while no exchange
     * goes through this pool — when the allocations travel in-band on the data connection, this socket's ZMTP
     * heartbeats and connection events are still what tells the sender that the receiver is gone. A probe that is not
     * answered is retried on a fresh socket as the probe windows say. Call it once the receiver is known to be up (its
     * data connection completed a handshake): a connection refused after this call reports the receiver lost, also
     * when the receiver went before this pool's first handshake.
     */
    public void keepConnected() {
        keepConnected = true;
        // The caller knows the receiver is up (its data connection just completed a handshake): a refused
        // connection from now on means it has gone, even one refused before this pool's own first handshake.
        peerUp = true;
        if (!closed && dealers.isEmpty()) {
            open();
        }
    }

    /** Opens another socket (to be proven) when exchanges wait and the pool may grow. */
    private void grow() {
        int probing = 0;
        for (int i = 0; i < dealers.size(); i++) {
            probing += dealers.get(i).state == State.PROBING ? 1 : 0;
        }
        if (probing < waiting.size() && dealers.size() < maxSockets) {
            open();
        }
    }

    private void open() {
        ZMQ.Socket s = agent.context().createSocket(SocketType.DEALER);
        ControlSockets.configureClient(s);
        security.applyClient(s);
        heartbeat.apply(s);
        String identity = senderId + "/" + (generation++);
        s.setIdentity(identity.getBytes(StandardCharsets.UTF_8));
        ZMQ.Socket m = ControlSockets.monitor(agent, s, "alloc-" + identity,
                ZMQ.EVENT_CONNECTED | ZMQ.EVENT_HANDSHAKE_PROTOCOL | ZMQ.EVENT_DISCONNECTED
                        | ZMQ.EVENT_CONNECT_RETRIED);
        s.connect(endpoint);
        agent.watch(s);
        Dealer d = new Dealer(s, m);
        dealers.add(d);
        d.probeDeadline = System.nanoTime() + probeWindow;
        if (!sendFrames(s, PROBE, PROBE.length)) {
            destroy(d);
        }
    }

    private void send(Dealer d, AllocExchange x) {
        try {
            x.encode(encoder);
        } catch (RuntimeException e) {
            x.pool = null;
            x.onFailure("cannot encode the request: " + e.getMessage(), false);
            return;
        }
        if (!sendFrames(d.socket, encoder.array(), encoder.length())) {
            destroy(d);
            waiting.addFirst(x); // goes out on another socket
            grow();
            return;
        }
        d.state = State.BUSY;
        d.exchange = x;
    }

    /**
     * {@code ["", payload]} without blocking; false when the socket would block (HWM) or failed. jeromq copies
     * {@code payload} here ({@code send(byte[], off, len, flags)}), so the encoder's buffer may be reused at once
     * ({@code sendByteBuffer} would keep a view of it until the I/O thread wrote it).
     */
    private static boolean sendFrames(ZMQ.Socket s, byte[] payload, int length) {
        return s.send(EMPTY, ZMQ.SNDMORE | ZMQ.DONTWAIT) && s.send(payload, 0, length, ZMQ.DONTWAIT);
    }

    @Override
    public int poll(long nowNanos) {
        int work = 0;
        String lost = null;
        for (int i = 0; i < dealers.size(); i++) {
            Dealer d = dealers.get(i);
            for (ZEvent e; ControlAgent.readable(d.monitor) && (e = ZEvent.recv(d.monitor, ZMQ.DONTWAIT)) != null; ) {
                work++;
                ZMonitor.Event event = e.getEvent();
                if (event == ZMonitor.Event.CONNECTED) {
                    refusedSince = NONE;
                } else if (event == ZMonitor.Event.HANDSHAKE_PROTOCOL) {
                    refusedSince = NONE;
                    d.handshaken = true;
                    peerUp = true;
                } else if (event == ZMonitor.Event.DISCONNECTED && d.handshaken) {
                    d.handshaken = false;
                    lost = "the connection to " + endpoint + " ended (peer gone, reset, or silent past the "
                            + "heartbeat timeout)";
                } else if (event == ZMonitor.Event.CONNECT_RETRIED && peerUp && lost == null && refused(nowNanos)) {
                    lost = "new connections to " + endpoint + " failed (peer gone): refused for "
                            + TimeUnit.NANOSECONDS.toMillis(nowNanos - refusedSince) + " ms";
                }
            }
        }
        if (lost != null && peerUp) {
            peerUp = false;
            refusedSince = NONE;
            failAll(lost);
            listener.peerLost(lost);
        }
        for (int i = 0; i < dealers.size(); i++) {
            Dealer d = dealers.get(i);
            byte[] payload;
            boolean readable = ControlAgent.readable(d.socket); // every cycle, idle or not: see ControlAgent.readable
            while (readable && d.state != State.IDLE && (payload = receive(d.socket)) != null) {
                work++;
                if (d.state == State.PROBING) {
                    d.state = State.IDLE;
                    probeWindow = FIRST_PROBE_NANOS;
                } else {
                    AllocExchange x = d.exchange;
                    d.exchange = null;
                    d.state = State.IDLE;
                    PdMessage reply;
                    try {
                        reply = WireCodec.decode(payload);
                    } catch (WireFormatException e) {
                        destroy(d);
                        i--;
                        finish(x, "malformed reply from " + endpoint + ": " + e.getMessage(), false);
                        break;
                    }
                    x.pool = null;
                    x.onReply(reply);
                }
            }
            if (d.state == State.IDLE && !waiting.isEmpty()) {
                send(d, waiting.poll());
                work++;
            }
        }
        return work;
    }

    /**
     * A connection was refused (or ended before its handshake): true when connections have been refused for {@link
     * #REFUSED_FOR_NANOS}, none accepted since, and no socket of the pool is connected.
     */
    private boolean refused(long nowNanos) {
        if (refusedSince == NONE) {
            refusedSince = nowNanos;
            return false;
        }
        for (int i = 0; i < dealers.size(); i++) {
            if (dealers.get(i).handshaken) {
                return false;
            }
        }
        return nowNanos - refusedSince >= REFUSED_FOR_NANOS;
    }

    /** The last frame of the next message, or null when none is ready (DEALER replies are {@code ["", payload]}). */
    private static byte[] receive(ZMQ.Socket s) {
        byte[] frame = s.recv(ZMQ.DONTWAIT);
        if (frame == null) {
            return null;
        }
        while (s.hasReceiveMore()) {
            frame = s.recv(0);
        }
        return frame;
    }

    @Override
    public int expire(long nowNanos) {
        int work = 0;
        for (int i = 0; i < dealers.size(); i++) {
            Dealer d = dealers.get(i);
            if (d.state == State.BUSY && nowNanos - d.exchange.deadlineNanos >= 0) {
                AllocExchange x = d.exchange;
                destroy(d);
                i--;
                finish(x, "no reply from " + endpoint + " within the deadline", true);
                work++;
            } else if (d.state == State.PROBING && nowNanos - d.probeDeadline >= 0) {
                destroy(d);
                i--;
                probeWindow = Math.min(probeWindow * 2, MAX_PROBE_NANOS);
                work++;
            }
        }
        while (!waiting.isEmpty() && nowNanos - waiting.peek().deadlineNanos >= 0) {
            finish(waiting.poll(), "alloc port " + endpoint + " did not answer within the deadline", true);
            work++;
        }
        if (!waiting.isEmpty()) {
            grow();
        }
        if (keepConnected && !closed && dealers.isEmpty()) {
            open();
            work++;
        }
        return work;
    }

    private static void finish(AllocExchange x, String why, boolean timedOut) {
        x.pool = null;
        x.onFailure(why, timedOut);
    }

    @Override
    public long nextDeadlineNanos() {
        long next = Long.MAX_VALUE;
        for (int i = 0; i < dealers.size(); i++) { // an index loop: this runs every duty cycle, allocation-free
            Dealer d = dealers.get(i);
            if (d.state == State.BUSY) {
                next = earlier(next, d.exchange.deadlineNanos);
            } else if (d.state == State.PROBING) {
                next = earlier(next, d.probeDeadline);
            }
        }
        AllocExchange first = waiting.peek();
        return first == null ? next : earlier(next, first.deadlineNanos);
    }

    private static long earlier(long a, long b) {
        return a == Long.MAX_VALUE ? b : a - b <= 0 ? a : b;
    }

    /**
     * Fails every exchange in flight or waiting and replaces every busy socket (a late reply cannot be mistaken
     * for another's). Used when the receiver is known to be gone.
     */
    public void failAll(String why) {
        for (int i = 0; i < dealers.size(); i++) {
            Dealer d = dealers.get(i);
            if (d.state == State.BUSY) {
                AllocExchange x = d.exchange;
                destroy(d);
                i--;
                finish(x, why, false);
            }
        }
        while (!waiting.isEmpty()) {
            finish(waiting.poll(), why, false);
        }
    }

    private void destroy(Dealer d) {
        dealers.remove(d);
        agent.unwatch(d.socket);
        agent.unwatch(d.monitor);
        // Stop the monitor before either socket goes: jeromq's I/O thread writes each event with a blocking send,
        // and an event that came after our end of the monitor pipe was gone (e.g. the handshake of a probe that
        // was given up under load) would block that I/O thread, and every socket of this adapter, for good.
        d.socket.monitor(null, 0);
        d.socket.setLinger(0);
        ControlSockets.destroy(agent, d.socket);
        ControlSockets.destroy(agent, d.monitor); // linger 0 since its creation (ControlSockets.monitor)
        d.exchange = null;
        d.state = State.PROBING;
    }

    @Override
    public boolean isActive() {
        return !closed;
    }

    /** Fails what is pending and closes every socket; control thread only. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        failAll("alloc pool to " + endpoint + " closed");
        closed = true;
        while (!dealers.isEmpty()) {
            destroy(dealers.get(dealers.size() - 1));
        }
        LOG.log(System.Logger.Level.DEBUG, "alloc pool to {0} closed", endpoint);
    }
}
