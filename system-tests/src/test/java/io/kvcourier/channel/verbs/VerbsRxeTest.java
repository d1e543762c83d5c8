package io.kvcourier.channel.verbs;

import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.ChannelSettings;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.channel.WriteBatch;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.verbs.Verbs;
import io.kvcourier.verbs.gen.verbs_h;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The verbs channel on a real device (soft-RoCE rxe0 in the VM of {@code .ci/rxe}, or hardware): device and
 * port query, registration, QP bring-up, transfers with every byte checked, commit only after landing, a
 * forced remote access error and recovery, leak-free close, and a throughput line for the CI log. Skipped
 * (with the reason) where no device exists.
 */
@Tag("rdma")
class VerbsRxeTest {
    static final double SCALE = Double.parseDouble(System.getProperty("kvcourier.deadlineScale", "1"));
    static final long PAGE = 256 * 1024;
    static final int PAGES = 8;
    /**
     * Rounds of the throughput test, each kvcourier from both kinds of memory and {@code ib_write_bw}; even, so that
     * each kind of memory is measured first in half of them.
     */
    static final int THROUGHPUT_ROUNDS = 4;
    /** Batches in flight in the throughput test. */
    static final int THROUGHPUT_WINDOW = 16;

    static Duration scaled(long seconds) {
        return Duration.ofMillis((long) (seconds * 1000 * SCALE));
    }

    static void requireDevice() {
        assumeTrue(Verbs.isAvailable(), () -> "no RDMA device: " + Verbs.unavailabilityCause());
    }

    /** Either half's settings: loopback, the first active device, deadlines scaled for rxe. */
    static ChannelSettings settings() {
        long s = (long) Math.ceil(SCALE);
        return new ChannelSettings("127.0.0.1", "127.0.0.1", Duration.ofSeconds(10 * s), Duration.ofSeconds(5 * s),
                2, "", 1, -1);
    }

    /** Records landings; each check runs at the moment the receiver commits, so it sees what had landed. */
    static final class Landings implements LandingListener {
        final Map<Integer, MemorySegment> expected = new ConcurrentHashMap<>();
        final Map<Integer, Boolean> landedIntact = new ConcurrentHashMap<>();
        final StagingBuffer receiverStaging;
        volatile boolean commit = true;

        Landings(StagingBuffer receiverStaging) {
            this.receiverStaging = receiverStaging;
        }

        @Override
        public boolean admitWrite(String senderId, int batchId, int page, long offsetInPage, long length) {
            return true;
        }

        @Override
        public boolean onBatchLanded(String senderId, int batchId) {
            MemorySegment want = expected.get(batchId);
            boolean intact = want != null && receiverStaging.segment().asSlice(batchId * PAGE, want.byteSize())
                    .mismatch(want) == -1;
            landedIntact.merge(batchId, intact, (a, b) -> a && b);
            return commit;
        }
    }

    /** A sender and a receiver half on the device, connected by a direct handshake. */
    static final class Pair implements AutoCloseable {
        final StagingBuffer senderStaging = new StagingBuffer(PAGES * PAGE);
        final StagingBuffer receiverStaging = new StagingBuffer(PAGES * PAGE);
        final Landings landings = new Landings(receiverStaging);
        final VerbsReceiver receiver;
        final VerbsSender sender;
        final Random random = new Random(7);

        Pair() throws ChannelException {
            senderStaging.fixPageSize(PAGE);
            receiverStaging.fixPageSize(PAGE);
            receiver = (VerbsReceiver) VerbsChannel.FACTORY.openReceiver(settings(), receiverStaging, landings);
            sender = (VerbsSender) VerbsChannel.FACTORY.openSender(settings(), senderStaging);
        }

        ChannelConnection connect(String senderId) throws ChannelException {
            ChannelSender.Handshake hs = sender.beginConnect(senderId);
            return hs.complete(receiver.handshake(hs.request()));
        }

        /**
         * Fills the sender pages with random bytes and builds the batch; remembers what the receiver must
         * hold at {@code remotePages[0]} onwards when the batch commits (remote pages given contiguous).
         */
        WriteBatch batch(int[] localPages, int firstRemotePage, long lastLength) {
            int n = localPages.length;
            long[] offsets = new long[n];
            int[] remote = new int[n];
            long[] lengths = new long[n];
            MemorySegment want = MemorySegment.ofArray(new byte[(int) ((n - 1) * PAGE + lastLength)]);
            for (int i = 0; i < n; i++) {
                offsets[i] = localPages[i] * PAGE;
                remote[i] = firstRemotePage + i;
                lengths[i] = i == n - 1 ? lastLength : PAGE;
                byte[] data = new byte[(int) lengths[i]];
                random.nextBytes(data);
                MemorySegment.copy(MemorySegment.ofArray(data), 0, senderStaging.segment(), offsets[i], lengths[i]);
                MemorySegment.copy(MemorySegment.ofArray(data), 0, want, i * PAGE, lengths[i]);
            }
            landings.expected.put(firstRemotePage, want);
            return new WriteBatch(offsets, remote, lengths, PAGE);
        }

