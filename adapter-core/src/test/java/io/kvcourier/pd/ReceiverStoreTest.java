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
    void aBatchIsAdmittedWholePageByWholePageOnlyAgainstItsOwnSendersAllocation() {
        List<ObjectKey> keys = PdPair.keys("b", 3);
        int[] pages = allocate("s1", keys);
        int[] others = allocate("s2", PdPair.keys("other", 1));
        int batch = pages[0];
        long[] full = {PAGE, PAGE, PAGE};
        assertThat(store.admitBatch("s2", batch, pages, full, 3)).as("another sender").isFalse();
        assertThat(store.admitBatch("s1", batch + 1, pages, full, 3)).as("not the batch's first page").isFalse();
        assertThat(store.admitBatch("s1", batch, new int[] {pages[0], others[0]}, new long[] {PAGE, PAGE}, 2))
                .as("a page of another sender's allocation").isFalse();
        assertThat(store.admitBatch("s1", batch, pages, new long[] {PAGE, PAGE / 2, PAGE}, 3))
                .as("not the key's whole length").isFalse();
        assertThat(store.admitBatch("s1", batch, new int[] {pages[0], pages[0]}, new long[] {PAGE, PAGE}, 2))
                .as("a page twice").isFalse();
        assertThat(store.admitBatch("s1", batch, new int[] {pages[0], 1 << 20}, new long[] {PAGE, PAGE}, 2))
                .as("a page outside the buffer").isFalse();

        // Two blocks (a batch sent in two frames): each page once, then the batch commits. This also shows that
        // nothing of the refused blocks above was admitted.
        assertThat(store.admitBatch("s1", batch, new int[] {pages[2]}, new long[] {PAGE}, 1)).isTrue();
        assertThat(store.admitBatch("s1", batch, new int[] {pages[2]}, new long[] {PAGE}, 1))
                .as("a page already admitted").isFalse();
        assertThat(store.onBatchLanded("s1", batch)).as("two pages are still missing").isFalse();
        assertThat(store.admitBatch("s1", batch, new int[] {pages[0], pages[1], 99}, full, 2))
                .as("only the first count entries count").isTrue();
        assertThat(store.onBatchLanded("s1", batch)).isTrue();
        assertThat(store.lookupAndLock(keys).popcount()).isEqualTo(3);
        assertThat(store.admitBatch("s1", batch, pages, full, 3)).as("a committed batch takes no writes").isFalse();
        assertThat(store.rejectedWrites.get()).isEqualTo(9);
    }

    @Test
    void admittingAndCommittingABatchAllocatesNothing() {
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        List<ObjectKey> keys = PdPair.keys("z", 4);
        long[] lengths = {PAGE, PAGE, PAGE, PAGE};
        long landing = 0;
        int rounds = 2_000;
        for (int i = 0; i < 2 * rounds; i++) {
            int[] pages = allocate("s1", keys);
            long before = mx.getCurrentThreadAllocatedBytes();
            boolean admitted = store.admitBatch("s1", pages[0], pages, lengths, pages.length);
            boolean committed = store.onBatchLanded("s1", pages[0]);
            long used = mx.getCurrentThreadAllocatedBytes() - before;
            assertThat(admitted && committed).isTrue();
            if (i >= rounds) {
                landing += used; // after the warm-up round: JIT done
            }
            store.load(keys, List.of()); // nothing copied: the keys stay; free them as a cancel would
            store.cancel("s1", "", keys);
        }
        // One object per batch would be at least 16 bytes a round.
        assertThat(landing).as("bytes allocated by %d admissions and commits", rounds).isLessThan(rounds);
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
