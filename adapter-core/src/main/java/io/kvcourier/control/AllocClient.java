package io.kvcourier.control;

import io.kvcourier.wire.CancelNotif;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.WireCodec;
import io.kvcourier.wire.WireFormatException;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A sender's DEALER to one receiver's alloc port. Exactly one request is in flight at a time (callers take
 * turns on a fair lock): msgspec messages carry no correlation id, so after a timeout a late reply would be
 * read as the answer to the next request. On a timeout or error the socket is therefore closed (linger 0)
 * and the next call opens a new one with a fresh identity (traps 1). Identities are
 * {@code senderId + "/" + generation}, unique per sender process.
 *
 * <p>jeromq occasionally loses the first message on a freshly made tcp connection (see {@link InitClient}).
 * An AllocRequest is not idempotent, so a new socket is first proven with a probe that is: an empty
 * {@code CancelNotif} (no request, no keys), which a receiver answers with an empty AllocResponse and
 * otherwise ignores — upstream receivers included. The probe is repeated on fresh sockets until it is
 * answered; only then is the real request sent.
 */
public final class AllocClient implements AutoCloseable {
    private static final byte[] PROBE = WireCodec.encode(new CancelNotif("", List.of()));
    private static final long FIRST_PROBE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long MAX_PROBE_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final ZContext context;
    private final String endpoint;
    private final String senderId;
    private final ControlSecurity security;
    private final ReentrantLock lock = new ReentrantLock(true);
    private final AtomicBoolean closed = new AtomicBoolean();
    private ZMQ.Socket socket;
    private long generation;

    public AllocClient(ZContext context, String endpoint, String senderId) {
        this(context, endpoint, senderId, ControlSecurity.NONE);
    }

    /** A client whose sockets are secured by {@code security} (CURVE client keys, or {@link ControlSecurity#NONE}). */
    public AllocClient(ZContext context, String endpoint, String senderId, ControlSecurity security) {
        this.context = context;
        this.endpoint = endpoint;
        this.senderId = senderId;
        this.security = security;
    }

    public String endpoint() {
        return endpoint;
    }

    /**
     * Sends {@code request} and waits for its reply until {@code deadlineNanos} ({@link System#nanoTime()}
     * based), waking every few milliseconds to notice {@link #close()}.
     *
     * @throws ControlException on timeout, a malformed reply, or when closed
     */
    public PdMessage call(PdMessage request, long deadlineNanos) throws ControlException {
        try {
            long wait = deadlineNanos - System.nanoTime();
            if (wait <= 0 || !lock.tryLock(wait, TimeUnit.NANOSECONDS)) {
                throw new ControlException("alloc request to " + endpoint + " timed out waiting for the previous one");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ControlException("interrupted", e);
        }
        try {
            if (closed.get()) {
                throw new ControlException("alloc client to " + endpoint + " is closed");
            }
            ZMQ.Socket s = provenSocket(deadlineNanos);
            byte[] payload = WireCodec.encode(request);
            // A send can time out when the pipe is full (HWM); retry until the deadline.
            while (!s.sendMore(new byte[0])) {
                if (closed.get() || System.nanoTime() - deadlineNanos >= 0) {
                    reset();
                    throw new ControlException("cannot reach alloc port " + endpoint + " within the deadline");
                }
            }
            s.send(payload, 0);
            while (true) {
                byte[] first = s.recv();
                if (first != null) {
                    byte[] last = first;
                    while (s.hasReceiveMore()) {
                        last = s.recv();
                    }
                    try {
                        return WireCodec.decode(last);
                    } catch (WireFormatException e) {
                        reset();
                        throw new ControlException("malformed reply from " + endpoint + ": " + e.getMessage(), e);
                    }
                }
                if (closed.get()) {
                    reset();
                    throw new ControlException("alloc client to " + endpoint + " closed while waiting");
                }
                if (System.nanoTime() - deadlineNanos >= 0) {
                    reset();
                    throw new ControlException("no reply from " + endpoint + " within the deadline");
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** The current socket, or a new one whose connection a probe exchange has proven. */
    private ZMQ.Socket provenSocket(long deadlineNanos) throws ControlException {
        if (socket != null) {
            return socket;
        }
        long attempt = FIRST_PROBE_NANOS;
        while (true) {
            ZMQ.Socket s = socket();
            long attemptDeadline = Math.min(deadlineNanos, System.nanoTime() + attempt);
            if (exchangeProbe(s, attemptDeadline)) {
                return s;
            }
            reset();
            if (closed.get() || System.nanoTime() - deadlineNanos >= 0) {
                throw new ControlException("alloc port " + endpoint + " did not answer within the deadline");
            }
            attempt = Math.min(attempt * 2, MAX_PROBE_NANOS);
        }
    }

    private boolean exchangeProbe(ZMQ.Socket s, long deadlineNanos) {
        while (!s.sendMore(new byte[0])) {
            if (closed.get() || System.nanoTime() - deadlineNanos >= 0) {
                return false;
            }
        }
        s.send(PROBE, 0);
        while (true) {
            byte[] first = s.recv();
            if (first != null) {
                while (s.hasReceiveMore()) {
                    s.recv();
                }
                return true;
            }
            if (closed.get() || System.nanoTime() - deadlineNanos >= 0) {
                return false;
            }
        }
    }

    private ZMQ.Socket socket() {
        if (socket == null) {
            ZMQ.Socket s = context.createSocket(SocketType.DEALER);
            ControlSockets.configureClient(s);
            security.applyClient(s);
            s.setIdentity((senderId + "/" + (generation++)).getBytes(StandardCharsets.UTF_8));
            s.connect(endpoint);
            socket = s;
        }
        return socket;
    }

    private void reset() {
        if (socket != null) {
            socket.setLinger(0);
            context.destroySocket(socket);
            socket = null;
        }
    }

    /**
     * Stops waiting callers (they fail within a few milliseconds) and closes the socket. Bounded: gives up
     * on the socket after 5 s if a caller still holds it (the context close then reclaims it). Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (lock.tryLock(5, TimeUnit.SECONDS)) {
                try {
                    reset();
                } finally {
                    lock.unlock();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
