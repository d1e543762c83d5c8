package io.kvcourier.notify;

import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import io.kvcourier.jfr.Jfr;
import io.kvcourier.jfr.ProxyNotificationEvent;
import io.kvcourier.wire.ProxyNotif;
import io.kvcourier.wire.WireEncoder;

/**
 * Tells the orchestrating proxy that a request's KV transfer attempt is finished: one
 * {@code ProxyNotif{req_id}} over a ZMQ PUSH socket connected to {@code tcp://{proxyHost}:{proxyPort}}
 * (docs/PROTOCOL.md#B.1), which the proxy's PULL socket counts.
 *
 * <p><b>Threading.</b> {@link #offer} may be called from any thread; it never blocks and never throws.
 * One virtual thread owns the connection, a hand-written ZMTP PUSH client ({@code ZmtpPushConnection},
 * docs/ARCHITECTURE.md#decision-24) that frames and writes each message itself, fed by a bounded queue. It sends
 * without blocking and only while a proxy has completed the ZMTP handshake; while no proxy is there, or its
 * queue is full, it retries with a bounded exponential back-off (1 ms doubling to 100 ms) until the
 * notification's send deadline, measured from its {@code offer}, then drops it with a warning naming
 * the req_id (counted as expired). Nothing interrupts that thread (docs/TRAPS.md#trap-3): {@link #close()} stops it
 * by a flag.
 *
 * <p><b>Delivery.</b> PUSH has no acknowledgement. A notification handed to a connected proxy stays
 * in the connection until it has been written whole, across reconnects, until {@link #close()} (linger = what
 * remains of the shutdown deadline); one written just before the proxy went away is lost without being counted.
 *
 * <p><b>Lifecycle.</b> Create with {@link #create}; {@code proxyPort == 0} gives a disabled notifier
 * with no socket and no thread. {@link #close()} stops accepting, flushes what is queued within the
 * shutdown deadline (the connection's linger is what remains of it), closes the connection, and is idempotent.
 */
