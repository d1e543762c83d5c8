package io.kvcourier.bench;

import io.kvcourier.bench.Metric.Anchor;
import io.kvcourier.bench.Metric.Better;
import io.kvcourier.channel.TransferChannels;
import io.kvcourier.event.CompletionPoller;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.notify.ProxyListener;
import io.kvcourier.pd.ChannelKind;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Suite <b>e2e</b>: one request of N chunks — allocation round trip, transfer, commit, and the arrival of its
 * {@code ProxyNotif} at a PULL socket ({@link ProxyListener}) — issued open-loop at fixed rates. A request's
 * latency is the notification's arrival minus the request's <i>intended</i> start (start + i / rate), recorded
 * in an HdrHistogram, so a stalled sender cannot hide its queue (coordinated omission corrected).
 *
 * <p>kvcourier: a sender and a receiver {@code PdL2Adapter} in this JVM over the real ZMQ control plane, with the
 * mock_memory channel (and tcp when this build has it). Beside it: the same loop as LMCache's Python path does it
 * ({@code benchmarks/src/main/python/lmcache_pd_loop.py}: asyncio + pyzmq + msgspec, completion polled every
 * 1 ms), run with a python that has msgspec and pyzmq.
 */
final class EndToEndSuite {
    private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Closed-loop requests before the first rate, for the JIT (see {@link #warmUp}). */
    private static final int JIT_WARMUP_REQUESTS = 500;
    private static final String PY_NAME = "LMCache Python path (asyncio+pyzmq+msgspec, 1 ms poll)";
    private static final String PY_SCRIPT = "benchmarks/src/main/python/lmcache_pd_loop.py";

    private EndToEndSuite() {
    }

    static void run(Settings s, Report report, PrintStream log, Path repoRoot, Path python, boolean pythonGiven)
            throws Exception {
        boolean pyUsable = pythonUsable(report, log, repoRoot, python, pythonGiven);
        List<String> channels = new ArrayList<>(List.of("mock_memory"));
        String tcp = TransferChannels.unsupportedReason(ChannelKind.TCP);
        if (tcp == null) {
            channels.add("tcp");
        } else {
            report.skip(new Skip("e2e", "kvcourier over tcp", tcp));
        }
        for (int chunks : s.e2eShapes()) {
            Map<Integer, Histogram> py = pyUsable ? pythonPath(s, chunks, report, log, repoRoot, python) : null;
            String shape = chunks + " x " + Settings.bytes(s.e2eChunkBytes());
            for (String channel : channels) {
                Map<Integer, Histogram> java = javaPath(s, chunks, channel, report, log);
                for (int rate : s.e2eRates()) {
                    Histogram j = java == null ? null : java.get(rate);
                    Histogram p = py == null ? null : py.get(rate);
                    for (double pct : new double[] {50, 99, 99.9}) {
                        report.add(new Metric("e2e", shape + " @ " + rate + "/s p" + BenchMain.pct(pct),
                                "kvcourier " + channel, "us", Better.LOWER, micros(j, pct), PY_NAME, micros(p, pct),
                                Anchor.PEER));
                    }
                }
            }
        }
        report.note("e2e", "latency = ProxyNotif arrival - intended start (open loop, coordinated omission corrected); "
                + "both sides in one process each; the Python row is a comparison peer, not a ceiling: ratio > 1 "
                + "means kvcourier is faster");
    }

    private static double micros(Histogram h, double pct) {
        if (h == null || h.getTotalCount() == 0) {
            return Double.NaN;
        }
        return h.getValueAtPercentile(pct) / 1e3;
    }

    /** kvcourier: histograms of latency in ns per rate. */
    static Map<Integer, Histogram> javaPath(Settings s, int chunkCount, String channel, Report report, PrintStream log)
            throws Exception {
        Map<String, Long> intended = new ConcurrentHashMap<>();
        Map<Integer, Histogram> out = new LinkedHashMap<>();
        Histogram[] current = new Histogram[1];
        Map<String, Long> arrivals = new ConcurrentHashMap<>();
        ProxyListener.NotificationCallback onNotif = (reqId, receivedNanos, at) -> {
            if (reqId.startsWith("j-")) {
                arrivals.put(reqId, receivedNanos);
                return;
            }
            Long start = intended.remove(reqId);
            Histogram h = current[0];
            if (start != null && h != null && reqId.startsWith("m")) {
                synchronized (h) {
                    h.recordValue(Math.min(Math.max(0, receivedNanos - start), h.getHighestTrackableValue()));
                }
            }
        };
        int pages = Math.max(256, chunkCount * 16);
        try (ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0, ProxyListener.DEFAULT_MAX_MESSAGE_BYTES, onNotif);
             AdapterPair pair = new AdapterPair(channel, s.e2eChunkBytes(), pages, proxy.port())) {
            List<MemoryObj> chunks = pair.chunks(chunkCount);
            String label = channel + " " + chunkCount + " x " + Settings.bytes(s.e2eChunkBytes());
            long request = warmUp(pair, chunks, chunkCount, JIT_WARMUP_REQUESTS, arrivals, label, report, log);
            if (request < 0) {
                report.skip(new Skip("e2e", "kvcourier " + channel, "a warm-up request got no ProxyNotif within 10 s "
                        + "(is the proxy notifier wired into the sender in this build?)"));
                return null;
            }
            for (int rate : s.e2eRates()) {
                current[0] = null;
                request += issue(pair, chunks, chunkCount, rate, s.e2eWarmupSeconds(), "w" + rate, request, intended);
                Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
                current[0] = h;
                int n = issue(pair, chunks, chunkCount, rate, s.e2eSeconds(), "m" + rate, request, intended);
                request += n;
                long deadline = System.nanoTime() + GRACE_NANOS;
                while (intended.keySet().stream().anyMatch(k -> k.startsWith("m")) && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                }
                synchronized (h) {
                    out.put(rate, h.copy());
                }
                long lost = intended.keySet().stream().filter(k -> k.startsWith("m")).count();
                intended.clear();
                if (lost > 0) {
                    report.note("e2e", String.format(Locale.ROOT, "kvcourier %s @ %d/s: %d of %d requests got no "
                            + "ProxyNotif within %d s (not in the percentiles)", label, rate, lost, n,
                            TimeUnit.NANOSECONDS.toSeconds(GRACE_NANOS)));
                }
                log.printf(Locale.ROOT, "  kvcourier %s @ %d/s: %d sent, %d notified, p50 %.0f us, p99 %.0f us%n",
                        label, rate, n, n - lost, micros(h, 50), micros(h, 99));
            }
        }
        return out;
    }

    /**
     * Brings the JIT to steady state before any rate is measured: {@code count} requests back to back, each
     * waited for (its store completion through the store eventfd, then its notification), so C2 has compiled the
     * store path as the Python peer's interpreter needs no warm-up. The second half is also reported as a
     * closed-loop breakdown: submit to store completion, and store completion to ProxyNotif arrival.
     *
     * @return how many request numbers it used, or -1 when a request did not complete or got no notification
     *         within 10 s
     */
    private static long warmUp(AdapterPair pair, List<MemoryObj> chunks, int n, int count, Map<String, Long> arrivals,
                               String channel, Report report, PrintStream log) {
        Histogram store = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
        Histogram notify = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
        long begin = System.nanoTime();
        try (CompletionPoller poller = CompletionPoller.forAdapter(pair.sender)) {
            for (int i = 0; i < count; i++) {
                String id = "j-" + i;
                long t0 = System.nanoTime();
                long deadline = t0 + TimeUnit.SECONDS.toNanos(10);
                long task = pair.sender.submitStoreTask(AdapterPair.keys(i, n), chunks, new TransferSpec(id, true, n));
                while (!pair.sender.popCompletedStoreTasks().containsKey(task)) {
                    if (System.nanoTime() > deadline) {
                        return -1;
                    }
                    poller.await(Duration.ofMillis(100));
                }
                long t1 = System.nanoTime();
                while (!arrivals.containsKey(id)) {
                    if (System.nanoTime() > deadline) {
                        return -1;
                    }
                    LockSupport.parkNanos(20_000);
                }
                long t2 = arrivals.remove(id);
                if (i >= count / 2) {
                    store.recordValue(Math.min(t1 - t0, store.getHighestTrackableValue()));
                    notify.recordValue(Math.min(Math.max(0, t2 - t1), notify.getHighestTrackableValue()));
                }
            }
        }
        log.printf(Locale.ROOT, "  kvcourier %s warm-up: %d closed-loop requests in %.1f s%n", channel, count,
                (System.nanoTime() - begin) / 1e9);
        report.note("e2e", String.format(Locale.ROOT, "kvcourier %s closed loop (last %d warm-up requests, one at a "
                + "time): submit -> store completion p50 %.0f us / p99 %.0f us; store completion -> ProxyNotif "
                + "arrival p50 %.0f us / p99 %.0f us", channel, store.getTotalCount(), micros(store, 50),
                micros(store, 99), micros(notify, 50), micros(notify, 99)));
        return count;
    }

    /** Issues {@code rate × seconds} requests open-loop; returns how many. */
    private static int issue(AdapterPair pair, List<MemoryObj> chunks, int n, int rate, int seconds, String prefix,
                             long firstRequest, Map<String, Long> intended) {
        long period = TimeUnit.SECONDS.toNanos(1) / rate;
        int count = rate * seconds;
        List<List<ObjectKey>> keys = new ArrayList<>(count);
        List<String> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            keys.add(AdapterPair.keys(firstRequest + i, n));
            ids.add(prefix + "-" + i);
        }
        long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
        for (int i = 0; i < count; i++) {
            long t = t0 + i * period;
            long left;
            while ((left = t - System.nanoTime()) > 0) {
                LockSupport.parkNanos(left);
            }
            intended.put(ids.get(i), t);
            pair.sender.submitStoreTask(keys.get(i), chunks, new TransferSpec(ids.get(i), true, n));
            if ((i & 15) == 0) {
                pair.sender.popCompletedStoreTasks();
            }
        }
        pair.sender.popCompletedStoreTasks();
        return count;
    }

