package io.kvcourier.reliability;

import io.kvcourier.channel.ControllableChannel;
import io.kvcourier.channel.ControllableChannel.Step;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.TaskWaiter;
import io.kvcourier.testkit.TcpForwarder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.ThrowingConsumer;

import java.lang.foreign.Arena;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.kvcourier.testkit.TaskWaiter.WAIT;
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
    void storesInFlightToASilentlyPartitionedReceiverFailWithinTheHeartbeatTimeoutPlusOneSecond() throws Throwable {
        withAStoreOnTheWire(s -> { }, f -> {
            f.partition().freeze();
            long frozen = System.nanoTime();
            long waitingForAllocation = f.sender().submitStoreTask(PdPair.keys("alloc", 2),
                    PdPair.chunks(f.arena(), 2, 3), new TransferSpec("alloc", true, 2));
            assertThat(f.ws().awaitStore(f.onTheWire(), WAIT))
                    .as("the store waiting for its commit fails").isFalse();
            assertThat(f.ws().awaitStore(waitingForAllocation, WAIT))
                    .as("the store waiting for its allocation fails").isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - frozen))
                    .as("both failed within heartbeat_timeout_sec + 1 s of the partition")
                    .isLessThan(Duration.ofMillis((long) (HEARTBEAT_TIMEOUT_SEC * 1000) + 1000));
        });
    }

    /**
     * A store that waits for a batch slot behind the one on the wire ({@code max_inflight_batches} 1) is in flight
     * too: it fails with the other, not later on a fresh connection through the silent partition.
     */
    @Test
    void aStoreWaitingForABatchSlotFailsWithTheOneOnTheWire() throws Throwable {
        withAStoreOnTheWire(s -> s.put("max_inflight_batches", 1), f -> {
            long waitingForSlot = f.sender().submitStoreTask(PdPair.keys("slot", 2), PdPair.chunks(f.arena(), 2, 3),
                    new TransferSpec("slot", true, 2));

            f.partition().freeze();
            long frozen = System.nanoTime();
            assertThat(f.ws().awaitStore(f.onTheWire(), WAIT)).as("the store on the wire fails").isFalse();
            assertThat(f.ws().awaitStore(waitingForSlot, WAIT))
                    .as("the store waiting for its slot fails").isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - frozen))
                    .as("both failed within heartbeat_timeout_sec + 1 s of the partition")
                    .isLessThan(Duration.ofMillis((long) (HEARTBEAT_TIMEOUT_SEC * 1000) + 1000));
            assertThat(f.ch().writes()).as("the waiting store never went out").isEqualTo(2);
        });
    }

    /** What {@link #withAStoreOnTheWire} hands its body; the fixture owns and closes every resource. */
    private record Partitioned(ControllableChannel ch, Arena arena, TcpForwarder partition, PdL2Adapter sender,
                               TaskWaiter ws, long onTheWire) {
    }

    /**
     * The shared set-up: a sender (heartbeats 0.2 s / {@value #HEARTBEAT_TIMEOUT_SEC} s, 30 s allocation and
     * transfer deadlines, then {@code senderTweaks}) whose control connection goes through a relaying
     * {@link TcpForwarder}; one store through it succeeds, then the next store's write is on the wire forever.
     * Runs {@code body} with all of it, then closes it.
     */
    private static void withAStoreOnTheWire(Consumer<Map<String, Object>> senderTweaks,
                                            ThrowingConsumer<Partitioned> body) throws Throwable {
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
            senderTweaks.accept(s);
            s.put("heartbeat_interval_sec", 0.2);
            s.put("heartbeat_timeout_sec", HEARTBEAT_TIMEOUT_SEC);
            try (PdL2Adapter sender = new PdL2Adapter(PdL2AdapterConfig.fromMap(s), ch);
                 TaskWaiter ws = new TaskWaiter(sender)) {
                assertThat(ws.awaitStore(sender.submitStoreTask(PdPair.keys("before", 2), PdPair.chunks(arena, 2, 1)),
                        WAIT)).as("through the forwarder while it relays").isTrue();

                ch.then(Step.DROP); // the next write is on the wire forever: only the sender can end it
                long onTheWire = sender.submitStoreTask(PdPair.keys("wire", 2), PdPair.chunks(arena, 2, 2),
                        new TransferSpec("wire", true, 2));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (ch.writes() < 2 && System.nanoTime() < deadline) {
                    Thread.onSpinWait(); // until the DROP write started (a counter, not a sleep)
                }
                assertThat(ch.writes()).isEqualTo(2);
                body.accept(new Partitioned(ch, arena, partition, sender, ws, onTheWire));
            }
        }
    }
}
