package io.kvcourier.control;

import io.kvcourier.testkit.TcpForwarder;
import io.kvcourier.wire.AllocRequest;
import io.kvcourier.wire.AllocResponse;
import io.kvcourier.wire.CancelNotif;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.WireCodec;
import io.kvcourier.wire.WireEncoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sender's alloc sockets against a scripted ROUTER: several exchanges in flight on their own DEALERs,
 * replies in any order reach the exchange that asked, a timed-out exchange's socket is replaced so a late reply
 * can never answer another request, and a lost probe is retried on a fresh socket.
 */
@Timeout(60)
class AllocPoolTest {
    private ZContext serverContext;
    private ZMQ.Socket router;
    private String endpoint;
    private ControlAgent agent;

    @BeforeEach
    void start() {
        serverContext = new ZContext();
        router = serverContext.createSocket(SocketType.ROUTER);
        router.setReceiveTimeOut(10_000);
        router.bind("tcp://127.0.0.1:*");
        endpoint = router.getLastEndpoint();
        agent = new ControlAgent("test-control");
    }

    @AfterEach
    void stop() {
        agent.close();
        serverContext.close();
    }

    /** A request as the server saw it. */
    private record Received(byte[] identity, PdMessage message) {
        String id() {
            return new String(identity, StandardCharsets.UTF_8);
        }
    }

    private Received receive() throws Exception {
        byte[] identity = router.recv();
        assertThat(identity).as("a request within 10 s").isNotNull();
        byte[] last = null;
        while (router.hasReceiveMore()) {
            last = router.recv();
        }
        return new Received(identity, WireCodec.decode(last));
    }

    /** Receives the next real request, answering probes (empty CancelNotif) on the way. */
    private Received nextRequest(Set<String> probedIdentities, boolean answerProbes) throws Exception {
        while (true) {
            Received r = receive();
            if (r.message instanceof CancelNotif c && c.reqId().isEmpty() && c.keys().isEmpty()) {
                probedIdentities.add(r.id());
                if (answerProbes) {
                    reply(r, new AllocResponse(new int[0]));
                }
                continue;
            }
            return r;
        }
    }

    private void reply(Received to, PdMessage message) {
        router.sendMore(to.identity);
        router.sendMore(new byte[0]);
        router.send(WireCodec.encode(message));
    }


    private AllocPool pool(int sockets) throws Exception {
        CompletableFuture<AllocPool> made = new CompletableFuture<>();
        agent.execute(() -> {
            AllocPool p = new AllocPool(agent, endpoint, "sender-test", ControlSecurity.NONE, sockets, new WireEncoder());
            agent.add(p);
            made.complete(p);
        });
        return made.get(10, TimeUnit.SECONDS);
    }

    private void submit(AllocPool pool, AllocExchange x, long deadlineNanos) {
        agent.execute(() -> pool.submit(x, deadlineNanos));
    }

    private static String keyOf(PdMessage m) {
        return ((AllocRequest) m).keys().get(0);
    }

    /**
     * With every allocation in-band the pool sends nothing, yet it keeps one socket connected: its probe goes out
     * unasked (again on a fresh socket when unanswered) and, once proven, the end of its connection reports the
     * receiver lost.
     */
    @Test
    void aPoolKeptConnectedProbesWithoutRequestsAndReportsTheReceiverLost() throws Exception {
        CompletableFuture<String> lost = new CompletableFuture<>();
        CompletableFuture<AllocPool> made = new CompletableFuture<>();
        agent.execute(() -> {
            AllocPool p = new AllocPool(agent, endpoint, "sender-test", ControlSecurity.NONE, 2, new WireEncoder(),
                    Heartbeat.NONE, lost::complete);
            agent.add(p);
            p.keepConnected();
            made.complete(p);
        });
        made.get(10, TimeUnit.SECONDS);
        Received first = receive();
        assertThat(first.message).isEqualTo(new CancelNotif("", List.of())); // the probe, left unanswered
        Received second = receive();
        assertThat(second.message).isEqualTo(new CancelNotif("", List.of()));
        assertThat(second.id()).as("retried on a fresh socket").isNotEqualTo(first.id());
        reply(second, new AllocResponse(new int[0]));
        assertThat(lost).isNotDone();
        router.close(); // the receiver goes away
        assertThat(lost.get(10, TimeUnit.SECONDS)).contains("ended");
    }

