package io.kvcourier.bench;

import io.kvcourier.bench.Metric.Anchor;
import io.kvcourier.bench.Metric.Better;
import io.kvcourier.channel.ChannelKind;
import io.kvcourier.channel.TransferChannels;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.notify.ProxyListener;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Suite <b>e2e</b>: requests of N chunks — allocation round trip, transfer, commit, and the arrival of the
 * request's {@code ProxyNotif} at a PULL socket ({@link ProxyListener}) — issued open-loop at fixed rates, one
 * grid per request shape ({@link Settings#e2eShapes()}). A request's latency is the notification's arrival minus
 * the request's <i>intended</i> start (start + i / rate), recorded in an HdrHistogram, so a stalled sender cannot
 * hide its queue (coordinated omission corrected).
 *
 * <p>Rows, each beside its anchor measured in the same run:
 * <ul>
 *   <li>kvcourier over mock_memory, sender and receiver adapters in this JVM, beside the <b>peer</b>: the same loop
 *       as LMCache's Python path does it ({@code benchmarks/src/main/python/lmcache_pd_loop.py}: asyncio + pyzmq +
 *       msgspec, completion polled every 1 ms), run with a python that has msgspec and pyzmq;</li>
 *   <li>kvcourier over tcp between <b>two JVMs</b> ({@link RemotePair}: sender and PULL socket here, receiver
 *       with a decode loop in a child JVM), beside the peer and beside its <b>floor</b>: between the same two JVMs,
 *       one 64-byte round trip plus a raw pump of the same bytes ({@link FloorPump}), issued open loop at the same
 *       rate, latency = intended start to the pump's ack;</li>
 *   <li>the sender JVM's heap allocation per store task during the tcp rows ({@link HeapAllocation}), beside
 *       issue 12's budget;</li>
 *   <li>request streaming and the chunk-count rows ({@link RequestRows}).</li>
 * </ul>
 */
final class EndToEndSuite {
    static final String MOCK = "kvcourier mock_memory";
    static final String TCP = "kvcourier tcp (2 JVMs)";
    static final String FLOOR = "raw TCP pump + 64 B round trip (same 2 JVMs)";
    /** Issue 12's budget for the sender JVM's store path, bytes per task. */
    static final double ALLOC_BUDGET = 2048;
    private static final double[] PERCENTILES = {50, 99, 99.9};
    /** Receiver pages of the two-JVM tcp rows: far more than requests in flight plus decode lag ever hold. */
    private static final int TCP_RECEIVER_PAGES = 1024;

    private EndToEndSuite() {
    }

    /** Latency histograms (ns) of one implementation, by request shape (chunks) and rate. */
    static final class Grid {
        private final Map<Integer, Map<Integer, Histogram>> byShape = new LinkedHashMap<>();

        void put(int chunks, int rate, Histogram h) {
            byShape.computeIfAbsent(chunks, k -> new LinkedHashMap<>()).put(rate, h);
        }

        void putAll(int chunks, Map<Integer, Histogram> byRate) {
            if (byRate != null) {
                byRate.forEach((rate, h) -> put(chunks, rate, h));
            }
        }

        Histogram get(int chunks, int rate) {
            Map<Integer, Histogram> m = byShape.get(chunks);
            return m == null ? null : m.get(rate);
        }
    }

    static void run(Settings s, Report report, PrintStream log, Path repoRoot, Path python, boolean pythonGiven)
            throws Exception {
        Grid py = new Grid();
        if (PythonPath.usable(report, log, repoRoot, python, pythonGiven)) {
            for (int chunks : s.e2eShapes()) {
                py.putAll(chunks, PythonPath.run(s, chunks, report, log, repoRoot, python));
            }
        }
        Grid mock = inProcess(s, report, log);
        String tcpMissing = TransferChannels.unsupportedReason(ChannelKind.TCP);
        Grid tcp = new Grid();
        Grid floor = new Grid();
        Map<String, HeapAllocation.Bytes> alloc = new LinkedHashMap<>();
        Map<String, Integer> allocTasks = new LinkedHashMap<>();
        if (tcpMissing == null) {
            twoJvm(s, report, log, tcp, floor, alloc, allocTasks);
        } else {
            report.skip(new Skip("e2e", "kvcourier over tcp (2 JVMs), its floor, streaming and chunk-count rows",
                    tcpMissing));
        }
        for (int chunks : s.e2eShapes()) {
            for (int rate : s.e2eRates()) {
                for (double pct : PERCENTILES) {
                    String label = s.e2eShape(chunks) + " @ " + rate + "/s p" + BenchMain.pct(pct);
                    double p = micros(py.get(chunks, rate), pct);
                    double t = micros(tcp.get(chunks, rate), pct);
                    report.add(new Metric("e2e", label, MOCK, "us", Better.LOWER, micros(mock.get(chunks, rate), pct),
                            PythonPath.NAME, p, Anchor.PEER));
                    if (tcpMissing == null) {
                        report.add(new Metric("e2e", label, TCP, "us", Better.LOWER, t, PythonPath.NAME, p,
                                Anchor.PEER));
                        report.add(new Metric("e2e", label, TCP, "us", Better.LOWER, t, FLOOR,
                                micros(floor.get(chunks, rate), pct), Anchor.FLOOR));
                    }
                }
            }
        }
        allocationRows(s, report, alloc, allocTasks);
        if (tcpMissing == null) {
            RequestRows.stream(s, report, log);
            RequestRows.chunkCount(s, report, log);
        }
        report.note("e2e", "latency = ProxyNotif arrival - intended start (open loop, coordinated omission corrected); "
                + "the Python peer runs sender, receiver and proxy in one process, kvcourier mock_memory both adapters "
                + "in this JVM, kvcourier tcp (2 JVMs) the sender and the proxy's PULL socket in this JVM and the "
                + "receiver adapter (which loads and unlocks every committed batch, freeing its pages) in a child JVM");
        report.note("e2e", "peer rows: ratio = Python latency / kvcourier latency (> 1: kvcourier is faster); floor "
                + "rows: ratio = floor / kvcourier (1.00 = at the wire's floor); the floor is, between the same two "
                + "JVMs, one 64-byte round trip (what an allocation needs) plus a raw pump of the request's bytes over "
                + "plain blocking sockets, issued open loop at the same rate, latency = intended start -> pump ack");
        report.note("e2e", "issue 12 targets, as ratios in these tables: 1 x 256 KiB mock_memory @ 50/s p50 vs peer "
                + ">= 5; 16 x 256 KiB mock_memory @ 50/s p50 vs peer >= 2; tcp (2 JVMs) @ 50/s vs floor: 1 x 256 KiB "
                + "p50 >= 0.5 and p99 >= 0.25, 16 x 256 KiB p50 >= 0.77 and p99 >= 0.5; store-path alloc vs budget "
                + ">= 1; streaming vs raw pump >= 0.75; chunk count 512 x 8 KiB vs 8 x 512 KiB p50 >= 0.8 "
                + "(i.e. <= 1.25x)");
    }

    static double micros(Histogram h, double pct) {
        if (h == null || h.getTotalCount() == 0) {
            return Double.NaN;
        }
        synchronized (h) {
            return h.getValueAtPercentile(pct) / 1e3;
        }
    }

    // ------------------------------------------------------------------------- kvcourier, mock_memory

    /** Both adapters in this JVM over mock_memory: one pair and one proxy listener for every shape. */
    private static Grid inProcess(Settings s, Report report, PrintStream log) {
        Grid out = new Grid();
        Arrivals arrivals = new Arrivals();
        int maxChunks = s.e2eShapes().stream().mapToInt(Integer::intValue).max().orElse(1);
        int maxBytes = ProxyListener.DEFAULT_MAX_MESSAGE_BYTES;
        try (ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0, maxBytes, arrivals);
             AdapterPair pair = new AdapterPair("mock_memory", s.e2eChunkBytes(), Math.max(256, maxChunks * 16),
                     proxy.port())) {
            for (int chunks : s.e2eShapes()) {
                String label = "mock_memory " + s.e2eShape(chunks);
                StoreDriver driver = new StoreDriver("m" + chunks, pair.sender, pair.chunks(chunks), arrivals);
                if (!warmUp(s, driver, label, chunks == s.e2eShapes().getFirst(), report, log)) {
                    continue;
                }
                for (int rate : s.e2eRates()) {
                    out.put(chunks, rate, openLoop(s, driver, rate, label, report, log, null).latency());
                }
                if (chunks == s.e2eShapes().getFirst()) {
                    jfrRows(s, driver, label, report, log);
                }
                failures(driver, label, report);
            }
        }
        return out;
    }

    /** kvcourier's JFR event names, enabled (threshold 0) in the recordings of the JFR rows. */
    private static final List<String> JFR_EVENTS = List.of("StoreTask", "Allocation", "BatchTransfer", "Commit",
            "ProxyNotification", "Fence", "Eviction", "Handshake");
    /** Closed-loop requests each JFR variant runs in its own state before it is measured (about 2 s). */
    private static final int JFR_REWARM_REQUESTS = 5_000;

    /**
     * The cost of a JFR recording: the same open loop (at 50/s when that rate is in the grid) with no recording, with
     * a recording of kvcourier's events only (what kvcourier adds), and with the JDK's {@code default} settings plus
     * kvcourier's events (what an operator's usual recording costs), alternated over two rounds so that no variant
     * gets the warmer JIT or a quieter moment; each variant's histogram is the sum of its runs. Starting or stopping
     * a recording deoptimizes the code that inlined the events' enabled checks (JFR re-instruments event classes),
     * so each variant first runs {@link #JFR_REWARM_REQUESTS} closed-loop requests in its own state: the rows compare
     * steady states, as a continuous recording runs, not the recompilation after a switch.
     */
    private static void jfrRows(Settings s, StoreDriver driver, String label, Report report, PrintStream log) {
        int rate = s.e2eRates().contains(50) ? 50 : s.e2eRates().getFirst();
        jdk.jfr.Configuration jdkDefault;
        try {
            jdkDefault = jdk.jfr.Configuration.getConfiguration("default");
        } catch (IOException | java.text.ParseException e) {
            report.skip(new Skip("e2e", "kvcourier " + label + " with a JFR recording",
                    "no JFR 'default' settings: " + e));
            return;
        }
        Histogram off = Arrivals.histogram();
        Histogram ours = Arrivals.histogram();
        Histogram withJdk = Arrivals.histogram();
        for (int round = 0; round < 2; round++) {
            driver.warmUp(JFR_REWARM_REQUESTS);
            off.add(openLoop(s, driver, rate, label + " (no recording)", report, log, null).latency());
            try (jdk.jfr.Recording r = kvcourierRecording(new jdk.jfr.Recording())) {
                r.start();
                driver.warmUp(JFR_REWARM_REQUESTS);
                ours.add(openLoop(s, driver, rate, label + " (JFR: kvcourier events)", report, log, null).latency());
            }
            try (jdk.jfr.Recording r = kvcourierRecording(new jdk.jfr.Recording(jdkDefault))) {
                r.start();
                driver.warmUp(JFR_REWARM_REQUESTS);
                withJdk.add(openLoop(s, driver, rate, label + " (JFR: default + kvcourier)", report, log, null)
                        .latency());
            }
        }
        String shape = s.e2eShape(s.e2eShapes().getFirst()) + " @ " + rate + "/s";
        for (double pct : new double[] {50, 99}) {
            String p = " JFR p" + BenchMain.pct(pct);
            report.add(new Metric("e2e", shape + p, MOCK + ", recording kvcourier's events", "us", Better.LOWER,
                    micros(ours, pct), MOCK + ", no recording", micros(off, pct), Anchor.BASELINE));
            report.add(new Metric("e2e", shape + p, MOCK + ", recording JDK 'default' + kvcourier's events", "us",
                    Better.LOWER, micros(withJdk, pct), MOCK + ", no recording", micros(off, pct), Anchor.BASELINE));
        }
        report.note("e2e", "JFR rows: the same open loop with no recording, with a recording of kvcourier's 8 events "
                + "(threshold 0), and with the JDK's 'default' settings plus those events, alternated over two rounds, "
                + "each variant the sum of its runs, each run after " + JFR_REWARM_REQUESTS + " closed-loop requests "
                + "in its own state (a recording's start or stop deoptimizes what inlined the events); ratio = no "
                + "recording / recording; issue 15 target: p50 ratio >= 0.95 (a recording costs <= 5 %); the "
                + "'default' row adds the JDK's own sampling and periodic events");
    }

    private static jdk.jfr.Recording kvcourierRecording(jdk.jfr.Recording r) {
        for (String name : JFR_EVENTS) {
            r.enable("io.kvcourier." + name).withThreshold(java.time.Duration.ZERO);
        }
        r.setToDisk(false); // a memory buffer: no disk I/O beside the measurement
        return r;
    }

    /** The JIT warm-up with its closed-loop breakdown note; false (and a Skip) when a request got lost. */
    private static boolean warmUp(Settings s, StoreDriver driver, String label, boolean firstOnPair, Report report,
                                  PrintStream log) {
        int requests = firstOnPair ? s.e2eJitWarmupRequests() : s.e2eWarmupRequests();
        StoreDriver.ClosedLoop c = driver.warmUp(requests);
        if (c == null) {
            report.skip(new Skip("e2e", "kvcourier " + label, "a warm-up request did not complete or got no "
                    + "ProxyNotif within 10 s"));
            log.println("  kvcourier " + label + ": a warm-up request got lost; skipped");
            return false;
        }
        log.printf(Locale.ROOT, "  kvcourier %s warm-up: %d closed-loop requests in %.1f s%n", label,
                requests, c.seconds());
        report.note("e2e", String.format(Locale.ROOT, "kvcourier %s closed loop (last %d warm-up requests, one at a "
                + "time): submit -> store completion p50 %.0f us / p99 %.0f us; store completion -> ProxyNotif "
                + "arrival p50 %.0f us / p99 %.0f us", label, c.store().getTotalCount(), micros(c.store(), 50),
                micros(c.store(), 99), micros(c.notification(), 50), micros(c.notification(), 99)));
        return true;
    }

    /** One rate's open-loop result: latencies, requests measured, and the heap allocation (when asked). */
    record Measured(Histogram latency, int requests, HeapAllocation.Bytes alloc) {
    }

    /**
     * One rate: warm-up requests at the rate, then the measured ones right behind them (planned before either
     * starts), then up to the grace period for their notifications.
     *
     * @param allocExcluded thread ids left out of a heap-allocation window around the measured requests, or
     *                      {@code null} for no window
     */
    private static Measured openLoop(Settings s, StoreDriver driver, int rate, String label, Report report,
                                     PrintStream log, java.util.Set<Long> allocExcluded) {
        Histogram h = Arrivals.histogram();
        StoreDriver.Plan warm = driver.plan(rate, s.e2eWarmupSeconds(), "w" + rate, null);
        StoreDriver.Plan measured = driver.plan(rate, s.e2eSeconds(), "m" + rate, h);
        warm.run();
        HeapAllocation.Window window = allocExcluded == null ? null : HeapAllocation.start();
        measured.run();
        int lost = measured.drain();
        HeapAllocation.Bytes bytes = window == null ? null
                : window.end(allocExcluded, Thread.currentThread().threadId());
        warm.drain();
        if (!driver.awaitIdle(System.nanoTime() + StoreDriver.GRACE_NANOS)) {
            report.note("e2e", "kvcourier " + label + " @ " + rate + "/s: store tasks were still in flight "
                    + TimeUnit.NANOSECONDS.toSeconds(StoreDriver.GRACE_NANOS) + " s after the last notification "
                    + "awaited; the next measurement ran beside them");
        }
        int n = measured.count();
        if (lost > 0) {
            report.note("e2e", String.format(Locale.ROOT, "kvcourier %s @ %d/s: %d of %d requests got no ProxyNotif "
                    + "within %d s (not in the percentiles)", label, rate, lost, n,
                    TimeUnit.NANOSECONDS.toSeconds(StoreDriver.GRACE_NANOS)));
        }
        log.printf(Locale.ROOT, "  kvcourier %s @ %d/s: %d sent, %d notified, p50 %.0f us, p99 %.0f us%s%n",
                label, rate, n, n - lost, micros(h, 50), micros(h, 99),
                bytes == null ? "" : String.format(Locale.ROOT, ", %.0f B/task allocated", (double) bytes.total() / n));
        return new Measured(h, n, bytes);
    }

    private static void failures(StoreDriver driver, String label, Report report) {
        if (driver.failedStores() > 0) {
            report.note("e2e", "kvcourier " + label + ": " + driver.failedStores() + " store tasks failed (their "
                    + "requests were still notified, so they are in the percentiles)");
        }
    }

    // --------------------------------------------------------------------- kvcourier tcp, two JVMs + floor

    private static void twoJvm(Settings s, Report report, PrintStream log, Grid tcp, Grid floor,
                               Map<String, HeapAllocation.Bytes> alloc, Map<String, Integer> allocTasks)
            throws Exception {
        Arrivals arrivals = new Arrivals();
        int maxChunks = s.e2eShapes().stream().mapToInt(Integer::intValue).max().orElse(1);
        try (RemotePair pair = new RemotePair(s.e2eChunkBytes(), Math.max(TCP_RECEIVER_PAGES, maxChunks * 64),
                Math.max(256, maxChunks * 16), arrivals)) {
            for (int chunks : s.e2eShapes()) {
                String label = "tcp (2 JVMs) " + s.e2eShape(chunks);
                List<MemoryObj> objs = pair.chunks(chunks);
                StoreDriver driver = new StoreDriver("t" + chunks, pair.sender, objs, arrivals);
                if (!warmUp(s, driver, label, chunks == s.e2eShapes().getFirst(), report, log)) {
                    continue;
                }
                try (FloorPump pump = new FloorPump(pair.floorPort, objs.stream().map(MemoryObj::segment).toList())) {
                    floorWarmUp(s, pump);
                    for (int rate : s.e2eRates()) {
                        Measured m = openLoop(s, driver, rate, label, report, log, pair.excludedFromSenderAllocation());
                        tcp.put(chunks, rate, m.latency());
                        String key = s.e2eShape(chunks) + " @ " + rate + "/s";
                        alloc.put(key, m.alloc());
                        allocTasks.put(key, m.requests());
                        floor.put(chunks, rate, floorOpenLoop(s, pump, rate, s.e2eShape(chunks), log));
                    }
                }
                failures(driver, label, report);
            }
            receiverNote(pair, "tcp (2 JVMs) e2e", report);
        }
    }

    /** The floor's warm-up: requests back to back for the e2e warm-up time of one rate (the JIT of both JVMs). */
    private static void floorWarmUp(Settings s, FloorPump pump) throws IOException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(s.e2eWarmupSeconds());
        do {
            pump.pingAndPump();
        } while (System.nanoTime() < end);
    }

    /**
     * The floor at one rate, open loop like kvcourier's rows: at each intended start one ping and one batch on the
     * (single, blocking) connection; latency = the batch's ack minus the intended start, so a late request carries
     * its queueing delay. Warm-up at the rate first, as for kvcourier.
     */
    static Histogram floorOpenLoop(Settings s, FloorPump pump, int rate, String shape, PrintStream log)
            throws IOException {
        floorAtRate(pump, rate, rate * s.e2eWarmupSeconds(), null);
        Histogram h = Arrivals.histogram();
        floorAtRate(pump, rate, rate * s.e2eSeconds(), h);
        log.printf(Locale.ROOT, "  floor %s @ %d/s: p50 %.0f us, p99 %.0f us%n", shape, rate, micros(h, 50),
                micros(h, 99));
        return h;
    }

    private static void floorAtRate(FloorPump pump, int rate, int count, Histogram into) throws IOException {
        long period = TimeUnit.SECONDS.toNanos(1) / rate;
        long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
        for (int i = 0; i < count; i++) {
            long t = t0 + i * period;
            Pacing.awaitStart(t);
            pump.pingAndPump();
            if (into != null) {
                into.recordValue(Math.min(Math.max(0, System.nanoTime() - t), into.getHighestTrackableValue()));
            }
        }
    }

    /** A note when the child's decode side missed keys (evicted before it locked them) — the buffer was too small. */
    static void receiverNote(RemotePair pair, String what, Report report) throws IOException {
        Map<String, String> st = pair.receiverStatus();
        String missing = st.getOrDefault("missing_keys", "?");
        report.note("e2e", String.format(Locale.ROOT, "receiver child of the %s rows: %s batches decoded, %s keys "
                + "loaded, %s unlocked without a load, %s missing (evicted or not loadable), peak %s of %s pages in "
                + "use", what, st.getOrDefault("batches", "?"), st.getOrDefault("loaded_keys", "?"),
                st.getOrDefault("unlocked_keys", "?"), missing,
                st.getOrDefault("peak_pages_in_use", "?"), st.getOrDefault("page_count", "?")));
    }

    // ------------------------------------------------------------------------------- allocation per task

    private static void allocationRows(Settings s, Report report, Map<String, HeapAllocation.Bytes> alloc,
                                       Map<String, Integer> tasks) {
        String budget = "issue 12: 2 KB per task (fixed, not measured)";
        for (Map.Entry<String, HeapAllocation.Bytes> e : alloc.entrySet()) {
            int n = tasks.get(e.getKey());
            HeapAllocation.Bytes b = e.getValue();
            report.add(new Metric("e2e", e.getKey() + " alloc", "kvcourier tcp sender JVM, store path", "B/task",
                    Better.LOWER, BenchMain.bytes((double) b.total() / n), budget, ALLOC_BUDGET, Anchor.BUDGET));
            StringBuilder parts = new StringBuilder();
            b.byGroup().entrySet().stream()
                    .filter(g -> g.getValue() >= n) // at least 1 B per task
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .forEach(g -> parts.append(String.format(Locale.ROOT, "%s %.0f, ", g.getKey(),
                            (double) g.getValue() / n)));
            parts.append(String.format(Locale.ROOT, "threads started or ended in the window %.0f",
                    (double) b.ungrouped() / n));
            report.note("e2e", "store-path alloc " + e.getKey() + ", B/task by thread: " + parts);
        }
        if (!alloc.isEmpty()) {
            report.note("e2e", "store-path alloc = heap bytes allocated in the sender JVM "
                    + "(getTotalThreadAllocatedBytes, all threads incl. virtual threads on their carriers) from the "
                    + "first measured submit until every "
                    + "measured request was notified, minus the proxy listener's threads, per measured request; it "
                    + "includes the caller's submit/pop calls and jeromq's own per-message objects (those on the "
                    + "sender's jeromq I/O threads are listed as 'jeromq I/O (creator)'; those made on the caller and "
                    + "control threads cannot be told apart), and the tail of the warm-up requests still in flight at "
                    + "the start");
        }
    }
}
