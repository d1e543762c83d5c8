package io.kvcourier.reliability;

import io.kvcourier.channel.ControllableChannel;
import io.kvcourier.channel.ControllableChannel.Step;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.TaskWaiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A receiver that vanishes without FIN or RST (a silent partition): the sender's control connection to it goes
 * through a {@link TcpForwarder} that stops relaying. With ZMTP heartbeats ({@code heartbeat_interval_sec} 0.2,
 * {@code heartbeat_timeout_sec} 0.8) the connection is declared dead within the heartbeat timeout, and every store
 * in flight to that receiver — one waiting for its commit, one waiting for its allocation — fails then, within
 * {@code heartbeat_timeout_sec} + 1 s, though the transfer and allocation deadlines are 30 s.
 */
@Timeout(120)
class SilentPartitionTest {
    private static final double HEARTBEAT_TIMEOUT_SEC = 0.8;

    @Test
    void storesInFlightToASilentlyPartitionedReceiverFailWithinTheHeartbeatTimeoutPlusOneSecond() throws Exception {
        ControllableChannel ch = new ControllableChannel();
        try (Arena arena = Arena.ofShared();
             PdL2Adapter receiver = PdPair.receiver(ch, m -> {
                 m.put("allocation_timeout_sec", 30);
                 m.put("transfer_timeout_sec", 30);
             });
             TcpForwarder partition = new TcpForwarder(receiver.allocPorts().get(0))) {
            Map<String, Object> s = PdPair.base("sender", PdPair.SMALL_CHUNK);
            s.put("peer_init_port", receiver.initPorts());
            s.put("peer_alloc_port", List.of(partition.port()));
            s.put("allocation_timeout_sec", 30);
            s.put("transfer_timeout_sec", 30);
            s.put("heartbeat_interval_sec", 0.2);
            s.put("heartbeat_timeout_sec", HEARTBEAT_TIMEOUT_SEC);
            try (PdL2Adapter sender = new PdL2Adapter(PdL2AdapterConfig.fromMap(s), ch);
                 TaskWaiter ws = new TaskWaiter(sender)) {
                assertThat(ws.awaitStore(sender.submitStoreTask(PdPair.keys("before", 2), PdPair.chunks(arena, 2, 1)), TaskWaiter.WAIT))
                        .as("through the forwarder while it relays").isTrue();

                ch.then(Step.DROP); // the next write is on the wire forever: only the sender can end it
                long onTheWire = sender.submitStoreTask(PdPair.keys("wire", 2), PdPair.chunks(arena, 2, 2),
                        new TransferSpec("wire", true, 2));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (ch.writes() < 2 && System.nanoTime() < deadline) {
                    Thread.onSpinWait(); // until the DROP write started (a counter, not a sleep)
                }
                assertThat(ch.writes()).isEqualTo(2);

                partition.freeze();
                long frozen = System.nanoTime();
                long waitingForAllocation = sender.submitStoreTask(PdPair.keys("alloc", 2), PdPair.chunks(arena, 2, 3),
                        new TransferSpec("alloc", true, 2));
                assertThat(ws.awaitStore(onTheWire, TaskWaiter.WAIT)).as("the store waiting for its commit fails").isFalse();
                assertThat(ws.awaitStore(waitingForAllocation, TaskWaiter.WAIT)).as("the store waiting for its allocation fails")
                        .isFalse();
                assertThat(Duration.ofNanos(System.nanoTime() - frozen))
                        .as("both failed within heartbeat_timeout_sec + 1 s of the partition")
                        .isLessThan(Duration.ofMillis((long) (HEARTBEAT_TIMEOUT_SEC * 1000) + 1000));
            }
        }
    }

    /**
     * A store that waits for a batch slot behind the one on the wire ({@code max_inflight_batches} 1) is in flight
     * too: it fails with the other, not later on a fresh connection through the silent partition.
     */
    @Test
    void aStoreWaitingForABatchSlotFailsWithTheOneOnTheWire() throws Exception {
        ControllableChannel ch = new ControllableChannel();
        try (Arena arena = Arena.ofShared();
             PdL2Adapter receiver = PdPair.receiver(ch, m -> {
                 m.put("allocation_timeout_sec", 30);
                 m.put("transfer_timeout_sec", 30);
             });
             TcpForwarder partition = new TcpForwarder(receiver.allocPorts().get(0))) {
            Map<String, Object> s = PdPair.base("sender", PdPair.SMALL_CHUNK);
            s.put("peer_init_port", receiver.initPorts());
            s.put("peer_alloc_port", List.of(partition.port()));
            s.put("allocation_timeout_sec", 30);
            s.put("transfer_timeout_sec", 30);
            s.put("max_inflight_batches", 1);
            s.put("heartbeat_interval_sec", 0.2);
            s.put("heartbeat_timeout_sec", HEARTBEAT_TIMEOUT_SEC);
            try (PdL2Adapter sender = new PdL2Adapter(PdL2AdapterConfig.fromMap(s), ch);
                 TaskWaiter ws = new TaskWaiter(sender)) {
                assertThat(ws.awaitStore(sender.submitStoreTask(PdPair.keys("before", 2), PdPair.chunks(arena, 2, 1)), TaskWaiter.WAIT))
                        .as("through the forwarder while it relays").isTrue();

                ch.then(Step.DROP);
                long onTheWire = sender.submitStoreTask(PdPair.keys("wire", 2), PdPair.chunks(arena, 2, 2),
                        new TransferSpec("wire", true, 2));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (ch.writes() < 2 && System.nanoTime() < deadline) {
                    Thread.onSpinWait(); // until the DROP write started (a counter, not a sleep)
                }
                assertThat(ch.writes()).isEqualTo(2);
                long waitingForSlot = sender.submitStoreTask(PdPair.keys("slot", 2), PdPair.chunks(arena, 2, 3),
                        new TransferSpec("slot", true, 2));

                partition.freeze();
                long frozen = System.nanoTime();
                assertThat(ws.awaitStore(onTheWire, TaskWaiter.WAIT)).as("the store on the wire fails").isFalse();
                assertThat(ws.awaitStore(waitingForSlot, TaskWaiter.WAIT)).as("the store waiting for its slot fails").isFalse();
                assertThat(Duration.ofNanos(System.nanoTime() - frozen))
                        .as("both failed within heartbeat_timeout_sec + 1 s of the partition")
                        .isLessThan(Duration.ofMillis((long) (HEARTBEAT_TIMEOUT_SEC * 1000) + 1000));
                assertThat(ch.writes()).as("the waiting store never went out").isEqualTo(2);
            }
        }
    }
}
