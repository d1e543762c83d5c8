package io.kvcourier.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The options of one subcommand: {@code --name value}, {@code --name=value} and boolean {@code --flag}s.
 * Every error is a {@link UsageException} whose message names the option, e.g.
 * {@code "--requests must be an integer in 1..1000000, got 'x'"}. Not thread-safe.
 */
final class Args {
    private final String command;
    private final Map<String, String> values = new HashMap<>();
    private final List<String> flags = new ArrayList<>();

    private Args(String command) {
        this.command = command;
    }

    /**
     * Parses {@code argv} (without the subcommand) against the options the command knows.
     *
     * @param valued options that take a value (without the leading dashes)
     * @param booleans options that take none
     * @throws UsageException for an unknown option, a missing value, a repeated option or a stray argument
     */
    static Args parse(String command, List<String> argv, Set<String> valued, Set<String> booleans)
            throws UsageException {
        Args a = new Args(command);
        for (int i = 0; i < argv.size(); i++) {
            String arg = argv.get(i);
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new UsageException("unexpected argument '" + arg
                        + "' (options start with --; see kvcourier " + command + " --help)");
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (booleans.contains(name)) {
                if (value != null) {
                    throw new UsageException("--" + name + " takes no value");
                }
                a.flags.add(name);
                continue;
            }
            if (!valued.contains(name)) {
                throw new UsageException("unknown option --" + name
                        + " (see kvcourier " + command + " --help)");
            }
            if (value == null) {
                if (i + 1 >= argv.size()) {
                    throw new UsageException("--" + name + " needs a value");
                }
                value = argv.get(++i);
            }
            if (a.values.put(name, value) != null) {
                throw new UsageException("--" + name + " is given more than once");
            }
        }
        return a;
    }

    String command() {
        return command;
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    /** The value of {@code --name}, or {@code dflt} when absent. */
    String string(String name, String dflt) {
        return values.getOrDefault(name, dflt);
    }

    /** The value of a required option. */
    String required(String name) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            throw new UsageException("--" + name + " is required (see kvcourier " + command + " --help)");
        }
        return v;
    }

    /** An integer option in {@code [min, max]}. */
    int integer(String name, int dflt, int min, int max) throws UsageException {
        return (int) longValue(name, dflt, min, max, false);
    }

    /**
     * A byte count in {@code [min, max]}: plain digits or with a binary suffix {@code K}, {@code M}, {@code G}
     * (also {@code KiB}, {@code MiB}, {@code GiB}, case-insensitive), e.g. {@code 2MiB} = 2097152.
     */
    long bytes(String name, long dflt, long min, long max) throws UsageException {
        return longValue(name, dflt, min, max, true);
    }

    /** A duration in seconds (decimal), {@code > 0} and at most {@code maxSeconds}, in milliseconds. */
    long millis(String name, long dfltMillis, long maxSeconds) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return dfltMillis;
        }
        try {
            double s = Double.parseDouble(v.strip());
            if (!(s > 0) || s > maxSeconds) {
                throw new NumberFormatException();
            }
            return Math.max(1, Math.round(s * 1000));
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number of seconds in (0, " + maxSeconds + "], got '"
                    + v + "'");
        }
    }

    private long longValue(String name, long dflt, long min, long max, boolean byteSuffixes) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        long parsed = byteSuffixes ? parseBytes(v) : parseLong(v);
        if (parsed == Long.MIN_VALUE || parsed < min || parsed > max) {
            throw new UsageException("--" + name + " must be " + (byteSuffixes ? "a byte count (e.g. 4096, 64K, 2MiB)"
                    : "an integer") + " in " + min + ".." + max + ", got '" + v + "'");
        }
        return parsed;
    }

    private static long parseLong(String v) {
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }

    /** Digits with an optional binary suffix; {@link Long#MIN_VALUE} when malformed or overflowing. */
    static long parseBytes(String v) {
        String t = v.strip().toLowerCase(Locale.ROOT);
        int shift = 0;
        for (String[] suffix : new String[][] {{"kib", "10"}, {"mib", "20"}, {"gib", "30"}, {"k", "10"}, {"m", "20"},
                {"g", "30"}}) {
            if (t.endsWith(suffix[0])) {
                shift = Integer.parseInt(suffix[1]);
                t = t.substring(0, t.length() - suffix[0].length()).strip();
                break;
            }
        }
        long n = parseLong(t);
        if (n == Long.MIN_VALUE || n < 0 || Long.numberOfLeadingZeros(n) <= shift) {
            return Long.MIN_VALUE;
        }
        return n << shift;
    }
}
