package io.kvcourier.bench;

import io.kvcourier.bench.JmhRunner.Row;
import io.kvcourier.bench.Metric.Better;
import io.kvcourier.verbs.Verbs;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code kvcourier bench [--quick] [--json FILE] [--python PATH] [--suites LIST] [--verbose]}: runs the benchmark
 * suites, each kvcourier measurement beside a ceiling measured in the same run, prints one table per suite
 * (ceiling row first, then a ratio column) and writes every metric as JSON.
 *
 * <p>Suites: {@code copy}, {@code submit}, {@code signal}, {@code wire} and {@code channel} (mock_memory) run
 * as JMH benchmarks in forked JVMs with {@code -prof gc}; {@code channel} (tcp between two JVMs, beside a raw
 * loopback TCP pump) and {@code e2e} (open-loop requests with HdrHistogram beside LMCache's Python path, tcp
 * between two JVMs beside its wire floor, request streaming, chunk count, store-path allocation) are timed loops in
 * this JVM and child processes; {@code verbs} runs only where an RDMA device exists.
 */
public final class BenchMain {
    static final List<String> SUITES =
            List.of("copy", "submit", "signal", "control", "wire", "channel", "verbs", "e2e");
    /** Held so the level set on it sticks (JUL keeps loggers weakly). */
    private static final java.util.logging.Logger KVCOURIER_LOG = java.util.logging.Logger.getLogger("io.kvcourier");

    private final Settings settings;
    private final Set<String> suites;
    private final Path repoRoot;
    private final Path python;
    private final boolean pythonGiven;
    private final Path work;
    private final JmhRunner jmh;
    private final Report report;
    private final PrintStream out;