public final class ProxyNotifier implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ProxyNotifier.class.getName());

    /** Send high-water mark of the PUSH socket, in messages. */
    public static final int SEND_HWM = 1_000;
    /** Room for the messages of the send high-water mark, framed, in bytes; one notification must fit. */
    static final int SEND_BUFFER_BYTES = 256 * 1024;
    static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Bounds of the ZMTP handshake timeout: a quarter of the send deadline, within these. */
    static final long MIN_HANDSHAKE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long MAX_HANDSHAKE_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * The longest the idle thread sleeps before advancing the connection (noticing a proxy that went away,
     * reconnecting); less while a reconnect is due sooner or a handshake or write is in progress. Notifications
     * never wait for it: {@link #offer} unparks the thread directly.
     */
    private static final long IDLE_PARK_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** What happened to one notification; reported to the test hooks. */
    enum Outcome { SENT, EXPIRED, FAILED }

    /** Test hooks, called on the notifier thread. {@link #NONE} in production. */
    interface Hooks {
        Hooks NONE = new Hooks() {
        };

        /** Before each send attempt ({@code attempt} counts from 1). May block to hold the thread. */
        default void beforeAttempt(String reqId, int attempt) {
        }

        /** After a notification's fate is decided. */
        default void onOutcome(String reqId, Outcome outcome) {
        }
    }

    /** A queued notification; {@code jfr} times it from {@code offer} to its outcome (only while enabled). */
    private record Pending(String reqId, long deadlineNanos, ProxyNotificationEvent jfr) {
    }

    private final String endpoint;
    private final String host;
    private final int port;
    private final long sendDeadlineNanos;
    private final Duration shutdownDeadline;
    private final ArrayBlockingQueue<Pending> queue;
    private final Hooks hooks;
    private final Thread thread;
    private final CountDownLatch started = new CountDownLatch(1);
    private final AtomicBoolean closeCalled = new AtomicBoolean();
    private volatile boolean accepting;
    private volatile boolean stopping;
    /** Set by the notifier thread while it parks with an empty queue: offer then unparks it. */
    private volatile boolean parked;
    private volatile long shutdownAtNanos;
    private volatile Throwable startFailure;
    /** The notifier thread's connection, published for {@link #warnQueueFull}'s account of it; null until made. */
    private volatile ZmtpPushConnection connection;
    /** Send attempts of the notification being delivered (notifier thread only). */
    private int attempts;

    private final LongAdder offered = new LongAdder();
    private final LongAdder sent = new LongAdder();
    private final LongAdder retried = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder expired = new LongAdder();
    private final LongAdder failed = new LongAdder();

    /**
     * Creates a notifier and, unless disabled, starts its thread and connects its socket.
     *
     * @param proxyHost        the proxy's host; must be non-blank when {@code proxyPort != 0}
     * @param proxyPort        the proxy's PULL port, 1..65535, or 0 to disable notifications
     * @param sendDeadline     how long after {@code offer} a notification may wait for the proxy
     *                         before it is dropped (positive)
     * @param shutdownDeadline how long {@link #close()} may spend flushing (positive)
     * @param queueCapacity    notifications that may wait for the thread; more are dropped (positive)
     * @return a running notifier, or a disabled one when {@code proxyPort == 0}
     * @throws IllegalArgumentException naming the bad argument
     * @throws IllegalStateException    when the socket cannot be set up
     */
    public static ProxyNotifier create(String proxyHost, int proxyPort, Duration sendDeadline,
                                       Duration shutdownDeadline, int queueCapacity) {
        return create(proxyHost, proxyPort, sendDeadline, shutdownDeadline, queueCapacity, Hooks.NONE);
    }

    static ProxyNotifier create(String proxyHost, int proxyPort, Duration sendDeadline, Duration shutdownDeadline,
                                int queueCapacity, Hooks hooks) {
        if (proxyPort < 0 || proxyPort > 65_535) {
            throw new IllegalArgumentException("proxyPort must be in [0, 65535], got " + proxyPort);
        }
        positive(sendDeadline, "sendDeadline");
        positive(shutdownDeadline, "shutdownDeadline");
        if (queueCapacity <= 0) {
            throw new IllegalArgumentException("queueCapacity must be > 0, got " + queueCapacity);
        }
        if (proxyPort == 0) {
            return disabled();
        }
        if (proxyHost == null || proxyHost.isBlank()) {
            throw new IllegalArgumentException("proxyHost must be a non-empty string when proxyPort != 0");
        }
        ProxyNotifier n = new ProxyNotifier(proxyHost, proxyPort, sendDeadline, shutdownDeadline, queueCapacity,
                hooks);
        n.awaitStart();
        return n;
    }

    /** {@return {@code tcp://host:port}, with an IPv6 literal host in brackets} */
    static String tcpEndpoint(String host, Object port) {
        boolean v6 = host.indexOf(':') >= 0 && !host.startsWith("[");
        return "tcp://" + (v6 ? "[" + host + "]" : host) + ":" + port;
    }

    /** {@return a notifier that drops every notification: no socket, no thread} */
    public static ProxyNotifier disabled() {
        return new ProxyNotifier();
    }

    private static void positive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration, got " + d);
        }
    }

    private ProxyNotifier() {
        this.endpoint = null;
        this.host = null;
        this.port = 0;
        this.sendDeadlineNanos = 0;
        this.shutdownDeadline = Duration.ZERO;
        this.queue = null;
        this.hooks = Hooks.NONE;
        this.thread = null;
        this.accepting = false;
        closeCalled.set(true);
        started.countDown();
    }

    private ProxyNotifier(String host, int port, Duration sendDeadline, Duration shutdownDeadline,
                          int queueCapacity, Hooks hooks) {
        this.endpoint = tcpEndpoint(host, port);
        this.host = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        this.port = port;
        this.sendDeadlineNanos = sendDeadline.toNanos();
        this.shutdownDeadline = shutdownDeadline;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.hooks = Objects.requireNonNull(hooks);
        this.accepting = true;
        this.thread = Thread.ofVirtual().name("kvcourier-proxy-notifier").unstarted(this::run);
        thread.start();
    }

    private void awaitStart() {
        try {
            if (!started.await(shutdownDeadline.toMillis() + 10_000, TimeUnit.MILLISECONDS)) {
                close();
                throw new IllegalStateException("proxy notifier for " + endpoint + " did not start");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while starting the proxy notifier", e);
        }
        if (startFailure != null) {
            close();
            throw new IllegalStateException("cannot connect the proxy notifier to " + endpoint + ": "
                    + startFailure.getMessage(), startFailure);
        }
    }

    /** {@return whether notifications go anywhere ({@code false} for a disabled notifier)} */
    public boolean isEnabled() {
        return endpoint != null;
    }

    /** {@return {@code tcp://host:port} of the proxy, or {@code null} when disabled} */
    public String endpoint() {
        return endpoint;
    }

    /**
     * Queues one {@code ProxyNotif(reqId)}. Never blocks, never throws.
     *
     * @param reqId the request id (null is dropped and counted)
     * @return whether it was queued; {@code false} when the notifier is disabled or closed, the queue
     *         is full, or {@code reqId} is null (the last three are counted as dropped)
     */
    public boolean offer(String reqId) {
        if (queue == null) {
            return false;
        }
        if (reqId == null || !accepting) {
            dropped.increment();
            LOG.log(Level.WARNING, "proxy notification for req_id {0} dropped: the notifier is closed", reqId);
            return false;
        }
        Pending p = new Pending(reqId, System.nanoTime() + sendDeadlineNanos,
                Jfr.proxyNotification() ? Jfr.begin(new ProxyNotificationEvent()) : null);
        if (queue.offer(p)) {
            if (parked) {
                LockSupport.unpark(thread);
            }
            if (!accepting && !thread.isAlive() && queue.remove(p)) {
                dropped.increment(); // raced with close(): the thread is gone, nobody would send it
                LOG.log(Level.WARNING, "proxy notification for req_id {0} dropped: the notifier closed", reqId);
                return false;
            }
            offered.increment();
            return true;
        }
        dropped.increment();
        warnQueueFull(reqId);
        return false;
    }

    /** Every refused notification is named: the proxy waits for it, so an operator must be able to find it. */
    private void warnQueueFull(String reqId) {
        ZmtpPushConnection c = connection;
        LOG.log(Level.WARNING, "proxy notification for req_id {0} dropped: the queue of {1} is full ({2} dropped so "
                + "far); proxy {3}: {4}", reqId, queue.remainingCapacity() + queue.size(), dropped.sum(), endpoint,
                c == null ? "not connected yet" : "connection " + c.status());
    }

    /** {@return a snapshot of the counters} */
    public NotifierCounters counters() {
        return new NotifierCounters(offered.sum(), sent.sum(), retried.sum(), dropped.sum(), expired.sum(),
                failed.sum());
    }

    /** {@return the number of notifications waiting for the thread} */
    public int queued() {
        return queue == null ? 0 : queue.size();
    }

    /** The notifier thread, for lifecycle tests. */
    Thread thread() {
        return thread;
    }

    private void run() {
        ZmtpPushConnection socket;
        try {
            Duration handshake = Duration.ofNanos(Math.max(MIN_HANDSHAKE_NANOS, Math.min(MAX_HANDSHAKE_NANOS,
                    sendDeadlineNanos / 4)));
            socket = new ZmtpPushConnection(host, port, SEND_HWM, SEND_BUFFER_BYTES, handshake);
            connection = socket;
        } catch (RuntimeException e) {
            startFailure = e;
            started.countDown();
            return;
        }
        started.countDown();
        WireEncoder encoder = new WireEncoder();
        try {
            while (true) {
                Pending p = nextOrNull(socket);
                if (p == null) {
                    if (stopping) {
                        break;
                    }
                    socket.peerConnected(); // reconnect, notice a proxy that went away, write what waits
                    continue;
                }
                deliver(socket, encoder, p);
            }
        } finally {
            socket.close(TimeUnit.NANOSECONDS.toMillis(shutdownAtNanos - System.nanoTime()));
        }
    }

    /**
     * The next notification; with an empty queue the thread parks until {@link #offer} or {@link #close} unparks
     * it (a direct hand-off, no polling), or at most {@link #IDLE_PARK_NANOS} so that the connection advances.
     */
    private Pending nextOrNull(ZmtpPushConnection socket) {
        Pending p = queue.poll();
        if (p != null || stopping) {
            return p;
        }
        parked = true;
        try {
            p = queue.poll(); // an offer that saw parked == false queued before this poll
            if (p == null && !stopping) {
                LockSupport.parkNanos(this, socket.idleParkNanos(IDLE_PARK_NANOS));
                p = queue.poll();
            }
        } finally {
            parked = false;
        }
        return p;
    }

    private void deliver(ZmtpPushConnection socket, WireEncoder encoder, Pending p) {
        attempts = 0;
        Outcome outcome;
        try {
            ByteBuffer bytes = encoder.encode(new ProxyNotif(p.reqId()));
            outcome = sendWithRetry(socket, encoder, bytes.remaining(), p);
        } catch (RuntimeException e) {
            outcome = Outcome.FAILED;
            failed.increment();
            LOG.log(Level.WARNING, "proxy notification for req_id " + p.reqId() + " to " + endpoint + " failed", e);
        }
        notificationEvent(p, outcome, attempts);
        try {
            hooks.onOutcome(p.reqId(), outcome);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "proxy notifier outcome hook failed", e);
        }
    }

    private void notificationEvent(Pending p, Outcome outcome, int attemptCount) {
        ProxyNotificationEvent e = p.jfr();
        if (e == null) {
            return;
        }
        e.requestId = p.reqId();
        e.peer = endpoint;
        e.attempts = attemptCount;
        e.outcome = outcome.name().toLowerCase(java.util.Locale.ROOT);
        e.reason = switch (outcome) {
            case SENT -> "";
            case EXPIRED -> "the proxy did not take it within the " + (stopping ? "shutdown" : "send") + " deadline";
            case FAILED -> "send error (see the log)";
        };
        e.commit();
    }

    private Outcome sendWithRetry(ZmtpPushConnection socket, WireEncoder encoder, int length, Pending p) {
        long backoff = MIN_BACKOFF_NANOS;
        for (int attempt = 1; ; attempt++) {
            attempts = attempt;
            hooks.beforeAttempt(p.reqId(), attempt);
            if (socket.trySend(encoder.array(), length)) {
                sent.increment();
                return Outcome.SENT;
            }
            long now = System.nanoTime();
            long deadline = stopping ? Math.min(p.deadlineNanos(), shutdownAtNanos) : p.deadlineNanos();
            if (now - deadline >= 0) {
                expired.increment();
                LOG.log(Level.WARNING, "proxy notification for req_id {0} dropped: proxy {1} did not take it within "
                        + "the {2} deadline ({3})", p.reqId(), endpoint, stopping ? "shutdown" : "send",
                        socket.peerConnected() ? "send queue full" : "no proxy connected");
                return Outcome.EXPIRED;
            }
            if (attempt == 1) {
                retried.increment();
            }
            LockSupport.parkNanos(Math.min(backoff, deadline - now));
            backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
        }
    }

    /**
     * Stops accepting, sends what is queued within the shutdown deadline, then closes the connection on the
     * notifier thread. What is still queued at the deadline is counted as expired.
     * Idempotent; later calls return at once. Never interrupts the notifier thread.
     */
    @Override
    public void close() {
        if (!closeCalled.compareAndSet(false, true)) {
            return;
        }
        accepting = false;
        shutdownAtNanos = System.nanoTime() + shutdownDeadline.toNanos();
        stopping = true;
        LockSupport.unpark(thread);
        boolean done = false;
        try {
            // The thread needs at most the shutdown deadline to flush, then the linger (the remainder) to close.
            done = thread.join(shutdownDeadline.plusSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!done) {
            LOG.log(Level.ERROR, "proxy notifier thread for {0} did not stop within the shutdown deadline", endpoint);
        }
        for (Pending p; (p = queue.poll()) != null; ) {
            expired.increment();
            notificationEvent(p, Outcome.EXPIRED, 0);
            LOG.log(Level.WARNING, "proxy notification for req_id {0} dropped at shutdown", p.reqId());
        }
    }

    @Override
    public String toString() {
        return isEnabled() ? "ProxyNotifier[" + endpoint + ", " + counters() + "]" : "ProxyNotifier[disabled]";
    }
}
