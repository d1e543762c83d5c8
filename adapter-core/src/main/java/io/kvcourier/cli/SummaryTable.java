package io.kvcourier.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** A two-column table with aligned columns, printed in one go. Not thread-safe. */
final class SummaryTable {
    private final List<String[]> rows = new ArrayList<>();

    SummaryTable row(String metric, String value) {
        rows.add(new String[] {metric, value});
        return this;
    }

    void print(PrintStream out) {
        int w = "metric".length();
        for (String[] r : rows) {
            w = Math.max(w, r[0].length());
        }
        int v = "value".length();
        for (String[] r : rows) {
            v = Math.max(v, r[1].length());
        }
        out.println("  " + pad("metric", w) + "  value");
        out.println("  " + "-".repeat(w) + "  " + "-".repeat(v));
        for (String[] r : rows) {
            out.println("  " + pad(r[0], w) + "  " + r[1]);
        }
        out.flush();
    }

    private static String pad(String s, int w) {
        return s + " ".repeat(w - s.length());
    }
}