        boolean received(int firstRemotePage) {
            MemorySegment want = landings.expected.get(firstRemotePage);
            return receiverStaging.segment().asSlice(firstRemotePage * PAGE, want.byteSize()).mismatch(want) == -1;
        }

        @Override
        public void close() {
            sender.close();
            receiver.close();
            senderStaging.close();
            receiverStaging.close();
        }
    }

    @Test
    void queriesTheDeviceRegistersOnceAndBringsQpsToRts() throws Exception {
        requireDevice();
        DeviceChoice choice = DeviceSelector.choose(Verbs.listDevices(), "", 1, -1);
        System.out.println("verbs device choice: " + choice);
        assertThat(choice.device()).isNotEmpty();
        try (Pair p = new Pair()) {
            VerbsEndpoint s = p.sender.endpoint();
            System.out.printf("verbs MR registration: sender %d µs, receiver %d µs for %d bytes%n",
                    p.sender.registrationNanos() / 1000, p.receiver.registrationNanos() / 1000, PAGES * PAGE);
            assertThat(p.sender.registrationNanos()).isPositive();
            assertThat(s.activeMtu).isBetween(1, 5);
            assertThat(s.bufferAddr).isEqualTo(p.senderStaging.address());

            VerbsConnection c = (VerbsConnection) p.connect("bringup");
            assertThat(c.qps).hasSize(2); // num_qps default
            assertThat(c.isOpen()).isTrue();
            int[] states = s.call("query", scaled(10), () -> new int[] {s.qpState(c.qps[0]), s.qpState(c.qps[1])});
            assertThat(states).containsOnly(verbs_h.IBV_QPS_RTS());
            assertThat(p.receiver.sessionCount()).isEqualTo(1);
            VerbsSession session = p.receiver.sessions().get(0);
            c.close();
            assertThat(c.isOpen()).isFalse();
            session.gone.get(scaled(10).toMillis(), TimeUnit.MILLISECONDS); // the sender's goodbye arrived
            assertThat(p.receiver.sessionCount()).as("receiver dropped the closed connection's session").isZero();
            assertThat(s.call("QP sets", scaled(10), s::qpSetCount)).isZero();
        }
    }

