package io.kvcourier.pd;

import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.channel.ChannelSettings;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.channel.MockMemoryChannel;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.wire.PdMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An adapter whose construction fails half-way closes what it had opened, in reverse order, keeps closing after a
 * close fails, and throws the original error with the close failures attached as suppressed.
 */
@Timeout(60)
class FailedStartTest {

    private static long liveThreadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(prefix)).count();
    }

    /** A mock_memory receiver half whose close() records what was still running, then fails. */
    private static final class FailingCloseReceiver implements ChannelReceiver {
        final ChannelReceiver delegate;
        final long stagingBytesHere;
        final List<String> seenAtClose = new ArrayList<>();
        final IllegalStateException failure = new IllegalStateException("channel close failed");

        FailingCloseReceiver(ChannelReceiver delegate, long stagingBytesHere) {
            this.delegate = delegate;
            this.stagingBytesHere = stagingBytesHere;
        }

        @Override
        public PdMessage handshake(PdMessage request) {
            return delegate.handshake(request);
        }

        @Override
        public void fence(String senderId) {
            delegate.fence(senderId);
        }

        @Override
        public void close() {
            seenAtClose.add("control threads " + liveThreadsNamed("kvcourier-control-receiver"));
            seenAtClose.add("staging still allocated " + (StagingBuffer.outstandingBytes() >= stagingBytesHere));
            delegate.close();
            throw failure;
        }
    }

    @Test
    void aReceiverThatCannotBindStopsItsControlThreadThenItsChannelThenFreesStagingAndKeepsTheBindError() {
        Map<String, Object> r = PdPair.base("receiver");
        r.put("peer_init_port", List.of(0));
        r.put("peer_alloc_port", List.of(0));
        try (PdL2Adapter first = PdL2Adapter.create(PdL2AdapterConfig.fromMap(r))) {
            long controlThreads = liveThreadsNamed("kvcourier-control-receiver");
            long stagingBefore = StagingBuffer.outstandingBytes();
            List<FailingCloseReceiver> opened = new ArrayList<>();
            TransferChannelFactory channels = new TransferChannelFactory() {
                @Override
                public ChannelSender openSender(ChannelSettings config, StagingBuffer staging) {
                    throw new AssertionError("a receiver opens no sender");
                }

                @Override
                public ChannelReceiver openReceiver(ChannelSettings config, StagingBuffer staging,
                                                    LandingListener listener) throws ChannelException {
                    FailingCloseReceiver ch = new FailingCloseReceiver(
                            MockMemoryChannel.FACTORY.openReceiver(config, staging, listener),
                            stagingBefore + staging.segment().byteSize());
                    opened.add(ch);
                    return ch;
                }
            };
            Map<String, Object> again = PdPair.base("receiver");
            again.put("peer_init_port", List.of(0));
            again.put("peer_alloc_port", first.allocPorts()); // taken: the bind fails after the channel opened

            assertThatThrownBy(() -> new PdL2Adapter(PdL2AdapterConfig.fromMap(again), channels))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(String.valueOf(first.allocPorts().get(0)))
                    .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(opened.get(0).failure));

            assertThat(opened).hasSize(1);
            assertThat(opened.get(0).seenAtClose)
                    .as("the control thread stopped before the channel closed; staging was freed after it")
                    .containsExactly("control threads " + controlThreads, "staging still allocated true");
            assertThat(StagingBuffer.outstandingBytes()).as("the failed receiver's staging freed")
                    .isEqualTo(stagingBefore);
            assertThat(liveThreadsNamed("kvcourier-control-receiver")).isEqualTo(controlThreads);
        }
    }

    @Test
    void aSenderWhoseChannelCannotOpenFreesItsStagingAndStopsItsNotifier() {
        long stagingBefore = StagingBuffer.outstandingBytes();
        long notifierThreads = liveThreadsNamed("kvcourier-proxy-notifier");
        TransferChannelFactory channels = new TransferChannelFactory() {
            @Override
            public ChannelSender openSender(ChannelSettings config, StagingBuffer staging) throws ChannelException {
                assertThat(StagingBuffer.outstandingBytes()).isGreaterThan(stagingBefore);
                throw new ChannelException("no channel today");
            }

            @Override
            public ChannelReceiver openReceiver(ChannelSettings config, StagingBuffer staging,
                                                LandingListener listener) {
                throw new AssertionError("a sender opens no receiver");
            }
        };
        Map<String, Object> s = PdPair.base("sender");
        s.put("peer_init_port", List.of(1));
        s.put("peer_alloc_port", List.of(2));
        s.put("proxy_host", "127.0.0.1");
        s.put("proxy_port", 9); // a notifier is started (and must be stopped); nothing needs to listen there

        assertThatThrownBy(() -> new PdL2Adapter(PdL2AdapterConfig.fromMap(s), channels))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot open the mock_memory channel: no channel today")
                .hasCauseInstanceOf(ChannelException.class);

        assertThat(StagingBuffer.outstandingBytes()).isEqualTo(stagingBefore);
        assertThat(liveThreadsNamed("kvcourier-proxy-notifier")).as("the notifier's jeromq threads")
                .isEqualTo(notifierThreads);
    }
}