    /**
     * The proven socket can be replaced while the receiver is still there (here its exchange times out; under load, a
     * probe answered after its window). When the receiver is gone before the new socket's handshake, nothing ends a
     * handshaken connection: the refused connection of the new socket is what reports the receiver lost.
     */
    @Test
    void aReplacedSocketWhoseNewConnectionIsRefusedReportsTheReceiverLost() throws Exception {
        int port = Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
        try (TcpForwarder receiverHost = new TcpForwarder(port)) {
            String viaHost = "tcp://127.0.0.1:" + receiverHost.port();
            CompletableFuture<String> lost = new CompletableFuture<>();
            CompletableFuture<AllocPool> made = new CompletableFuture<>();
            agent.execute(() -> {
                AllocPool p = new AllocPool(agent, viaHost, "sender-test",
                        ControlSecurity.NONE, 1, new WireEncoder(), Heartbeat.NONE, lost::complete);
                agent.add(p);
                p.keepConnected();
                made.complete(p);
            });
            AllocPool pool = made.get(10, TimeUnit.SECONDS);
            // An answered exchange proves the socket (a probe answered past its window under load is replaced).
            RecordedExchange proven = new RecordedExchange("proven");
            submit(pool, proven, System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
            reply(nextRequest(new HashSet<>(), true), new AllocResponse(new int[] {1}));
            assertThat(proven.reply.get(10, TimeUnit.SECONDS)).isInstanceOf(AllocResponse.class);
            receiverHost.stopAccepting(); // the receiver is "gone" for new connections; the proven one still relays
            RecordedExchange x = new RecordedExchange("k");
            submit(pool, x, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300));
            assertThat(keyOf(nextRequest(new HashSet<>(), true).message)).isEqualTo("k"); // left unanswered
            assertThat(x.failure.get(10, TimeUnit.SECONDS)).contains("within the deadline");
            assertThat(lost.get(10, TimeUnit.SECONDS)).contains("failed (peer gone)");
        }
    }

