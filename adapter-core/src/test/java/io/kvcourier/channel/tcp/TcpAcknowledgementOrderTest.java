package io.kvcourier.channel.tcp;

import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.WriteBatch;
import io.kvcourier.staging.StagingBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static io.kvcourier.channel.tcp.TcpRig.PAGE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The receiver's progress thread writes a batch's acknowledgement before it lets the engine run what follows a
 * commit ({@code LandingListener.afterAcknowledgements}: the commit listener): the sender's request never waits
 * for the decode side's work.
 */
@Timeout(60)
class TcpAcknowledgementOrderTest {
    private final TcpRig rig = new TcpRig();

    @AfterEach
    void closeAll() throws Exception {
        rig.closeAll();
    }

    /** Admits the allowed batches; its afterAcknowledgements waits (bounded) for the sender's completion. */
    private static final class WaitsForTheSender extends TcpChannelTest.Allocations {
        volatile CompletableFuture<?> written;
        final List<String> afterAcks = new CopyOnWriteArrayList<>();
        final CountDownLatch told = new CountDownLatch(1);

        @Override
        public void afterAcknowledgements() {
            CompletableFuture<?> w = written;
            if (w == null || landed.isEmpty() || told.getCount() == 0) {
                return;
            }
            try {
                w.get(10, TimeUnit.SECONDS);
                afterAcks.add("sender had its completion");
            } catch (TimeoutException e) {
                afterAcks.add("sender still waiting");
            } catch (Exception e) {
                afterAcks.add("sender failed: " + e);
            } finally {
                told.countDown();
            }
        }
    }

    @Test
    void theSenderHasItsAcknowledgementBeforeTheEngineRunsWhatFollowsTheCommit() throws Exception {
        StagingBuffer local = rig.staging();
        StagingBuffer remote = rig.staging();
        WaitsForTheSender listener = new WaitsForTheSender();
        listener.allow("alice", 2, 2, 3);
        TcpReceiver receiver = rig.receiver(remote, listener);
        ChannelConnection c = TcpRig.connect(rig.sender(local), receiver, "alice");
        CompletableFuture<Void> done = new CompletableFuture<>();
        listener.written = done;
        c.write(new WriteBatch(new long[] {0, PAGE}, new int[] {2, 3}, new long[] {PAGE, PAGE}, PAGE))
                .whenComplete((v, e) -> {
                    if (e == null) {
                        done.complete(null);
                    } else {
                        done.completeExceptionally(e);
                    }
                });
        done.get(20, TimeUnit.SECONDS);
        assertThat(listener.told.await(20, TimeUnit.SECONDS)).as("afterAcknowledgements ran").isTrue();
        assertThat(listener.landed).containsExactly("alice/2");
        assertThat(listener.afterAcks).containsExactly("sender had its completion");
    }
}
