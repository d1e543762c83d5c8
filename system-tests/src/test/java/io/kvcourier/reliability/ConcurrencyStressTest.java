package io.kvcourier.reliability;

import io.kvcourier.channel.MockMemoryChannel;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.channel.tcp.TcpChannel;
import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.Poll;
import io.kvcourier.verbs.Epoll;
import io.kvcourier.verbs.gen.libc_h;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.kvcourier.testkit.TaskWaiter.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many caller threads submit store, lookup, load and unlock on a sender and a receiver at once for a bounded
 * time ({@code kvcourier.stressSeconds}, default 20, per channel: mock_memory and tcp). One collector per adapter waits on the three event fds
 * with epoll, reads each eventfd counter, and hands out results. Checked: every task id completes exactly once
 * (no result lost or returned twice), the eventfd counters add up to exactly the number of completions of
 * their kind (no duplicated or missing signal), and every loaded chunk has the checksum of what was stored.
 */
@Timeout(300)
class ConcurrencyStressTest {
    private static final int SECONDS = Integer.getInteger("kvcourier.stressSeconds", 20);

    /** Collects one adapter's results the way a controller does, counting every eventfd signal. */
    private static final class Collector implements AutoCloseable {
        final PdL2Adapter adapter;
        final Map<Long, CompletableFuture<Object>> waiting = new ConcurrentHashMap<>();
        final Set<Long> stores = ConcurrentHashMap.newKeySet();     // ids submitted as stores
        final Set<Long> completed = ConcurrentHashMap.newKeySet();
        final AtomicInteger duplicates = new AtomicInteger();
        final AtomicLong[] signals = {new AtomicLong(), new AtomicLong(), new AtomicLong()};
        final AtomicLong[] completions = {new AtomicLong(), new AtomicLong(), new AtomicLong()};
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;
        final Map<Long, Boolean> storeResults = new ConcurrentHashMap<>();

        Collector(PdL2Adapter adapter) {
            this.adapter = adapter;
            this.thread = Thread.ofPlatform().name("stress-collector").start(this::run);
        }

        CompletableFuture<Object> expect(long id) {
            return waiting.computeIfAbsent(id, k -> new CompletableFuture<>());
        }

        private void complete(long id, Object result, int kind) {
            if (!completed.add(id)) {
                duplicates.incrementAndGet();
                return;
            }
            completions[kind].incrementAndGet();
            expect(id).complete(result);
        }

        private void run() {
            int[] fds = {adapter.storeEventFd(), adapter.lookupAndLockEventFd(), adapter.loadEventFd()};
            try (Arena arena = Arena.ofConfined(); Epoll epoll = Epoll.create(3)) {
                MemorySegment counter = arena.allocate(8, 8);
                for (int i = 0; i < 3; i++) {
                    epoll.add(fds[i], libc_h.EPOLLIN(), i);
                }
                while (running.get()) {
                    int n = epoll.wait(20);
                    for (int i = 0; i < n; i++) {
                        int kind = (int) epoll.data(i);
                        if (libc_h.read(fds[kind], counter, 8) == 8) {
                            signals[kind].addAndGet(counter.get(ValueLayout.JAVA_LONG, 0));
                        }
                    }
                    sweep();
                }
                for (int kind = 0; kind < 3; kind++) { // last signals
                    if (libc_h.read(fds[kind], counter, 8) == 8) {
                        signals[kind].addAndGet(counter.get(ValueLayout.JAVA_LONG, 0));
                    }
                }
                sweep();
            }
        }

        /** Pops stores and queries every outstanding lookup/load (a result may predate its id's registration). */
        private void sweep() {
            for (Map.Entry<Long, Boolean> e : adapter.popCompletedStoreTasks().entrySet()) {
                storeResults.put(e.getKey(), e.getValue());
                complete(e.getKey(), e.getValue(), 0);
            }
            for (Map.Entry<Long, CompletableFuture<Object>> e : waiting.entrySet()) {
                long id = e.getKey();
                if (e.getValue().isDone() || stores.contains(id)) {
                    continue;
                }
                Bitmap b = adapter.queryLookupAndLockResult(id);
                if (b != null) {
                    complete(id, b, 1);
                    if (adapter.queryLookupAndLockResult(id) != null) {
                        duplicates.incrementAndGet();
                    }
                    continue;
                }
                b = adapter.queryLoadResult(id);
                if (b != null) {
                    complete(id, b, 2);
                    if (adapter.queryLoadResult(id) != null) {
                        duplicates.incrementAndGet();
                    }
                }
            }
        }

