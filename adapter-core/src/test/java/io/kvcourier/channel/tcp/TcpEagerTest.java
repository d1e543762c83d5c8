package io.kvcourier.channel.tcp;

import io.kvcourier.channel.BatchRefusedException;
import io.kvcourier.channel.ControlReplySink;
import io.kvcourier.channel.ControlRequestHandler;
import io.kvcourier.channel.WriteBatch;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.TcpInitRequest;
import io.kvcourier.wire.TcpInitResponse;
import io.kvcourier.wire.WireCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.kvcourier.channel.tcp.TcpRig.PAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * tcp data version 4: eager stores, the bytes of a batch sent right behind its allocation request. They land when the
 * receiver granted every key a page while it handled the request, and are discarded and refused otherwise (the sender
 * then writes them as usual); hostile EAGER frames close their connection only.
 */
@Timeout(60)
class TcpEagerTest {
    private static final long WAIT_S = 10;
    private static final byte[] REQUEST = "alloc".getBytes(StandardCharsets.UTF_8);
    private static final byte[] REPLY = "pages".getBytes(StandardCharsets.UTF_8);

    private final TcpRig rig = new TcpRig();

    @AfterEach
    void closeAll() throws Exception {
        rig.closeAll();
    }

    /** Grants {@code pages} at once (as the engine does when there is room), or holds the replier when null. */
    private static final class Granting implements ControlRequestHandler {
        volatile int[] pages;
        final BlockingQueue<Replier> held = new LinkedBlockingQueue<>();

        Granting(int... pages) {
            this.pages = pages;
        }

        @Override
        public void onControlRequest(String senderId, byte[] bytes, int offset, int length, Replier replier) {
            int[] p = pages;
            if (p == null) {
                held.add(replier);
            } else {
                replier.replyAllocated(REPLY, 0, REPLY.length, p.clone());
            }
        }
    }

    /** Records what happened in order: "reply" and "done" (or "refused"/"failed"). */
    private static final class Events implements ControlReplySink {
        final List<String> seen = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final BlockingQueue<Long> replies = new LinkedBlockingQueue<>();

        @Override
        public void onControlReply(long exchangeId, byte[] bytes, int offset, int length) {
            seen.add("reply " + exchangeId);
            replies.add(exchangeId);
        }

        void batchDone(WriteBatch b, io.kvcourier.channel.ChannelException failure) {
            seen.add(failure == null ? "landed" : failure instanceof BatchRefusedException ? "refused" : "failed");
            if (failure == null) {
                done.complete(null);
            } else {
                done.completeExceptionally(failure);
            }
        }
    }

    /** The keys' bytes: {@code lengths[i]} bytes for key i, back to back from offset 0 of {@code src}. */
    private static WriteBatch keys(long... lengths) {
        long[] offsets = new long[lengths.length];
        int[] indexes = new int[lengths.length];
        for (int i = 0; i < lengths.length; i++) {
            offsets[i] = (long) i * PAGE;
            indexes[i] = i;
        }
        return new WriteBatch(offsets, indexes, lengths, PAGE);
    }

