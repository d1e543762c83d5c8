package io.kvcourier.reliability;

import io.kvcourier.channel.ControllableChannel;
import io.kvcourier.channel.ControllableChannel.Step;
import io.kvcourier.channel.MockMemoryChannel;
import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.TaskWaiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.kvcourier.testkit.TaskWaiter.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Faults on the data path, injected deterministically with {@link ControllableChannel} over mock_memory:
 * every failure path ends the store task within its deadline, commits nothing partial, returns every page on
 * both sides, and leaves the pair able to transfer again.
 */
@Timeout(120)
class FaultInjectionTest {

    @ParameterizedTest
    @EnumSource(Step.class)
    void everyFailurePathEndsWithinTheDeadlineLeaksNothingAndTheNextTransferSucceeds(Step step) throws Exception {
        ControllableChannel ch = new ControllableChannel().then(step);
        try (Arena arena = Arena.ofShared();
             PdL2Adapter receiver = PdPair.receiver(ch, m -> m.put("transfer_timeout_sec", 1));
             PdL2Adapter sender = PdPair.sender(receiver, ch, m -> m.put("transfer_timeout_sec", 1));
             TaskWaiter ws = new TaskWaiter(sender); TaskWaiter wr = new TaskWaiter(receiver)) {
            // A key committed before the fault: nothing the fault does may touch its bytes.
            List<ObjectKey> bystander = PdPair.keys("bystander-" + step, 1);
            List<MemoryObj> bystanderSrc = PdPair.chunks(arena, 1, 99);
            ch.then(); // the scripted step applies to the first write; deliver the bystander separately below
            List<ObjectKey> keys = PdPair.keys("fault-" + step, 3);
            List<MemoryObj> src = PdPair.chunks(arena, 3, step.ordinal());
            long t0 = System.nanoTime();
            Boolean ok = ws.awaitStore(sender.submitStoreTask(keys, src), WAIT);
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(ok).as("the task completes").isNotNull();
            assertThat(took).as("within the transfer deadline plus slack").isLessThan(Duration.ofSeconds(10));
            // The receiver fences a sender whose allocation expired (all its connections at that moment): wait
            // for that reclaim before the next batch, or the fence may also fail the next batch in flight.
            assertThat(wr.until(() -> PdPair.intStatus(receiver, "pages_in_use") == (step == Step.LOSE_ACK
                    || step == Step.DELIVER ? 3 : 0), WAIT)).as("status %s", receiver.reportStatus()).isTrue();
            assertThat(ws.awaitStore(sender.submitStoreTask(bystander, bystanderSrc), WAIT)).isTrue();

            Bitmap seen = wr.lookup(keys);
            switch (step) {
                case DELIVER -> {
                    assertThat(ok).isTrue();
                    assertThat(seen.popcount()).isEqualTo(3);
                }
                case LOSE_ACK -> {
                    // The receiver committed (the bytes are whole); the sender could not confirm it and says so.
                    assertThat(ok).isFalse();
                    assertThat(seen.popcount()).isEqualTo(3);
                }
                default -> {
                    assertThat(ok).isFalse();
                    assertThat(seen.popcount()).as("nothing partial is ever visible").isZero();
                }
            }
            if (seen.popcount() > 0) {
                List<MemoryObj> dst = PdPair.empty(arena, 3);
                assertThat(wr.load(keys, dst).popcount()).isEqualTo(3);
                for (int i = 0; i < 3; i++) {
                    assertThat(PdPair.crc(dst.get(i))).as("loaded bytes match what was sent")
                            .isEqualTo(PdPair.crc(src.get(i)));
                }
                receiver.submitUnlock(keys); // loaded and unlocked: the pages go back
            }
            List<MemoryObj> bystanderDst = PdPair.empty(arena, 1);
            assertThat(wr.load(bystander, bystanderDst).popcount()).isEqualTo(1);
            assertThat(PdPair.crc(bystanderDst.get(0))).isEqualTo(PdPair.crc(bystanderSrc.get(0)));

            // Pages come back on both sides: the receiver after fencing and reclaiming, the sender at once.
            assertThat(wr.until(() -> PdPair.intStatus(receiver, "pages_in_use") == 0, WAIT))
                    .as("receiver pages reclaimed, status %s", receiver.reportStatus()).isTrue();
            assertThat(PdPair.intStatus(sender, "staging_pages_free"))
                    .isEqualTo(PdPair.intStatus(sender, "staging_pages"));
            assertThat(PdPair.intStatus(receiver, "reserved_pages")).isZero();

            List<ObjectKey> next = PdPair.keys("next-" + step, 2);
            List<MemoryObj> nextSrc = PdPair.chunks(arena, 2, 1000 + step.ordinal());
            assertThat(ws.awaitStore(sender.submitStoreTask(next, nextSrc), WAIT)).as("the pair recovers").isTrue();
            List<MemoryObj> nextDst = PdPair.empty(arena, 2);
            assertThat(wr.load(next, nextDst).popcount()).isEqualTo(2);
            assertThat(PdPair.crc(nextDst.get(1))).isEqualTo(PdPair.crc(nextSrc.get(1)));
        }
    }