        @Override
        public void close() {
            running.set(false);
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mock_memory", "tcp"})
    void manyCallersOnBothRolesLoseNothingDuplicateNothingAndCorruptNothing(String channelName) throws Exception {
        TransferChannelFactory channel = channelName.equals("tcp") ? TcpChannel.FACTORY : MockMemoryChannel.FACTORY;
        try (Arena arena = Arena.ofShared();
             PdL2Adapter receiver = PdPair.receiver(channel, m -> {
                 m.put("buffer_size", 64 * PdPair.SMALL_CHUNK);
                 m.put("allocation_timeout_sec", 5);
             });
             PdL2Adapter sender = PdPair.sender(receiver, channel, m -> {
                 m.put("buffer_size", 16 * PdPair.SMALL_CHUNK);
                 m.put("allocation_timeout_sec", 5);
             })) {
            List<MemoryObj> sources = PdPair.chunks(arena, 16, 77);
            long[] crcs = sources.stream().mapToLong(PdPair::crc).toArray();
            Map<ObjectKey, Long> expected = new ConcurrentHashMap<>();
            List<ObjectKey> storedKeys = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicInteger mismatches = new AtomicInteger();
            AtomicInteger verified = new AtomicInteger();
            AtomicInteger keySeq = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> callers = new ArrayList<>();
            List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
            Collector[] both;
            try (Collector cs = new Collector(sender); Collector cr = new Collector(receiver)) {
                for (int t = 0; t < 3; t++) {
                    int seed = t;
                    callers.add(Thread.ofPlatform().name("stress-sender-" + t).start(() -> {
                        SplittableRandom rnd = new SplittableRandom(seed);
                        try {
                            while (!stop.get()) {
                                int n = 1 + rnd.nextInt(3);
                                List<ObjectKey> keys = new ArrayList<>();
                                List<MemoryObj> objs = new ArrayList<>();
                                for (int i = 0; i < n; i++) {
                                    int s = rnd.nextInt(sources.size());
                                    ObjectKey k = ObjectKey.of(("stress-" + keySeq.incrementAndGet()).getBytes(), "m", 0);
                                    expected.put(k, crcs[s]);
                                    keys.add(k);
                                    objs.add(sources.get(s));
                                }
                                long id = sender.submitStoreTask(keys, objs);
                                cs.stores.add(id);
                                Object ok = cs.expect(id).get(60, TimeUnit.SECONDS);
                                if (Boolean.TRUE.equals(ok)) {
                                    storedKeys.addAll(keys);
                                }
                                // The sender's other operations: all-zero results, unlock a no-op.
                                long lid = sender.submitLookupAndLockTask(keys);
                                Bitmap none = (Bitmap) cs.expect(lid).get(60, TimeUnit.SECONDS);
                                if (none.popcount() != 0) {
                                    mismatches.incrementAndGet();
                                }
                                sender.submitUnlock(keys);
                            }
                        } catch (Throwable e) {
                            errors.add(e);
                        }
                    }));
                }
                for (int t = 0; t < 3; t++) {
                    int seed = 100 + t;
                    callers.add(Thread.ofPlatform().name("stress-receiver-" + t).start(() -> {
                        SplittableRandom rnd = new SplittableRandom(seed);
                        try (Arena local = Arena.ofShared()) {
                            List<MemoryObj> dst = PdPair.empty(local, 4);
                            while (!stop.get()) {
                                List<ObjectKey> keys = new ArrayList<>();
                                synchronized (storedKeys) {
                                    for (int i = 0; i < 4 && !storedKeys.isEmpty(); i++) {
                                        keys.add(storedKeys.get(rnd.nextInt(storedKeys.size())));
                                    }
                                }
                                keys.add(ObjectKey.of(new byte[] {(byte) rnd.nextInt(256)}, "absent", 0));
                                long lid = receiver.submitLookupAndLockTask(keys);
                                Bitmap found = (Bitmap) cr.expect(lid).get(60, TimeUnit.SECONDS);
                                List<ObjectKey> hit = new ArrayList<>();
                                for (int i = 0; i < keys.size(); i++) {
                                    if (found.test(i)) {
                                        hit.add(keys.get(i));
                                    }
                                }
                                if (!hit.isEmpty()) {
                                    long did = receiver.submitLoadTask(hit, dst.subList(0, hit.size()));
                                    Bitmap loaded = (Bitmap) cr.expect(did).get(60, TimeUnit.SECONDS);
                                    for (int i = 0; i < hit.size(); i++) {
                                        if (loaded.test(i)) {
                                            verified.incrementAndGet();
                                            if (PdPair.crc(dst.get(i)) != expected.get(hit.get(i))) {
                                                mismatches.incrementAndGet();
                                            }
                                        }
                                    }
                                }
                                receiver.submitUnlock(keys);
                                long rs = receiver.submitStoreTask(List.of(), List.of()); // a receiver's store: true at once
                                cr.stores.add(rs);
                                if (!Boolean.TRUE.equals(cr.expect(rs).get(60, TimeUnit.SECONDS))) {
                                    mismatches.incrementAndGet();
                                }
                            }
                        } catch (Throwable e) {
                            errors.add(e);
                        }
                    }));
                }
                assertThat(new java.util.concurrent.CountDownLatch(1).await(SECONDS, TimeUnit.SECONDS)).isFalse();
                stop.set(true);
                for (Thread t : callers) {
                    t.join(120_000);
                    assertThat(t.isAlive()).as(t.getName() + " finished").isFalse();
                }
                assertThat(errors).isEmpty();
                // Everything submitted has been handed out; wait for the collectors to see the last signals.
                long total = cs.waiting.size() + cr.waiting.size();
                assertThat(Poll.until(() -> cs.completed.size() + cr.completed.size() == total, WAIT)).isTrue();
                both = new Collector[] {cs, cr};
            } // the collectors stop here, before their counts are checked
            for (Collector c : both) {
                assertThat(c.duplicates.get()).as("results handed out twice").isZero();
                assertThat(c.completed).as("every id completed").containsExactlyInAnyOrderElementsOf(c.waiting.keySet());
                for (int kind = 0; kind < 3; kind++) {
                    assertThat(c.signals[kind].get()).as("eventfd signals of kind %d equal completions", kind)
                            .isEqualTo(c.completions[kind].get());
                }
            }
            assertThat(mismatches.get()).as("loaded bytes match, sender bitmaps empty").isZero();
            assertThat(verified.get()).as("the receivers really loaded data").isPositive();
            System.out.printf("ConcurrencyStressTest[" + channelName + "]: %d s, sender tasks %d, receiver tasks %d, chunks verified %d%n",
                    SECONDS, both[0].completed.size(), both[1].completed.size(), verified.get());
        }
    }
}