    @Test
    void anEagerStoreLandsInThePagesGrantedWhileItsRequestWasHandledAndItsReplyComesFirst() throws Exception {
        StagingBuffer src = rig.staging();
        TcpRig.fillRandom(new Random(4), src.segment(), 0, 3L * PAGE);
        StagingBuffer dst = rig.staging();
        TcpChannelTest.Allocations allocations = new TcpChannelTest.Allocations().allow("alice", 9, 9, 4, 12);
        TcpReceiver receiver = rig.receiver(dst, allocations);
        receiver.setControlHandler(new Granting(9, 4, 12));
        TcpConnection c = TcpRig.connect(rig.sender(src), receiver, "alice");
        assertThat(c.dataVersion()).isEqualTo(TcpFrames.VERSION_EAGER);
        assertThat(c.carriesEager()).isTrue();

        Events events = new Events();
        assertThat(c.sendEager(21, REQUEST, 0, REQUEST.length, events, keys(PAGE, 100, PAGE), events::batchDone))
                .isTrue();
        events.done.get(WAIT_S, TimeUnit.SECONDS);

        assertThat(events.seen).containsExactly("reply 21", "landed");
        assertThat(allocations.landed).containsExactly("alice/9");
        assertThat(TcpRig.same(dst.segment(), 9L * PAGE, src.segment(), 0, PAGE)).isTrue();
        assertThat(TcpRig.same(dst.segment(), 4L * PAGE, src.segment(), PAGE, 100)).isTrue();
        assertThat(TcpRig.same(dst.segment(), 12L * PAGE, src.segment(), 2L * PAGE, PAGE)).isTrue();
        assertThat(receiver.committedBatches.get()).isEqualTo(1);
        assertThat(receiver.discardedFrames.get()).isZero();
        assertThat(receiver.rejectedFrames.get()).isZero();
        assertThat(c.isOpen()).isTrue();
    }