    @Test
    void writesLandEveryByteAndCommitOnlyAfterLanding() throws Exception {
        requireDevice();
        try (Pair p = new Pair()) {
            long t0 = System.nanoTime();
            ChannelConnection c = p.connect("bytes");
            System.out.printf("writes: connected after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            List<CompletableFuture<Void>> fs = new ArrayList<>();
            fs.add(c.write(p.batch(new int[] {0, 1, 2}, 3, PAGE)));      // one coalesced WR of 3 pages
            fs.add(c.write(p.batch(new int[] {4}, 0, 1000)));            // a partial page
            fs.add(c.write(p.batch(new int[] {7, 5}, 6, 4097)));        // two WRs (local pages not adjacent)
            System.out.printf("writes: 3 batches filled and posted after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            for (CompletableFuture<Void> f : fs) {
                f.get(scaled(20).toMillis(), TimeUnit.MILLISECONDS);
            }
            System.out.printf("writes: 3 batches committed after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            assertThat(p.landings.landedIntact).containsOnlyKeys(3, 0, 6).doesNotContainValue(false);
            assertThat(p.received(3)).isTrue();
            assertThat(p.received(0)).isTrue();
            assertThat(p.received(6)).isTrue();

            p.landings.commit = false;
            CompletableFuture<Void> refused = c.write(p.batch(new int[] {1}, 1, PAGE));
            assertThatThrownBy(() -> refused.get(scaled(20).toMillis(), TimeUnit.MILLISECONDS))
                    .isInstanceOf(ExecutionException.class).hasMessageContaining("receiver did not commit batch 1");
            assertThat(c.isOpen()).as("a refused commit is not a transport failure").isTrue();
            System.out.printf("writes: refusal seen after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            c.close();
        }
    }

    @Test
    void aWrongRkeyFailsTheBatchWithTheWcStatusAndTheNextConnectionWorks() throws Exception {
        requireDevice();
        try (Pair p = new Pair()) {
            ChannelConnection bad = p.connect("rkey");
            VerbsConnection.CORRUPT_RKEY_BATCHES.set(1);
            // two WRs (local pages 0 and 2 are not adjacent): the failing first one is unsignalled
            CompletableFuture<Void> f = bad.write(p.batch(new int[] {0, 2}, 2, PAGE));
            assertThatThrownBy(() -> f.get(scaled(30).toMillis(), TimeUnit.MILLISECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("RDMA write failed")
                    .hasMessageContaining("IBV_WC_REM_ACCESS_ERR")
                    // its pages are released only after the device is done with its posted WRs (docs/TRAPS.md#trap-23)
                    .hasMessageContaining("failed once every write posted on that QP had completed or flushed");
            assertThat(bad.isOpen()).isFalse();
            assertThat(p.landings.landedIntact).doesNotContainKey(2);
            bad.close();

            ChannelConnection good = p.connect("rkey");
            good.write(p.batch(new int[] {1}, 2, PAGE)).get(scaled(20).toMillis(), TimeUnit.MILLISECONDS);
            assertThat(p.received(2)).isTrue();
            good.close();
        } finally {
            VerbsConnection.CORRUPT_RKEY_BATCHES.set(0);
        }
    }

    @Test
    void writesFromARegisteredCallerRegionLandEveryByteWithoutStaging() throws Exception {
        requireDevice();
        try (Pair p = new Pair(); java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared()) {
            MemorySegment kvPool = arena.allocate(4 * PAGE, 4096);
            byte[] data = new byte[(int) (4 * PAGE)];
            p.random.nextBytes(data);
            MemorySegment.copy(MemorySegment.ofArray(data), 0, kvPool, 0, data.length);
            p.sender.registerRegion(1, kvPool);
            ChannelConnection c = p.connect("region");
            // chunks 1, 2 (adjacent: one WR) and 0 of the caller's pool into receiver pages 4, 5, 6
            WriteBatch b = new WriteBatch(new int[] {1, 1, 1}, new long[] {PAGE, 2 * PAGE, 0}, new int[] {4, 5, 6},
                    new long[] {PAGE, PAGE, PAGE}, PAGE);
            MemorySegment want = MemorySegment.ofArray(new byte[(int) (3 * PAGE)]);
            MemorySegment.copy(kvPool, PAGE, want, 0, 2 * PAGE);
            MemorySegment.copy(kvPool, 0, want, 2 * PAGE, PAGE);
            p.landings.expected.put(4, want);
            c.write(b).get(scaled(20).toMillis(), TimeUnit.MILLISECONDS);
            assertThat(p.landings.landedIntact).containsEntry(4, true);
            assertThat(p.received(4)).isTrue();
            assertThat(p.senderStaging.segment().asSlice(0, PAGES * PAGE)
                    .mismatch(MemorySegment.ofArray(new byte[(int) (PAGES * PAGE)])))
                    .as("the sender's staging buffer was never touched").isEqualTo(-1);
            CompletableFuture<Void> outside = c.write(new WriteBatch(new int[] {1}, new long[] {3 * PAGE + 1},
                    new int[] {7}, new long[] {PAGE}, PAGE));
            assertThatThrownBy(() -> outside.get(scaled(20).toMillis(), TimeUnit.MILLISECONDS))
                    .hasMessageContaining("outside the sender's registered memory");
            c.close();
            p.sender.unregisterRegion(1);
        }
    }

    @Test
    void fenceStopsTheSenderAndCloseReleasesEveryFdAndThread() throws Exception {
        requireDevice();
        long fdsBefore = openFds();
        try (Pair p = new Pair()) {
            ChannelConnection c = p.connect("fence");
            c.write(p.batch(new int[] {0}, 0, PAGE)).get(scaled(20).toMillis(), TimeUnit.MILLISECONDS);
            p.receiver.fence("fence");
            assertThat(p.receiver.sessionCount()).isZero();
            // The receiver's QPs are destroyed: a later write cannot land. Its future fails (retry exceeded)
            // or stays pending until the sender engine's transfer deadline closes the connection.
            CompletableFuture<Void> f = c.write(p.batch(new int[] {1}, 1, PAGE));
            try {
                f.get(5, TimeUnit.SECONDS);
            } catch (ExecutionException | java.util.concurrent.TimeoutException expected) {
                // either is fine; what matters is that nothing landed
            }
            c.close();
            assertThat(f).isCompletedExceptionally();
            assertThat(p.landings.landedIntact).doesNotContainKey(1);
            assertThat(p.receiverStaging.segment().asSlice(PAGE, PAGE)
                    .mismatch(MemorySegment.ofArray(new byte[(int) PAGE]))).as("page 1 untouched").isEqualTo(-1);
            assertThat(verbsThreads()).isEqualTo(2);
        }
        assertThat(verbsThreads()).isZero();
        assertThat(openFds()).isEqualTo(fdsBefore);
    }

    /**
     * Each kind of memory runs once unrecorded, because under emulation the JIT compiling the path costs the guest's
     * CPU for longer than one run's warm-up (BENCHMARKS.md, "Verbs": in seven guest JVMs the staging row made a
     * median of 86 MB/s measured first and of 111 MB/s measured again later in the same JVM). Then
     * {@value #THROUGHPUT_ROUNDS} rounds, each kvcourier from staging and from a registered caller region (in turns
     * first: the row measured first in a round ran about a tenth slower, whichever it was) and, where {@code .ci/rxe}
     * names its device arguments, {@code ib_write_bw} in this same guest; the rounds and their medians go to the CI
     * log. Under TCG one run of each moved their ratio by 0.2 or more between runs of the same code.
     */
    @Test
    void throughputForTheCiLog() throws Exception {
        requireDevice();
        long message = 1 << 20;
        int iterations = Integer.getInteger("kvcourier.rxe.iterations", 200);
        System.out.printf(Locale.ROOT, "warm-up, not recorded: %.1f MB/s from staging, %.1f MB/s from a registered"
                + " caller region%n", throughput(false, message, iterations), throughput(true, message, iterations));
        List<String> device = IbWriteBw.deviceArgs();
        double[] staging = new double[THROUGHPUT_ROUNDS];
        double[] region = new double[THROUGHPUT_ROUNDS];
        double[] ceiling = new double[THROUGHPUT_ROUNDS];
        String what = String.format(Locale.ROOT, "verbs %d B (%d batches of 1 write, %d in flight)", message,
                iterations, THROUGHPUT_WINDOW);
        for (int i = 0; i < THROUGHPUT_ROUNDS; i++) {
            boolean stagingFirst = i % 2 == 0; // the row measured first in a round ran slower, whichever it was
            if (stagingFirst) {
                staging[i] = throughput(false, message, iterations);
                region[i] = throughput(true, message, iterations);
            } else {
                region[i] = throughput(true, message, iterations);
                staging[i] = throughput(false, message, iterations);
            }
            assertThat(staging[i]).isPositive();
            assertThat(region[i]).isPositive();
            String reference = "";
            ceiling[i] = Double.NaN;
            if (!device.isEmpty()) {
                try { // the reference is informational, as .ci/rxe's own run of it: its failure fails no test
                    ceiling[i] = IbWriteBw.run(device, message, iterations, scaled(10));
                    reference = String.format(Locale.ROOT, ", ib_write_bw %.1f MB/s", ceiling[i]);
                } catch (IOException e) {
                    reference = ", ib_write_bw gave no result (" + e.getMessage().lines().findFirst().orElse("") + ")";
                }
            }
            writeThroughput(String.format(Locale.ROOT, "%s, round %d of %d (%s first): %.1f MB/s from staging, %.1f"
                    + " MB/s from a registered caller region%s", what, i + 1, THROUGHPUT_ROUNDS,
                    stagingFirst ? "staging" : "registered region", staging[i], region[i], reference));
        }
        double s = median(staging);
        double r = median(region);
        double c = median(ceiling);
        boolean ratios = !Double.isNaN(c);
        writeThroughput(String.format(Locale.ROOT, "%s, median of %d rounds: %.1f MB/s from staging%s, %.1f MB/s from a"
                + " registered caller region%s%s", what, THROUGHPUT_ROUNDS, s,
                ratios ? String.format(Locale.ROOT, " (%.2f of ib_write_bw)", s / c) : "", r,
                ratios ? String.format(Locale.ROOT, " (%.2f)", r / c) : "",
                ratios ? String.format(Locale.ROOT, "; ib_write_bw %.1f MB/s in the same rounds", c) : ""));
    }

    /** The median of the values that are numbers (of an even count, the mean of the middle two), or NaN if none is. */
    static double median(double[] values) {
        double[] v = Arrays.stream(values).filter(x -> !Double.isNaN(x)).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /**
     * {@code iterations} batches of one write of {@code message} bytes, {@value #THROUGHPUT_WINDOW} in flight, from
     * the staging buffer or from a registered caller region, after 400 of the same unmeasured; returns MB/s (10^6
     * bytes per second).
     */
    private static double throughput(boolean fromRegion, long message, int iterations) throws Exception {
        try (StagingBuffer s = new StagingBuffer(8 * message); StagingBuffer r = new StagingBuffer(8 * message)) {
            s.fixPageSize(message);
            r.fixPageSize(message);
            LandingListener commitAll = new LandingListener() { // allocates nothing, unlike Landings
                @Override
                public boolean admitWrite(String senderId, int batchId, int page, long offsetInPage, long length) {
                    return true;
                }

                @Override
                public boolean onBatchLanded(String senderId, int batchId) {
                    return true;
                }
            };
            VerbsReceiver receiver = (VerbsReceiver) VerbsChannel.FACTORY.openReceiver(settings(), r, commitAll);
            VerbsSender sender = (VerbsSender) VerbsChannel.FACTORY.openSender(settings(), s);
            java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared();
            int region = 0;
            if (fromRegion) {
                sender.registerRegion(1, arena.allocate(8 * message, 4096));
                region = 1;
            }
            try {
                ChannelSender.Handshake hs = sender.beginConnect("bw");
                ChannelConnection c = hs.complete(receiver.handshake(hs.request()));
                List<CompletableFuture<Void>> inflight = new ArrayList<>();
                List<CompletableFuture<Void>> warm = new ArrayList<>();
                for (int i = 0; i < 400; i++) { // warm-up, so the measured loop runs compiled code
                    int page = i % 8;
                    if (warm.size() == THROUGHPUT_WINDOW) {
                        warm.remove(0).get(scaled(30).toMillis(), TimeUnit.MILLISECONDS);
                    }
                    warm.add(c.write(new WriteBatch(new int[] {region}, new long[] {page * message},
                            new int[] {page}, new long[] {message}, message)));
                }
                for (CompletableFuture<Void> f : warm) {
                    f.get(scaled(30).toMillis(), TimeUnit.MILLISECONDS);
                }
                long allocBefore = progressThreadAllocation();
                long t0 = System.nanoTime();
                for (int i = 0; i < iterations; i++) {
                    int page = i % 8;
                    if (inflight.size() == THROUGHPUT_WINDOW) {
                        inflight.remove(0).get(scaled(30).toMillis(), TimeUnit.MILLISECONDS);
                    }
                    inflight.add(c.write(new WriteBatch(new int[] {region}, new long[] {page * message},
                            new int[] {page}, new long[] {message}, message)));
                }
                for (CompletableFuture<Void> f : inflight) {
                    f.get(scaled(30).toMillis(), TimeUnit.MILLISECONDS);
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                long allocated = progressThreadAllocation() - allocBefore;
                System.out.printf("verbs progress threads allocated %d bytes over %d batches%n", allocated, iterations);
                c.close();
                return iterations * (double) message / seconds / 1e6;
            } finally {
                sender.close();
                receiver.close();
                arena.close();
            }
        }
    }

    /**
     * Appends {@code line} where {@code .ci/rxe} prints it beside {@code ib_write_bw}: the harness's
     * {@code kvcourier.rxe.throughputFile}, else {@code adapter-core/target/rxe-throughput.txt}.
     */
    static void writeThroughput(String line) throws IOException {
        String file = System.getProperty("kvcourier.rxe.throughputFile", "");
        Path out;
        if (!file.isBlank()) {
            out = Path.of(file);
        } else {
            String root = System.getProperty("kvcourier.repoRoot", "");
            out = (root.isBlank() ? Path.of("target") : Path.of(root, "adapter-core", "target"))
                    .resolve("rxe-throughput.txt");
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Java heap bytes allocated so far by the live verbs progress threads (sender + receiver). */
    static long progressThreadAllocation() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory
                .getThreadMXBean();
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("kvcourier-verbs-") && t.isAlive()) {
                sum += mx.getThreadAllocatedBytes(t.threadId());
            }
        }
        return sum;
    }

    static long openFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /** Open fds of the RDMA stack: {@code /dev/infiniband/*} and completion channels. */
    static long verbsFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.map(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    return "";
                }
            }).filter(t -> t.contains("infiniband") || t.contains("uverbs")).count();
        }
    }

    static long verbsThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("kvcourier-verbs-") && t.isAlive()).count();
    }
}
