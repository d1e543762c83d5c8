package io.kvcourier.pd;

import io.kvcourier.l2.ObjectKey;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.AllocRequest;
import io.kvcourier.wire.AllocResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The receiver's page/key state machine driven directly, as a channel would drive it. */
@Timeout(30)
class ReceiverStoreTest {
    private static final long PAGE = 4096;
    private final StagingBuffer staging = new StagingBuffer(8 * PAGE);
    private final ReceiverStore store = new ReceiverStore(staging, 0, TimeUnit.SECONDS.toNanos(30),
            TimeUnit.SECONDS.toNanos(60), TimeUnit.SECONDS.toNanos(120));

    @AfterEach
    void close() {
        staging.close();
    }

    private int[] allocate(String sender, List<ObjectKey> keys) {
        AllocRequest req = new AllocRequest(keys.stream().map(ObjectKey::toCanonicalString).toList(), 4,
                new long[] {PAGE}, "uint8", (int) PAGE, "", false, 0);
        ReceiverStore.Outcome o = store.allocate(sender, req, ReceiverStore.parse(req));
        assertThat(o.mustWait()).isFalse();
        AllocResponse r = o.reply();
        return r.remoteIndexes();
    }

    @Test
    void aBatchCommitsOnlyOnceEveryAdmittedByteIsIn() {
        List<ObjectKey> keys = PdPair.keys("k", 2);
        int[] pages = allocate("s1", keys);
        int batch = pages[0];
        assertThat(store.admitWrite("s1", batch, pages[0], 0, PAGE)).isTrue();
        assertThat(store.admitWrite("s1", batch, pages[1], 0, PAGE / 2)).isTrue();
        assertThat(store.onBatchLanded("s1", batch)).as("half of the second key is missing").isFalse();
        assertThat(store.lookupAndLock(keys).popcount()).isZero();
        assertThat(store.admitWrite("s1", batch, pages[1], PAGE / 2, PAGE / 2)).isTrue();
        assertThat(store.onBatchLanded("s1", batch)).isTrue();
        assertThat(store.lookupAndLock(keys).popcount()).isEqualTo(2);
    }

    @Test
    void writesOutOfOrderOrPastTheKeyOrFromAnotherSenderAreRefused() {
        List<ObjectKey> keys = PdPair.keys("o", 1);
        int[] pages = allocate("s1", keys);
        assertThat(store.admitWrite("s1", pages[0], pages[0], 8, 8)).as("gap").isFalse();
        assertThat(store.admitWrite("s1", pages[0], pages[0], 0, PAGE + 1)).as("past the key").isFalse();
        assertThat(store.admitWrite("s2", pages[0], pages[0], 0, 8)).as("another sender").isFalse();
        assertThat(store.admitWrite("s1", pages[0] + 1, pages[0], 0, 8)).as("wrong batch").isFalse();
        assertThat(store.onBatchLanded("s2", pages[0])).as("another sender cannot commit it").isFalse();
        assertThat(store.admitWrite("s1", pages[0], pages[0], 0, PAGE)).isTrue();
        assertThat(store.onBatchLanded("s1", pages[0])).isTrue();
        assertThat(store.admitWrite("s1", pages[0], pages[0], 0, 8)).as("committed pages take no writes").isFalse();
    }

    @Test
    void oneSidedChannelsCommitOnTheLandingSignalAlone() {
        // verbs reports no individual writes: the WRITE_WITH_IMM receive completion is the proof of landing.
        List<ObjectKey> keys = PdPair.keys("v", 3);
        int[] pages = allocate("s1", keys);
        assertThat(store.lookupAndLock(keys).popcount()).isZero();
        assertThat(store.onBatchLanded("s1", pages[0])).isTrue();
        assertThat(store.lookupAndLock(keys).popcount()).isEqualTo(3);
    }

    @Test
    void expiredAllocationsAreFencedBeforeTheirPagesAreFreed() {
        ReceiverStore quick = new ReceiverStore(staging, PAGE, 1, TimeUnit.SECONDS.toNanos(60), TimeUnit.SECONDS.toNanos(120));
        AllocRequest req = new AllocRequest(List.of(PdPair.keys("x", 1).get(0).toCanonicalString()), 4,
                new long[] {PAGE}, "uint8", (int) PAGE, "", false, 0);
        int page = quick.allocate("late", req, ReceiverStore.parse(req)).reply().remoteIndexes()[0];
        java.util.List<String> fenced = new java.util.ArrayList<>();
        int freed = quick.reap(System.nanoTime() + TimeUnit.SECONDS.toNanos(1), sender -> {
            // At fence time the page must still be held: nobody else can have it yet.
            assertThat(staging.allocator().available()).isEqualTo(staging.pageCount() - 1);
            fenced.add(sender);
        });
        assertThat(fenced).containsExactly("late");
        assertThat(freed).isEqualTo(1);
        assertThat(quick.onBatchLanded("late", page)).as("a late commit after reclaim").isFalse();
    }
}
