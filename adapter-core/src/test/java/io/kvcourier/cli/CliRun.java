package io.kvcourier.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs {@link Main#run} in this JVM and captures what it prints. */
record CliRun(int exitCode, String out, String err) {

    static CliRun of(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            rc = Main.run(args, o, e);
        }
        return new CliRun(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The first stdout line that starts with {@code "  " + label} (a doctor or summary row), or fails. */
    String row(String label) {
        for (String line : out.split("\n")) {
            if (line.startsWith("  " + label + " ")) {
                return line.substring(2 + label.length()).strip();
            }
        }
        throw new AssertionError("no row '" + label + "' in:\n" + out);
    }

    /** stderr is exactly one line. */
    String oneErrorLine() {
        String e = err.strip();
        if (e.isEmpty() || e.contains("\n")) {
            throw new AssertionError("expected exactly one line on stderr, got:\n" + err);
        }
        return e;
    }
}
