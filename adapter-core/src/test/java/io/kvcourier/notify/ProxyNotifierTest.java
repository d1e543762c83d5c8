package io.kvcourier.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

import io.kvcourier.testkit.LogCapture;
import io.kvcourier.testkit.Poll;
import io.kvcourier.wire.AllocResponse;
import io.kvcourier.wire.ProxyNotif;
import io.kvcourier.wire.WireCodec;

/** The notifier and the listener over real ZMQ sockets on ephemeral ports; every wait bounded, no sleeps. */
class ProxyNotifierTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration SHUTDOWN = Duration.ofSeconds(5);

    private static ProxyNotifier notifierTo(int port, Duration sendDeadline, ProxyNotifier.Hooks hooks) {
        return ProxyNotifier.create("127.0.0.1", port, sendDeadline, SHUTDOWN, 64, hooks);
    }

    /**
     * Whether {@code notifier} counts {@code n} notifications sent within {@link #WAIT}. The proxy can read a message
     * before the notifier thread, back from its write, counts it, so a test that saw the message waits for the count.
     */
    static boolean awaitSent(ProxyNotifier notifier, long n) {
        return Poll.until(() -> notifier.counters().sent() >= n, WAIT) && notifier.counters().sent() == n;
    }

    /** A port nobody listens on: bound once by a listener, then released. */
    private static int deadPort() {
        try (ProxyListener l = ProxyListener.bind("127.0.0.1", 0)) {
            return l.port();
        }
    }

    /** Latches on notification outcomes and send attempts. */
    private static final class Outcomes implements ProxyNotifier.Hooks {
        final CountDownLatch outcome;
        final CountDownLatch secondAttempt = new CountDownLatch(1);
        final ConcurrentHashMap<String, ProxyNotifier.Outcome> seen = new ConcurrentHashMap<>();

        Outcomes(int expected) {
            outcome = new CountDownLatch(expected);
        }

        @Override
        public void beforeAttempt(String reqId, int attempt) {
            if (attempt == 2) {
                secondAttempt.countDown();
            }
        }

        @Override
        public void onOutcome(String reqId, ProxyNotifier.Outcome o) {
            seen.put(reqId, o);
            outcome.countDown();
        }
    }

    @Test
    void proxyNotifSentOnLastPrefill() throws Exception {
        try (ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0);
             ProxyNotifier notifier = ProxyNotifier.create("127.0.0.1", proxy.port(), WAIT, SHUTDOWN, 64)) {
            NotificationTracker tracker = new NotificationTracker(2, WAIT, System::nanoTime, notifier::offer);
            tracker.onBatchDone("cmpl-1", false, 3, 2, true);
            tracker.onBatchDone("cmpl-1", true, 3, 1, true);
            assertThat(proxy.awaitReady("cmpl-1", 2, WAIT)).isTrue();
            assertThat(awaitSent(notifier, 2)).as("sent: %s", notifier.counters()).isTrue();
        }
    }

    @Test
    void notifNotSentOnNonLast() throws Exception {
        try (ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0);
             ProxyNotifier notifier = ProxyNotifier.create("127.0.0.1", proxy.port(), WAIT, SHUTDOWN, 64)) {
            NotificationTracker tracker = new NotificationTracker(1, WAIT, System::nanoTime, notifier::offer);
            tracker.onBatchDone("not-last", false, 2, 2, true);
            // One PUSH socket delivers in order: had "not-last" been sent, it would arrive before "marker".
            tracker.onBatchDone("marker", true, 1, 1, true);
            assertThat(proxy.awaitReady("marker", 1, WAIT)).isTrue();
            assertThat(proxy.count("not-last")).isZero();
            assertThat(proxy.receivedCount()).isEqualTo(1);
        }
    }

    @Test
    void notifExceptionLogs() throws Exception {
        // (a) an absent proxy: dropped after the send deadline, logged with the req_id, counted as expired.
        try (LogCapture log = new LogCapture(ProxyNotifier.class)) {
            Outcomes hooks = new Outcomes(1);
            try (ProxyNotifier notifier = notifierTo(deadPort(), Duration.ofMillis(200), hooks)) {
                assertThat(notifier.offer("req-absent-7")).isTrue();
                assertThat(hooks.outcome.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
                assertThat(hooks.seen).containsEntry("req-absent-7", ProxyNotifier.Outcome.EXPIRED);
                assertThat(notifier.counters().expired()).isEqualTo(1);
                assertThat(notifier.counters().sent()).isZero();
            }
            assertThat(log.messages()).anySatisfy(m -> assertThat(m).startsWith("WARNING")
                    .contains("req-absent-7").contains("send deadline"));
        }
        // (b) an unexpected error while sending: logged with the req_id, counted as failed, the thread goes on.
        try (LogCapture log = new LogCapture(ProxyNotifier.class);
             ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0)) {
            Outcomes outcomes = new Outcomes(2);
            ProxyNotifier.Hooks throwing = new ProxyNotifier.Hooks() {
                @Override
                public void beforeAttempt(String reqId, int attempt) {
                    if (reqId.equals("req-boom")) {
                        throw new IllegalStateException("injected send failure");
                    }
                }

                @Override
                public void onOutcome(String reqId, ProxyNotifier.Outcome o) {
                    outcomes.onOutcome(reqId, o);
                }
            };
            try (ProxyNotifier notifier = notifierTo(proxy.port(), WAIT, throwing)) {
                notifier.offer("req-boom");
                notifier.offer("req-after");
                assertThat(proxy.awaitReady("req-after", 1, WAIT)).isTrue();
                assertThat(outcomes.outcome.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
                assertThat(outcomes.seen).containsEntry("req-boom", ProxyNotifier.Outcome.FAILED);
                assertThat(notifier.counters().failed()).isEqualTo(1);
                assertThat(notifier.counters().sent()).isEqualTo(1);
            }
            assertThat(log.messages()).anySatisfy(m -> assertThat(m).startsWith("WARNING").contains("req-boom"));
        }
    }

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /**
     * Open fds as "number -> target" (e.g. "57 -> socket:[81234]"): the inode makes an entry unique, so a test can
     * check that exactly the fds a component opened are gone, whatever else the shared test JVM opens meanwhile.
     */
    private static Set<String> openFdEntries() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.map(p -> {
                try {
                    return p.getFileName() + " -> " + Files.readSymbolicLink(p);
                } catch (IOException e) {
                    return p.getFileName() + " -> ?"; // closed while listing
                }
            }).filter(e -> !e.endsWith("?")).collect(Collectors.toSet());
        }
    }

    private static Set<String> liveThreadNames() {
        return liveThreads().stream().map(Thread::getName).collect(Collectors.toSet());
    }

    private static Set<Thread> liveThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).collect(Collectors.toSet());
    }

    private static List<String> namesOf(Set<Thread> threads) {
        return threads.stream().map(Thread::getName).sorted().toList();
    }

    @Test
    void proxySocketLifecycle() throws Exception {
        // Warm up once so lazily opened JDK fds (selector providers, class loading) are not counted.
        try (ProxyListener l = ProxyListener.bind("127.0.0.1", 0);
             ProxyNotifier n = ProxyNotifier.create("127.0.0.1", l.port(), WAIT, SHUTDOWN, 8)) {
            n.offer("warm");
            assertThat(l.awaitReady("warm", 1, WAIT)).isTrue();
        }
        long fdsBefore = openFds();
        Set<String> fdEntriesBefore = openFdEntries();
        Set<Thread> threadsBefore = liveThreads();

        ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0);
        ProxyNotifier notifier = ProxyNotifier.create("127.0.0.1", proxy.port(), WAIT, SHUTDOWN, 32);
        for (int i = 0; i < 20; i++) {
            assertThat(notifier.offer("r" + i)).isTrue();
        }
        for (int i = 0; i < 20; i++) {
            assertThat(proxy.awaitReady("r" + i, 1, WAIT)).isTrue();
        }
        Set<Thread> during = liveThreads();
        during.removeAll(threadsBefore);
        // Both ends speak ZMTP themselves (docs/ARCHITECTURE.md#decision-24): no context, no I/O or reaper thread.
        // The listener's one thread reads its sockets; the notifier's thread is virtual (not listed).
        assertThat(namesOf(during)).containsExactly("kvcourier-proxy-listener");
        assertThat(notifier.thread().isVirtual()).isTrue();
        assertThat(notifier.thread().isAlive()).isTrue();
        assertThat(openFds()).isGreaterThan(fdsBefore);
        Set<String> opened = openFdEntries();
        opened.removeAll(fdEntriesBefore);
        assertThat(opened).as("the notifier and listener opened fds").isNotEmpty();

        notifier.close();
        notifier.close(); // idempotent
        proxy.close();
        proxy.close();
        assertThat(notifier.thread().isAlive()).isFalse();
        assertThat(proxy.thread().isAlive()).isFalse();
        Set<Thread> after = liveThreads();
        after.removeAll(threadsBefore);
        assertThat(namesOf(after)).isEmpty();
        assertThat(during).allSatisfy(t -> assertThat(t.isAlive()).as(t.getName()).isFalse());
        Set<String> stillOpen = openFdEntries();
        stillOpen.retainAll(opened);
        assertThat(stillOpen).as("every fd they opened is closed").isEmpty();
        assertThat(notifier.offer("late")).isFalse();
        assertThat(notifier.counters().dropped()).isEqualTo(1);
    }

    @Test
    void disabledNotifierHasNoSocketAndNoThread() {
        Set<String> before = liveThreadNames();
        ProxyNotifier n = ProxyNotifier.create("127.0.0.1", 0, WAIT, SHUTDOWN, 8);
        assertThat(n.isEnabled()).isFalse();
        assertThat(n.thread()).isNull();
        assertThat(n.offer("r")).isFalse();
        assertThat(n.counters()).isEqualTo(new NotifierCounters(0, 0, 0, 0, 0, 0));
        n.close();
        n.close();
        Set<String> after = liveThreadNames();
        after.removeAll(before);
        assertThat(after).isEmpty();
    }

    @Test
    void absentProxyNotificationsAreDroppedAndCountedAfterTheDeadline() throws Exception {
        Outcomes hooks = new Outcomes(3);
        try (ProxyNotifier notifier = notifierTo(deadPort(), Duration.ofMillis(300), hooks)) {
            long start = System.nanoTime();
            for (int i = 0; i < 3; i++) {
                assertThat(notifier.offer("gone-" + i)).isTrue();
            }
            assertThat(hooks.outcome.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(elapsedMs).as("all expire at their own deadline, not one after another").isLessThan(5_000);
            assertThat(elapsedMs).isGreaterThanOrEqualTo(300);
            NotifierCounters c = notifier.counters();
            assertThat(c.expired()).isEqualTo(3);
            assertThat(c.retried()).isGreaterThanOrEqualTo(1);
            assertThat(c.sent()).isZero();
            assertThat(c.toMap()).containsEntry("proxy_notif_expired", 3L);
        }
    }

    @Test
    void aHeldNotifierThreadNeverBlocksOffer() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
        ProxyNotifier.Hooks hold = new ProxyNotifier.Hooks() {
            @Override
            public void beforeAttempt(String reqId, int attempt) {
                holding.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                released.set(true);
            }
        };
        try (ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0);
             ProxyNotifier notifier = ProxyNotifier.create("127.0.0.1", proxy.port(), WAIT, SHUTDOWN, 16, hold);
             LogCapture log = new LogCapture(ProxyNotifier.class)) {
            assertThat(notifier.offer("first")).isTrue();
            assertThat(holding.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue(); // thread is now stuck
            int accepted = 0;
            for (int i = 0; i < 100; i++) {
                if (notifier.offer("q" + i)) {
                    accepted++;
                }
            }
            // All 100 offers returned while the notifier thread is still parked in the hook: none waited for it.
            assertThat(released.get()).as("the notifier thread is still held").isFalse();
            assertThat(accepted).isEqualTo(16); // the queue's capacity; the rest dropped, not waited for
            assertThat(notifier.counters().dropped()).isEqualTo(84);
            // each drop names the request and says where the proxy connection stands (the thread is held, so
            // the connection stays where it was: connecting, in the handshake or open)
            assertThat(log.messages()).filteredOn(m -> m.contains("is full")).hasSize(84).first().asString()
                    .matches("WARNING proxy notification for req_id q16 dropped: the queue of 16 is full \\(1 dropped "
                            + "so far\\); proxy tcp://127.0.0.1:" + proxy.port() + ": connection (connecting|in the "
                            + "ZMTP handshake|open) for \\d+ ms, [01] handshakes, 0 refusals");
            release.countDown();
            assertThat(proxy.awaitReady("first", 1, WAIT)).isTrue();
            for (int i = 0; i < 16; i++) {
                assertThat(proxy.awaitReady("q" + i, 1, WAIT)).as("q%d", i).isTrue();
            }
            assertThat(proxy.count("q16")).isZero();
        }
    }

    /**
     * Every kind of bad message from a PUSH peer is counted and skipped, and the connection goes on; a frame over the
     * cap costs that peer its connection, not the others. The peer's ZMTP is written here byte for byte, so that the
     * test does not wait on jeromq's connect (see {@link #aJeromqPushIsServed}); the protocol breaks themselves are
     * ZmtpPullServerTest's.
     */
    @Test
    void listenerDecodesStrictlyAndSurvivesGarbage() throws Exception {
        List<String> callbacks = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0, 1024,
                (reqId, nanos, at) -> callbacks.add(reqId));
             Socket push = FakeZmtpPeer.handshakenPush(proxy.port(), WAIT)) {
            push.getOutputStream().write(FakeZmtpPeer.concat(
                    FakeZmtpPeer.frame(0, new byte[] {(byte) 0xc1, 0x00}),                       // not msgpack
                    FakeZmtpPeer.frame(0, WireCodec.encode(new AllocResponse(new int[] {1}))), // another message type
                    FakeZmtpPeer.frame(0, "{\"req_id\":\"json\"}".getBytes(StandardCharsets.UTF_8)), // not msgpack
                    FakeZmtpPeer.frame(ZmtpCodec.FLAG_MORE, WireCodec.encode(new ProxyNotif("two-frames"))),
                    FakeZmtpPeer.frame(0, WireCodec.encode(new ProxyNotif("two-frames"))),     // multi-frame
                    FakeZmtpPeer.frame(0, WireCodec.encode(new ProxyNotif("good")))));
            assertThat(proxy.awaitReady("good", 1, WAIT)).isTrue();                // one connection is FIFO
            assertThat(proxy.malformedCount()).isEqualTo(4);
            assertThat(proxy.count("two-frames")).isZero();
            assertThat(proxy.count("json")).isZero();
            // A frame over the 1 KiB cap: the listener hangs up on that peer and keeps serving others.
            push.getOutputStream().write(FakeZmtpPeer.frame(0, new byte[4096]));
            assertThat(FakeZmtpPeer.readUntilClosed(push.getInputStream()))
                    .as("the listener closed the connection of the oversized frame").isTrue();
            try (Socket push2 = FakeZmtpPeer.handshakenPush(proxy.port(), WAIT)) {
                push2.getOutputStream().write(FakeZmtpPeer.frame(0, WireCodec.encode(new ProxyNotif("after"))));
                assertThat(proxy.awaitReady("after", 1, WAIT)).isTrue();
            }
            assertThat(proxy.count("good")).isEqualTo(1);
            assertThat(callbacks).contains("after").doesNotContain("two-frames");
        }
    }

    /**
     * A jeromq PUSH is served like any ZMTP peer. jeromq 0.6.0 now and then never answers on a fresh connection: it
     * reads the listener's greeting and READY and writes nothing (seen with {@code ss}: 92 bytes received, none sent).
     * Left alone that held 6 of 110 fresh connections here until the listener's handshake deadline
     * ({@value ZmtpPullServer#HANDSHAKE_MILLIS} ms, libzmq's default) dropped them, and then jeromq reconnected and
     * sent what it had queued: a stall, never a loss. The PUSH's own handshake interval of 200 ms cuts most stalls
     * short; about 1 connection in 300 on a loaded 2-core machine stalled with it as well, which the wait allows for.
     */
    @Test
    void aJeromqPushIsServed() throws Exception {
        Duration stalledHandshake = Duration.ofMillis(ZmtpPullServer.HANDSHAKE_MILLIS).plus(WAIT);
        try (ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0); ZContext ctx = new ZContext()) {
            ZMQ.Socket push = ctx.createSocket(SocketType.PUSH);
            push.setLinger(0);
            push.setHandshakeIvl(200);
            assertThat(push.connect("tcp://127.0.0.1:" + proxy.port())).isTrue();
            for (int i = 0; i < 3; i++) {
                assertThat(push.send(WireCodec.encode(new ProxyNotif("jeromq-" + i)))).isTrue();
            }
            for (int i = 0; i < 3; i++) {
                assertThat(proxy.awaitReady("jeromq-" + i, 1, stalledHandshake)).as("jeromq-%d", i).isTrue();
            }
            assertThat(proxy.malformedCount()).isZero();
        }
    }

    @Test
    void proxyComingBackWithinTheDeadlineStillGetsTheMessage() throws Exception {
        int port = deadPort();
        Outcomes hooks = new Outcomes(1);
        try (ProxyNotifier notifier = notifierTo(port, WAIT, hooks)) {
            assertThat(notifier.offer("patient")).isTrue();
            assertThat(hooks.secondAttempt.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue(); // it is retrying
            try (ProxyListener proxy = ProxyListener.bind("127.0.0.1", port)) {
                assertThat(proxy.awaitReady("patient", 1, WAIT)).isTrue();
            }
            // the proxy can read the message before the notifier thread, back from its write, records the outcome
            assertThat(hooks.outcome.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(hooks.seen).containsEntry("patient", ProxyNotifier.Outcome.SENT);
            assertThat(notifier.counters().retried()).isEqualTo(1);
            assertThat(notifier.counters().expired()).isZero();
        }
    }

    @Test
    void closeFlushesWhatIsQueued() throws Exception {
        try (ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0)) {
            ProxyNotifier notifier = ProxyNotifier.create("127.0.0.1", proxy.port(), WAIT, SHUTDOWN, 256);
            for (int i = 0; i < 200; i++) {
                assertThat(notifier.offer("f" + i)).isTrue();
            }
            notifier.close();
            assertThat(notifier.counters().sent()).isEqualTo(200);
            for (int i = 0; i < 200; i++) {
                assertThat(proxy.awaitReady("f" + i, 1, WAIT)).as("f%d", i).isTrue();
            }
        }
    }

    @Test
    void closeGivesUpOnAnAbsentProxyWithinTheShutdownDeadline() {
        ProxyNotifier notifier = ProxyNotifier.create("127.0.0.1", deadPort(), Duration.ofMinutes(5),
                Duration.ofMillis(300), 64);
        for (int i = 0; i < 10; i++) {
            notifier.offer("x" + i);
        }
        long start = System.nanoTime();
        notifier.close();
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(ms).isLessThan(5_000);
        assertThat(notifier.counters().expired()).isEqualTo(10);
        assertThat(notifier.thread().isAlive()).isFalse();
    }

    /**
     * Fresh jeromq connections stalled in the handshake a few percent of the time (jeromq PR #1022,
     * docs/ARCHITECTURE.md#decision-24); every first notification must still arrive promptly, not after a 30 s
     * handshake timeout or never.
     */
    @Test
    void everyFreshNotifierDeliversItsFirstNotification() throws Exception {
        for (int i = 0; i < 40; i++) {
            try (ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0);
                 ProxyNotifier notifier = ProxyNotifier.create("127.0.0.1", proxy.port(), WAIT, SHUTDOWN, 8)) {
                assertThat(notifier.offer("first-" + i)).isTrue();
                assertThat(proxy.awaitReady("first-" + i, 1, Duration.ofSeconds(5))).as("connection %d", i).isTrue();
            }
        }
    }

    /** Pins the jeromq 0.6.0 naming trap that docs/ARCHITECTURE.md#decision-24 records. */
    @Test
    void jeromqImmediateMeansTheOppositeOfLibzmq() {
        String dead = "tcp://127.0.0.1:" + deadPort();
        try (ZContext ctx = new ZContext()) {
            ZMQ.Socket libzmqImmediate = ctx.createSocket(SocketType.PUSH);
            libzmqImmediate.setImmediate(false); // = setDelayAttachOnConnect(true), deprecated
            assertThat(libzmqImmediate.connect(dead)).isTrue();
            assertThat(libzmqImmediate.send(new byte[] {1}, ZMQ.DONTWAIT)).as("no peer: EAGAIN").isFalse();
            assertThat(libzmqImmediate.errno()).isEqualTo(zmq.ZError.EAGAIN);

            ZMQ.Socket jeromqImmediate = ctx.createSocket(SocketType.PUSH);
            jeromqImmediate.setImmediate(true);
            assertThat(jeromqImmediate.connect(dead)).isTrue();
            assertThat(jeromqImmediate.send(new byte[] {1}, ZMQ.DONTWAIT)).as("queued for nobody").isTrue();
        }
    }

    @Test
    void badArgumentsAreNamed() {
        assertThatThrownBy(() -> ProxyNotifier.create("", 6688, WAIT, SHUTDOWN, 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("proxyHost");
        assertThatThrownBy(() -> ProxyNotifier.create("h", 70000, WAIT, SHUTDOWN, 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("proxyPort");
        assertThatThrownBy(() -> ProxyNotifier.create("h", 1, Duration.ZERO, SHUTDOWN, 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("sendDeadline");
        assertThatThrownBy(() -> ProxyNotifier.create("h", 1, WAIT, null, 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("shutdownDeadline");
        assertThatThrownBy(() -> ProxyNotifier.create("h", 1, WAIT, SHUTDOWN, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("queueCapacity");
        assertThatThrownBy(() -> ProxyListener.bind("127.0.0.1", -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("port");
    }
}
