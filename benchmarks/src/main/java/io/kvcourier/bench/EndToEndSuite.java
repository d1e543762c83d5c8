package io.kvcourier.bench;

import io.kvcourier.bench.Metric.Better;
import io.kvcourier.channel.TransferChannels;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.pd.ChannelKind;
import org.HdrHistogram.Histogram;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
    private static final String PY_NAME = "LMCache Python path (asyncio+pyzmq+msgspec, 1 ms poll)";

    private EndToEndSuite() {
    }

    static void run(Settings s, Report report, PrintStream log, Path repoRoot, Path python, boolean pythonGiven)
            throws Exception {
        Map<Integer, Histogram> py = pythonPath(s, report, log, repoRoot, python, pythonGiven);
        report.skip(new Skip("e2e", "kvcourier", "the proxy notifier (package notify) is not on main yet"));
        if (py != null) {
            String shape = s.e2eChunks() + " x " + Settings.bytes(s.e2eChunkBytes());
            for (int rate : s.e2eRates()) {
                for (double pct : new double[] {50, 99, 99.9}) {
                    report.add(new Metric("e2e", shape + " @ " + rate + "/s p" + BenchMain.pct(pct), "kvcourier", "us",
                            Better.LOWER, Double.NaN, PY_NAME, micros(py.get(rate), pct)));
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

    /** LMCache's Python path: histograms per rate, or null (and a Skip in the report) without a usable python. */
    static Map<Integer, Histogram> pythonPath(Settings s, Report report, PrintStream log, Path repoRoot, Path python,
                                              boolean pythonGiven) throws Exception {
        Path script = repoRoot.resolve("benchmarks/src/main/python/lmcache_pd_loop.py");
        String why = null;
        if (!Files.isExecutable(python)) {
            why = "no python with msgspec/pyzmq" + (pythonGiven ? " at " + python : " (pass --python PATH; "
                    + python + " does not exist)");
        } else if (!Files.isRegularFile(script)) {
            why = "the peer script " + script + " is missing";
        }
        if (why == null) {
            Process check = new ProcessBuilder(python.toString(), "-c", "import msgspec, zmq")
                    .redirectErrorStream(true).start();
            String err = drain(check.getInputStream());
            if (!check.waitFor(60, TimeUnit.SECONDS) || check.exitValue() != 0) {
                why = "no python with msgspec/pyzmq (" + python + ": " + err.strip() + ")";
            }
        }
        if (why != null) {
            report.skip(new Skip("e2e", PY_NAME, why));
            log.println("  e2e python row: skipped: " + why);
            return null;
        }
        List<String> cmd = List.of(python.toString(), script.toString(),
                "--rates", String.join(",", s.e2eRates().stream().map(String::valueOf).toList()),
                "--chunks", Integer.toString(s.e2eChunks()), "--chunk-bytes", Long.toString(s.e2eChunkBytes()),
                "--pages", Integer.toString(Math.max(256, s.e2eChunks() * 16)),
                "--warmup", Integer.toString(s.e2eWarmupSeconds()), "--seconds", Integer.toString(s.e2eSeconds()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String json = drain(p.getInputStream());
        long budget = (long) s.e2eRates().size() * (s.e2eWarmupSeconds() + s.e2eSeconds() + 25) + 30;
        if (!p.waitFor(budget, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("the Python peer did not finish in " + budget + " s");
        }
        if (p.exitValue() != 0) {
            throw new IOException("the Python peer exited with " + p.exitValue());
        }
        Map<Integer, Histogram> out = parsePython(json);
        Matcher v = Pattern.compile("\"python\": \"([^\"]+)\", \"msgspec\": \"([^\"]+)\", \"pyzmq\": \"([^\"]+)\"")
                .matcher(json);
        if (v.find()) {
            report.note("e2e", "Python peer: python " + v.group(1) + ", msgspec " + v.group(2) + ", pyzmq " + v.group(3));
        }
        for (Map.Entry<Integer, Histogram> e : out.entrySet()) {
            log.printf(Locale.ROOT, "  python @ %d/s: %d notified, p50 %.0f us, p99 %.0f us%n", e.getKey(),
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

    private static String drain(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        in.transferTo(buf);
        return buf.toString(StandardCharsets.UTF_8);
    }
}