    /** Whether the Python peer can run; if not, a Skip in the report says why. */
    static boolean pythonUsable(Report report, PrintStream log, Path repoRoot, Path python, boolean pythonGiven)
            throws Exception {
        Path script = repoRoot.resolve(PY_SCRIPT);
        String why = null;
        if (!Files.isExecutable(python)) {
            why = "no python with msgspec/pyzmq" + (pythonGiven ? " at " + python : " (pass --python PATH; "
                    + python + " does not exist)");
        } else if (!Files.isRegularFile(script)) {
            why = "the peer script " + script + " is missing";
        }
        if (why == null) {
            Finished check = runBounded(new ProcessBuilder(python.toString(), "-c", "import msgspec, zmq")
                    .redirectErrorStream(true), 60);
            if (check.exit() != 0) {
                why = "no python with msgspec/pyzmq (" + python + ": " + check.output().strip() + ")";
            }
        }
        if (why != null) {
            report.skip(new Skip("e2e", PY_NAME, why));
            log.println("  e2e python row: skipped: " + why);
            return false;
        }
        return true;
    }

    /** LMCache's Python path for requests of {@code chunks} chunks: histograms per rate. */
    static Map<Integer, Histogram> pythonPath(Settings s, int chunks, Report report, PrintStream log, Path repoRoot,
                                              Path python) throws Exception {
        List<String> cmd = List.of(python.toString(), repoRoot.resolve(PY_SCRIPT).toString(),
                "--rates", String.join(",", s.e2eRates().stream().map(String::valueOf).toList()),
                "--chunks", Integer.toString(chunks), "--chunk-bytes", Long.toString(s.e2eChunkBytes()),
                "--pages", Integer.toString(Math.max(256, chunks * 16)),
                "--warmup", Integer.toString(s.e2eWarmupSeconds()), "--seconds", Integer.toString(s.e2eSeconds()));
        long budget = (long) s.e2eRates().size() * (s.e2eWarmupSeconds() + s.e2eSeconds() + 25) + 30;
        Finished peer = runBounded(new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT), budget);
        if (peer.exit() != 0) {
            throw new IOException("the Python peer exited with " + peer.exit());
        }
        String json = peer.output();
        Map<Integer, Histogram> out = parsePython(json);
        String shape = chunks + " x " + Settings.bytes(s.e2eChunkBytes());
        Matcher v = Pattern.compile("\"python\": \"([^\"]+)\", \"msgspec\": \"([^\"]+)\", \"pyzmq\": \"([^\"]+)\"")
                .matcher(json);
        if (v.find() && chunks == s.e2eShapes().getFirst()) {
            report.note("e2e", "Python peer: python " + v.group(1) + ", msgspec " + v.group(2) + ", pyzmq " + v.group(3));
        }
        Matcher counts = Pattern.compile("\"rate\":\\s*(\\d+),\\s*\"sent\":\\s*(\\d+),\\s*\"notified\":\\s*(\\d+)")
                .matcher(json);
        while (counts.find()) {
            if (!counts.group(2).equals(counts.group(3))) {
                report.note("e2e", "Python path " + shape + " @ " + counts.group(1) + "/s: " + counts.group(3) + " of " + counts.group(2)
                        + " requests notified within the grace period (the rest are not in the percentiles)");
            }
        }
        for (Map.Entry<Integer, Histogram> e : out.entrySet()) {
            log.printf(Locale.ROOT, "  python %s @ %d/s: %d notified, p50 %.0f us, p99 %.0f us%n", shape, e.getKey(),
                    e.getValue().getTotalCount(), micros(e.getValue(), 50), micros(e.getValue(), 99));
        }
        return out;
    }

    /**
     * Reads the peer's {@code {"rates": [{"rate": R, "sent": S, "notified": N, "latencies_ns": [...]}]}} into one
     * histogram per rate.
     */
    static Map<Integer, Histogram> parsePython(String json) {
        Map<Integer, Histogram> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\"rate\":\\s*(\\d+)[^\\[]*\"latencies_ns\":\\s*\\[([^\\]]*)\\]").matcher(json);
        while (m.find()) {
            Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
            for (String v : m.group(2).split(",")) {
                String t = v.trim();
                if (!t.isEmpty()) {
                    h.recordValue(Math.min(Math.max(0, Long.parseLong(t)), h.getHighestTrackableValue()));
                }
            }
            out.put(Integer.parseInt(m.group(1)), h);
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("the Python peer printed no results: " + json.strip());
        }
        return out;
    }

    /** A finished child process: its exit status and its standard output. */
    record Finished(int exit, String output) {
    }

    /**
     * Runs a process with its standard output going to a temporary file, waits at most {@code seconds}, and
     * kills it when it takes longer (so no wait here is unbounded, even if the child hangs).
     *
     * @throws IOException when it did not finish in time
     */
    static Finished runBounded(ProcessBuilder pb, long seconds) throws IOException, InterruptedException {
        Path out = Files.createTempFile("kvcourier-bench-", ".out");
        try {
            Process p = pb.redirectOutput(out.toFile()).start();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IOException(String.join(" ", pb.command()) + " did not finish in " + seconds + " s");
            }
            return new Finished(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