    @Test
    void withoutAGrantAtOnceTheBytesAreDiscardedAndRefusedAndTheBatchIsThenWrittenAsUsual() throws Exception {
        StagingBuffer src = rig.staging();
        TcpRig.fillRandom(new Random(5), src.segment(), 0, 2L * PAGE);
        StagingBuffer dst = rig.staging();
        TcpChannelTest.Allocations allocations = new TcpChannelTest.Allocations().allow("bob", 3, 3, 7);
        TcpReceiver receiver = rig.receiver(dst, allocations);
        Granting handler = new Granting();
        handler.pages = null; // the allocation waits for room
        receiver.setControlHandler(handler);
        TcpConnection c = TcpRig.connect(rig.sender(src), receiver, "bob");

        Events events = new Events();
        assertThat(c.sendEager(5, REQUEST, 0, REQUEST.length, events, keys(PAGE, PAGE), events::batchDone))
                .isTrue();
        assertThatThrownBy(() -> events.done.get(WAIT_S, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(BatchRefusedException.class);
        assertThat(receiver.discardedFrames.get()).isEqualTo(1);
        assertThat(allocations.admitted.get()).isZero(); // nothing touched the receiver's pages
        assertThat(dst.segment().asSlice(0, 16L * PAGE).mismatch(MemorySegment.ofArray(new byte[16 * PAGE])))
                .isEqualTo(-1);

        // Room came: the reply, made after the request's handling, grants nothing to an EAGER frame; the sender
        // writes the batch as usual, on the same connection.
        ControlRequestHandler.Replier later = handler.held.poll(WAIT_S, TimeUnit.SECONDS);
        assertThat(later).isNotNull();
        Thread t = Thread.ofPlatform().start(() -> later.replyAllocated(REPLY, 0, REPLY.length, new int[] {3, 7}));
        t.join(TimeUnit.SECONDS.toMillis(WAIT_S));
        assertThat(events.replies.poll(WAIT_S, TimeUnit.SECONDS)).isEqualTo(5);
        c.write(new WriteBatch(new long[] {0, PAGE}, new int[] {3, 7}, new long[] {PAGE, PAGE}, PAGE))
                .get(WAIT_S, TimeUnit.SECONDS);
        assertThat(events.seen).containsExactly("refused", "reply 5");
        assertThat(allocations.landed).containsExactly("bob/3");
        assertThat(TcpRig.same(dst.segment(), 3L * PAGE, src.segment(), 0, PAGE)).isTrue();
        assertThat(TcpRig.same(dst.segment(), 7L * PAGE, src.segment(), PAGE, PAGE)).isTrue();
        assertThat(c.isOpen()).isTrue();
        assertThat(receiver.rejectedFrames.get()).isZero();
    }

    @Test
    void aReplyThatDoesNotGrantEveryKeyAPageLetsTheBytesBeRefused() throws Exception {
        StagingBuffer dst = rig.staging();
        TcpReceiver receiver = rig.receiver(dst, new TcpChannelTest.Allocations());
        // A plain reply (some keys already held, or a failure): no pages for an EAGER frame.
        receiver.setControlHandler((senderId, bytes, offset, length, replier) ->
                replier.reply(REPLY, 0, REPLY.length));
        TcpConnection c = TcpRig.connect(rig.sender(rig.staging()), receiver, "carol");
        Events events = new Events();
        assertThat(c.sendEager(1, REQUEST, 0, REQUEST.length, events, keys(PAGE), events::batchDone)).isTrue();
        assertThatThrownBy(() -> events.done.get(WAIT_S, TimeUnit.SECONDS))
                .hasCauseInstanceOf(BatchRefusedException.class);
        assertThat(events.seen).containsExactly("reply 1", "refused");
        assertThat(c.isOpen()).isTrue();
    }

    @Test
    void aSenderOrReceiverBeforeVersion4SendsNoEagerStores() throws Exception {
        TcpReceiver old = rig.receiver(rig.staging(), new TcpChannelTest.Allocations());
        old.setControlHandler(new Granting(1));
        old.maxDataVersion = TcpFrames.VERSION_CONTROL;
        TcpConnection c = TcpRig.connect(rig.sender(rig.staging()), old, "dave");
        assertThat(c.dataVersion()).isEqualTo(TcpFrames.VERSION_CONTROL);
        assertThat(c.carriesControl()).isTrue();
        assertThat(c.carriesEager()).isFalse();
        Events events = new Events();
        assertThat(c.sendEager(1, REQUEST, 0, REQUEST.length, events, keys(PAGE), events::batchDone)).isFalse();
        assertThat(events.seen).isEmpty(); // nothing sent, nobody told

        // A batch of more keys than one frame takes is no eager store either.
        TcpReceiver current = rig.receiver(rig.staging(), new TcpChannelTest.Allocations());
        current.setControlHandler(new Granting(1, 2));
        TcpSender sender = rig.sender(rig.staging());
        sender.maxEntriesPerFrame = 1;
        TcpConnection d = TcpRig.connect(sender, current, "dave");
        assertThat(d.sendEager(2, REQUEST, 0, REQUEST.length, events, keys(PAGE, PAGE), events::batchDone))
                .isFalse();
        assertThat(events.seen).isEmpty();
    }

    /** Each hostile EAGER frame closes its own connection; the receiver goes on serving. */
    @Test
    void hostileEagerFramesCloseTheirConnectionOnly() throws Exception {
        TcpChannelTest.Allocations allocations = new TcpChannelTest.Allocations().allow("mallory", 6, 6)
                .allow("mallory", 8, 8);
        TcpReceiver receiver = rig.receiver(rig.staging(), allocations);
        Granting handler = new Granting(6);
        receiver.setControlHandler(handler);
        long rejected = 0;
        byte flags = TcpFrames.FLAG_COMMIT | TcpFrames.FLAG_EAGER;

        record Case(String name, int version, ThrowingSend send) {
        }
        for (Case k : new Case[] {
                new Case("an eager frame on version 3", 3, r -> r.head(TcpFrames.DATA, flags, 1, 1, 0)
                        .entry(0, PAGE).bytes(new byte[PAGE])),
                new Case("eager follows on version 3", 3, r -> r.control(TcpFrames.FLAG_EAGER_FOLLOWS, 0,
                        REQUEST.length, 1, REQUEST)),
                new Case("keys out of order", 4, r -> eagerRequest(r, 1)
                        .head(TcpFrames.DATA, flags, 1, 1, 0).entry(1, PAGE).bytes(new byte[PAGE])),
                new Case("more keys than the request", 4, r -> eagerRequest(r, 1)
                        .head(TcpFrames.DATA, flags, 2, 1, 0).entry(0, PAGE).entry(1, PAGE)),
                new Case("an empty key", 4, r -> eagerRequest(r, 1)
                        .head(TcpFrames.DATA, flags, 1, 1, 0).entry(0, 0)),
                new Case("more than the page", 4, r -> eagerRequest(r, 1)
                        .head(TcpFrames.DATA, flags, 1, 1, 0).entry(0, PAGE + 1)),
                new Case("eager without commit", 4, r -> eagerRequest(r, 1)
                        .head(TcpFrames.DATA, TcpFrames.FLAG_EAGER, 1, 1, 0).entry(0, PAGE)),
                new Case("inside a batch", 4, r -> r.frame(8, false, new int[] {8}, new long[] {PAGE})
                        .bytes(new byte[PAGE]).head(TcpFrames.DATA, flags, 1, 1, 0).entry(0, PAGE)),
        }) {
            allocations.allow("mallory", 6, 6).allow("mallory", 8, 8);
            try (RawTcpClient raw = hello(receiver, "mallory", k.version)) {
                k.send.accept(raw);
                assertThat(raw.closedByPeer()).as(k.name).isTrue();
            }
            assertThat(receiver.rejectedFrames.get()).as(k.name).isEqualTo(++rejected);
        }

        // The receiver still serves: an eager store lands, and one with no grant is refused.
        try (RawTcpClient raw = hello(receiver, "mallory", 4)) {
            allocations.allow("mallory", 6, 6);
            byte[] payload = new byte[1000];
            new Random(6).nextBytes(payload);
            eagerRequest(raw, 77).head(TcpFrames.DATA, flags, 1, 77, 0).entry(0, payload.length).bytes(payload);
            assertThat(raw.readAck()).containsExactly(77, 1);
            raw.head(TcpFrames.DATA, flags, 1, 78, 0).entry(0, payload.length).bytes(payload); // never requested
            assertThat(raw.readAck()).containsExactly(78, 0);
        }
        assertThat(allocations.landed).containsExactly("mallory/6");
        assertThat(receiver.rejectedFrames.get()).isEqualTo(rejected);
    }

    @FunctionalInterface
    private interface ThrowingSend {
        void accept(RawTcpClient raw) throws IOException;
    }

    /** An eager request that the receiver answers at once (read here). */
    private static RawTcpClient eagerRequest(RawTcpClient raw, long exchangeId) throws IOException {
        raw.control(TcpFrames.FLAG_EAGER_FOLLOWS, 0, REQUEST.length, exchangeId, REQUEST);
        assertThat(raw.readControlReply().exchangeId()).isEqualTo(exchangeId);
        return raw;
    }

    /** A raw connection of data version {@code version}. */
    private static RawTcpClient hello(TcpReceiver receiver, String senderId, int version) throws IOException {
        TcpInitResponse init = (TcpInitResponse) receiver.handshake(new TcpInitRequest(WireCodec.PROTOCOL_VERSION,
                senderId, version));
        assertThat(init.dataVersion()).isEqualTo(version);
        return new RawTcpClient(init.host(), init.port()).hello(init.sessionToken(), senderId, version);
    }

    @Test
    void grantsAreKeptUpToTheirLimitOldestForgottenFirstAndTakenInAnyOrder() {
        EagerGrants grants = new EagerGrants();
        for (int i = 0; i < TcpFrames.MAX_EAGER_GRANTS + 2; i++) {
            grants.put(i, new int[] {i});
        }
        assertThat(grants.size()).isEqualTo(TcpFrames.MAX_EAGER_GRANTS);
        assertThat(grants.take(0)).isNull(); // forgotten: its frame is refused
        assertThat(grants.take(1)).isNull();
        assertThat(grants.take(5)).containsExactly(5);
        assertThat(grants.take(5)).isNull(); // taken once
        assertThat(grants.take(2)).containsExactly(2);
        assertThat(grants.take(TcpFrames.MAX_EAGER_GRANTS + 1)).containsExactly(TcpFrames.MAX_EAGER_GRANTS + 1);
        assertThat(grants.size()).isEqualTo(TcpFrames.MAX_EAGER_GRANTS - 3);
        grants.put(1L << 32 | 9, new int[] {9}); // named by the low 32 bits of its exchange id
        assertThat(grants.take(9)).containsExactly(9);
    }
}
