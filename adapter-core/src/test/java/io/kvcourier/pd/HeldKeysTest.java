package io.kvcourier.pd;

import io.kvcourier.l2.ObjectKey;
import io.kvcourier.wire.AllocResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sender's abort (docs/INTEROP.md): a {@code -1} or a reply that breaks the rules fails the batch and sends
 * {@code CancelNotif(req_id, keys)} naming what the request holds, including what the failing reply allocated.
 * The canceller here records what would be sent (the engine sends it on every rank's alloc sockets).
 */
@Timeout(30)
class HeldKeysTest {
    private record Cancel(String reqId, List<String> keys) {
    }

    private final List<Cancel> cancels = new ArrayList<>();
    private final HeldKeys held = new HeldKeys();

    /** The key named {@code name} (a test key: its chunk hash is the name's bytes). */
    private static ObjectKey key(String name) {
        return ObjectKey.of(name.getBytes(StandardCharsets.UTF_8), "m", 0);
    }

    /** The wire strings of the keys named. */
    private static List<String> w(String... names) {
        List<String> wire = new ArrayList<>();
        for (String n : names) {
            wire.add(key(n).toCanonicalString());
        }
        return wire;
    }

    private int[] accept(String reqId, List<String> names, int[] remote, int[] already) {
        return held.accept(0, reqId, names.size(), i -> key(names.get(i)), new AllocResponse(remote, already),
                (r, k) -> cancels.add(new Cancel(r, k)));
    }

    @Test
    void allocatedKeysAreRecordedPerRequestAndAlreadySentOnesAreNot() {
        assertThat(accept("r1", List.of("a", "b", "c"), new int[] {4, 5}, new int[] {1})).containsExactly(4,
                AllocResponses.ALREADY_SENT, 5);
        assertThat(held.heldBy("r1")).containsExactlyInAnyOrderElementsOf(w("a", "c"));
        assertThat(accept("", List.of("x"), new int[] {6}, new int[0])).as("no request: nothing recorded")
                .containsExactly(6);
        assertThat(held.requests()).isEqualTo(1);
        held.forget("r1");
        assertThat(held.requests()).isZero();
        assertThat(cancels).isEmpty();
    }

    @Test
    void aMinusOneAbortsTheRequestCancellingWhatItHoldsIncludingThisReplysPages() {
        accept("r1", List.of("a", "b"), new int[] {0, 1}, new int[0]);
        assertThat(accept("r1", List.of("c", "d", "e"), new int[] {2, -1}, new int[] {1})).isNull();
        assertThat(cancels).hasSize(1);
        assertThat(cancels.get(0).reqId()).isEqualTo("r1");
        assertThat(cancels.get(0).keys()).as("earlier batches and this reply's allocated key; not the already-sent one")
                .containsExactlyInAnyOrderElementsOf(w("a", "b", "c"));
        assertThat(held.requests()).as("the aborted request is forgotten").isZero();
    }

    @Test
    void aReplyThatBreaksTheRulesAbortsTheRequestToo() {
        accept("r2", List.of("a"), new int[] {0}, new int[0]);
        assertThat(accept("r2", List.of("b", "c"), new int[] {1, 2, 3}, new int[0])).isNull();
        assertThat(cancels).containsExactly(new Cancel("r2", w("a")));
    }

    @Test
    void withoutARequestOnlyThisReplysPagesAreCancelledAndOnlyIfThereAreAny() {
        assertThat(accept("", List.of("a", "b"), new int[] {3, -1}, new int[0])).isNull();
        assertThat(cancels).containsExactly(new Cancel("", w("a")));
        assertThat(accept("", List.of("z"), new int[] {-1}, new int[0])).isNull();
        assertThat(cancels).as("no CancelNotif for a batch that holds nothing").hasSize(1);
    }

    @Test
    void releaseHandsOverWhatTheRequestHeldOnceAndForgetsIt() {
        accept("r3", List.of("a", "b"), new int[] {0, 1}, new int[0]);
        List<String> extra = w("extra");
        assertThat(held.release("r3", extra)).containsExactlyInAnyOrderElementsOf(w("a", "b", "extra"));
        assertThat(held.release("r3", List.of())).isEmpty();
    }

    @Test
    void recordsThatAllocatedNothingForTheRequestTimeoutAreForgotten() {
        accept("old", List.of("a"), new int[] {0}, new int[0]);
        long later = System.nanoTime() + 10_000_000_000L;
        accept("fresh", List.of("b"), new int[] {1}, new int[0]);
        assertThat(held.expire(later, 5_000_000_000L)).as("both are older than 5 s at +10 s").isEqualTo(2);
        accept("young", List.of("c"), new int[] {2}, new int[0]);
        assertThat(held.expire(System.nanoTime(), 5_000_000_000L)).as("nothing is stale yet").isZero();
        assertThat(held.heldBy("young")).containsExactlyElementsOf(w("c"));
    }
}