    @Test
    void hostileWriteIntoAnotherKeysPageIsRefusedBeforeAnyByteLands() throws Exception {
        ControllableChannel evilChannel = new ControllableChannel().then(Step.REDIRECT);
        try (Arena arena = Arena.ofShared();
             PdL2Adapter receiver = PdPair.receiver(evilChannel, m -> {
                 m.put("buffer_size", 4 * PdPair.SMALL_CHUNK);
                 m.put("transfer_timeout_sec", 1);
             });
             PdL2Adapter victim = PdPair.sender(receiver, MockMemoryChannel.FACTORY, m -> { });
             PdL2Adapter evil = PdPair.sender(receiver, evilChannel, m -> m.put("transfer_timeout_sec", 1));
             TaskWaiter wv = new TaskWaiter(victim); TaskWaiter we = new TaskWaiter(evil);
             TaskWaiter wr = new TaskWaiter(receiver)) {
            List<ObjectKey> keys = PdPair.keys("victim", 1);
            List<MemoryObj> src = PdPair.chunks(arena, 1, 7);
            assertThat(wv.awaitStore(victim.submitStoreTask(keys, src), WAIT)).isTrue(); // page 0
            assertThat(we.awaitStore(evil.submitStoreTask(PdPair.keys("evil", 1), PdPair.chunks(arena, 1, 8)), WAIT))
                    .as("the redirected write is refused").isFalse();
            assertThat(PdPair.status(receiver, "rejected_writes")).isPositive();
            List<MemoryObj> dst = PdPair.empty(arena, 1);
            assertThat(wr.load(keys, dst).popcount()).isEqualTo(1);
            assertThat(PdPair.crc(dst.get(0))).as("the victim's page is untouched").isEqualTo(PdPair.crc(src.get(0)));
            assertThat(wr.until(() -> PdPair.intStatus(receiver, "pages_in_use") == 0, WAIT)).isTrue();
        }
    }

