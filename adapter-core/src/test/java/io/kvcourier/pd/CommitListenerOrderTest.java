package io.kvcourier.pd;

import io.kvcourier.l2.ObjectKey;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.wire.AllocRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The commit listener hears of a batch only once the channel has acknowledged it ({@link
 * ReceiverStore#afterAcknowledgements}), so that what the listener starts never holds up the acknowledgement the
 * sender's request waits for; the batch's keys are visible and pinned from the commit on.
 */
@Timeout(30)
class CommitListenerOrderTest {
    private static final long PAGE = 4096;
    private static final int PAGES = 4;
    private final StagingBuffer staging = new StagingBuffer(PAGES * PAGE);
    private final ReceiverStore store = new ReceiverStore(staging, 0, TimeUnit.SECONDS.toNanos(30),
            TimeUnit.SECONDS.toNanos(60), TimeUnit.SECONDS.toNanos(120));

    @AfterEach
    void close() {
        staging.close();
    }

    /** Allocates {@code keys} for sender s1 (answered at once) and reports every byte landed; true if committed. */
    private boolean allocateAndLand(List<ObjectKey> keys) {
        AllocRequest req = new AllocRequest(keys.stream().map(ObjectKey::toCanonicalString).toList(), 4,
                new long[] {PAGE}, "uint8", (int) PAGE, "", false, 0);
        ReceiverStore.Outcome o = store.allocate("s1", req, ReceiverStore.parse(req));
        assertThat(o.mustWait()).as("answered at once").isFalse();
        return store.onBatchLanded("s1", o.reply().remoteIndexes()[0]);
    }

    @Test
    void theListenerIsToldAfterTheAcknowledgementsInCommitOrderAndOnce() {
        List<List<ObjectKey>> told = new CopyOnWriteArrayList<>();
        store.setCommitListener(told::add);
        List<ObjectKey> first = PdPair.keys("a", 2);
        List<ObjectKey> second = PdPair.keys("b", 1);
        assertThat(allocateAndLand(first)).isTrue();
        assertThat(allocateAndLand(second)).isTrue();
        assertThat(told).as("not before the channel acknowledged the batches").isEmpty();
        assertThat(store.lookupAndLock(first).popcount()).as("committed: visible to lookup").isEqualTo(2);
        store.unlock(first);

        store.afterAcknowledgements();
        assertThat(told).containsExactly(first, second);
        store.afterAcknowledgements();
        assertThat(told).as("each batch is told once").hasSize(2);
    }

    @Test
    void aBatchCommittedBeforeTheListenerWasRemovedIsUnpinnedNotLost() {
        store.setCommitListener(keys -> { }); // pins each committed key until the listener's owner unlocks it
        assertThat(allocateAndLand(PdPair.keys("pinned", PAGES))).isTrue();
        store.setCommitListener(null);
        store.afterAcknowledgements();
        // Every page holds a committed key: a new batch gets pages at once only if those keys are evictable.
        assertThat(allocateAndLand(PdPair.keys("next", PAGES))).isTrue();
        assertThat(store.evictions.get()).isEqualTo(PAGES);
    }

    @Test
    void aPinnedBatchKeepsItsPagesUntilTheListenersOwnerUnlocksIt() {
        List<List<ObjectKey>> told = new CopyOnWriteArrayList<>();
        store.setCommitListener(told::add);
        assertThat(allocateAndLand(PdPair.keys("held", PAGES))).isTrue();
        store.afterAcknowledgements();
        assertThat(told).hasSize(1);
        List<ObjectKey> next = PdPair.keys("next", PAGES);
        AllocRequest req = new AllocRequest(next.stream().map(ObjectKey::toCanonicalString).toList(), 4,
                new long[] {PAGE}, "uint8", (int) PAGE, "", false, 0);
        assertThat(store.allocate("s1", req, ReceiverStore.parse(req)).mustWait())
                .as("the pinned keys cannot be evicted").isTrue();
        store.unlock(told.getFirst());
        assertThat(store.allocate("s1", req, ReceiverStore.parse(req)).mustWait()).isFalse();
    }
}
