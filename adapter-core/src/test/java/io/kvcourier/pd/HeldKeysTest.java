package io.kvcourier.pd;

import io.kvcourier.control.AllocClient;
import io.kvcourier.control.ControlServer;
import io.kvcourier.control.Endpoints;
import io.kvcourier.wire.AllocResponse;
import io.kvcourier.wire.CancelNotif;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.WireFormatException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.ZContext;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sender's abort (docs/INTEROP.md): a {@code -1} or a reply that breaks the rules fails the batch and sends
 * {@code CancelNotif(req_id, keys)} naming what the request holds, including what the failing reply allocated.
 * The receiver here is an in-process ROUTER that records every CancelNotif it gets.
 */
@Timeout(30)
class HeldKeysTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final ZContext zmq = new ZContext();
    private final BlockingQueue<CancelNotif> cancels = new LinkedBlockingQueue<>();
    private final ControlServer receiver = new ControlServer(zmq, "fake-receiver", "127.0.0.1", 0,
            new ControlServer.Handler() {
                @Override
                public PdMessage onRequest(String peer, PdMessage request, ControlServer.Reply later) {
                    if (request instanceof CancelNotif c && !(c.reqId().isEmpty() && c.keys().isEmpty())) {
                        cancels.add(c); // not the AllocClient's connection probe
                    }
                    return new AllocResponse(new int[0], new int[0]);
                }

                @Override
                public PdMessage onMalformed(String peer, WireFormatException error) {
                    return null;
                }
            });
    private final AllocClient client = new AllocClient(zmq, Endpoints.connect("127.0.0.1", receiver.port()), "held-test");
    private final HeldKeys held = new HeldKeys();

    @AfterEach
    void close() {
        client.close();
        receiver.close();
        zmq.close();
    }

    private int[] accept(String reqId, List<String> keys, int[] remote, int[] already) {
        return held.accept("test", reqId, keys, new AllocResponse(remote, already), List.of(client), TIMEOUT);
    }

    private CancelNotif nextCancel() throws InterruptedException {
        CancelNotif c = cancels.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(c).as("a CancelNotif reached the receiver").isNotNull();
        return c;
    }

    @Test
    void allocatedKeysAreRecordedPerRequestAndAlreadySentOnesAreNot() {
        assertThat(accept("r1", List.of("a", "b", "c"), new int[] {4, 5}, new int[] {1})).containsExactly(4,
                AllocResponses.ALREADY_SENT, 5);
        assertThat(held.heldBy("r1")).containsExactlyInAnyOrder("a", "c");
        assertThat(accept("", List.of("x"), new int[] {6}, new int[0])).as("no request: nothing recorded")
                .containsExactly(6);
        assertThat(held.requests()).isEqualTo(1);
        held.forget("r1");
        assertThat(held.requests()).isZero();
        assertThat(cancels).isEmpty();
    }

    @Test
    void aMinusOneAbortsTheRequestCancellingWhatItHoldsIncludingThisReplysPages() throws Exception {
        accept("r1", List.of("a", "b"), new int[] {0, 1}, new int[0]);
        assertThat(accept("r1", List.of("c", "d", "e"), new int[] {2, -1}, new int[] {1})).isNull();
        CancelNotif c = nextCancel();
        assertThat(c.reqId()).isEqualTo("r1");
        assertThat(c.keys()).as("earlier batches and this reply's allocated key; not the already-sent one")
                .containsExactlyInAnyOrder("a", "b", "c");
        assertThat(held.requests()).as("the aborted request is forgotten").isZero();
    }

    @Test
    void aReplyThatBreaksTheRulesAbortsTheRequestToo() throws Exception {
        accept("r2", List.of("a"), new int[] {0}, new int[0]);
        assertThat(accept("r2", List.of("b", "c"), new int[] {1, 2, 3}, new int[0])).isNull();
        CancelNotif c = nextCancel();
        assertThat(c.reqId()).isEqualTo("r2");
        assertThat(c.keys()).containsExactly("a");
    }

    @Test
    void withoutARequestOnlyThisReplysPagesAreCancelledAndOnlyIfThereAreAny() throws Exception {
        assertThat(accept("", List.of("a", "b"), new int[] {3, -1}, new int[0])).isNull();
        CancelNotif c = nextCancel();
        assertThat(c.reqId()).isEmpty();
        assertThat(c.keys()).containsExactly("a");
        assertThat(accept("", List.of("z"), new int[] {-1}, new int[0])).isNull();
        assertThat(held.cancel("probe-after", List.of(), List.of(client), TIMEOUT)).as("the DEALER is still usable")
                .isEqualTo(1);
        assertThat(nextCancel().reqId()).as("no CancelNotif for a batch that holds nothing").isEqualTo("probe-after");
    }
}
