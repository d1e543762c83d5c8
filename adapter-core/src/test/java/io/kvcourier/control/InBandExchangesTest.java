package io.kvcourier.control;

import io.kvcourier.channel.BatchCompletion;
import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ControlReplySink;
import io.kvcourier.channel.WriteBatch;
import io.kvcourier.wire.AllocRequest;
import io.kvcourier.wire.AllocResponse;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.WireCodec;
import io.kvcourier.wire.WireEncoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * In-band exchanges on a connection that carries control: each reply reaches the exchange whose id it echoes
 * (in any order), a lost connection or a passed deadline fails its exchanges at once, a reply after that is
 * ignored, and a malformed reply fails only its own exchange.
 */
@Timeout(60)
class InBandExchangesTest {
    private ControlAgent agent;
    private InBandExchanges exchanges;

    /** A request as the connection saw it. */
    private record Sent(long id, PdMessage message, ControlReplySink sink) {
        void reply(PdMessage m) {
            byte[] b = WireCodec.encode(m);
            sink.onControlReply(id, b, 0, b.length);
        }
    }

    /** A connection that carries control and records each request. */
    private static final class Carrier implements ChannelConnection {
        final LinkedBlockingQueue<Sent> sent = new LinkedBlockingQueue<>();
        volatile boolean open = true;

        @Override
        public boolean carriesControl() {
            return open;
        }

        @Override
        public boolean sendControl(long exchangeId, byte[] bytes, int offset, int length, ControlReplySink sink) {
            if (!open) {
                return false;
            }
            try {
                sent.add(new Sent(exchangeId, WireCodec.decode(bytes, offset, length), sink));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return true;
        }

        Sent next() throws InterruptedException {
            Sent s = sent.poll(10, TimeUnit.SECONDS);
            assertThat(s).as("a request within 10 s").isNotNull();
            return s;
        }

        @Override
        public void write(WriteBatch batch, BatchCompletion completion) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public String describe() {
            return "test carrier";
        }

        @Override
        public void close() {
            open = false;
        }
    }


    @BeforeEach
    void start() throws Exception {
        agent = new ControlAgent("test-control");
        CompletableFuture<InBandExchanges> made = new CompletableFuture<>();
        agent.execute(() -> {
            InBandExchanges x = new InBandExchanges(agent, new WireEncoder());
            agent.add(x);
            made.complete(x);
        });
        exchanges = made.get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        agent.close();
    }

    private boolean submit(ChannelConnection c, AllocExchange x, long deadlineNanos) throws Exception {
        CompletableFuture<Boolean> sent = new CompletableFuture<>();
        agent.execute(() -> sent.complete(exchanges.submit(c, x, deadlineNanos)));
        return sent.get(10, TimeUnit.SECONDS);
    }

    private static long in(long seconds) {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    }

    @Test
    void repliesInAnyOrderReachTheExchangeWhoseIdTheyEcho() throws Exception {
        Carrier c = new Carrier();
        List<RecordedExchange> xs = List.of(new RecordedExchange("k0"), new RecordedExchange("k1"), new RecordedExchange("k2"));
        for (RecordedExchange x : xs) {
            assertThat(submit(c, x, in(30))).isTrue();
        }
        List<Sent> requests = List.of(c.next(), c.next(), c.next());
        for (int i = 2; i >= 0; i--) { // the last first
            Sent s = requests.get(i);
            String key = ((AllocRequest) s.message()).keys().get(0);
            s.reply(new AllocResponse(new int[] {100 + Integer.parseInt(key.substring(1))}));
        }
        for (int i = 0; i < 3; i++) {
            AllocResponse got = (AllocResponse) xs.get(i).reply.get(10, TimeUnit.SECONDS);
            assertThat(got.remoteIndexes()).containsExactly(100 + i);
        }
    }

    @Test
    void aConnectionThatDoesNotCarryControlSendsNothing() throws Exception {
        Carrier c = new Carrier();
        c.open = false;
        RecordedExchange x = new RecordedExchange("k");
        assertThat(submit(c, x, in(30))).isFalse();
        assertThat(submit(null, x, in(30))).isFalse();
        assertThat(c.sent).isEmpty();
        assertThat(x.failure).isNotDone();
        assertThat(x.reply).isNotDone();
    }

    @Test
    void aLostConnectionFailsItsExchangesAtOnceAndALateReplyIsIgnored() throws Exception {
        Carrier lost = new Carrier();
        Carrier other = new Carrier();
        RecordedExchange onLost = new RecordedExchange("a");
        RecordedExchange onOther = new RecordedExchange("b");
        submit(lost, onLost, in(30));
        submit(other, onOther, in(30));
        Sent late = lost.next();
        agent.execute(() -> exchanges.connectionLost(lost, "test drop"));
        assertThat(onLost.failure.get(10, TimeUnit.SECONDS)).contains("connection lost: test drop");
        late.reply(new AllocResponse(new int[] {7}));
        other.next().reply(new AllocResponse(new int[] {8}));
        assertThat(((AllocResponse) onOther.reply.get(10, TimeUnit.SECONDS)).remoteIndexes()).containsExactly(8);
        assertThat(onLost.reply).as("a reply after the failure reaches nobody").isNotDone();
    }

    @Test
    void anUnansweredExchangeFailsAtItsDeadline() throws Exception {
        Carrier c = new Carrier();
        RecordedExchange x = new RecordedExchange("slow");
        submit(c, x, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200));
        Sent s = c.next();
        assertThat(x.failure.get(10, TimeUnit.SECONDS)).contains("within the deadline").endsWith("(timed out)");
        s.reply(new AllocResponse(new int[] {1}));
        RecordedExchange next = new RecordedExchange("next");
        submit(c, next, in(30));
        c.next().reply(new AllocResponse(new int[] {2}));
        assertThat(((AllocResponse) next.reply.get(10, TimeUnit.SECONDS)).remoteIndexes()).containsExactly(2);
        assertThat(x.reply).isNotDone();
    }

    @Test
    void aMalformedReplyFailsOnlyItsOwnExchange() throws Exception {
        Carrier c = new Carrier();
        RecordedExchange bad = new RecordedExchange("bad");
        RecordedExchange good = new RecordedExchange("good");
        submit(c, bad, in(30));
        submit(c, good, in(30));
        Sent first = c.next();
        Sent second = c.next();
        byte[] garbage = {(byte) 0xc1, 1, 2, 3};
        first.sink().onControlReply(first.id(), garbage, 0, garbage.length);
        second.reply(new AllocResponse(new int[] {5}));
        assertThat(bad.failure.get(10, TimeUnit.SECONDS)).contains("malformed in-band reply");
        assertThat(((AllocResponse) good.reply.get(10, TimeUnit.SECONDS)).remoteIndexes()).containsExactly(5);
    }

    @Test
    void closingFailsWhatIsInFlight() throws Exception {
        Carrier c = new Carrier();
        RecordedExchange x = new RecordedExchange("k");
        submit(c, x, in(30));
        c.next();
        agent.close();
        assertThat(x.failure.get(10, TimeUnit.SECONDS)).contains("sender is closing");
    }
}
