package io.kvcourier.reliability;

import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.channel.tcp.TcpChannel;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.notify.ProxyListener;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.testkit.HeldTcpChannel;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.TaskWaiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.kvcourier.testkit.TaskWaiter.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Over the real tcp channel: the receiver adapter dies while a batch is half-way through its data connection
 * and the proxy is down and comes back. The in-flight store fails within the transfer deadline, the proxy still
 * gets its notification (the attempt is finished), the sender's staging pages come back, and the sender
 * succeeds again once a receiver is back on the same control ports — without being restarted itself.
 */
@Timeout(120)
class TcpReceiverRestartTest {

    private static void tcp(java.util.Map<String, Object> m) {
        m.put("transfer_channel", "nixl");
        m.put("nixl_backends", List.of("tcp"));
    }

    @Test
    void receiverKilledMidTransferFailsInTimeNotifiesAndTheSenderRecoversOnTheSamePorts() throws Exception {
        HeldTcpChannel channel = new HeldTcpChannel();
        try (Arena arena = Arena.ofShared(); ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0)) {
            PdL2Adapter first = PdPair.receiver(channel, TcpReceiverRestartTest::tcp);
            int allocPort = first.allocPorts().get(0);
            int initPort = first.initPorts().get(0);
            try (PdL2Adapter sender = PdPair.sender(first, channel, m -> {
                tcp(m);
                m.put("proxy_host", "127.0.0.1");
                m.put("proxy_port", proxy.port());
                m.put("notify_timeout_sec", 20);
                m.put("handshake_timeout_sec", 2);
                m.put("allocation_timeout_sec", 2);
            }); TaskWaiter ws = new TaskWaiter(sender)) {
                assertThat(ws.awaitStore(sender.submitStoreTask(PdPair.keys("warm", 1), PdPair.chunks(arena, 1, 1),
                        new TransferSpec("warm", true, 1)), WAIT)).isTrue();
                assertThat(proxy.awaitReady("warm", 1, WAIT)).isTrue();

                channel.arm();
                long t0 = System.nanoTime();
                long id = sender.submitStoreTask(PdPair.keys("killed", 3), PdPair.chunks(arena, 3, 2),
                        new TransferSpec("killed", true, 3));
                assertThat(channel.admitted.await(30, TimeUnit.SECONDS)).isTrue();
                Thread killer = Thread.ofPlatform().name("receiver-killer").start(first::close);
                channel.release.countDown();
                killer.join(30_000);
                assertThat(killer.isAlive()).isFalse();

                assertThat(ws.awaitStore(id, WAIT)).as("the in-flight store fails").isFalse();
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("within the transfer deadline plus slack")
                        .isLessThan(Duration.ofSeconds(12));
                assertThat(proxy.awaitReady("killed", 1, WAIT)).as("the proxy is still told").isTrue();
                assertThat(PdPair.intStatus(sender, "staging_pages_free"))
                        .isEqualTo(PdPair.intStatus(sender, "staging_pages"));

                try (PdL2Adapter second = PdPair.receiver(channel, m -> {
                    tcp(m);
                    m.put("peer_alloc_port", List.of(allocPort));
                    m.put("peer_init_port", List.of(initPort));
                }); TaskWaiter wr = new TaskWaiter(second)) {
                    List<ObjectKey> keys = PdPair.keys("back", 2);
                    List<MemoryObj> src = PdPair.chunks(arena, 2, 3);
                    assertThat(ws.awaitStore(sender.submitStoreTask(keys, src, new TransferSpec("back", true, 2)),
                            WAIT))
                            .as("the same sender succeeds against the new receiver").isTrue();
                    assertThat(proxy.awaitReady("back", 1, WAIT)).isTrue();
                    List<MemoryObj> dst = PdPair.empty(arena, 2);
                    assertThat(wr.load(keys, dst).popcount()).isEqualTo(2);
                    assertThat(PdPair.crc(dst.get(1))).isEqualTo(PdPair.crc(src.get(1)));
                }
            } finally {
                channel.release.countDown();
                first.close();
            }
        }
    }

    @Test
    void proxyRestartingWithinTheNotifyDeadlineStillGetsTheNotificationAndStoresNeverWait() throws Exception {
        int port;
        try (ProxyListener probe = ProxyListener.bind("127.0.0.1", 0)) {
            port = probe.port(); // the proxy's port; it goes down with this listener
        }
        try (Arena arena = Arena.ofShared(); PdL2Adapter receiver = PdPair.receiver();
             PdL2Adapter sender = PdPair.sender(receiver, io.kvcourier.channel.MockMemoryChannel.FACTORY, m -> {
                 m.put("proxy_host", "127.0.0.1");
                 m.put("proxy_port", port);
                 m.put("notify_timeout_sec", 30);
             }); TaskWaiter ws = new TaskWaiter(sender)) {
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                long id = sender.submitStoreTask(PdPair.keys("down" + i, 1), PdPair.chunks(arena, 1, i),
                        new TransferSpec("down-" + i, true, 1));
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("submit does not wait for the proxy")
                        .isLessThan(Duration.ofMillis(500));
                assertThat(ws.awaitStore(id, WAIT)).as("stores complete while the proxy is down").isTrue();
            }
            try (ProxyListener back = ProxyListener.bind("127.0.0.1", port)) {
                for (int i = 0; i < 3; i++) {
                    assertThat(back.awaitReady("down-" + i, 1, WAIT)).as("delivered after the restart").isTrue();
                }
                assertThat(ws.awaitStore(sender.submitStoreTask(PdPair.keys("up", 1), PdPair.chunks(arena, 1, 9),
                        new TransferSpec("up", true, 1)), WAIT)).isTrue();
                assertThat(back.awaitReady("up", 1, WAIT)).isTrue();
            }
        }
    }
}
