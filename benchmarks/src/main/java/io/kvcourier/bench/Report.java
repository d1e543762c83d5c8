package io.kvcourier.bench;

import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The results of one {@code kvcourier bench} run: the machine it ran on, every {@link Metric} and every
 * {@link Skip}, in the order they were added. Prints one table per suite (the ceiling row of each case first,
 * then the kvcourier rows with their ratio) and writes the raw results as JSON.
 *
 * <p>Not thread-safe: one thread (the bench driver) fills and prints it.
 */
public final class Report {
    private final Map<String, String> environment;
    private final List<Metric> metrics = new ArrayList<>();
    private final List<Skip> skips = new ArrayList<>();
    private final Map<String, List<String>> notes = new LinkedHashMap<>();

    /** @param environment what the run ran on (JDK, kernel, CPU, cores, ...), in print order */
    public Report(Map<String, String> environment) {
        this.environment = new LinkedHashMap<>(Objects.requireNonNull(environment, "environment"));
    }

    public void add(Metric m) {
        metrics.add(Objects.requireNonNull(m, "metric"));
    }

    public void skip(Skip s) {
        skips.add(Objects.requireNonNull(s, "skip"));
    }

    /** A remark printed under the suite's table and written to the JSON (method details, sample counts). */
    public void note(String suite, String text) {
        notes.computeIfAbsent(suite, k -> new ArrayList<>()).add(text);
    }

    public List<Metric> metrics() {
        return List.copyOf(metrics);
    }

    public List<Skip> skips() {
        return List.copyOf(skips);
    }

    public Map<String, String> environment() {
        return Map.copyOf(environment);
    }

    /** The suites in first-seen order (metrics, then skips, then notes). */
    public List<String> suites() {
        List<String> out = new ArrayList<>();
        for (Metric m : metrics) {
            if (!out.contains(m.suite())) {
                out.add(m.suite());
            }
        }
        for (Skip s : skips) {
            if (!out.contains(s.suite())) {
                out.add(s.suite());
            }
        }
        for (String s : notes.keySet()) {
            if (!out.contains(s)) {
                out.add(s);
            }
        }
        return out;
    }

    /** The header and one table per suite, as plain text. */
    public String toTables() {
        StringBuilder sb = new StringBuilder();
        sb.append("kvcourier bench\n");
        for (Map.Entry<String, String> e : environment.entrySet()) {
            sb.append(String.format(Locale.ROOT, "  %-10s %s%n", e.getKey() + ":", e.getValue()));
        }
        for (String suite : suites()) {
            sb.append('\n').append(table(suite));
        }
        return sb.toString();
    }

    /**
     * One suite's table: per case, the anchor row first (labelled with its {@link Metric.Anchor} kind:
     * {@code ceiling:}, {@code peer:}, {@code floor:}, ...), then each kvcourier row with its ratio. Consecutive
     * metrics with the same case, anchor and unit share one anchor row.
     */
    public String table(String suite) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"case", "implementation", "value", "unit", "ratio"});
        String lastKey = null;
        for (Metric m : metrics) {
            if (!m.suite().equals(suite)) {
                continue;
            }
            String key = m.caseLabel() + "\u0000" + m.anchor() + "\u0000" + m.ceilingName() + "\u0000" + m.unit();
            if (!key.equals(lastKey)) {
                String kind = m.anchor().label() + ": ";
                rows.add(new String[] {m.caseLabel(), kind + m.ceilingName(), number(m.ceilingValue()), m.unit(),
                        Double.isFinite(m.ceilingValue()) ? "1.00" : "-"});
                lastKey = key;
            }
            Double r = m.ratio();
            rows.add(new String[] {"", m.name(), number(m.value()), m.unit(),
                    r == null ? "-" : String.format(Locale.ROOT, "%.2f", r)});
        }
        StringBuilder sb = new StringBuilder();
        sb.append("== ").append(suite).append(" ==\n");
        if (rows.size() > 1) {
            int[] width = new int[5];
            for (String[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    width[i] = Math.max(width[i], row[i].length());
                }
            }
            for (String[] row : rows) {
                sb.append(String.format(Locale.ROOT, "  %-" + width[0] + "s  %-" + width[1] + "s  %" + width[2]
                        + "s  %-" + width[3] + "s  %" + width[4] + "s%n", (Object[]) row));
            }
        }
        for (Skip s : skips) {
            if (s.suite().equals(suite)) {
                sb.append("  ").append(s.what()).append(": skipped (").append(s.reason()).append(")\n");
            }
        }
        for (String n : notes.getOrDefault(suite, List.of())) {
            sb.append("  note: ").append(n).append('\n');
        }
        return sb.toString();
    }

    /** Three significant digits, plain notation for the usual magnitudes. */
    static String number(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        double a = Math.abs(v);
        if (a == 0) {
            return "0";
        }
        if (a >= 1e9 || a < 1e-3) {
            return String.format(Locale.ROOT, "%.3g", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }

    /**
     * Writes the report as one JSON object: {@code environment}, {@code metrics} (each with {@code suite},
     * {@code case}, {@code name}, {@code unit}, {@code better}, {@code value}, {@code anchor} (its kind:
     * {@code ceiling}, {@code peer}, {@code floor}, {@code baseline}, {@code budget}), {@code ceiling_name},
     * {@code ceiling_value}, {@code ratio}), {@code skipped} and {@code notes}. Non-finite numbers are written
     * as {@code null}.
     */
    public void writeJson(Writer out) throws IOException {
        Json j = new Json(out);
        j.beginObject();
        j.name("environment").beginObject();
        for (Map.Entry<String, String> e : environment.entrySet()) {
            j.name(e.getKey()).value(e.getValue());
        }
        j.endObject();
        j.name("metrics").beginArray();
        for (Metric m : metrics) {
            j.beginObject();
            j.name("suite").value(m.suite());
            j.name("case").value(m.caseLabel());
            j.name("name").value(m.fullName());
            j.name("implementation").value(m.name());
            j.name("unit").value(m.unit());
            j.name("better").value(m.better().name().toLowerCase(Locale.ROOT));
            j.name("value").value(m.value());
            j.name("anchor").value(m.anchor().label());
            j.name("ceiling_name").value(m.ceilingName());
            j.name("ceiling_value").value(m.ceilingValue());
            Double r = m.ratio();
            j.name("ratio").value(r == null ? Double.NaN : r);
            j.endObject();
        }
        j.endArray();
        j.name("skipped").beginArray();
        for (Skip s : skips) {
            j.beginObject();
            j.name("suite").value(s.suite());
            j.name("name").value(s.what());
            j.name("reason").value(s.reason());
            j.endObject();
        }
        j.endArray();
        j.name("notes").beginObject();
        for (Map.Entry<String, List<String>> e : notes.entrySet()) {
            j.name(e.getKey()).beginArray();
            for (String n : e.getValue()) {
                j.value(n);
            }
            j.endArray();
        }
        j.endObject();
        j.endObject();
        out.write('\n');
        out.flush();
    }
}
