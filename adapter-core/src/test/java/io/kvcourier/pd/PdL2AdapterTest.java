package io.kvcourier.pd;

import io.kvcourier.channel.ControllableChannel;
import io.kvcourier.channel.ControllableChannel.Step;
import io.kvcourier.channel.MockMemoryChannel;
import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.Poll;
import io.kvcourier.testkit.TaskWaiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class PdL2AdapterTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void submitStoreAndPop() {
        try (PdPair p = new PdPair(); TaskWaiter w = new TaskWaiter(p.sender)) {
            long id = p.sender.submitStoreTask(PdPair.keys("a", 3), p.randomChunks(3));
            assertThat(w.awaitStore(id, WAIT)).isTrue();
        }
    }

    @Test
    void popClearsResults() {
        try (PdPair p = new PdPair(); TaskWaiter w = new TaskWaiter(p.sender)) {
            long id = p.sender.submitStoreTask(PdPair.keys("a", 1), p.randomChunks(1));
            assertThat(w.awaitStore(id, WAIT)).isTrue();
            assertThat(p.sender.popCompletedStoreTasks()).isEmpty();
        }
    }

    @Test
    void taskIdsMonotonic() {
        try (PdPair p = new PdPair()) {
            long a = p.sender.submitStoreTask(PdPair.keys("x", 1), p.randomChunks(1));
            long b = p.sender.submitLookupAndLockTask(PdPair.keys("x", 1));
            long c = p.sender.submitLoadTask(PdPair.keys("x", 1), p.emptyChunks(1));
            long d = p.sender.submitStoreTask(PdPair.keys("y", 1), p.randomChunks(1));
            assertThat(a).isZero();
            assertThat(List.of(a, b, c, d)).containsExactly(0L, 1L, 2L, 3L);
        }
    }

    @Test
    void queryUnknownTaskReturnsNull() {
        try (PdPair p = new PdPair()) {
            assertThat(p.receiver.queryLookupAndLockResult(12345)).isNull();
            assertThat(p.receiver.queryLoadResult(12345)).isNull();
            assertThat(p.receiver.popCompletedStoreTasks()).isEmpty();
        }
    }

    @Test
    void eventfdSignalsOnComplete() throws Exception {
        try (PdPair p = new PdPair()) {
            int fd = p.sender.storeEventFd();
            {
                assertThat(FdProbe.read(fd)).as("EAGAIN before any completion").isZero();
                int n = 4;
                Set<Long> ids = new HashSet<>();
                for (int i = 0; i < n; i++) {
                    ids.add(p.sender.submitStoreTask(PdPair.keys("e" + i, 1), p.randomChunks(1)));
                }
                // Collect the results first (they are recorded before the fd is written), then read the fd once.
                Map<Long, Boolean> done = new ConcurrentHashMap<>();
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (done.size() < n && System.nanoTime() < deadline) {
                    done.putAll(p.sender.popCompletedStoreTasks());
                    Thread.onSpinWait();
                }
                assertThat(done.keySet()).isEqualTo(ids);
                assertThat(FdProbe.read(fd)).as("one read returns N").isEqualTo(n);
                assertThat(FdProbe.read(fd)).isZero();
            }
        }
    }

    @Test
    void submitLookupAndQuery() {
        try (PdPair p = new PdPair(); TaskWaiter ws = new TaskWaiter(p.sender); TaskWaiter wr = new TaskWaiter(p.receiver)) {
            List<ObjectKey> stored = PdPair.keys("s", 2);
            assertThat(ws.awaitStore(p.sender.submitStoreTask(stored, p.randomChunks(2)), WAIT)).isTrue();
            List<ObjectKey> asked = List.of(stored.get(0), PdPair.keys("absent", 1).get(0), stored.get(1));
            long id = p.receiver.submitLookupAndLockTask(asked);
            Bitmap bits = wr.awaitLookup(id, WAIT);
            assertThat(bits).isNotNull();
            assertThat(bits.size()).isEqualTo(3);
            assertThat(bits.test(0)).isTrue();
            assertThat(bits.test(1)).isFalse();
            assertThat(bits.test(2)).isTrue();
            assertThat(p.receiver.queryLookupAndLockResult(id)).as("returned once").isNull();
        }
    }

    @Test
    void submitLoadAndQuery() {
        try (PdPair p = new PdPair(); TaskWaiter ws = new TaskWaiter(p.sender); TaskWaiter wr = new TaskWaiter(p.receiver)) {
            List<ObjectKey> keys = PdPair.keys("l", 2);
            List<MemoryObj> src = p.randomChunks(2);
            assertThat(ws.awaitStore(p.sender.submitStoreTask(keys, src), WAIT)).isTrue();
            List<MemoryObj> dst = p.emptyChunks(3);
            List<ObjectKey> asked = List.of(keys.get(0), PdPair.keys("absent", 1).get(0), keys.get(1));
            long id = p.receiver.submitLoadTask(asked, dst);
            Bitmap bits = wr.awaitLoad(id, WAIT);
            assertThat(bits.test(0)).isTrue();
            assertThat(bits.test(1)).isFalse();
            assertThat(bits.test(2)).isTrue();
            assertThat(PdPair.sameBytes(src.get(0), dst.get(0), PdPair.CHUNK)).isTrue();
            assertThat(PdPair.sameBytes(src.get(1), dst.get(2), PdPair.CHUNK)).isTrue();
            assertThat(p.receiver.queryLoadResult(id)).isNull();
        }
    }

    @Test
    void endToEndStoreLookupLoadUnlockFreesPages() {
        try (PdPair p = new PdPair(); TaskWaiter ws = new TaskWaiter(p.sender); TaskWaiter wr = new TaskWaiter(p.receiver)) {
            int n = 8;
            List<ObjectKey> keys = PdPair.keys("e2e", n);
            List<MemoryObj> src = p.randomChunks(n);
            assertThat(ws.awaitStore(p.sender.submitStoreTask(keys, src, new TransferSpec("req-1", true, n)), WAIT)).isTrue();
            assertThat(p.receiver.reportStatus()).containsEntry("data_count", n);
            assertThat(p.sender.reportStatus()).as("a finished request's cancel record is dropped")
                    .containsEntry("cancellable_requests", 0);

            Bitmap found = wr.awaitLookup(p.receiver.submitLookupAndLockTask(keys), WAIT);
            assertThat(found.popcount()).isEqualTo(n);
            List<MemoryObj> dst = p.emptyChunks(n);
            Bitmap loaded = wr.awaitLoad(p.receiver.submitLoadTask(keys, dst), WAIT);
            assertThat(loaded.popcount()).isEqualTo(n);
            for (int i = 0; i < n; i++) {
                assertThat(PdPair.sameBytes(src.get(i), dst.get(i), PdPair.CHUNK)).as("chunk %d", i).isTrue();
            }
            assertThat(p.receiver.reportStatus()).containsEntry("pages_in_use", n);
            p.receiver.submitUnlock(keys);
            assertThat(p.receiver.reportStatus()).as("loaded and unlocked pages are freed")
                    .containsEntry("pages_in_use", 0).containsEntry("data_count", 0);
            p.receiver.submitUnlock(keys); // idempotent, never fails
        }
    }

    @Test
    void aLookupResultNobodyCollectsExpiresAndReleasesItsLocks() {
        try (PdPair p = new PdPair(PdPair.DEFAULT_CHANNEL, m -> m.put("result_ttl_sec", 0.3), m -> { });
             TaskWaiter ws = new TaskWaiter(p.sender); TaskWaiter wr = new TaskWaiter(p.receiver)) {
            List<ObjectKey> keys = PdPair.keys("ttl", 3);
            assertThat(ws.awaitStore(p.sender.submitStoreTask(keys, p.randomChunks(3)), WAIT)).isTrue();
            long forgotten = p.receiver.submitLookupAndLockTask(keys); // locks 3 keys; its result is never queried
            Poll.until(() -> ((Number) p.receiver.reportStatus().get("results_expired")).longValue() != 0,
                    WAIT); // a counter the TTL sweep sets
            assertThat(p.receiver.reportStatus()).containsEntry("results_expired", 1L)
                    .containsEntry("locks_released_by_ttl", 3L);
            assertThat(p.receiver.queryLookupAndLockResult(forgotten)).as("an expired result is gone").isNull();
            // With the lookup's locks gone, loading the keys frees their pages (a locked page would stay).
            assertThat(wr.awaitLoad(p.receiver.submitLoadTask(keys, p.emptyChunks(3)), WAIT).popcount()).isEqualTo(3);
            assertThat(p.receiver.reportStatus()).containsEntry("pages_in_use", 0);
            // A result collected in time is never expired.
            assertThat(wr.awaitLookup(p.receiver.submitLookupAndLockTask(PdPair.keys("none", 1)), WAIT).popcount())
                    .isZero();
        }
    }

    @Test
    void aSendersRecordOfARequestWhoseLastBatchNeverComesExpiresAfterTheRequestTimeout() {
        try (PdPair p = new PdPair(PdPair.DEFAULT_CHANNEL, m -> { }, m -> m.put("request_timeout_sec", 0.5));
             TaskWaiter ws = new TaskWaiter(p.sender)) {
            assertThat(ws.awaitStore(p.sender.submitStoreTask(PdPair.keys("open", 2), p.randomChunks(2),
                    new TransferSpec("never-finished", false, 4)), WAIT)).isTrue();
            assertThat(p.sender.reportStatus()).containsEntry("cancellable_requests", 1);
            Poll.until(() -> (int) p.sender.reportStatus().get("cancellable_requests") == 0,
                    WAIT); // a counter the sweep sets
            assertThat(p.sender.reportStatus()).as("forgotten after request_timeout_sec")
                    .containsEntry("cancellable_requests", 0);
        }
    }

    @Test
    void partialLastChunkLoadsExactlyTheStoredLength() {
        try (PdPair p = new PdPair(); TaskWaiter ws = new TaskWaiter(p.sender); TaskWaiter wr = new TaskWaiter(p.receiver)) {
            MemoryObj full = p.kvChunk(2, 16, 512);    // 2*2*16*512*2 = 64 KiB = one page
            MemoryObj partial = p.kvChunk(2, 5, 512);  // 5 of 16 tokens
            List<ObjectKey> keys = PdPair.keys("kv", 2);
            assertThat(ws.awaitStore(p.sender.submitStoreTask(keys, List.of(full, partial)), WAIT)).isTrue();
            MemoryObj dst = p.emptyChunk(PdPair.CHUNK);
            dst.segment().fill((byte) 0x5A);
            Bitmap b = wr.awaitLoad(p.receiver.submitLoadTask(List.of(keys.get(1)), List.of(dst)), WAIT);
            assertThat(b.test(0)).isTrue();
            long len = partial.shapeBytes();
            assertThat(PdPair.sameBytes(partial, dst, len)).isTrue();
            assertThat(dst.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, len)).as("nothing past the stored length")
                    .isEqualTo((byte) 0x5A);
        }
    }

    @Test
    void concurrentSubmits() throws Exception {
        try (PdPair p = new PdPair(); TaskWaiter ws = new TaskWaiter(p.sender)) {
            int threads = 4;
            int perThread = 5;
            Set<Long> ids = ConcurrentHashMap.newKeySet();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int tt = t;
                ts.add(Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < perThread; i++) {
                        ids.add(p.sender.submitStoreTask(PdPair.keys("c" + tt + "-" + i, 1), p.randomChunks(1)));
                    }
                }));
            }
            go.countDown();
            for (Thread t : ts) {
                t.join(10_000);
            }
            assertThat(ids).hasSize(threads * perThread);
            for (long id : ids) {
                assertThat(ws.awaitStore(id, WAIT)).as("task %d", id).isTrue();
            }
            assertThat(p.sender.popCompletedStoreTasks()).isEmpty();
        }
    }

    @Test
    void distinctFdsAndCloseReleasesThemIdempotently() {
        PdPair p = new PdPair();
        int[] fds = {p.sender.storeEventFd(), p.sender.lookupAndLockEventFd(), p.sender.loadEventFd(),
                p.receiver.storeEventFd(), p.receiver.lookupAndLockEventFd(), p.receiver.loadEventFd()};
        assertThat(fds).doesNotHaveDuplicates();
        assertThat(java.util.Arrays.stream(fds).min().orElseThrow()).isPositive();
        p.close();
        for (int fd : fds) {
            assertThat(Files.exists(Path.of("/proc/self/fd/" + fd))).as("fd %d closed", fd).isFalse();
        }
        p.sender.close();
        p.receiver.close();
        assertThatThrownBy(() -> p.sender.submitStoreTask(List.of(), List.of()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void roleByOperation() {
        try (PdPair p = new PdPair(); TaskWaiter ws = new TaskWaiter(p.sender); TaskWaiter wr = new TaskWaiter(p.receiver)) {
            long r = p.receiver.submitStoreTask(PdPair.keys("r", 1), p.randomChunks(1));
            assertThat(wr.awaitStore(r, WAIT)).as("a receiver's store completes at once with true").isTrue();
            Bitmap look = ws.awaitLookup(p.sender.submitLookupAndLockTask(PdPair.keys("r", 2)), WAIT);
            assertThat(look.size()).isEqualTo(2);
            assertThat(look.popcount()).isZero();
            Bitmap load = ws.awaitLoad(p.sender.submitLoadTask(PdPair.keys("r", 2), p.emptyChunks(2)), WAIT);
            assertThat(load.popcount()).isZero();
            p.sender.submitUnlock(PdPair.keys("r", 2));
        }
    }

    @Test
    void rejectsMismatchedListsAndConfinedSegments() {
        try (PdPair p = new PdPair(); Arena confined = Arena.ofConfined()) {
            assertThatThrownBy(() -> p.sender.submitStoreTask(PdPair.keys("m", 2), p.randomChunks(1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("differ in length");
            MemorySegment seg = confined.allocate(64);
            assertThatThrownBy(() -> MemoryObj.ofBytes(seg)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("confined");
            assertThatThrownBy(() -> p.sender.submitStoreTask(PdPair.keys("m", 1), p.randomChunks(1),
                    new TransferSpec("req", true, 0))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("totalChunks");
        }
    }

    @Test
    void duplicateKeysAreNotWrittenAgainAndStillSucceed() {
        ControllableChannel ch = new ControllableChannel();
        try (PdPair p = new PdPair(ch, m -> { }, m -> { }); TaskWaiter ws = new TaskWaiter(p.sender)) {
            List<ObjectKey> keys = PdPair.keys("dup", 3);
            assertThat(ws.awaitStore(p.sender.submitStoreTask(keys, p.randomChunks(3)), WAIT)).isTrue();
            int writes = ch.writes();
            assertThat(ws.awaitStore(p.sender.submitStoreTask(keys, p.randomChunks(3)), WAIT)).isTrue();
            assertThat(ch.writes()).as("nothing written for keys the receiver has").isEqualTo(writes);
            assertThat(p.receiver.reportStatus()).containsEntry("data_count", 3);
        }
    }

    @Test
    void aDuplicateOfKeysStillInFlightIsAnsweredOnlyOnceTheyCommitted() throws Exception {
        ControllableChannel ch = new ControllableChannel().hold();
        try (PdPair p = new PdPair(ch, m -> m.put("transfer_timeout_sec", 30), m -> m.put("transfer_timeout_sec", 30));
             TaskWaiter ws = new TaskWaiter(p.sender); TaskWaiter wr = new TaskWaiter(p.receiver)) {
            List<ObjectKey> k = PdPair.keys("inflight", 4);
            long first = p.sender.submitStoreTask(k.subList(0, 3), p.randomChunks(3));
            assertThat(ch.awaitHeld(10, TimeUnit.SECONDS)).isTrue();
            List<MemoryObj> later = p.randomChunks(3);
            long second = p.sender.submitStoreTask(k.subList(1, 4), later);
            assertThat(Poll.until(() -> PdPair.status(p.receiver, "waiting_allocations") == 1, WAIT))
                    .as("the receiver holds the reply while two of its keys are in flight").isTrue();
            assertThat(p.sender.popCompletedStoreTasks()).isEmpty();
            ch.release();
            assertThat(ws.awaitStore(first, WAIT)).isTrue();
            assertThat(ws.awaitStore(second, WAIT)).as("true: every key is visible on the receiver").isTrue();
            assertThat(wr.awaitLookup(p.receiver.submitLookupAndLockTask(k), WAIT).popcount()).isEqualTo(4);
            assertThat(ch.writes()).as("one write each; the second only for its new key").isEqualTo(2);
            assertThat(PdPair.status(p.receiver, "committed_bytes")).isEqualTo(4 * PdPair.CHUNK);
            List<MemoryObj> dst = p.emptyChunks(1);
            assertThat(wr.awaitLoad(p.receiver.submitLoadTask(k.subList(3, 4), dst), WAIT).popcount()).isEqualTo(1);
            assertThat(PdPair.sameBytes(later.get(2), dst.get(0), PdPair.CHUNK)).isTrue();
        }
    }

    @Test
    void aDuplicateOfKeysWhoseRequestIsCancelledInFlightIsAllocatedAfreshAndWritten() throws Exception {
        ControllableChannel ch = new ControllableChannel().hold();
        try (PdPair p = new PdPair(ch, m -> m.put("transfer_timeout_sec", 30), m -> m.put("transfer_timeout_sec", 30));
             PdL2Adapter other = new PdL2Adapter(PdL2AdapterConfig.fromMap(otherSender(p)), ch);
             TaskWaiter ws = new TaskWaiter(p.sender); TaskWaiter wo = new TaskWaiter(other);
             TaskWaiter wr = new TaskWaiter(p.receiver)) {
            List<ObjectKey> k = PdPair.keys("afresh", 2);
            long first = p.sender.submitStoreTask(k, p.randomChunks(2), new TransferSpec("first", true, 2));
            assertThat(ch.awaitHeld(10, TimeUnit.SECONDS)).isTrue();
            List<MemoryObj> mine = p.randomChunks(2);
            long second = other.submitStoreTask(k, mine);
            assertThat(Poll.until(() -> PdPair.status(p.receiver, "waiting_allocations") == 1, WAIT)).isTrue();
            assertThat(p.sender.cancelRequest("first")).isEqualTo(1);
            assertThat(Poll.until(() -> ch.writes() == 2, WAIT)).as("the other sender got pages of its own").isTrue();
            ch.release();
            assertThat(wo.awaitStore(second, WAIT)).isTrue();
            assertThat(ws.awaitStore(first, WAIT)).as("the cancelled transfer does not commit").isFalse();
            List<MemoryObj> dst = p.emptyChunks(2);
            assertThat(wr.awaitLoad(p.receiver.submitLoadTask(k, dst), WAIT).popcount()).isEqualTo(2);
            for (int i = 0; i < 2; i++) {
                assertThat(PdPair.sameBytes(mine.get(i), dst.get(i), PdPair.CHUNK)).isTrue();
            }
        }
    }

    private static Map<String, Object> otherSender(PdPair p) {
        Map<String, Object> s = PdPair.base("sender");
        s.put("peer_init_port", p.receiver.initPorts());
        s.put("peer_alloc_port", p.receiver.allocPorts());
        s.put("transfer_timeout_sec", 30);
        return s;
    }

    @Test
    void staleReadLookupNeverSeesKeysBeforeTheirBytesLanded() throws Exception {
        ControllableChannel ch = new ControllableChannel().hold();
        try (PdPair p = new PdPair(ch, m -> { }, m -> { }); TaskWaiter ws = new TaskWaiter(p.sender);
             TaskWaiter wr = new TaskWaiter(p.receiver)) {
            List<ObjectKey> keys = PdPair.keys("stale", 4);
            List<MemoryObj> src = p.randomChunks(4);
            long id = p.sender.submitStoreTask(keys, src);
            assertThat(ch.awaitHeld(10, TimeUnit.SECONDS)).isTrue();
            // Pages are allocated on the receiver, but no byte has landed: lookup must not report them.
            Bitmap early = wr.awaitLookup(p.receiver.submitLookupAndLockTask(keys), WAIT);
            assertThat(early.popcount()).isZero();
            assertThat(p.sender.popCompletedStoreTasks()).as("store not complete before commit").isEmpty();
            ch.release();
            assertThat(ws.awaitStore(id, WAIT)).isTrue();
            Bitmap late = wr.awaitLookup(p.receiver.submitLookupAndLockTask(keys), WAIT);
            assertThat(late.popcount()).isEqualTo(4);
            List<MemoryObj> dst = p.emptyChunks(4);
            assertThat(wr.awaitLoad(p.receiver.submitLoadTask(keys, dst), WAIT).popcount()).isEqualTo(4);
            for (int i = 0; i < 4; i++) {
                assertThat(PdPair.sameBytes(src.get(i), dst.get(i), PdPair.CHUNK)).isTrue();
            }
        }
    }

    @Test
    void droppedTransferFailsWithinTheDeadlineAndTheNextTaskSucceeds() throws InterruptedException {
        ControllableChannel ch = new ControllableChannel().then(Step.DROP);
        try (PdPair p = new PdPair(ch, m -> m.put("transfer_timeout_sec", 1), m -> m.put("transfer_timeout_sec", 1));
             TaskWaiter ws = new TaskWaiter(p.sender); TaskWaiter wr = new TaskWaiter(p.receiver)) {
            List<ObjectKey> lost = PdPair.keys("lost", 2);
            long t0 = System.nanoTime();
            assertThat(ws.awaitStore(p.sender.submitStoreTask(lost, p.randomChunks(2)), WAIT)).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
            assertThat(wr.awaitLookup(p.receiver.submitLookupAndLockTask(lost), WAIT).popcount()).isZero();
            // The receiver reaps the lost allocation at its own deadline and fences the sender then, which fails
            // whatever that sender has in flight at that moment (FAILURES.md): the next task comes after it.
            assertThat(Poll.until(() -> PdPair.status(p.receiver, "expired_allocations") == 1, WAIT)).isTrue();
            List<ObjectKey> next = PdPair.keys("next", 2);
            assertThat(ws.awaitStore(p.sender.submitStoreTask(next, p.randomChunks(2)), WAIT)).isTrue();
        }
    }

    @Test
    void partialWriteIsNeverCommittedAndItsPagesAreReclaimed() {
        ControllableChannel ch = new ControllableChannel().then(Step.PARTIAL);
        try (PdPair p = new PdPair(ch, m -> m.put("transfer_timeout_sec", 1), m -> m.put("transfer_timeout_sec", 1));
             TaskWaiter ws = new TaskWaiter(p.sender); TaskWaiter wr = new TaskWaiter(p.receiver)) {
            List<ObjectKey> keys = PdPair.keys("partial", 2);
            assertThat(ws.awaitStore(p.sender.submitStoreTask(keys, p.randomChunks(2)), WAIT)).isFalse();
            assertThat(wr.awaitLookup(p.receiver.submitLookupAndLockTask(keys), WAIT).popcount()).isZero();
            Poll.until(() -> (int) p.receiver.reportStatus().get("pages_in_use") == 0, WAIT); // the reaper frees them
            assertThat(p.receiver.reportStatus()).containsEntry("pages_in_use", 0)
                    .containsEntry("expired_allocations", 1L);
        }
    }

    @Test
    void failedWriteFailsTheTaskAndTheReceiverReclaimsThePages() {
        ControllableChannel ch = new ControllableChannel().then(Step.FAIL);
        try (PdPair p = new PdPair(ch, m -> m.put("transfer_timeout_sec", 1), m -> { });
             TaskWaiter ws = new TaskWaiter(p.sender)) {
            assertThat(ws.awaitStore(p.sender.submitStoreTask(PdPair.keys("f", 2), p.randomChunks(2)), WAIT)).isFalse();
            assertThat(ws.awaitStore(p.sender.submitStoreTask(PdPair.keys("g", 2), p.randomChunks(2)), WAIT)).isTrue();
        }
    }

    @Test
    void lostAcknowledgementFailsTheStoreWithinTheDeadline() {
        ControllableChannel ch = new ControllableChannel().then(Step.LOSE_ACK);
        try (PdPair p = new PdPair(ch, m -> { }, m -> m.put("transfer_timeout_sec", 1));
             TaskWaiter ws = new TaskWaiter(p.sender)) {
            assertThat(ws.awaitStore(p.sender.submitStoreTask(PdPair.keys("ack", 1), p.randomChunks(1)), WAIT)).isFalse();
            assertThat(ch.landed()).isEqualTo(1);
        }
    }

    @Test
    void allocationTimeoutTurnsIntoAFailedTaskWithoutHanging() {
        // 4 pages on the receiver; a request that declares 6 chunks can never be admitted.
        try (PdPair p = new PdPair(MockMemoryChannel.FACTORY, m -> {
            m.put("buffer_size", 4 * PdPair.CHUNK);
            m.put("allocation_timeout_sec", 1);
        }, m -> m.put("allocation_timeout_sec", 1)); TaskWaiter ws = new TaskWaiter(p.sender)) {
            long t0 = System.nanoTime();
            long id = p.sender.submitStoreTask(PdPair.keys("big", 2), p.randomChunks(2), new TransferSpec("big", false, 6));
            assertThat(ws.awaitStore(id, WAIT)).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
        }
    }

    @Test
    void admissionWaitsForRoomThenSucceeds() {
        try (PdPair p = new PdPair(MockMemoryChannel.FACTORY, m -> {
            m.put("buffer_size", 4 * PdPair.CHUNK);
            m.put("allocation_timeout_sec", 10);
        }, m -> m.put("allocation_timeout_sec", 10)); TaskWaiter ws = new TaskWaiter(p.sender);
             TaskWaiter wr = new TaskWaiter(p.receiver)) {
            List<ObjectKey> first = PdPair.keys("first", 4);
            assertThat(ws.awaitStore(p.sender.submitStoreTask(first, p.randomChunks(4)), WAIT)).isTrue();
            // The buffer is full of committed keys; lock them so admission cannot evict them.
            assertThat(wr.awaitLookup(p.receiver.submitLookupAndLockTask(first), WAIT).popcount()).isEqualTo(4);
            long id = p.sender.submitStoreTask(PdPair.keys("second", 2), p.randomChunks(2), new TransferSpec("r2", true, 2));
            assertThat(ws.awaitStore(id, Duration.ofMillis(300))).as("waits while no room").isNull();
            assertThat(wr.awaitLoad(p.receiver.submitLoadTask(first, p.emptyChunks(4)), WAIT).popcount()).isEqualTo(4);
            p.receiver.submitUnlock(first); // loaded + unlocked -> freed -> admission proceeds
            assertThat(ws.awaitStore(id, WAIT)).isTrue();
        }
    }

    /**
     * Issue 13 point 3: an allocation waiting for room holds neither the rank nor the tasks behind it: a later task
     * to the same rank waits too (it does not fail at once), and both are answered, in order, when room comes.
     */
    @Test
    void anAllocationWaitingForRoomDoesNotFailOtherTasksToTheSameRank() {
        try (PdPair p = new PdPair(MockMemoryChannel.FACTORY, m -> {
            m.put("buffer_size", 4 * PdPair.CHUNK);
            m.put("allocation_timeout_sec", 10);
        }, m -> m.put("allocation_timeout_sec", 10)); TaskWaiter ws = new TaskWaiter(p.sender);
             TaskWaiter wr = new TaskWaiter(p.receiver)) {
            List<ObjectKey> first = PdPair.keys("full", 4);
            assertThat(ws.awaitStore(p.sender.submitStoreTask(first, p.randomChunks(4)), WAIT)).isTrue();
            assertThat(wr.awaitLookup(p.receiver.submitLookupAndLockTask(first), WAIT).popcount()).isEqualTo(4);
            long waiting = p.sender.submitStoreTask(PdPair.keys("waits", 2), p.randomChunks(2),
                    new TransferSpec("w1", true, 2));
            long behind = p.sender.submitStoreTask(PdPair.keys("behind", 1), p.randomChunks(1),
                    new TransferSpec("w2", true, 1));
            assertThat(ws.awaitStore(behind, Duration.ofMillis(300))).as("the later task waits, it does not fail")
                    .isNull();
            assertThat(ws.awaitStore(waiting, Duration.ofMillis(1))).isNull();
            assertThat(wr.awaitLoad(p.receiver.submitLoadTask(first, p.emptyChunks(4)), WAIT).popcount()).isEqualTo(4);
            p.receiver.submitUnlock(first);
            assertThat(ws.awaitStore(waiting, WAIT)).isTrue();
            assertThat(ws.awaitStore(behind, WAIT)).isTrue();
        }
    }

    @Test
    void reservationOverflowRollsTheRequestBack() {
        try (PdPair p = new PdPair(); TaskWaiter ws = new TaskWaiter(p.sender); TaskWaiter wr = new TaskWaiter(p.receiver)) {
            List<ObjectKey> a = PdPair.keys("ov-a", 2);
            assertThat(ws.awaitStore(p.sender.submitStoreTask(a, p.randomChunks(2), new TransferSpec("ov", false, 3)), WAIT))
                    .isTrue();
            // 2 + 2 > 3 declared chunks: the receiver refuses and rolls back the whole request.
            List<ObjectKey> b = PdPair.keys("ov-b", 2);
            assertThat(ws.awaitStore(p.sender.submitStoreTask(b, p.randomChunks(2), new TransferSpec("ov", true, 3)), WAIT))
                    .isFalse();
            List<ObjectKey> all = new ArrayList<>(a);
            all.addAll(b);
            assertThat(wr.awaitLookup(p.receiver.submitLookupAndLockTask(all), WAIT).popcount()).isZero();
            assertThat(p.receiver.reportStatus()).containsEntry("reserved_pages", 0).containsEntry("pages_in_use", 0);
        }
    }

    @Test
    void cancelRequestFreesWhatWasAllocated() {
        try (PdPair p = new PdPair(); TaskWaiter ws = new TaskWaiter(p.sender); TaskWaiter wr = new TaskWaiter(p.receiver)) {
            List<ObjectKey> keys = PdPair.keys("cancel", 3);
            assertThat(ws.awaitStore(p.sender.submitStoreTask(keys, p.randomChunks(3), new TransferSpec("c1", false, 5)), WAIT))
                    .isTrue();
            assertThat(p.receiver.reportStatus()).containsEntry("reserved_pages", 2);
            assertThat(p.sender.reportStatus()).containsEntry("cancellable_requests", 1);
            assertThat(p.sender.cancelRequest("c1")).isEqualTo(1);
            assertThat(p.sender.reportStatus()).containsEntry("cancellable_requests", 0);
            assertThat(wr.awaitLookup(p.receiver.submitLookupAndLockTask(keys), WAIT).popcount()).isZero();
            assertThat(p.receiver.reportStatus()).containsEntry("reserved_pages", 0).containsEntry("pages_in_use", 0);
        }
    }

    @Test
    void tensorParallelKeysRouteToTheirRanksPorts() {
        Map<String, Object> r = PdPair.base("receiver");
        r.put("peer_init_port", List.of(0, 0));
        r.put("peer_alloc_port", List.of(0, 0));
        try (PdL2Adapter receiver = new PdL2Adapter(PdL2AdapterConfig.fromMap(r), MockMemoryChannel.FACTORY)) {
            Map<String, Object> s = PdPair.base("sender");
            s.put("peer_init_port", receiver.initPorts());
            s.put("peer_alloc_port", receiver.allocPorts());
            assertThat(receiver.allocPorts()).hasSize(2).doesNotHaveDuplicates();
            try (PdL2Adapter sender = new PdL2Adapter(PdL2AdapterConfig.fromMap(s), MockMemoryChannel.FACTORY);
                 PdPair helper = new PdPair(); TaskWaiter ws = new TaskWaiter(sender); TaskWaiter wr = new TaskWaiter(receiver)) {
                List<ObjectKey> keys = new ArrayList<>(PdPair.keys("tp", 2, 0));            // rank 0
                keys.addAll(PdPair.keys("tp", 2, (2 << 24) | (1 << 16)));                   // rank 1
                List<MemoryObj> src = helper.randomChunks(4);
                assertThat(ws.awaitStore(sender.submitStoreTask(keys, src, new TransferSpec("tp", true, 4)), WAIT)).isTrue();
                List<MemoryObj> dst = helper.emptyChunks(4);
                assertThat(wr.awaitLoad(receiver.submitLoadTask(keys, dst), WAIT).popcount()).isEqualTo(4);
                for (int i = 0; i < 4; i++) {
                    assertThat(PdPair.sameBytes(src.get(i), dst.get(i), PdPair.CHUNK)).isTrue();
                }
                // A key for rank 5 has no port: a clear task failure.
                List<ObjectKey> bad = PdPair.keys("tp5", 1, 5 << 16);
                assertThat(ws.awaitStore(sender.submitStoreTask(bad, helper.randomChunks(1)), WAIT)).isFalse();
            }
        }
    }

    @Test
    void closeWithATaskInFlightFailsItWithinTheShutdownDeadline() throws Exception {
        ControllableChannel ch = new ControllableChannel().hold();
        PdPair p = new PdPair(ch, m -> { }, m -> m.put("transfer_timeout_sec", 30));
        try (TaskWaiter _ = new TaskWaiter(p.sender)) {
            long id = p.sender.submitStoreTask(PdPair.keys("inflight", 1), p.randomChunks(1));
            assertThat(ch.awaitHeld(10, TimeUnit.SECONDS)).isTrue();
            long t0 = System.nanoTime();
            Thread closer = Thread.ofPlatform().start(p.sender::close);
            closer.join(15_000);
            assertThat(closer.isAlive()).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
            assertThat(p.sender.popCompletedStoreTasks()).as("the in-flight task is announced as failed")
                    .containsEntry(id, false);
        } finally {
            ch.release();
            p.close();
        }
    }

    @Test
    void commitListenerHearsEachBatchAfterItCommits() throws Exception {
        ControllableChannel ch = new ControllableChannel().hold();
        // The write is held on purpose: a 2 s transfer deadline expired the allocation first on a loaded machine.
        try (PdPair p = new PdPair(ch, m -> m.put("transfer_timeout_sec", 30), m -> m.put("transfer_timeout_sec", 30));
             TaskWaiter ws = new TaskWaiter(p.sender)) {
            java.util.concurrent.BlockingQueue<List<ObjectKey>> heard = new java.util.concurrent.LinkedBlockingQueue<>();
            p.receiver.setCommitListener(keys -> {
                // Called after the commit: every key must already be visible to lookup.
                Bitmap b = p.receiver.queryLookupAndLockResult(p.receiver.submitLookupAndLockTask(keys));
                p.receiver.submitUnlock(keys);
                if (b != null && b.popcount() == keys.size()) {
                    heard.add(keys);
                }
            });
            List<ObjectKey> keys = PdPair.keys("listen", 3);
            long id = p.sender.submitStoreTask(keys, p.randomChunks(3));
            assertThat(ch.awaitHeld(10, TimeUnit.SECONDS)).isTrue();
            assertThat(heard.poll(200, TimeUnit.MILLISECONDS)).as("nothing before the bytes land").isNull();
            ch.release();
            assertThat(heard.poll(20, TimeUnit.SECONDS)).containsExactlyElementsOf(keys);
            assertThat(ws.awaitStore(id, WAIT)).isTrue();
            assertThatThrownBy(() -> p.sender.setCommitListener(k -> { })).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void aCommittedBatchIsNotEvictedBeforeItsCommitListenerRan() throws Exception {
        try (PdPair p = new PdPair(MockMemoryChannel.FACTORY, m -> {
            m.put("buffer_size", 4 * PdPair.CHUNK);
            m.put("allocation_timeout_sec", 1);
        }, m -> m.put("allocation_timeout_sec", 1)); TaskWaiter ws = new TaskWaiter(p.sender)) {
            CountDownLatch listenerMayReturn = new CountDownLatch(1);
            CountDownLatch listenerEntered = new CountDownLatch(1);
            p.receiver.setCommitListener(keys -> {
                listenerEntered.countDown();
                try {
                    listenerMayReturn.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            List<ObjectKey> first = PdPair.keys("pinned", 4);
            assertThat(ws.awaitStore(p.sender.submitStoreTask(first, p.randomChunks(4)), WAIT)).isTrue();
            assertThat(listenerEntered.await(10, TimeUnit.SECONDS)).isTrue();
            // The buffer is full of committed keys whose listener has not returned: they must not be evicted.
            assertThat(ws.awaitStore(p.sender.submitStoreTask(PdPair.keys("pressure", 2), p.randomChunks(2)), WAIT))
                    .isFalse();
            assertThat(p.receiver.reportStatus()).containsEntry("data_count", 4);
            listenerMayReturn.countDown();
            // Once the listener returned, the pins are gone and admission may evict the oldest keys again.
            long deadline = System.nanoTime() + WAIT.toNanos();
            Boolean ok = false;
            while (!Boolean.TRUE.equals(ok) && System.nanoTime() < deadline) {
                ok = ws.awaitStore(p.sender.submitStoreTask(PdPair.keys("after", 2), p.randomChunks(2)), WAIT);
            }
            assertThat(ok).isTrue();
        }
    }
}
