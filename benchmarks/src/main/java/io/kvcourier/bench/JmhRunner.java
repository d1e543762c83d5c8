package io.kvcourier.bench;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Runs the JMH benchmarks of one class programmatically with the run's {@link Settings}, {@code -prof gc}, and
 * the JVM flags kvcourier needs in every forked JVM.
 */
final class JmhRunner {
    /** The flags every JVM running kvcourier needs (FFM native access; msgpack-core without Unsafe). */
    static final String[] JVM_FLAGS = {"--enable-native-access=ALL-UNNAMED", "-Dmsgpack.universal-buffer=true"};

    private final Settings settings;
    private final boolean verbose;

    JmhRunner(Settings settings, boolean verbose) {
        this.settings = settings;
        this.verbose = verbose;
    }

    /**
     * The forked JVMs' flags: kvcourier's, the {@link BenchOut} directory, and on JDK 23+ permission for JMH's own
     * {@code sun.misc.Unsafe} use (otherwise every fork prints a deprecation warning; JDK 22 knows no such flag).
     */
    static String[] forkFlags(Path outDir) {
        List<String> flags = new ArrayList<>(List.of(JVM_FLAGS));
        flags.add("-D" + BenchOut.DIR_PROPERTY + "=" + outDir);
        if (Runtime.version().feature() >= 23) {
            flags.add("--sun-misc-unsafe-memory-access=allow");
        }
        return flags.toArray(String[]::new);
    }

    /** One benchmark method × parameter combination's result. */
    record Row(String method, Map<String, String> params, RunResult result) {

        String param(String name) {
            return params.get(name);
        }

        /** The primary score (mean for SampleTime) in {@link #unit()}. */
        double score() {
            return result.getPrimaryResult().getScore();
        }

        String unit() {
            return result.getPrimaryResult().getScoreUnit();
        }

        /** A percentile of a SampleTime result, in {@link #unit()}. */
        double percentile(double p) {
            return result.getPrimaryResult().getStatistics().getPercentile(p);
        }

        long samples() {
            return result.getPrimaryResult().getStatistics().getN();
        }

        /** {@code gc.alloc.rate.norm}: bytes allocated per operation by all threads, or NaN without it. */
        double allocPerOp() {
            Map<String, ?> secondary = result.getSecondaryResults(); // values of JMH's raw type Result
            for (Map.Entry<String, ?> e : secondary.entrySet()) {
                if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                    return ((Result<?>) e.getValue()).getScore();
                }
            }
            return Double.NaN;
        }
    }

    /**
     * Runs every benchmark method of {@code type}.
     *
     * @param params JMH parameter overrides (name to values)
     * @param outDir where forks write {@link BenchOut} values
     */
    List<Row> run(Class<?> type, Map<String, List<String>> params, Path outDir) throws RunnerException {
        ChainedOptionsBuilder b = new OptionsBuilder()
                .include("^" + Pattern.quote(type.getName()) + "\\.")
                .forks(settings.forks())
                .warmupIterations(settings.warmups())
                .warmupTime(TimeValue.seconds(settings.warmupSeconds()))
                .measurementIterations(settings.iterations())
                .measurementTime(TimeValue.seconds(settings.iterationSeconds()))
                .jvmArgsAppend(forkFlags(outDir))
                .addProfiler(GCProfiler.class)
                .shouldFailOnError(true)
                .verbosity(verbose ? VerboseMode.NORMAL : VerboseMode.SILENT);
        for (Map.Entry<String, List<String>> e : params.entrySet()) {
            b.param(e.getKey(), e.getValue().toArray(String[]::new));
        }
        Collection<RunResult> results = new Runner(b.build()).run();
        List<Row> rows = new ArrayList<>();
        for (RunResult r : results) {
            String full = r.getParams().getBenchmark();
            String method = full.substring(full.lastIndexOf('.') + 1);
            Map<String, String> p = new java.util.LinkedHashMap<>();
            for (String key : r.getParams().getParamsKeys()) {
                p.put(key, r.getParams().getParam(key));
            }
            rows.add(new Row(method, p, r));
        }
        return rows;
    }

    /** The row of {@code method} whose parameters include all of {@code match} (name, value, name, value...). */
    static Row find(List<Row> rows, String method, String... match) {
        for (Row r : rows) {
            if (!r.method().equals(method)) {
                continue;
            }
            boolean ok = true;
            for (int i = 0; i + 1 < match.length; i += 2) {
                ok &= match[i + 1].equals(r.param(match[i]));
            }
            if (ok) {
                return r;
            }
        }
        throw new IllegalStateException("no JMH result for " + method + " " + String.join(",", match));
    }
}
