package io.kvcourier.bench;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The e2e suite's <b>peer</b>: LMCache's Python path ({@code benchmarks/src/main/python/lmcache_pd_loop.py}:
 * asyncio + pyzmq + msgspec, completion polled every 1 ms), run as a child process with a python that has msgspec
 * and pyzmq, its latencies read back into one histogram per rate.
 */
final class PythonPath {
    static final String NAME = "LMCache Python path (asyncio+pyzmq+msgspec, 1 ms poll)";
    private static final String SCRIPT = "benchmarks/src/main/python/lmcache_pd_loop.py";

    private PythonPath() {
    }

    /** Whether the Python peer can run; if not, a Skip in the report says why. */
    static boolean usable(Report report, PrintStream log, Path repoRoot, Path python, boolean pythonGiven)
            throws Exception {
        Path script = repoRoot.resolve(SCRIPT);
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
            report.skip(new Skip("e2e", NAME, why));
            log.println("  e2e python row: skipped: " + why);
            return false;
        }
        return true;
    }

    /** LMCache's Python path for requests of {@code chunks} chunks: histograms per rate. */
    static Map<Integer, Histogram> run(Settings s, int chunks, Report report, PrintStream log, Path repoRoot,
                                       Path python) throws Exception {
        List<String> cmd = List.of(python.toString(), repoRoot.resolve(SCRIPT).toString(),
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
            report.note("e2e", "Python peer: python " + v.group(1) + ", msgspec " + v.group(2) + ", pyzmq "
                    + v.group(3));
        }
        Matcher counts = Pattern.compile("\"rate\":\\s*(\\d+),\\s*\"sent\":\\s*(\\d+),\\s*\"notified\":\\s*(\\d+)")
                .matcher(json);
        while (counts.find()) {
            if (!counts.group(2).equals(counts.group(3))) {
                report.note("e2e", "Python path " + shape + " @ " + counts.group(1) + "/s: " + counts.group(3)
                        + " of " + counts.group(2)
                        + " requests notified within the grace period (the rest are not in the percentiles)");
            }
        }
        for (Map.Entry<Integer, Histogram> e : out.entrySet()) {
            log.printf(Locale.ROOT, "  python %s @ %d/s: %d notified, p50 %.0f us, p99 %.0f us%n", shape, e.getKey(),
                    e.getValue().getTotalCount(), EndToEndSuite.micros(e.getValue(), 50),
                    EndToEndSuite.micros(e.getValue(), 99));
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
