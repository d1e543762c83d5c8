package io.kvcourier.reliability;

import io.kvcourier.channel.ControllableChannel;
import io.kvcourier.channel.MockMemoryChannel;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.TaskWaiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.kvcourier.testkit.TaskWaiter.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Opens and closes a sender/receiver pair many times (system property {@code kvcourier.leakIterations},
 * default 1000), some with a store completed (one in ten over the tcp channel) and some with a store in flight when {@code close()} runs, and
 * checks that file descriptors ({@code /proc/self/fd}), platform threads and native staging memory
 * ({@link StagingBuffer#outstandingBytes()}: the JVM's own tools cannot see {@code Arena} memory in-process)
 * return to their baseline, that {@code close()} is idempotent, and that it is bounded by the shutdown deadline.
 */
@Timeout(600)
class LifecycleLeakTest {
    private static final int ITERATIONS = Integer.getInteger("kvcourier.leakIterations", 1000);
    /** One iteration in this many completes a store before closing; one in {@link #INFLIGHT_EVERY} closes mid-store. */
    private static final int STORE_EVERY = 50;
    private static final int INFLIGHT_EVERY = 50;
    /** One iteration in this many uses the tcp channel (selector threads, sockets) with a completed store. */
    private static final int TCP_EVERY = 10;

    private static long fdCount() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /** Platform threads by name, less the virtual-thread carriers the JDK keeps for reuse. */
    private static Map<String, Integer> platformThreads() {
        Map<String, Integer> names = new TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isVirtual() || !t.isAlive()) {
                continue;
            }
            String n = t.getName().replaceAll("\\d+", "#");
            if (n.startsWith("ForkJoinPool") || n.startsWith("VirtualThread-unparker")) {
                continue;
            }
            names.merge(n, 1, Integer::sum);
        }
        return names;
    }

    private static long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D+", ""));
            }
        }
        return -1;
    }

    private static Map<String, Object> small(Map<String, Object> m) {
        m.put("buffer_size", 4 * PdPair.SMALL_CHUNK);
        m.put("shutdown_timeout_sec", 0.5);
        return m;
    }

    private static void openUseClose(int i, Arena arena) throws Exception {
        boolean inflight = i % INFLIGHT_EVERY == INFLIGHT_EVERY - 1;
        boolean tcp = !inflight && i % TCP_EVERY == TCP_EVERY - 1;
        boolean store = i % STORE_EVERY == 0 || tcp;
        ControllableChannel held = inflight ? new ControllableChannel().hold() : null;
        TransferChannelFactory channel = inflight ? held : tcp ? io.kvcourier.channel.tcp.TcpChannel.FACTORY
                : MockMemoryChannel.FACTORY;
        PdL2Adapter receiver = PdPair.receiver(channel, LifecycleLeakTest::small);
        PdL2Adapter sender = PdPair.sender(receiver, channel, m -> small(m).put("transfer_timeout_sec", 30));
        try {
            if (store || inflight) {
                try (TaskWaiter ws = new TaskWaiter(sender)) {
                    long id = sender.submitStoreTask(PdPair.keys("leak" + i, 2), PdPair.chunks(arena, 2, i));
                    if (store) {
                        assertThat(ws.awaitStore(id, WAIT)).as("store %d over %s", i, tcp ? "tcp" : "mock_memory")
                                .isTrue();
                    } else {
                        assertThat(held.awaitHeld(30, TimeUnit.SECONDS)).isTrue();
                        long t0 = System.nanoTime();
                        sender.close(); // the store is on the wire
                        Duration took = Duration.ofNanos(System.nanoTime() - t0);
                        assertThat(took).as("close is bounded by the shutdown deadline").isLessThan(Duration.ofSeconds(5));
                        assertThat(sender.popCompletedStoreTasks()).as("in-flight store announced as failed")
                                .containsEntry(id, false);
                    }
                }
            }
        } finally {
            if (held != null) {
                held.release();
            }
            long t0 = System.nanoTime();
            sender.close();
            sender.close(); // idempotent
            receiver.close();
            receiver.close();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void openAndCloseManyTimesReturnsFdsThreadsAndNativeMemoryToBaseline() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            for (int i = 0; i < 5; i++) {
                openUseClose(i, arena); // warm-up: lazily started JDK threads and class loading
            }
        }
        long fds0 = fdCount();
        Map<String, Integer> threads0 = platformThreads();
        long native0 = StagingBuffer.outstandingBytes();
        long rss0 = rssKiB();
        long t0 = System.nanoTime();
        for (int i = 0; i < ITERATIONS; i++) {
            try (Arena arena = Arena.ofShared()) {
                openUseClose(i, arena);
            }
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
        System.out.printf("LifecycleLeakTest: %d pairs in %d s, RSS %d -> %d KiB (informational)%n", ITERATIONS,
                seconds, rss0, rssKiB());
        assertThat(StagingBuffer.outstandingBytes()).as("native staging memory").isEqualTo(native0);
        // A leaked fd per pair would show as hundreds; allow the JDK a couple of lazily opened files.
        assertThat(fdCount()).as("file descriptors, baseline %d", fds0).isLessThanOrEqualTo(fds0 + 2);
        // No name may have more live threads than at the baseline (JDK pools may retire idle threads meanwhile).
        Map<String, Integer> grown = new TreeMap<>();
        platformThreads().forEach((name, n) -> {
            if (n > threads0.getOrDefault(name, 0)) {
                grown.put(name, n);
            }
        });
        assertThat(grown).as("platform threads above the baseline %s", threads0).isEmpty();
        List<String> ours = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> n.startsWith("kvcourier")).toList();
        assertThat(ours).as("no kvcourier platform thread outlives its adapter").isEmpty();
    }
}
