package io.kvcourier.control;

import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.WireCodec;
import io.kvcourier.wire.WireFormatException;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One channel handshake with a receiver's init port, each attempt over a fresh REQ socket that is closed
 * afterwards: a REQ whose reply never comes can never send again, so it is never reused (traps 2).
 *
 * <p>jeromq occasionally loses the first message on a freshly made tcp connection (measured here: about
 * one handshake in ten between two contexts, none once connected; jeromq issue #624 describes the same).
 * A handshake is idempotent on the receiver, so an attempt that gets no reply within a short, growing
 * window (250 ms doubling to 2 s) is repeated on a new socket until the handshake deadline.
 */
public final class InitClient {
    private static final long FIRST_ATTEMPT_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long MAX_ATTEMPT_NANOS = TimeUnit.SECONDS.toNanos(2);

    private InitClient() {
    }

    /**
     * Sends {@code request} to {@code endpoint} and returns the reply, waiting until {@code deadlineNanos}.
     *
     * @param stopped checked every few milliseconds; true aborts the wait
     * @throws ControlException on timeout, a malformed reply or abort
     */
    public static PdMessage exchange(ZContext context, String endpoint, PdMessage request, long deadlineNanos,
                                     BooleanSupplier stopped) throws ControlException {
        return exchange(context, endpoint, request, deadlineNanos, stopped, ControlSecurity.NONE);
    }

    /** As {@link #exchange(ZContext, String, PdMessage, long, BooleanSupplier)}, over sockets secured by {@code security}. */
    public static PdMessage exchange(ZContext context, String endpoint, PdMessage request, long deadlineNanos,
                                     BooleanSupplier stopped, ControlSecurity security) throws ControlException {
        byte[] payload = WireCodec.encode(request);
        long attempt = FIRST_ATTEMPT_NANOS;
        while (true) {
            long now = System.nanoTime();
            if (deadlineNanos - now <= 0) {
                throw new ControlException("no handshake reply from " + endpoint + " within the deadline");
            }
            long attemptDeadline = Math.min(deadlineNanos, now + attempt);
            byte[] reply = attempt(context, endpoint, payload, attemptDeadline, stopped, security);
            if (reply != null) {
                try {
                    return WireCodec.decode(reply);
                } catch (WireFormatException e) {
                    throw new ControlException("malformed handshake reply from " + endpoint + ": " + e.getMessage(), e);
                }
            }
            if (stopped.getAsBoolean()) {
                throw new ControlException("handshake with " + endpoint + " aborted");
            }
            attempt = Math.min(attempt * 2, MAX_ATTEMPT_NANOS);
        }
    }

    /** One request/reply on a fresh REQ; null when no reply came by {@code deadlineNanos}. */
    private static byte[] attempt(ZContext context, String endpoint, byte[] payload, long deadlineNanos,
                                  BooleanSupplier stopped, ControlSecurity security) {
        ZMQ.Socket s = context.createSocket(SocketType.REQ);
        try {
            ControlSockets.configureClient(s);
            security.applyClient(s);
            s.connect(endpoint);
            while (!s.send(payload, 0)) {
                if (stopped.getAsBoolean() || System.nanoTime() - deadlineNanos >= 0) {
                    return null;
                }
            }
            while (true) {
                byte[] reply = s.recv();
                if (reply != null) {
                    return reply;
                }
                if (stopped.getAsBoolean() || System.nanoTime() - deadlineNanos >= 0) {
                    return null;
                }
            }
        } finally {
            s.setLinger(0);
            context.destroySocket(s);
        }
    }
}