    /**
     * The pool is kept connected once the receiver's data connection is up; when the receiver goes before the pool's
     * own socket completes a handshake, its refused connection still reports the receiver lost.
     */
    @Test
    void aReceiverGoneBeforeTheFirstHandshakeOfAPoolKeptConnectedIsReportedLost() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort(); // nothing listens here once closed
        }
        CompletableFuture<String> lost = new CompletableFuture<>();
        agent.execute(() -> {
            AllocPool p = new AllocPool(agent, "tcp://127.0.0.1:" + closedPort, "sender-test", ControlSecurity.NONE,
                    1, new WireEncoder(), Heartbeat.NONE, lost::complete);
            agent.add(p);
            p.keepConnected();
        });
        assertThat(lost.get(10, TimeUnit.SECONDS)).contains("failed (peer gone)");
    }

    /**
     * A receiver restarted on the same port: the kept socket's connection to the old one failed, and jeromq reports
     * that failure to the control thread after the fact, when the new receiver may be up. It is not the new receiver
     * lost: the socket reconnects to it, and its exchanges go through.
     */
    @Test
    void aConnectionThatFailedJustBeforeTheReceiverCameBackDoesNotReportItLost() throws Exception {
        CompletableFuture<String> lost = new CompletableFuture<>();
        CompletableFuture<AllocPool> made = new CompletableFuture<>();
        int port;
        try (java.net.ServerSocket old = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = old.getLocalPort();
            old.setSoTimeout(10_000);
            agent.execute(() -> {
                AllocPool p = new AllocPool(agent, "tcp://127.0.0.1:" + port, "sender-test", ControlSecurity.NONE, 1,
                        new WireEncoder(), Heartbeat.NONE, lost::complete);
                agent.add(p);
                p.keepConnected(); // the receiver's data connection is up
                made.complete(p);
            });
            try (java.net.Socket accepted = old.accept()) {
                accepted.setSoLinger(true, 0); // the old receiver dies: RST before any ZMTP handshake
            }
        }
        AllocPool pool = made.get(10, TimeUnit.SECONDS);
        try (ZContext restarted = new ZContext()) {
            ZMQ.Socket newRouter = restarted.createSocket(SocketType.ROUTER);
            newRouter.setReceiveTimeOut(10_000);
            assertThat(newRouter.bind("tcp://127.0.0.1:" + port)).as("the new receiver on the same port").isTrue();
            ZMQ.Socket serverSide = router;
            router = newRouter;
            try {
                RecordedExchange x = new RecordedExchange("after-restart");
                submit(pool, x, System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
                Received request = nextRequest(new HashSet<>(), true);
                reply(request, new AllocResponse(new int[] {7}));
                assertThat(((AllocResponse) x.reply.get(10, TimeUnit.SECONDS)).remoteIndexes()).containsExactly(7);
                assertThat(lost).as("the new receiver is not reported lost").isNotDone();
            } finally {
                router = serverSide;
            }
        }
    }

    @Test
    void repliesInAnyOrderReachTheExchangeThatAskedEachOnItsOwnSocket() throws Exception {
        AllocPool pool = pool(3);
        List<RecordedExchange> xs = List.of(new RecordedExchange("k0"), new RecordedExchange("k1"), new RecordedExchange("k2"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (RecordedExchange x : xs) {
            submit(pool, x, deadline);
        }
        Set<String> probed = new HashSet<>();
        List<Received> requests = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            requests.add(nextRequest(probed, true));
        }
        Set<String> carriers = new HashSet<>();
        for (Received r : requests) {
            carriers.add(r.id());
        }
        assertThat(carriers).as("three requests in flight at once, one per DEALER").hasSize(3);
        for (int i = 2; i >= 0; i--) { // answer the last first
            Received r = requests.get(i);
            int page = Integer.parseInt(keyOf(r.message).substring(1)) + 100;
            reply(r, new AllocResponse(new int[] {page}));
        }
        for (int i = 0; i < 3; i++) {
            AllocResponse got = (AllocResponse) xs.get(i).reply.get(10, TimeUnit.SECONDS);
            assertThat(got.remoteIndexes()).containsExactly(100 + i);
        }
    }

    @Test
    void aTimedOutExchangeLosesItsSocketSoItsLateReplyCannotAnswerTheNextRequest() throws Exception {
        AllocPool pool = pool(1);
        RecordedExchange first = new RecordedExchange("first");
        submit(pool, first, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500));
        Set<String> probed = new HashSet<>();
        Received r1 = nextRequest(probed, true);
        assertThat(keyOf(r1.message)).isEqualTo("first");
        assertThat(first.failure.get(10, TimeUnit.SECONDS)).contains("timed out");

        RecordedExchange second = new RecordedExchange("second");
        submit(pool, second, System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
        reply(r1, new AllocResponse(new int[] {1})); // late: its DEALER is gone, ROUTER drops it
        Received r2 = nextRequest(probed, true);
        assertThat(keyOf(r2.message)).isEqualTo("second");
        assertThat(r2.id()).as("a fresh identity").isNotEqualTo(r1.id());
        reply(r2, new AllocResponse(new int[] {2}));
        assertThat(((AllocResponse) second.reply.get(10, TimeUnit.SECONDS)).remoteIndexes()).containsExactly(2);
        assertThat(first.reply).isNotDone();
    }

    @Test
    void anUnansweredProbeIsRetriedOnAFreshSocketBeforeTheRequestGoesOut() throws Exception {
        AllocPool pool = pool(1);
        RecordedExchange x = new RecordedExchange("k");
        submit(pool, x, System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
        Received probe = receive();
        assertThat(probe.message).isInstanceOf(CancelNotif.class); // ignored: as if jeromq had lost it
        Set<String> probed = new HashSet<>();
        Received r = nextRequest(probed, true);
        assertThat(probed).as("a second probe, from a new socket").doesNotContain(probe.id()).isNotEmpty();
        assertThat(r.id()).isNotEqualTo(probe.id());
        reply(r, new AllocResponse(new int[] {7}));
        assertThat(((AllocResponse) x.reply.get(10, TimeUnit.SECONDS)).remoteIndexes()).containsExactly(7);
    }

    @Test
    void failAllEndsEveryExchangeInFlightOrWaiting() throws Exception {
        AllocPool pool = pool(1);
        RecordedExchange inFlight = new RecordedExchange("a");
        RecordedExchange waiting = new RecordedExchange("b");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        submit(pool, inFlight, deadline);
        submit(pool, waiting, deadline);
        nextRequest(new HashSet<>(), true);
        agent.execute(() -> pool.failAll("receiver gone (test)"));
        assertThat(inFlight.failure.get(10, TimeUnit.SECONDS)).contains("receiver gone");
        assertThat(waiting.failure.get(10, TimeUnit.SECONDS)).contains("receiver gone");
    }
}
