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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

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
        TcpReceiverRestartTestSupport.HeldTcp channel = new TcpReceiverRestartTestSupport.HeldTcp();
        try (Arena arena = Arena.ofShared(); ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0)) {
            PdL2Adapter first = Rig.receiver(channel, TcpReceiverRestartTest::tcp);
            int allocPort = first.allocPorts().get(0);
            int initPort = first.initPorts().get(0);
            try (PdL2Adapter sender = Rig.sender(first, channel, m -> {
                tcp(m);
                m.put("proxy_host", "127.0.0.1");
                m.put("proxy_port", proxy.port());
                m.put("notify_timeout_sec", 20);
                m.put("handshake_timeout_sec", 2);
                m.put("allocation_timeout_sec", 2);
            }); Rig.Waiter ws = new Rig.Waiter(sender)) {
                assertThat(ws.store(sender.submitStoreTask(Rig.keys("warm", 1), Rig.chunks(arena, 1, 1),
                        new TransferSpec("warm", true, 1)), Rig.WAIT)).isTrue();
                assertThat(proxy.awaitReady("warm", 1, Rig.WAIT)).isTrue();

                channel.armed = true;
                long t0 = System.nanoTime();
                long id = sender.submitStoreTask(Rig.keys("killed", 3), Rig.chunks(arena, 3, 2),
                        new TransferSpec("killed", true, 3));
                assertThat(channel.admitted.await(30, TimeUnit.SECONDS)).isTrue();
                Thread killer = Thread.ofPlatform().name("receiver-killer").start(first::close);
                channel.release.countDown();
                killer.join(30_000);
                assertThat(killer.isAlive()).isFalse();

                assertThat(ws.store(id, Rig.WAIT)).as("the in-flight store fails").isFalse();
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("within the transfer deadline plus slack")
                        .isLessThan(Duration.ofSeconds(12));
                assertThat(proxy.awaitReady("killed", 1, Rig.WAIT)).as("the proxy is still told").isTrue();
                assertThat(Rig.intStatus(sender, "staging_pages_free")).isEqualTo(Rig.intStatus(sender, "staging_pages"));

                try (PdL2Adapter second = Rig.receiver(channel, m -> {
                    tcp(m);
                    m.put("peer_alloc_port", List.of(allocPort));
                    m.put("peer_init_port", List.of(initPort));
                }); Rig.Waiter wr = new Rig.Waiter(second)) {
                    List<ObjectKey> keys = Rig.keys("back", 2);
                    List<MemoryObj> src = Rig.chunks(arena, 2, 3);
                    assertThat(ws.store(sender.submitStoreTask(keys, src, new TransferSpec("back", true, 2)), Rig.WAIT))
                            .as("the same sender succeeds against the new receiver").isTrue();
                    assertThat(proxy.awaitReady("back", 1, Rig.WAIT)).isTrue();
                    List<MemoryObj> dst = Rig.empty(arena, 2);
                    assertThat(wr.load(keys, dst).popcount()).isEqualTo(2);
                    assertThat(Rig.crc(dst.get(1))).isEqualTo(Rig.crc(src.get(1)));
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
        try (Arena arena = Arena.ofShared(); PdL2Adapter receiver = Rig.receiver();
             PdL2Adapter sender = Rig.sender(receiver, io.kvcourier.channel.MockMemoryChannel.FACTORY, m -> {
                 m.put("proxy_host", "127.0.0.1");
                 m.put("proxy_port", port);
                 m.put("notify_timeout_sec", 30);
             }); Rig.Waiter ws = new Rig.Waiter(sender)) {
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                long id = sender.submitStoreTask(Rig.keys("down" + i, 1), Rig.chunks(arena, 1, i),
                        new TransferSpec("down-" + i, true, 1));
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("submit does not wait for the proxy")
                        .isLessThan(Duration.ofMillis(500));
                assertThat(ws.store(id, Rig.WAIT)).as("stores complete while the proxy is down").isTrue();
            }
            try (ProxyListener back = ProxyListener.bind("127.0.0.1", port)) {
                for (int i = 0; i < 3; i++) {
                    assertThat(back.awaitReady("down-" + i, 1, Rig.WAIT)).as("delivered after the restart").isTrue();
                }
                assertThat(ws.store(sender.submitStoreTask(Rig.keys("up", 1), Rig.chunks(arena, 1, 9),
                        new TransferSpec("up", true, 1)), Rig.WAIT)).isTrue();
                assertThat(back.awaitReady("up", 1, Rig.WAIT)).isTrue();
            }
        }
    }
}