    @Test
    void senderStagingExhaustedWaitsAtMostTheAllocationDeadlineThenRecovers() throws Exception {
        ControllableChannel ch = new ControllableChannel().hold();
        try (Arena arena = Arena.ofShared();
             PdL2Adapter receiver = PdPair.receiver(ch, m -> m.put("transfer_timeout_sec", 30));
             PdL2Adapter sender = PdPair.sender(receiver, ch, m -> {
                 m.put("buffer_size", 2 * PdPair.SMALL_CHUNK);
                 m.put("chunk_bytes", PdPair.SMALL_CHUNK);
                 m.put("allocation_timeout_sec", 1);
                 m.put("transfer_timeout_sec", 30);
             });
             TaskWaiter ws = new TaskWaiter(sender)) {
            long held1 = sender.submitStoreTask(PdPair.keys("held1", 1), PdPair.chunks(arena, 1, 1));
            long held2 = sender.submitStoreTask(PdPair.keys("held2", 1), PdPair.chunks(arena, 1, 2));
            assertThat(ws.until(() -> ch.writes() == 2, WAIT)).as("both staging pages are on the wire").isTrue();
            assertThat(PdPair.intStatus(sender, "staging_pages_free")).isZero();

            long t0 = System.nanoTime();
            long starved1 = sender.submitStoreTask(PdPair.keys("starved1", 1), PdPair.chunks(arena, 1, 3));
            long starved2 = sender.submitStoreTask(PdPair.keys("starved2", 1), PdPair.chunks(arena, 1, 4));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("submit never blocks").isLessThan(Duration.ofSeconds(1));
            assertThat(ws.awaitStore(starved1, WAIT)).isFalse();
            assertThat(ws.awaitStore(starved2, WAIT)).isFalse();
            Duration waited = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(waited).as("waited for pages, at most the allocation deadline plus slack")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(900)).isLessThan(Duration.ofSeconds(10));
            assertThat(ch.writes()).as("starved tasks never reached the wire").isEqualTo(2);

            ch.release();
            assertThat(ws.awaitStore(held1, WAIT)).isTrue();
            assertThat(ws.awaitStore(held2, WAIT)).isTrue();
            assertThat(PdPair.intStatus(sender, "staging_pages_free")).isEqualTo(2);
            // Throughput recovers: more tasks than pages, all succeed once pages cycle.
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                ids.add(sender.submitStoreTask(PdPair.keys("after" + i, 1), PdPair.chunks(arena, 1, 10 + i)));
            }
            int ok = 0;
            for (long id : ids) {
                ok += Boolean.TRUE.equals(ws.awaitStore(id, WAIT)) ? 1 : 0;
            }
            // With 2 pages and a 1 s allocation deadline some may still starve on a loaded machine; most succeed.
            assertThat(ok).isGreaterThanOrEqualTo(2);
            assertThat(PdPair.intStatus(sender, "staging_pages_free")).isEqualTo(2);
        }
    }

    @Test
    void pagesReclaimedAfterTheDeadlineAreFencedSoALateWriteCannotLandInAnotherRequestsPages() throws Exception {
        ControllableChannel slow = new ControllableChannel().hold();
        try (Arena arena = Arena.ofShared();
             PdL2Adapter receiver = PdPair.receiver(slow, m -> {
                 m.put("buffer_size", 2 * PdPair.SMALL_CHUNK);
                 m.put("transfer_timeout_sec", 1);
                 m.put("allocation_timeout_sec", 20);
             });
             PdL2Adapter slowSender = PdPair.sender(receiver, slow, m -> m.put("transfer_timeout_sec", 30));
             PdL2Adapter other = PdPair.sender(receiver, MockMemoryChannel.FACTORY,
                     m -> m.put("allocation_timeout_sec", 20));
             TaskWaiter wSlow = new TaskWaiter(slowSender); TaskWaiter wOther = new TaskWaiter(other);
             TaskWaiter wr = new TaskWaiter(receiver)) {
            List<ObjectKey> slowKeys = PdPair.keys("slow", 2);
            long slowId = slowSender.submitStoreTask(slowKeys, PdPair.chunks(arena, 2, 1));
            assertThat(slow.awaitHeld(20, TimeUnit.SECONDS)).isTrue(); // pages 0 and 1 allocated, bytes "on the wire"

            // The buffer is full; the other request waits for room, which the reclaim of the slow batch makes.
            List<ObjectKey> otherKeys = PdPair.keys("other", 2);
            List<MemoryObj> otherSrc = PdPair.chunks(arena, 2, 2);
            assertThat(wOther.awaitStore(other.submitStoreTask(otherKeys, otherSrc), WAIT)).isTrue();
            assertThat(PdPair.status(receiver, "expired_allocations")).isEqualTo(1);

            slow.release(); // the late write now tries to land in pages that belong to the other request
            assertThat(wSlow.awaitStore(slowId, WAIT)).as("the fenced writer fails").isFalse();
            assertThat(wr.lookup(slowKeys).popcount()).isZero();
            List<MemoryObj> dst = PdPair.empty(arena, 2);
            assertThat(wr.load(otherKeys, dst).popcount()).isEqualTo(2);
            for (int i = 0; i < 2; i++) {
                assertThat(PdPair.crc(dst.get(i))).as("no late byte landed in the new owner's page")
                        .isEqualTo(PdPair.crc(otherSrc.get(i)));
            }
            assertThat(PdPair.intStatus(slowSender, "staging_pages_free"))
                    .isEqualTo(PdPair.intStatus(slowSender, "staging_pages"));
            // The fenced sender reconnects and works again.
            assertThat(wSlow.awaitStore(slowSender.submitStoreTask(PdPair.keys("slow-again", 1),
                    PdPair.chunks(arena, 1, 3)), WAIT)).isTrue();
        }
    }

    @Test
    void receiverDeadMidTransferFailsInFlightTasksInTimeAndASenderRecoversWhenItIsBackOnTheSamePorts() throws Exception {
        ControllableChannel ch = new ControllableChannel().hold();
        PdL2Adapter first = PdPair.receiver(ch, m -> { });
        int allocPort = first.allocPorts().get(0);
        int initPort = first.initPorts().get(0);
        try (Arena arena = Arena.ofShared();
             PdL2Adapter sender = PdPair.sender(first, ch, m -> {
                 m.put("transfer_timeout_sec", 2);
                 m.put("allocation_timeout_sec", 2);
                 m.put("handshake_timeout_sec", 2);
             });
             TaskWaiter ws = new TaskWaiter(sender)) {
            long t0 = System.nanoTime();
            long a = sender.submitStoreTask(PdPair.keys("doomed-a", 1), PdPair.chunks(arena, 1, 1));
            long b = sender.submitStoreTask(PdPair.keys("doomed-b", 2), PdPair.chunks(arena, 2, 2));
            assertThat(ws.until(() -> ch.writes() == 2, WAIT)).isTrue();
            first.close(); // the receiver process is gone with two batches on the wire
            ch.release();
            assertThat(ws.awaitStore(a, WAIT)).isFalse();
            assertThat(ws.awaitStore(b, WAIT)).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("within the transfer deadline plus slack")
                    .isLessThan(Duration.ofSeconds(12));
            assertThat(PdPair.intStatus(sender, "staging_pages_free"))
                    .isEqualTo(PdPair.intStatus(sender, "staging_pages"));
            // With no receiver at all a task fails within the handshake/allocation deadlines.
            assertThat(ws.awaitStore(sender.submitStoreTask(PdPair.keys("nobody", 1), PdPair.chunks(arena, 1, 3)),
                    WAIT)).isFalse();

            try (PdL2Adapter second = PdPair.receiver(ch, m -> {
                m.put("peer_alloc_port", List.of(allocPort));
                m.put("peer_init_port", List.of(initPort));
            }); TaskWaiter wr = new TaskWaiter(second)) {
                List<ObjectKey> keys = PdPair.keys("back", 2);
                List<MemoryObj> src = PdPair.chunks(arena, 2, 4);
                assertThat(ws.awaitStore(sender.submitStoreTask(keys, src), WAIT)).as("the sender recovers").isTrue();
                List<MemoryObj> dst = PdPair.empty(arena, 2);
                assertThat(wr.load(keys, dst).popcount()).isEqualTo(2);
                assertThat(PdPair.crc(dst.get(0))).isEqualTo(PdPair.crc(src.get(0)));
            }
        } finally {
            first.close();
        }
    }

    @Test
    void senderDeadMidRequestIsRolledBackAndOtherSendersKeepBeingServed() throws Exception {
        ControllableChannel ch = new ControllableChannel();
        try (Arena arena = Arena.ofShared();
             PdL2Adapter receiver = PdPair.receiver(ch, m -> {
                 m.put("transfer_timeout_sec", 1);
                 m.put("request_timeout_sec", 1);
             });
             PdL2Adapter survivor = PdPair.sender(receiver, MockMemoryChannel.FACTORY, m -> { });
             TaskWaiter wSurvivor = new TaskWaiter(survivor); TaskWaiter wr = new TaskWaiter(receiver)) {
            PdL2Adapter doomed = PdPair.sender(receiver, ch, m -> m.put("transfer_timeout_sec", 30));
            List<ObjectKey> firstBatch = PdPair.keys("dead-1", 2);
            List<ObjectKey> secondBatch = PdPair.keys("dead-2", 2);
            try (TaskWaiter wd = new TaskWaiter(doomed)) {
                assertThat(wd.awaitStore(doomed.submitStoreTask(firstBatch, PdPair.chunks(arena, 2, 1),
                        new TransferSpec("dying", false, 6)), WAIT)).isTrue();
                ch.then(Step.PARTIAL); // half a chunk lands, then the sender dies mid-batch
                doomed.submitStoreTask(secondBatch, PdPair.chunks(arena, 2, 2), new TransferSpec("dying", false, 6));
                assertThat(wd.until(() -> ch.writes() == 2, WAIT)).isTrue();
            } finally {
                doomed.close();
            }
            // After the transfer deadline the half-written batch is fenced and freed; after the request timeout
            // the rest of the reservation is released. The first, complete batch stays committed.
            assertThat(wr.until(() -> PdPair.intStatus(receiver, "pages_in_use") == 2
                    && PdPair.intStatus(receiver, "reserved_pages") == 0, WAIT))
                    .as("status %s", receiver.reportStatus()).isTrue();
            assertThat(wr.lookup(secondBatch).popcount()).as("a partial chunk never commits").isZero();
            assertThat(wr.lookup(firstBatch).popcount()).isEqualTo(2);
            receiver.submitUnlock(firstBatch);

            List<ObjectKey> keys = PdPair.keys("survivor", 3);
            assertThat(wSurvivor.awaitStore(survivor.submitStoreTask(keys, PdPair.chunks(arena, 3, 3),
                    new TransferSpec("alive", true, 3)), WAIT)).isTrue();
        }
    }

    @Test
    void underRandomDelaysLookupNeverReportsUnlandedBytesAndLoadsMatchChecksums() throws Exception {
        ControllableChannel ch = new ControllableChannel()
                .delays(() -> TimeUnit.MICROSECONDS.toNanos(ThreadLocalRandom.current().nextLong(20_000)));
        for (int i = 0; i < 40; i++) {
            ch.then(i % 5 == 3 ? Step.FAIL_MIDWAY : i % 7 == 5 ? Step.PARTIAL : Step.DELIVER);
        }
        int tasks = 40;
        try (Arena arena = Arena.ofShared();
             PdL2Adapter receiver = PdPair.receiver(ch, m -> {
                 m.put("buffer_size", 128 * PdPair.SMALL_CHUNK);
                 m.put("transfer_timeout_sec", 1);
             });
             PdL2Adapter sender = PdPair.sender(receiver, ch, m -> m.put("transfer_timeout_sec", 1));
             TaskWaiter ws = new TaskWaiter(sender)) {
            Map<ObjectKey, Long> expected = new HashMap<>();
            Map<Long, List<ObjectKey>> keysOf = new HashMap<>();
            List<ObjectKey> all = new ArrayList<>();
            List<Long> ids = new ArrayList<>();
            for (int t = 0; t < tasks; t++) {
                int n = 1 + t % 3;
                List<ObjectKey> keys = PdPair.keys("rnd" + t, n);
                List<MemoryObj> src = PdPair.chunks(arena, n, t);
                for (int i = 0; i < n; i++) {
                    expected.put(keys.get(i), PdPair.crc(src.get(i)));
                }
                all.addAll(keys);
                long id = sender.submitStoreTask(keys, src);
                ids.add(id);
                keysOf.put(id, keys);
            }
            Set<ObjectKey> reported = ConcurrentHashMap.newKeySet();
            AtomicInteger mismatches = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            Thread reader = Thread.ofPlatform().name("stale-reader").start(() -> {
                try (TaskWaiter wr = new TaskWaiter(receiver)) {
                    while (!stop.get()) {
                        List<ObjectKey> candidates = new ArrayList<>();
                        for (ObjectKey k : all) {
                            if (!reported.contains(k)) {
                                candidates.add(k);
                            }
                        }
                        if (candidates.isEmpty()) {
                            return;
                        }
                        Bitmap found = wr.lookup(candidates);
                        List<ObjectKey> hit = new ArrayList<>();
                        for (int i = 0; i < candidates.size(); i++) {
                            if (found.test(i)) {
                                hit.add(candidates.get(i));
                            }
                        }
                        if (hit.isEmpty()) {
                            continue;
                        }
                        List<MemoryObj> dst = PdPair.empty(arena, hit.size());
                        Bitmap loaded = wr.load(hit, dst);
                        for (int i = 0; i < hit.size(); i++) {
                            if (!loaded.test(i) || PdPair.crc(dst.get(i)) != expected.get(hit.get(i))) {
                                mismatches.incrementAndGet();
                            }
                            reported.add(hit.get(i));
                        }
                        receiver.submitUnlock(hit);
                    }
                }
            });
            Set<ObjectKey> failedKeys = new HashSet<>();
            int succeeded = 0;
            for (long id : ids) {
                Boolean ok = ws.awaitStore(id, WAIT);
                assertThat(ok).as("task %d completes", id).isNotNull();
                if (ok) {
                    succeeded++;
                } else {
                    failedKeys.addAll(keysOf.get(id));
                }
            }
            // Let the reader catch up with everything that committed, then stop it.
            Set<ObjectKey> committed = new HashSet<>(all);
            committed.removeAll(failedKeys);
            assertThat(ws.until(() -> reported.containsAll(committed), WAIT)).as("the reader saw every landed key")
                    .isTrue();
            stop.set(true);
            reader.join(30_000);
            assertThat(reader.isAlive()).isFalse();
            assertThat(mismatches.get()).as("every reported key loads the bytes that were sent").isZero();
            assertThat(succeeded).isBetween(1, tasks - 1);
            Set<ObjectKey> leaked = new HashSet<>(reported);
            leaked.retainAll(failedKeys);
            assertThat(leaked).as("keys of failed (partial) transfers are never reported").isEmpty();
        }
    }
}