    private BenchMain(Settings settings, Set<String> suites, Path repoRoot, Path python, boolean pythonGiven,
                      Path work, boolean verbose, PrintStream out) {
        this.settings = settings;
        this.suites = suites;
        this.repoRoot = repoRoot;
        this.python = python;
        this.pythonGiven = pythonGiven;
        this.work = work;
        this.jmh = new JmhRunner(settings, verbose);
        this.report = new Report(Environment.describe(settings.name()));
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        boolean verbose = false;
        Path json = null;
        Path python = null;
        Set<String> suites = new LinkedHashSet<>(SUITES);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick" -> quick = true;
                case "--verbose" -> verbose = true;
                case "--json" -> json = Path.of(value(args, ++i, a));
                case "--python" -> python = Path.of(value(args, ++i, a));
                case "--suites" -> {
                    suites = new LinkedHashSet<>();
                    for (String s : value(args, ++i, a).split(",")) {
                        String name = s.trim();
                        if (!SUITES.contains(name)) {
                            usage("unknown suite '" + name + "' (suites: " + String.join(",", SUITES) + ")");
                        }
                        suites.add(name);
                    }
                }
                case "-h", "--help" -> {
                    System.out.println(help());
                    return;
                }
                default -> usage("unknown argument '" + a + "'");
            }
        }
        if (!verbose) {
            KVCOURIER_LOG.setLevel(java.util.logging.Level.WARNING); // adapters log their start at INFO
        }
        Path root = repoRoot();
        boolean pythonGiven = python != null;
        if (python == null) {
            python = root.resolve(".ci/.venv/bin/python");
        }
        if (json == null) {
            json = root.resolve("benchmarks/target/bench-results.json");
        }
        Path work = Files.createTempDirectory("kvcourier-bench-");
        BenchMain main = new BenchMain(quick ? Settings.quick() : Settings.full(), suites, root, python, pythonGiven,
                work, verbose, System.out);
        int failed = main.run();
        Files.createDirectories(json.toAbsolutePath().getParent());
        try (Writer w = Files.newBufferedWriter(json, StandardCharsets.UTF_8)) {
            main.report.writeJson(w);
        }
        System.out.println();
        System.out.println(main.report.toTables());
        System.out.println("JSON: " + json.toAbsolutePath());
        if (failed > 0) {
            System.err.println("kvcourier bench: " + failed + " suite(s) failed (see 'skipped (failed: ...)' above)");
            System.exit(1);
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            usage(flag + " needs a value");
        }
        return args[i];
    }

    private static void usage(String problem) {
        System.err.println("kvcourier bench: " + problem);
        System.err.println(help());
        System.exit(2);
    }

    static String help() {
        return """
                usage: kvcourier bench [--quick] [--json FILE] [--python PATH] [--suites LIST] [--verbose]
                  --quick         1 fork, 1x1 s warm-up, 3x1 s measurement, 3 sizes per sweep; e2e: 1 s + 3 s per
                                  rate (about 10 min on 2 cores in all)
                  --json FILE     where to write the raw results (default benchmarks/target/bench-results.json)
                  --python PATH   a python with msgspec + pyzmq for the LMCache-path end-to-end peer rows
                                  (default .ci/.venv/bin/python; without one those rows are skipped, and say so)
                  --suites LIST   comma-separated subset of: copy,submit,signal,control,wire,channel,verbs,e2e
                  --verbose       show JMH's own progress output
                suites, each kvcourier row beside its anchor measured in the same run (ceiling, peer, floor,
                baseline or budget; ratio 1.00 = at the anchor, above 1 = better than it):
                  copy     L1 -> staging copy vs libc memcpy
                  submit   submitStoreTask latency vs a virtual-thread handoff and vs an MPSC offer + unpark
                  signal   eventfd ping-pong vs raw FFM
                  control  jeromq DEALER->ROUTER round trip vs a 64 B loopback TCP ping-pong (floor)
                  wire     codec vs msgpack-core
                  channel  mock_memory vs memcpy; tcp channel (2 JVMs) vs a raw TCP pump
                  verbs    only where an RDMA device exists (see .ci/rxe)
                  e2e      open loop at each rate, shapes 1 x 256 KiB and 16 x 256 KiB, latency to ProxyNotif:
                           mock_memory and tcp (2 JVMs) vs the LMCache Python peer; tcp vs its floor (64 B round
                           trip + raw pump between the same 2 JVMs); sender-JVM bytes per store task vs 2 KB;
                           streaming 8 x 2 MiB, 4 in flight vs a raw pump; 4 MiB as 512 x 8 KiB vs 8 x 512 KiB
                           (chunks of the caller's own, and in a registered block);
                           mock_memory 1 x 256 KiB with a JFR recording on vs off""";
    }

    /** The repository root: {@code kvcourier.repoRoot}, else three levels above benchmarks/target/benchmarks.jar. */
    static Path repoRoot() {
        String prop = System.getProperty("kvcourier.repoRoot");
        if (prop != null && !prop.isEmpty()) {
            return Path.of(prop);
        }
        try {
            Path jar = Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isRegularFile(jar) && jar.getParent() != null && jar.getParent().getParent() != null
                    && jar.getParent().getParent().getParent() != null) {
                return jar.getParent().getParent().getParent();
            }
        } catch (Exception e) {
            // fall through to the working directory
        }
        return Path.of("").toAbsolutePath();
    }

    /** Runs the chosen suites; returns how many failed (each failure is in the report as a skip). */
    private int run() {
        out.println(report.toTables().strip());
        out.println();
        int failed = 0;
        for (String suite : suites) {
            long t0 = System.nanoTime();
            out.printf(Locale.ROOT, "running %s ...%n", suite);
            try {
                switch (suite) {
                    case "copy" -> copy();
                    case "submit" -> submit();
                    case "signal" -> signal();
                    case "control" -> control();
                    case "wire" -> wire();
                    case "channel" -> channel();
                    case "verbs" -> verbs();
                    case "e2e" -> e2e();
                    default -> throw new IllegalStateException(suite);
                }
            } catch (Exception | Error e) {
                report.skip(new Skip(suite, suite, "failed: " + e));
                out.println("  " + suite + " FAILED: " + e);
                failed++;
            }
            out.printf(Locale.ROOT, "  %s done in %.0f s%n", suite, (System.nanoTime() - t0) / 1e9);
        }
        return failed;
    }

    private Path outDir(String suite) throws IOException {
        return Files.createDirectories(work.resolve(suite));
    }

    private static List<String> strings(List<? extends Number> values) {
        List<String> s = new ArrayList<>();
        for (Number n : values) {
            s.add(n.toString());
        }
        return s;
    }

    // ------------------------------------------------------------------------------------------- suites

    private void copy() throws Exception {
        List<Row> rows = jmh.run(CopyBenchmark.class, Map.of("size", strings(settings.copySizes())), outDir("copy"));
        for (long size : settings.copySizes()) {
            String s = Long.toString(size);
            Row ceiling = JmhRunner.find(rows, "libcMemcpy", "size", s);
            Row ours = JmhRunner.find(rows, "segmentCopy", "size", s);
            report.add(new Metric("copy", Settings.bytes(size), "MemorySegment.copy L1->staging", "GB/s", Better.HIGHER,
                    ours.score() * size / 1e9, "libc memcpy (FFM downcall)", ceiling.score() * size / 1e9));
        }
        for (long size : settings.copySizes()) {
            String s = Long.toString(size);
            report.add(new Metric("copy", Settings.bytes(size), "MemorySegment.copy alloc", "B/op", Better.LOWER,
                    bytes(JmhRunner.find(rows, "segmentCopy", "size", s).allocPerOp()), "libc memcpy alloc",
                    bytes(JmhRunner.find(rows, "libcMemcpy", "size", s).allocPerOp())));
        }
    }

    private void submit() throws Exception {
        Path dir = outDir("submit");
        List<Row> rows = jmh.run(SubmitBenchmark.class, Map.of(), dir);
        Row ours = JmhRunner.find(rows, "submitStoreTask");
        Row ceiling = JmhRunner.find(rows, "virtualThreadStart");
        Row mpsc = JmhRunner.find(jmh.run(MpscHandoffBenchmark.class, Map.of(), dir), "offerAndUnpark");
        String vt = "virtual-thread handoff (empty task)";
        String queue = "MPSC offer + unpark consumer";
        for (double p : new double[] {50, 99, 99.9}) {
            report.add(new Metric("submit", "p" + pct(p), "submitStoreTask (1 x 64 KiB)", "us", Better.LOWER,
                    ours.percentile(p), vt, ceiling.percentile(p)));
            report.add(new Metric("submit", "p" + pct(p), "submitStoreTask (1 x 64 KiB)", "us", Better.LOWER,
                    ours.percentile(p), queue, mpsc.percentile(p)));
        }
        double callerBytes = bytes(BenchOut.read(dir, "submit.caller.bytes").orElse(Double.NaN));
        report.add(new Metric("submit", "caller alloc", "submitStoreTask, caller thread", "B/call", Better.LOWER,
                callerBytes, vt, bytes(BenchOut.read(dir, "vthread.caller.bytes").orElse(Double.NaN))));
        report.add(new Metric("submit", "caller alloc", "submitStoreTask, caller thread", "B/call", Better.LOWER,
                callerBytes, queue, bytes(BenchOut.read(dir, "mpsc.caller.bytes").orElse(Double.NaN))));
        report.add(new Metric("submit", "task alloc", "whole store task, all threads (-prof gc)", "B/op", Better.LOWER,
                bytes(ours.allocPerOp()), vt, bytes(ceiling.allocPerOp())));
        report.note("submit", String.format(Locale.ROOT, "%d / %d / %d timed calls (kvcourier / virtual-thread handoff "
                + "/ MPSC); each call waits for its task's completion outside the timed region", ours.samples(),
                ceiling.samples(), mpsc.samples()));
        report.note("submit", "MPSC ceiling: a task record offered to a ConcurrentLinkedQueue and its parked consumer "
                + "(a platform thread) unparked; the least a submit that hands its task to an owning thread can cost "
                + "(issue 12 target: submitStoreTask p99 <= 2x its p99, ratio >= 0.5)");
    }

    private void control() throws Exception {
        List<Row> rows = jmh.run(ControlRoundTripBenchmark.class, Map.of(), outDir("control"));
        Row zmq = JmhRunner.find(rows, "jeromqDealerRouterRoundTrip");
        Row tcp = JmhRunner.find(rows, "rawTcpRoundTrip");
        String floor = "64 B ping-pong, plain loopback TCP";
        for (double p : new double[] {50, 99, 99.9}) {
            report.add(new Metric("control", "RTT p" + pct(p), "jeromq DEALER -> ROUTER echo, 64 B", "us",
                    Better.LOWER, zmq.percentile(p), floor, tcp.percentile(p), Metric.Anchor.FLOOR));
        }
        report.note("control", "the round trip an AllocRequest/AllocResponse pair costs before the receiver does any "
                + "work: jeromq crosses each side's I/O thread both ways; the floor is a blocking socket pair");
    }

    private void signal() throws Exception {
        List<Row> rows = jmh.run(SignalBenchmark.class, Map.of(), outDir("signal"));
        Row ours = JmhRunner.find(rows, "eventFdRoundTrip");
        Row ceiling = JmhRunner.find(rows, "rawRoundTrip");
        String raw = "raw FFM write+epoll_wait+read";
        for (double p : new double[] {50, 99, 99.9}) {
            report.add(new Metric("signal", "RTT p" + pct(p), "EventFd.signal -> CompletionPoller.await", "us",
                    Better.LOWER, ours.percentile(p), raw, ceiling.percentile(p)));
        }
        report.add(new Metric("signal", "alloc", "EventFd.signal -> CompletionPoller.await", "B/op", Better.LOWER,
                bytes(ours.allocPerOp()), raw, bytes(ceiling.allocPerOp())));
        report.note("signal", "round trip = two cross-thread wakes (ping and pong); one wake is about half");
    }

    private void wire() throws Exception {
        Path dir = outDir("wire");
        List<Row> req = jmh.run(WireAllocRequestBenchmark.class, Map.of("keys", List.of("1", "8", "64")), dir);
        List<Row> small = jmh.run(WireSmallBenchmark.class, Map.of(), dir);
        String ref = "msgpack-core 0.9 generic";
        for (String op : List.of("encode", "decode")) {
            for (String k : List.of("1", "8", "64")) {
                Row ours = JmhRunner.find(req, op + "Kvcourier", "keys", k);
                Row theirs = JmhRunner.find(req, op + "MsgpackCore", "keys", k);
                String label = "AllocRequest " + k + " key" + ("1".equals(k) ? "" : "s") + " " + op;
                if ("encode".equals(op)) {
                    Row fromKeys = JmhRunner.find(req, "encodeKvcourierObjectKeys", "keys", k);
                    wireMetrics(label, List.of(ours, fromKeys),
                            List.of("kvcourier codec", "kvcourier codec, ObjectKey[]"), theirs, ref);
                } else {
                    wireMetrics(label, ours, theirs, ref);
                }
            }
            for (String msg : List.of("allocResponse", "proxyNotif")) {
                String cap = Character.toUpperCase(op.charAt(0)) + op.substring(1);
                Row ours = JmhRunner.find(small, msg + cap + "Kvcourier");
                Row theirs = JmhRunner.find(small, msg + cap + "MsgpackCore");
                String label = ("allocResponse".equals(msg) ? "AllocResponse 8 pages" : "ProxyNotif") + " " + op;
                wireMetrics(label, ours, theirs, ref);
            }
        }
        report.note("wire",
                "decode always builds a new record (strings, lists), so 0 B/op is possible for encode only");
    }

    private void wireMetrics(String label, Row ours, Row theirs, String ref) {
        wireMetrics(label, List.of(ours), List.of("kvcourier codec"), theirs, ref);
    }

    /** The Mops/s rows of {@code ours} (named {@code names}) beside the reference, then their B/op rows. */
    private void wireMetrics(String label, List<Row> ours, List<String> names, Row theirs, String ref) {
        for (int i = 0; i < ours.size(); i++) {
            report.add(new Metric("wire", label, names.get(i), "Mops/s", Better.HIGHER, ours.get(i).score() / 1e6, ref,
                    theirs.score() / 1e6));
        }
        for (int i = 0; i < ours.size(); i++) {
            report.add(new Metric("wire", label, names.get(i) + " alloc", "B/op", Better.LOWER,
                    bytes(ours.get(i).allocPerOp()), ref + " alloc", bytes(theirs.allocPerOp())));
        }
    }

    private void channel() throws Exception {
        Path dir = outDir("channel");
        for (long size : settings.channelSizes()) {
            List<String> batches = new ArrayList<>();
            for (int b : settings.channelBatches()) {
                if (size * b <= settings.maxBatchBytes()) {
                    batches.add(Integer.toString(b));
                }
            }
            Map<String, List<String>> params = new LinkedHashMap<>();
            params.put("size", List.of(Long.toString(size)));
            params.put("batch", batches);
            List<Row> rows = jmh.run(MockChannelBenchmark.class, params, dir);
            for (String b : batches) {
                long bytes = size * Integer.parseInt(b);
                Row ours = JmhRunner.find(rows, "mockMemoryWrite", "batch", b);
                Row ceiling = JmhRunner.find(rows, "memcpy", "batch", b);
                String label = "mock " + Settings.bytes(size) + " x " + b;
                report.add(new Metric("channel", label, "mock_memory write+commit", "GB/s", Better.HIGHER,
                        ours.score() * bytes / 1e9, "memcpy", ceiling.score() * bytes / 1e9));
                report.add(new Metric("channel", label, "mock_memory alloc", "B/op", Better.LOWER,
                        bytes(ours.allocPerOp()), "memcpy alloc", bytes(ceiling.allocPerOp())));
            }
        }
        TcpChannelSuite.run(settings, report, out);
    }

    private void verbs() {
        if (!Verbs.isAvailable()) {
            report.skip(new Skip("verbs", "verbs channel vs ib_write_bw",
                    "no RDMA device: " + Verbs.unavailabilityCause()));
            out.println("  verbs: skipped (no RDMA device: " + Verbs.unavailabilityCause() + ")");
            return;
        }
        report.skip(new Skip("verbs", "verbs channel vs ib_write_bw", "an RDMA device exists, but the verbs "
                + "throughput comes from the verbs channel tests inside the rxe VM (.ci/rxe), timed there with a plain "
                + "loop beside ib_write_bw, not from this JMH run"));
    }

    private void e2e() throws Exception {
        EndToEndSuite.run(settings, report, out, repoRoot, python, pythonGiven);
    }

    /**
     * Bytes per operation rounded to whole bytes: {@code gc.alloc.rate.norm} spreads JMH's own per-iteration
     * garbage over the operations, which shows up as fractions of a byte on allocation-free code.
     */
    static double bytes(double perOp) {
        return Double.isFinite(perOp) ? Math.rint(perOp) : perOp;
    }

    static String pct(double p) {
        return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
    }
}
