package io.kvcourier.pd;

import io.kvcourier.l2.ObjectKey;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.Poll;
import io.kvcourier.wire.AllocRequest;
import io.kvcourier.wire.AllocResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
        return reply(store, sender, request(keys, "", false, 0)).remoteIndexes();
    }

    private static AllocRequest request(List<ObjectKey> keys, String reqId, boolean last, int total) {
        return new AllocRequest(keys.stream().map(ObjectKey::toCanonicalString).toList(), 4,
                new long[] {PAGE}, "uint8", (int) PAGE, reqId, last, total);
    }

    /** The reply the store gives at once (fails if it would wait). */
    private static AllocResponse reply(ReceiverStore s, String sender, AllocRequest req) {
        ReceiverStore.Outcome o = s.allocate(sender, req, ReceiverStore.parse(req));
        assertThat(o.mustWait()).as("answered at once").isFalse();
        return o.reply();
    }

    /** Starts the deferred path the alloc server takes when {@link ReceiverStore#allocate} says to wait. */
    private static CompletableFuture<AllocResponse> waitingReply(ReceiverStore s, String sender, AllocRequest req,
                                                                 ReceiverStore.Wait expected, long allocationTimeoutNanos)
            throws InterruptedException {
        ReceiverStore.Parsed parsed = ReceiverStore.parse(req);
        ReceiverStore.Outcome o = s.allocate(sender, req, parsed);
        assertThat(o.waitFor()).isEqualTo(expected);
        CompletableFuture<AllocResponse> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                f.complete(s.allocateWaiting(sender, req, parsed, allocationTimeoutNanos));
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        assertThat(Poll.until(() -> s.waitingAllocations.get() == 1, Duration.ofSeconds(10))).as("the reply is held")
                .isTrue();
        return f;
    }

    private static AllocResponse get(CompletableFuture<AllocResponse> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    private static void assertFailed(AllocResponse r, int n) {
        int[] all = new int[n];
        Arrays.fill(all, -1);
        assertThat(r.remoteIndexes()).as("[-1] * n").containsExactly(all);
        assertThat(r.alreadySentIndexes()).isEmpty();
    }

    // ------------------------------------------------------------------------- dedup (docs/INTEROP.md)

    @Test
    void keysAlreadyHeldAreListedAsAlreadySentAndOnlyTheOthersGetPages() {
        List<ObjectKey> k = PdPair.keys("d", 3);
        int[] first = allocate("s1", List.of(k.get(0), k.get(1)));
        assertThat(store.onBatchLanded("s1", first[0])).isTrue();
        AllocResponse r = reply(store, "s2", request(List.of(k.get(1), k.get(2), k.get(0)), "", false, 0));
        assertThat(r.alreadySentIndexes()).containsExactly(0, 2);
        assertThat(r.remoteIndexes()).as("len(remote) == n - len(already)").hasSize(1);
        assertThat(r.remoteIndexes()[0]).isNotIn(first[0], first[1]);
        assertThat(store.pagesInUse()).isEqualTo(3);
    }

    @Test
    void aRequestWhoseKeysAreAllHeldGetsNoPagesAtAll() {
        List<ObjectKey> k = PdPair.keys("all", 3);
        int[] first = allocate("s1", k);
        assertThat(store.onBatchLanded("s1", first[0])).isTrue();
        AllocResponse r = reply(store, "s1", request(k, "again", true, 3));
        assertThat(r.remoteIndexes()).isEmpty();
        assertThat(r.alreadySentIndexes()).containsExactly(0, 1, 2);
        assertThat(store.pagesInUse()).isEqualTo(3);
        assertThat(store.reservedPages()).as("the request's reservation ends with its last batch").isZero();
    }

    @Test
    void aKeyRepeatedInsideOneRequestGetsOnePageAtItsFirstPosition() {
        List<ObjectKey> k = PdPair.keys("rep", 2);
        AllocResponse r = reply(store, "s1", request(List.of(k.get(0), k.get(1), k.get(0)), "", false, 0));
        assertThat(r.remoteIndexes()).hasSize(2);
        assertThat(r.alreadySentIndexes()).containsExactly(2);
        assertThat(store.pagesInUse()).isEqualTo(2);
    }

    @Test
    void aKeyInFlightForAnotherAllocationHoldsTheReplyUntilItCommits() throws Exception {
        List<ObjectKey> k = PdPair.keys("fly", 3);
        int[] first = allocate("s1", List.of(k.get(0), k.get(1)));
        CompletableFuture<AllocResponse> second = waitingReply(store, "s2", request(List.of(k.get(1), k.get(2)), "", false, 0),
                ReceiverStore.Wait.KEYS_IN_FLIGHT, TimeUnit.SECONDS.toNanos(30));
        assertThat(second).as("no reply while the key is in flight").isNotDone();
        assertThat(store.pagesInUse()).as("nothing allocated for the held request yet").isEqualTo(2);
        assertThat(store.onBatchLanded("s1", first[0])).isTrue();
        AllocResponse r = get(second);
        assertThat(r.alreadySentIndexes()).as("reported once it committed").containsExactly(0);
        assertThat(r.remoteIndexes()).hasSize(1);
        assertThat(store.waitingAllocations.get()).isZero();
    }

    @Test
    void aKeyWhoseAllocationExpiresIsAllocatedAfreshForTheWaitingRequest() throws Exception {
        List<ObjectKey> k = PdPair.keys("exp", 2);
        allocate("s1", k);
        CompletableFuture<AllocResponse> second = waitingReply(store, "s2", request(k, "r2", true, 2),
                ReceiverStore.Wait.KEYS_IN_FLIGHT, TimeUnit.SECONDS.toNanos(30));
        List<String> fenced = new ArrayList<>();
        store.reap(System.nanoTime() + TimeUnit.SECONDS.toNanos(31), fenced::add);
        assertThat(fenced).containsExactly("s1");
        AllocResponse r = get(second);
        assertThat(r.alreadySentIndexes()).isEmpty();
        assertThat(r.remoteIndexes()).hasSize(2).doesNotContain(-1);
        assertThat(store.onBatchLanded("s2", r.remoteIndexes()[0])).isTrue();
        assertThat(store.lookupAndLock(k).popcount()).isEqualTo(2);
    }

    @Test
    void aKeyWhoseRequestIsCancelledIsAllocatedAfreshForTheWaitingRequest() throws Exception {
        List<ObjectKey> k = PdPair.keys("can", 1);
        reply(store, "s1", request(k, "r1", false, 2));
        CompletableFuture<AllocResponse> second = waitingReply(store, "s2", request(k, "", false, 0),
                ReceiverStore.Wait.KEYS_IN_FLIGHT, TimeUnit.SECONDS.toNanos(30));
        store.cancel("s1", "r1", k);
        AllocResponse r = get(second);
        assertThat(r.alreadySentIndexes()).isEmpty();
        assertThat(r.remoteIndexes()).hasSize(1).doesNotContain(-1);
    }

    @Test
    void aCommittedKeyThatACancelDoomsIsWaitedForUntilItsLastUnlock() throws Exception {
        List<ObjectKey> k = PdPair.keys("doom", 1);
        AllocResponse first = reply(store, "s1", request(k, "r1", true, 1));
        assertThat(store.onBatchLanded("s1", first.remoteIndexes()[0])).isTrue();
        assertThat(store.lookupAndLock(k).popcount()).isEqualTo(1);
        store.cancel("s1", "r1", k); // locked: freed on the last unlock, invisible until then
        CompletableFuture<AllocResponse> second = waitingReply(store, "s2", request(k, "", false, 0),
                ReceiverStore.Wait.KEYS_IN_FLIGHT, TimeUnit.SECONDS.toNanos(30));
        store.unlock(k);
        AllocResponse r = get(second);
        assertThat(r.alreadySentIndexes()).as("a key on its way out is not reported as sent").isEmpty();
        assertThat(r.remoteIndexes()).hasSize(1).doesNotContain(-1);
    }

    @Test
    void keysThatNeitherCommitNorGoAwayEndTheWaitWithFailures() throws Exception {
        ReceiverStore quick = new ReceiverStore(staging, PAGE, TimeUnit.MILLISECONDS.toNanos(50),
                TimeUnit.SECONDS.toNanos(60), TimeUnit.SECONDS.toNanos(120));
        List<ObjectKey> k = PdPair.keys("stuck", 2);
        reply(quick, "s1", request(k, "", false, 0)); // never lands, and nobody reaps it
        AllocRequest req = request(k, "", false, 0);
        ReceiverStore.Parsed parsed = ReceiverStore.parse(req);
        assertThat(quick.allocate("s2", req, parsed).waitFor()).isEqualTo(ReceiverStore.Wait.KEYS_IN_FLIGHT);
        // Bounded by the transfer timeout plus the allocation timeout (here 50 ms each).
        assertFailed(quick.allocateWaiting("s2", req, parsed, TimeUnit.MILLISECONDS.toNanos(50)), 2);
        assertThat(quick.waitingAllocations.get()).isZero();
    }

    @Test
    void aCancelLeavesKeysThatTheCancellingRequestWasOnlyToldWereSent() {
        List<ObjectKey> k = PdPair.keys("own", 2);
        AllocResponse first = reply(store, "s1", request(List.of(k.get(0)), "r1", true, 1));
        assertThat(store.onBatchLanded("s1", first.remoteIndexes()[0])).isTrue();
        AllocResponse second = reply(store, "s1", request(k, "r2", true, 2));
        assertThat(second.alreadySentIndexes()).containsExactly(0);
        store.cancel("s1", "r2", k); // an upstream sender names every key of its request, dedup'd ones too
        assertThat(store.lookupAndLock(k).popcount()).as("r1's key stays").isEqualTo(1);
        assertThat(store.committedKeys()).isEqualTo(1);
    }

    // ------------------------------------------------------------------------------------ reservations

    @Test
    void theFirstBatchReservesTheRequestsTotalAndTheLastBatchReleasesTheRest() {
        List<ObjectKey> k = PdPair.keys("res", 3);
        reply(store, "s1", request(List.of(k.get(0), k.get(1)), "r", false, 5));
        assertThat(store.reservedPages()).as("5 reserved, 2 of them allocated").isEqualTo(3);
        reply(store, "s1", request(List.of(k.get(2)), "r", true, 5));
        assertThat(store.reservedPages()).as("is_last_batch releases what is left").isZero();
        assertThat(store.pagesInUse()).isEqualTo(3);
    }

    @Test
    void moreChunksThanTheRequestDeclaredRollTheRequestBack() {
        List<ObjectKey> k = PdPair.keys("over", 4);
        AllocResponse first = reply(store, "s1", request(k.subList(0, 2), "r", false, 3));
        assertThat(store.onBatchLanded("s1", first.remoteIndexes()[0])).isTrue();
        assertFailed(reply(store, "s1", request(k.subList(2, 4), "r", false, 3)), 2);
        assertThat(store.reservedPages()).isZero();
        assertThat(store.lookupAndLock(k).popcount()).as("the earlier batch is rolled back too").isZero();
        assertThat(store.pagesInUse()).isZero();
    }

    @Test
    void aRequestLargerThanTheWholeBufferIsRefusedAtOnceEvenWhenTheBufferIsFull() {
        reply(store, "s1", request(PdPair.keys("fill", 8), "", false, 0));
        assertThat(store.pagesInUse()).isEqualTo(8);
        assertFailed(reply(store, "s2", request(PdPair.keys("big", 2), "big", false, 9)), 2);
        assertThat(store.reservedPages()).isZero();
    }

    @Test
    void aRequestIdWithoutTotalChunksIsRefused() {
        assertFailed(reply(store, "s1", request(PdPair.keys("zero", 2), "r", false, 0)), 2);
        assertThat(store.pagesInUse()).isZero();
        assertThat(store.reservedPages()).isZero();
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
            store.cancel("s1", "", keys); // frees the committed, unlocked keys for the next round
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
        ReceiverStore quick = withTransferTimeout(1);
        AllocRequest req = new AllocRequest(List.of(PdPair.keys("x", 1).get(0).toCanonicalString()), 4,
                new long[] {PAGE}, "uint8", (int) PAGE, "", false, 0);
        int page = quick.allocate("late", req, ReceiverStore.parse(req)).reply().remoteIndexes()[0];
        java.util.List<String> fenced = new java.util.ArrayList<>();
        int freed = quick.reap(System.nanoTime() + TimeUnit.SECONDS.toNanos(1), sender -> {
            // At fence time the page must still be held: nobody else can have it yet.
            assertThat(staging.allocator().available()).isEqualTo(staging.pageCount() - 1);
            return fenced.add(sender);
        });
        assertThat(fenced).containsExactly("late");
        assertThat(freed).isEqualTo(1);
        assertThat(quick.onBatchLanded("late", page)).as("a late commit after reclaim").isFalse();
    }

    /**
     * A fence that is not confirmed (the channel could not prove the sender stopped within its deadline) keeps the
     * expired allocation's pages out of use: they are counted as quarantined, no new allocation gets them, and
     * they are freed only by a later reap whose fence is confirmed.
     */
    @Test
    void pagesOfAnUnconfirmedFenceAreQuarantinedUntilAFenceIsConfirmed() {
        ReceiverStore quick = withTransferTimeout(1);
        AllocRequest req = new AllocRequest(List.of(PdPair.keys("q", 1).get(0).toCanonicalString()), 4,
                new long[] {PAGE}, "uint8", (int) PAGE, "", false, 0);
        int page = quick.allocate("stuck", req, ReceiverStore.parse(req)).reply().remoteIndexes()[0];
        int free = staging.allocator().available();
        java.util.List<String> attempts = new java.util.ArrayList<>();
        long later = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);

        assertThat(quick.reap(later, sender -> !attempts.add(sender))).as("pages freed").isZero();
        assertThat(quick.quarantinedPages()).isEqualTo(1);
        assertThat(staging.allocator().available()).isEqualTo(free);
        assertThat(quick.onBatchLanded("stuck", page)).as("the expired allocation still cannot commit").isFalse();
        assertThat(quick.reap(later, sender -> !attempts.add(sender))).as("still unconfirmed").isZero();
        assertThat(quick.reap(later, attempts::add)).as("confirmed: freed").isEqualTo(1);
        assertThat(attempts).containsExactly("stuck", "stuck", "stuck");
        assertThat(quick.quarantinedPages()).isZero();
        assertThat(staging.allocator().available()).isEqualTo(free + 1);
    }

    /** A fencer that fences single allocations (as tcp does) and records what it was asked. */
    private static ReceiverStore.Fencer perAllocation(List<String> log) {
        return fencer(log, io.kvcourier.channel.ChannelReceiver.AllocationFence.ALLOCATION);
    }

    /** A fencer for a sender with no data connection: every fence is a whole-sender fence. */
    private static ReceiverStore.Fencer noConnection(List<String> log) {
        return fencer(log, io.kvcourier.channel.ChannelReceiver.AllocationFence.SENDER);
    }

    /** Answers every allocation fence with {@code outcome}, confirms every sender fence, and records each. */
    private static ReceiverStore.Fencer fencer(List<String> log,
                                               io.kvcourier.channel.ChannelReceiver.AllocationFence outcome) {
        return new ReceiverStore.Fencer() {
            @Override
            public io.kvcourier.channel.ChannelReceiver.AllocationFence fenceAllocation(String senderId, int batchId) {
                log.add(senderId + "/" + batchId);
                return outcome;
            }

            @Override
            public boolean fenceSender(String senderId) {
                log.add(senderId);
                return true;
            }

            @Override
            public boolean fenceConnection(String senderId,
                                           io.kvcourier.channel.ControlRequestHandler.Replier origin) {
                log.add(senderId + ":connection");
                return origin.closeConnection();
            }
        };
    }

    /** A store on this test's staging buffer with the given transfer timeout (ns) and the usual other timeouts. */
    private ReceiverStore withTransferTimeout(long transferNanos) {
        return new ReceiverStore(staging, PAGE, transferNanos, TimeUnit.SECONDS.toNanos(60),
                TimeUnit.SECONDS.toNanos(120));
    }

    /**
     * A per-allocation fence frees the expired allocation's pages at once except its batch id's page, which stays
     * held (a late frame naming that batch is refused, not hostile) until the sender's committing frame for it came;
     * a held page whose sender never ends the batch is freed a transfer timeout later by fencing the whole sender.
     */
    @Test
    void aPerAllocationFenceHoldsOnlyTheBatchIdPageUntilTheSenderIsDoneWithIt() {
        long transfer = TimeUnit.SECONDS.toNanos(5);
        ReceiverStore quick = withTransferTimeout(transfer);
        int[] done = quick.allocate("s", request(PdPair.keys("done", 3), "", false, 0),
                ReceiverStore.parse(request(PdPair.keys("done", 3), "", false, 0))).reply().remoteIndexes();
        int[] silent = quick.allocate("s", request(PdPair.keys("silent", 1), "", false, 0),
                ReceiverStore.parse(request(PdPair.keys("silent", 1), "", false, 0))).reply().remoteIndexes();
        int free = staging.allocator().available();
        List<String> fences = new ArrayList<>();
        long expiry = System.nanoTime() + transfer;

        assertThat(quick.reap(expiry, perAllocation(fences))).as("all but the batch ids' pages").isEqualTo(2);
        assertThat(fences).containsExactly("s/" + done[0], "s/" + silent[0]);
        assertThat(quick.fenceHeldPages()).isEqualTo(2);
        assertThat(staging.allocator().available()).isEqualTo(free + 2);
        assertThat(quick.isFenced("s", done[0])).isTrue();
        assertThat(quick.isFenced("intruder", done[0])).as("only its own sender's batch").isFalse();
        long rejected = quick.rejectedWrites.get();
        assertThat(quick.admitBatch("s", done[0], new int[] {done[0]}, new long[] {PAGE}, 1)).isFalse();
        assertThat(quick.rejectedWrites.get()).as("a fenced frame is refused, not counted as hostile")
                .isEqualTo(rejected);

        // The sender's committing frame for the fenced batch: refused, and its batch id's page goes back.
        assertThat(quick.onBatchLanded("s", done[0])).isFalse();
        assertThat(quick.isFenced("s", done[0])).isFalse();
        assertThat(quick.fenceHeldPages()).isEqualTo(1);
        assertThat(staging.allocator().available()).isEqualTo(free + 3);

        // The silent one: held until a transfer timeout after its fence, then its sender is fenced whole.
        assertThat(quick.reap(expiry + transfer - 1, perAllocation(fences))).isZero();
        assertThat(quick.reap(expiry + transfer, perAllocation(fences))).isEqualTo(1);
        assertThat(fences).endsWith("s");
        assertThat(quick.fenceHeldPages()).isZero();
        assertThat(staging.allocator().available()).isEqualTo(free + 4);
    }

    private static int[] allocateVia(ReceiverStore s, String sender, String name, int keys, boolean inBand) {
        return allocateVia(s, sender, name, keys, inBand ? new Connection() : null);
    }

    /** Allocates in-band on {@code via}, or over the alloc port when it is null. */
    private static int[] allocateVia(ReceiverStore s, String sender, String name, int keys, Connection via) {
        AllocRequest req = request(PdPair.keys(name, keys), "", false, 0);
        ReceiverStore.Parsed p = ReceiverStore.parse(req);
        return s.allocate(sender, req, via == null ? p : p.via(via)).reply().remoteIndexes();
    }

    /** The replier of one data connection, as the store sees it: only whether that connection is still open. */
    private static final class Connection implements io.kvcourier.channel.ControlRequestHandler.Replier {
        volatile boolean open = true;
        /** Whether {@link #closeConnection} closes it (a channel that can close one connection) or refuses. */
        final boolean closable;

        Connection() {
            this(false);
        }

        Connection(boolean closable) {
            this.closable = closable;
        }

        @Override
        public void reply(byte[] bytes, int offset, int length) {
        }

        @Override
        public boolean connectionOpen() {
            return open;
        }

        @Override
        public boolean closeConnection() {
            if (closable) {
                open = false;
            }
            return closable;
        }
    }

    /**
     * A held in-band batch id whose sender never finishes it: a transfer timeout after its fence, the connection it
     * was allocated on is closed, the only one that can carry it, and the sender's other connections stay open (the
     * allocations on them go on). A channel that cannot close one connection gets the whole-sender fence as before
     * ({@link #aWholeSenderFenceFreesTheInBandBatchIdsItMadeUnreachable}).
     */
    @Test
    void aHeldInBandBatchIdClosesOnlyTheConnectionItWasAllocatedOn() {
        long transfer = TimeUnit.SECONDS.toNanos(5);
        ReceiverStore quick = withTransferTimeout(transfer);
        Connection stuck = new Connection(true);
        Connection other = new Connection(true);
        int[] held = allocateVia(quick, "s", "stuck", 1, stuck);
        long expiry = System.nanoTime() + transfer;
        List<String> fences = new ArrayList<>();
        assertThat(quick.reap(expiry, perAllocation(fences))).as("its one page is its batch id: held").isZero();
        int[] live = allocateVia(quick, "s", "live", 1, other);
        assertThat(quick.onBatchLanded("s", live[0])).as("the sender's other connection works on").isTrue();
        int free = staging.allocator().available();

        assertThat(quick.reap(expiry + transfer, perAllocation(fences))).isEqualTo(1);
        assertThat(fences).containsExactly("s/" + held[0], "s:connection");
        assertThat(stuck.open).isFalse();
        assertThat(other.open).as("not fenced").isTrue();
        assertThat(quick.fenceHeldPages()).isZero();
        assertThat(staging.allocator().available()).isEqualTo(free + 1);
    }

    /**
     * The cycle a later chaos soak found: an in-band allocation made while its connection was being closed (its
     * reply lost with it) expired while the sender already had a new connection, so it was fenced per allocation and
     * held its batch id, and a transfer timeout later the escalation closed the new connection, stranding the
     * allocation made at that moment, and so on. An in-band allocation is written on its own connection only: once
     * that connection has closed it is freed whole at its expiry, with no fence of the sender's other connections;
     * a held one whose connection closes meanwhile is released without one; and none is made on a closed connection.
     */
    @Test
    void anInBandAllocationWhoseConnectionClosedIsFreedWithoutFencingTheSendersOtherConnections() {
        long transfer = TimeUnit.SECONDS.toNanos(5);
        ReceiverStore quick = withTransferTimeout(transfer);
        Connection old = new Connection();
        Connection current = new Connection();
        int[] stranded = allocateVia(quick, "s", "stranded", 2, old);
        int[] live = allocateVia(quick, "s", "live", 1, current);
        long expiry = System.nanoTime() + transfer;
        old.open = false;
        int free = staging.allocator().available();
        List<String> fences = new ArrayList<>();

        assertThat(quick.reap(expiry, perAllocation(fences))).as("'stranded' whole, nothing of 'live' but its id's")
                .isEqualTo(2);
        assertThat(fences).as("only the allocation on the open connection is fenced").containsExactly("s/" + live[0]);
        assertThat(quick.isFenced("s", stranded[0])).as("freed, not held").isFalse();
        assertThat(quick.fenceHeldPages()).isEqualTo(1);
        assertThat(staging.allocator().available()).isEqualTo(free + 2);

        // 'live''s connection closes while its batch id is held: released a transfer timeout after its fence, and
        // the sender (whose newer connections are in use) is not fenced.
        current.open = false;
        assertThat(quick.reap(expiry + transfer, perAllocation(fences))).isEqualTo(1);
        assertThat(fences).containsExactly("s/" + live[0]);
        assertThat(quick.fenceHeldPages()).isZero();
        assertThat(staging.allocator().available()).isEqualTo(free + 3);

        // A request that comes on a connection that has closed by the time it is handled gets no pages.
        AllocRequest late = request(PdPair.keys("late", 2), "", false, 0);
        assertFailed(quick.allocate("s", late, ReceiverStore.parse(late).via(old)).reply(), 2);
        assertThat(staging.allocator().available()).isEqualTo(free + 3);
    }

    /**
     * An in-band allocation's reply goes back on the data connection that asked, and its sender writes it on no other:
     * once a fence has closed every connection the sender had, an in-band allocation made before cannot land. It is
     * freed at once, even before its deadline (its reply may have been lost with the connection: the sender would
     * never write nor finish it, and holding it would fence the sender again later). One over the alloc port is not.
     */
    @Test
    void inBandAllocationsOfASenderWithoutConnectionsAreFreedAtOnce() {
        long transfer = TimeUnit.SECONDS.toNanos(5);
        ReceiverStore quick = withTransferTimeout(transfer);
        allocateVia(quick, "s", "expired", 1, true);
        long mid = System.nanoTime(); // "expired"'s deadline is before mid + transfer, the others' after it
        int[] inFlight = allocateVia(quick, "s", "in-flight", 2, true);
        int[] overPort = allocateVia(quick, "s", "over-port", 1, false);
        int free = staging.allocator().available();
        List<String> fences = new ArrayList<>();

        assertThat(quick.reap(mid + transfer, noConnection(fences))).as("the expired one and the in-band one")
                .isEqualTo(1 + 2);
        assertThat(staging.allocator().available()).isEqualTo(free + 3);
        assertThat(quick.fenceHeldPages()).isZero();
        assertThat(quick.onBatchLanded("s", inFlight[0])).as("freed: it can no longer commit").isFalse();
        assertThat(quick.onBatchLanded("s", overPort[0])).as("over the alloc port: untouched").isTrue();
    }

    /**
     * The cascade the chaos soak found: orphaned in-band allocations held their batch ids, and each held id, a
     * transfer timeout later, fenced the sender whole again (closing its new connections and orphaning what was in
     * flight on them). Now the whole-sender fence frees every held or expiring in-band allocation made before it.
     */
    @Test
    void aWholeSenderFenceFreesTheInBandBatchIdsItMadeUnreachable() {
        long transfer = TimeUnit.SECONDS.toNanos(5);
        ReceiverStore quick = withTransferTimeout(transfer);
        allocateVia(quick, "s", "first", 1, true);
        long mid1 = System.nanoTime();
        allocateVia(quick, "s", "second", 1, true);
        long mid2 = System.nanoTime();
        allocateVia(quick, "s", "third", 2, true);
        int free = staging.allocator().available();
        List<String> fences = new ArrayList<>();

        assertThat(quick.reap(mid1 + transfer, perAllocation(fences))).as("'first' expires, its page held").isZero();
        assertThat(quick.reap(mid2 + transfer, perAllocation(fences))).as("'second' too").isZero();
        assertThat(quick.fenceHeldPages()).isEqualTo(2);
        // 'first' has been held a transfer timeout: its sender is fenced whole, which also frees 'second' (held) and
        // 'third' (expiring now, fenced per allocation before the whole-sender fence).
        assertThat(quick.reap(mid1 + 2 * transfer, perAllocation(fences))).isEqualTo(1 + 1 + 2);
        assertThat(fences).endsWith("s");
        assertThat(quick.fenceHeldPages()).isZero();
        assertThat(staging.allocator().available()).isEqualTo(free + 4);
    }

    /**
     * Issue 13 point 4: allocations are kept in deadline order, so a reap visits what expired and one more, not
     * every live allocation under the store's lock.
     */
    @Test
    void aReapVisitsWhatExpiredPlusAConstantNotEveryLiveAllocation() {
        long transfer = TimeUnit.SECONDS.toNanos(60);
        try (StagingBuffer big = new StagingBuffer(1024 * PAGE)) {
            ReceiverStore s = new ReceiverStore(big, PAGE, transfer, TimeUnit.SECONDS.toNanos(600),
                    TimeUnit.SECONDS.toNanos(600));
            for (int i = 0; i < 3; i++) {
                reply(s, "s", request(PdPair.keys("old" + i, 1), "", false, 0));
            }
            long between = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
                reply(s, "s", request(PdPair.keys("live" + i, 1), "", false, 0));
            }
            assertThat(s.reap(between, sender -> true)).as("nothing expired yet").isZero();
            assertThat(s.lastReapVisits()).isEqualTo(1);

            assertThat(s.reap(between + transfer, sender -> true)).as("the 3 old ones").isEqualTo(3);
            assertThat(s.expiredAllocations.get()).isEqualTo(3);
            // 3 expired (seen once in deadline order and once to fence) + the first live one.
            assertThat(s.lastReapVisits()).isLessThanOrEqualTo(2 * 3 + 1);
            assertThat(s.pagesInUse()).isEqualTo(1000);
        }
    }

    /**
     * Issue 13 point 4, the rest of the reap: committed keys are kept in commit order and open requests in
     * activity order, so a reap visits the ones past their TTL or request timeout and one more of each kind, not
     * the 500 live ones. A key whose TTL ran out while locked goes when its last lock does.
     */
    @Test
    void aReapVisitsExpiredKeysAndRequestsPlusAConstantNotEveryLiveOne() {
        long timeout = TimeUnit.SECONDS.toNanos(600); // transfer, TTL and request timeout alike
        try (StagingBuffer big = new StagingBuffer(1024 * PAGE)) {
            ReceiverStore s = new ReceiverStore(big, PAGE, timeout, timeout, timeout);
            List<ObjectKey> old = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                List<ObjectKey> k = PdPair.keys("old" + i, 1);
                old.addAll(k);
                AllocResponse r = reply(s, "s", request(k, "old-req" + i, false, 1)); // its request stays open
                assertThat(s.onBatchLanded("s", r.remoteIndexes()[0])).isTrue();
            }
            assertThat(s.lookupAndLock(old.subList(0, 1)).popcount()).as("one old key locked").isEqualTo(1);
            long between = System.nanoTime();
            for (int i = 0; i < 500; i++) {
                AllocResponse r = reply(s, "s", request(PdPair.keys("live" + i, 1), "live-req" + i, false, 1));
                assertThat(s.onBatchLanded("s", r.remoteIndexes()[0])).isTrue();
            }
            assertThat(s.reap(between, sender -> true)).as("nothing expired yet").isZero();
            assertThat(s.lastReapVisits()).as("the oldest key and the oldest request").isLessThanOrEqualTo(2);

            assertThat(s.reap(between + timeout, sender -> true)).as("the two unlocked old keys").isEqualTo(2);
            assertThat(s.lastReapVisits()).as("3 old keys + 1, 3 old requests + 1").isLessThanOrEqualTo(2 * (3 + 1));
            assertThat(s.pagesInUse()).isEqualTo(501);
            assertThat(s.lookupAndLock(old.subList(1, 3)).popcount()).as("gone by TTL").isZero();

            s.unlock(old.subList(0, 1));
            assertThat(s.pagesInUse()).as("the locked one goes with its last lock").isEqualTo(500);
            assertThat(s.lookupAndLock(old.subList(0, 1)).popcount()).isZero();
            assertThat(s.reap(between + timeout, sender -> true)).as("nothing else is that old").isZero();
        }
    }
}
