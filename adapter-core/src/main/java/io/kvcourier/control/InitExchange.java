package io.kvcourier.control;

import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.WireCodec;
import io.kvcourier.wire.WireFormatException;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One channel handshake with a receiver's init port, run by the control thread: each attempt goes over a fresh
 * REQ socket that is closed afterwards — a REQ whose reply never comes can never send again (docs/TRAPS.md#trap-2).
 *
 * <p>jeromq occasionally loses the first message on a freshly made tcp connection (about one handshake in ten
 * between two contexts here; jeromq issue #624). A handshake is idempotent on the receiver, so an attempt that
 * gets no reply within a short, growing window (250 ms doubling to 2 s) is repeated on a new socket until the
 * handshake deadline. The result completes {@link #result()} on the control thread.
 */
public final class InitExchange implements ControlAgent.Duty {
    private static final long FIRST_ATTEMPT_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long MAX_ATTEMPT_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final ControlAgent agent;
    private final String endpoint;
    private final byte[] payload;
    private final long deadlineNanos;
    private final ControlSecurity security;
    private final CompletableFuture<PdMessage> result = new CompletableFuture<>();
    private ZMQ.Socket socket;
    private long attemptWindow = FIRST_ATTEMPT_NANOS;
    private long attemptDeadline;

    private InitExchange(ControlAgent agent, String endpoint, byte[] payload, long deadlineNanos,
                         ControlSecurity security) {
        this.agent = agent;
        this.endpoint = endpoint;
        this.payload = payload;
        this.deadlineNanos = deadlineNanos;
        this.security = security;
    }

    /**
     * Starts a handshake from any thread. The future completes with the reply, or exceptionally with a {@link
     * ControlException} at the deadline or when the agent closes.
     */
    public static CompletableFuture<PdMessage> start(ControlAgent agent, String endpoint, PdMessage request,
                                                     long deadlineNanos, ControlSecurity security) {
        InitExchange x = new InitExchange(agent, endpoint, WireCodec.encode(request), deadlineNanos, security);
        if (!agent.execute(() -> {
            agent.add(x);
            x.attempt(System.nanoTime());
        })) {
            x.result.completeExceptionally(
                    new ControlException("handshake with " + endpoint + ": control plane closed"));
        }
        return x.result;
    }

    public CompletableFuture<PdMessage> result() {
        return result;
    }

    private void attempt(long now) {
        closeSocket();
        if (now - deadlineNanos >= 0) {
            result.completeExceptionally(new ControlException("no handshake reply from " + endpoint
                    + " within the deadline"));
            return;
        }
        ZMQ.Socket s = agent.context().createSocket(SocketType.REQ);
        ControlSockets.configureClient(s);
        security.applyClient(s);
        s.connect(endpoint);
        agent.watch(s);
        socket = s;
        attemptDeadline = Math.min(deadlineNanos, now + attemptWindow);
        attemptWindow = Math.min(attemptWindow * 2, MAX_ATTEMPT_NANOS);
        if (!s.send(payload, ZMQ.DONTWAIT)) {
            attemptDeadline = now; // retried on a new socket at the next expiry check
        }
    }

    @Override
    public int poll(long nowNanos) {
        if (socket == null || result.isDone()) {
            return 0;
        }
        byte[] reply = ControlAgent.readable(socket) ? socket.recv(ZMQ.DONTWAIT) : null;
        if (reply == null) {
            return 0;
        }
        closeSocket();
        try {
            result.complete(WireCodec.decode(reply));
        } catch (WireFormatException e) {
            result.completeExceptionally(new ControlException("malformed handshake reply from " + endpoint + ": "
                    + e.getMessage(), e));
        }
        return 1;
    }

    @Override
    public int expire(long nowNanos) {
        if (result.isDone() || nowNanos - attemptDeadline < 0) {
            return 0;
        }
        attempt(nowNanos);
        return 1;
    }

    @Override
    public long nextDeadlineNanos() {
        return result.isDone() ? Long.MAX_VALUE : attemptDeadline;
    }

    @Override
    public boolean isActive() {
        return !result.isDone();
    }

    @Override
    public void close() {
        closeSocket();
        result.completeExceptionally(
                new ControlException("handshake with " + endpoint + " aborted: control plane closed"));
    }

    private void closeSocket() {
        if (socket != null) {
            agent.unwatch(socket);
            socket.setLinger(0);
            ControlSockets.destroy(agent, socket);
            socket = null;
        }
    }
}
