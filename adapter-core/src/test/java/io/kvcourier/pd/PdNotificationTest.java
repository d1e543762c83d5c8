package io.kvcourier.pd;

import io.kvcourier.channel.ControllableChannel;
import io.kvcourier.channel.ControllableChannel.Step;
import io.kvcourier.channel.MockMemoryChannel;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.notify.ProxyListener;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.TaskWaiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The sender adapter's ProxyNotif flow end to end: adapter → PUSH → a PULL listener standing in for the proxy. */
@Timeout(60)
class PdNotificationTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static PdPair pair(ControllableChannel ch, int proxyPort) {
        return new PdPair(ch == null ? MockMemoryChannel.FACTORY : ch, m -> { }, m -> {
            m.put("proxy_host", "127.0.0.1");
            m.put("proxy_port", proxyPort);
            m.put("notify_timeout_sec", 2);
        });
    }

    @Test
    void proxyNotifSentOnLastPrefillAfterEveryChunkLanded() throws Exception {
        try (ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0);
             PdPair p = pair(null, proxy.port()); TaskWaiter ws = new TaskWaiter(p.sender)) {
            List<ObjectKey> keys = PdPair.keys("n1", 4);
            // Two store tasks of one request: the first is not the last prefill batch.
            assertThat(ws.awaitStore(p.sender.submitStoreTask(keys.subList(0, 2), p.randomChunks(2),
                    new TransferSpec("req-n1", false, 4)), WAIT)).isTrue();
            assertThat(proxy.awaitReady("req-n1", 1, Duration.ofMillis(300))).as("not after a non-last batch").isFalse();
            assertThat(ws.awaitStore(p.sender.submitStoreTask(keys.subList(2, 4), p.randomChunks(2),
                    new TransferSpec("req-n1", true, 4)), WAIT)).isTrue();
            assertThat(proxy.awaitReady("req-n1", 1, WAIT)).isTrue();
            assertThat(proxy.count("req-n1")).as("exactly once").isEqualTo(1);
        }
    }

    @Test
    void notifNotSentOnNonLastOrWithoutRequest() throws Exception {
        try (ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0);
             PdPair p = pair(null, proxy.port()); TaskWaiter ws = new TaskWaiter(p.sender)) {
            assertThat(ws.awaitStore(p.sender.submitStoreTask(PdPair.keys("n2", 2), p.randomChunks(2),
                    new TransferSpec("req-n2", false, 8)), WAIT)).isTrue();
            assertThat(ws.awaitStore(p.sender.submitStoreTask(PdPair.keys("n3", 2), p.randomChunks(2)), WAIT)).isTrue();
            // A marker request proves the listener is live and ordered after the others.
            assertThat(ws.awaitStore(p.sender.submitStoreTask(PdPair.keys("n4", 1), p.randomChunks(1),
                    new TransferSpec("marker", true, 1)), WAIT)).isTrue();
            assertThat(proxy.awaitReady("marker", 1, WAIT)).isTrue();
            assertThat(proxy.count("req-n2")).isZero();
            assertThat(proxy.count("")).isZero();
        }
    }

    @Test
    void notificationComesOnlyAfterTheLastChunkLanded() throws Exception {
        ControllableChannel ch = new ControllableChannel().hold();
        try (ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0);
             PdPair p = pair(ch, proxy.port()); TaskWaiter ws = new TaskWaiter(p.sender)) {
            long id = p.sender.submitStoreTask(PdPair.keys("held", 2), p.randomChunks(2), new TransferSpec("req-h", true, 2));
            assertThat(ch.awaitHeld(10, TimeUnit.SECONDS)).isTrue();
            assertThat(proxy.awaitReady("req-h", 1, Duration.ofMillis(300))).as("bytes still on the wire").isFalse();
            ch.release();
            assertThat(ws.awaitStore(id, WAIT)).isTrue();
            assertThat(proxy.awaitReady("req-h", 1, WAIT)).isTrue();
        }
    }

    @Test
    void failedTransferStillNotifiesSoTheProxyNeverWaitsForever() throws Exception {
        ControllableChannel ch = new ControllableChannel().then(Step.FAIL);
        try (ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0);
             PdPair p = pair(ch, proxy.port()); TaskWaiter ws = new TaskWaiter(p.sender)) {
            long id = p.sender.submitStoreTask(PdPair.keys("fail", 2), p.randomChunks(2), new TransferSpec("req-f", true, 2));
            assertThat(ws.awaitStore(id, WAIT)).isFalse();
            assertThat(proxy.awaitReady("req-f", 1, WAIT)).isTrue();
        }
    }

    @Test
    void oneNotificationPerDecodeRank() throws Exception {
        Map<String, Object> r = PdPair.base("receiver");
        r.put("peer_init_port", List.of(0, 0));
        r.put("peer_alloc_port", List.of(0, 0));
        try (ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0);
             PdL2Adapter receiver = new PdL2Adapter(PdL2AdapterConfig.fromMap(r), MockMemoryChannel.FACTORY)) {
            Map<String, Object> s = PdPair.base("sender");
            s.put("peer_init_port", receiver.initPorts());
            s.put("peer_alloc_port", receiver.allocPorts());
            s.put("proxy_port", proxy.port());
            try (PdL2Adapter sender = new PdL2Adapter(PdL2AdapterConfig.fromMap(s), MockMemoryChannel.FACTORY);
                 PdPair helper = new PdPair(); TaskWaiter ws = new TaskWaiter(sender)) {
                List<ObjectKey> keys = new ArrayList<>(PdPair.keys("r", 1, 0));
                keys.addAll(PdPair.keys("r", 1, 1 << 16));
                assertThat(ws.awaitStore(sender.submitStoreTask(keys, helper.randomChunks(2),
                        new TransferSpec("req-tp", true, 2)), WAIT)).isTrue();
                assertThat(proxy.awaitReady("req-tp", 2, WAIT)).isTrue();
            }
            assertThat(proxy.count("req-tp")).as("at most once per rank").isEqualTo(2);
        }
    }

    @Test
    void absentProxyNeverHoldsTheStorePathAndItsNotificationsAreCounted() throws Exception {
        int deadPort;
        try (ServerSocket ss = new ServerSocket(0)) {
            deadPort = ss.getLocalPort(); // closed right away: nothing listens there
        }
        try (PdPair p = pair(null, deadPort); TaskWaiter ws = new TaskWaiter(p.sender)) {
            for (int i = 0; i < 5; i++) {
                long id = p.sender.submitStoreTask(PdPair.keys("abs" + i, 1), p.randomChunks(1),
                        new TransferSpec("abs-" + i, true, 1));
                assertThat(ws.awaitStore(id, WAIT)).as("store %d completes without a proxy", i).isTrue();
            }
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (expired(p) < 5 && System.nanoTime() < deadline) {
                ws.awaitStore(-1, Duration.ofMillis(100)); // bounded wait between looks
            }
            assertThat(expired(p)).as("dropped after notify_timeout_sec and counted").isEqualTo(5);
        }
    }

    private static long expired(PdPair p) {
        Object v = p.sender.reportStatus().get("proxy_notif_expired");
        return v == null ? -1 : ((Number) v).longValue();
    }
}
