package io.kvcourier.notify;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.kvcourier.wire.ProxyNotif;
import io.kvcourier.wire.WireCodec;
import io.kvcourier.wire.WireFormatException;

/**
 * The proxy side of the notifications: a ZMQ PULL socket bound on {@code tcp://{host}:{port}} that
 * counts {@code ProxyNotif} messages per req_id, for JVM orchestrators and tests (what LMCache's
 * {@code disagg_proxy_server} does with {@code finished_reqs[req_id] += 1}). Any ZMTP 3.x PUSH peer with the NULL
 * mechanism may connect: kvcourier's notifier, LMCache's (pyzmq, libzmq), jeromq.
 *
 * <p>Every message is decoded strictly with {@link WireCodec}; a malformed one (bad msgpack, another
 * message type, several frames) is logged, counted in {@link #malformedCount()}, and skipped. A peer that sends a
 * frame over {@code maxMessageBytes} (docs/TRAPS.md#trap-6) or breaks the ZMTP protocol is disconnected; the others
 * are not affected.
 *
 * <p><b>Threading.</b> One platform thread ({@code kvcourier-proxy-listener}) owns the listening socket and its
 * connections and reads ZMTP itself ({@link ZmtpPullServer}; no ZMQ context, so no I/O thread between the socket and
 * the callback: docs/ARCHITECTURE.md#decision-24). The optional {@link NotificationCallback} runs on that thread.
 * All other methods are thread-safe. {@link #close()} is idempotent and leaves no thread or file descriptor behind.
 */
public final class ProxyListener implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ProxyListener.class.getName());

    /** Default cap on one received frame: a {@code ProxyNotif} with a 4 KiB req_id is about 4.1 KiB. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024;

    /** Called on the listener thread for every well-formed notification. */
    @FunctionalInterface
    public interface NotificationCallback {
        /**
         * Called once per well-formed notification, on the listener's thread.
         *
         * @param reqId          the notified request
         * @param receivedNanos  {@link System#nanoTime()} when the message was taken off the socket
         * @param receivedAt     wall-clock time of the same moment
         */
        void onNotification(String reqId, long receivedNanos, Instant receivedAt);
    }

    private final String bindHost;
    private final NotificationCallback callback;
    private final ZmtpPullServer server;
    private final Thread thread;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean stopping;
    private final int port;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<String, Integer> counts = new HashMap<>();
    private final LongAdder received = new LongAdder();
    private final LongAdder malformed = new LongAdder();

    private ProxyListener(String host, int port, int maxMessageBytes, NotificationCallback callback) {
        this.bindHost = host;
        this.callback = callback;
        InetSocketAddress address = "*".equals(host) ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
        try {
            this.server = ZmtpPullServer.bind(address, maxMessageBytes,
                    Duration.ofMillis(ZmtpPullServer.HANDSHAKE_MILLIS), new ZmtpPullServer.Sink() {
                @Override
                public void message(byte[] body, long receivedNanos) {
                    handle(body, receivedNanos);
                }

                @Override
                public void multiFrame() {
                    malformed.increment();
                    LOG.log(Level.WARNING, "proxy listener: dropped a multi-frame message");
                }
            });
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot bind the proxy listener on " + ProxyNotifier.tcpEndpoint(host,
                    Integer.toString(port)) + ": " + e.getMessage(), e);
        }
        this.port = server.port();
        this.thread = Thread.ofPlatform().name("kvcourier-proxy-listener").daemon(true).unstarted(this::run);
        thread.start();
    }

    /**
     * Binds a listener with the default frame cap and no callback.
     *
     * @param host the address to bind, for example {@code 127.0.0.1} or {@code *}
     * @param port the port, or 0 for an ephemeral one (see {@link #port()})
     * @return a bound listener; close it to stop
     */
    public static ProxyListener bind(String host, int port) {
        return bind(host, port, DEFAULT_MAX_MESSAGE_BYTES, null);
    }

    /**
     * Binds a listener.
     *
     * @param host            the address to bind, for example {@code 127.0.0.1} or {@code *}
     * @param port            the port, or 0 for an ephemeral one (see {@link #port()})
     * @param maxMessageBytes largest frame accepted, in bytes; a peer that sends a larger one is disconnected
     * @param callback        called for every notification on the listener thread, or {@code null}
     * @return a bound listener; close it to stop
     * @throws IllegalArgumentException naming the bad argument
     * @throws IllegalStateException    when the address cannot be bound
     */
    public static ProxyListener bind(String host, int port, int maxMessageBytes, NotificationCallback callback) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must be a non-empty string");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
        }
        if (maxMessageBytes <= 0) {
            throw new IllegalArgumentException("maxMessageBytes must be > 0, got " + maxMessageBytes);
        }
        return new ProxyListener(host, port, maxMessageBytes, callback);
    }

    /** {@return the bound port (the ephemeral one when 0 was asked for)} */
    public int port() {
        return port;
    }

    /** {@return {@code tcp://host:port} as bound} */
    public String endpoint() {
        return ProxyNotifier.tcpEndpoint(bindHost, port);
    }

    private void run() {
        try {
            server.serve(() -> stopping);
        } finally {
            server.close();
        }
    }

    private void handle(byte[] frame, long nanos) {
        ProxyNotif notif;
        try {
            notif = WireCodec.decode(frame, ProxyNotif.class);
        } catch (WireFormatException e) {
            malformed.increment();
            LOG.log(Level.WARNING, "proxy listener: dropped a malformed message of {0} bytes: {1}", frame.length,
                    e.getMessage());
            return;
        }
        if (callback != null) { // before counting, so that awaitReady() returning implies the callback ran
            try {
                callback.onNotification(notif.reqId(), nanos, Instant.now());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "proxy listener callback failed for req_id " + notif.reqId(), e);
            }
        }
        lock.lock();
        try {
            counts.merge(notif.reqId(), 1, Integer::sum);
            received.increment();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until {@code reqId} has been notified at least {@code n} times (one per TP rank).
     *
     * @param timeout the longest wait
     * @param reqId the request
     * @param n how many notifications to wait for
     * @return whether the count reached {@code n} in time
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public boolean awaitReady(String reqId, int n, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(reqId, "reqId");
        long left = Objects.requireNonNull(timeout, "timeout").toNanos();
        lock.lock();
        try {
            while (counts.getOrDefault(reqId, 0) < n) {
                if (left <= 0) {
                    return false;
                }
                left = changed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@return how many notifications {@code reqId} has received}
     *
     * @param reqId the request
     */
    public int count(String reqId) {
        lock.lock();
        try {
            return counts.getOrDefault(reqId, 0);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Forgets a request's count (what a proxy does once it forwarded the request).
     *
     * @param reqId the request
     * @return the count it had
     */
    public int remove(String reqId) {
        lock.lock();
        try {
            Integer c = counts.remove(reqId);
            return c == null ? 0 : c;
        } finally {
            lock.unlock();
        }
    }

    /** {@return the number of well-formed notifications received} */
    public long receivedCount() {
        return received.sum();
    }

    /** {@return the number of messages dropped because they were not a well-formed {@code ProxyNotif}} */
    public long malformedCount() {
        return malformed.sum();
    }

    /** The listener thread, for lifecycle tests. */
    Thread thread() {
        return thread;
    }

    private void joinQuietly() {
        try {
            if (!thread.join(Duration.ofSeconds(30))) {
                LOG.log(Level.ERROR, "proxy listener thread did not stop within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the thread, closes the listening socket and every connection. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopping = true;
        server.wakeUp();
        joinQuietly();
    }
}
