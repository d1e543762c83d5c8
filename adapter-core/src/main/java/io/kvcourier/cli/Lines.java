package io.kvcourier.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The machine-readable lines the commands print on stdout, one event per line:
 * {@code WORD key=value key=value ...}; a value with spaces or quotes is written in double quotes with
 * {@code \"} and {@code \\} escaped. The parent process ({@code demo}, tests) reads them back with {@link #parse}.
 */
final class Lines {
    private Lines() {
    }

    /** {@code WORD k1=v1 k2=v2}, from alternating keys and values. */
    static String format(String word, Object... kv) {
        StringBuilder sb = new StringBuilder(word);
        for (int i = 0; i + 1 < kv.length; i += 2) {
            sb.append(' ').append(kv[i]).append('=').append(quote(String.valueOf(kv[i + 1])));
        }
        return sb.toString();
    }

    private static String quote(String v) {
        if (!v.isEmpty() && v.chars().noneMatch(c -> c == ' ' || c == '"' || c == '\\' || c == '=' || c < 0x20)) {
            return v;
        }
        StringBuilder sb = new StringBuilder("\"");
        for (char c : v.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c < 0x20 ? ' ' : c);
        }
        return sb.append('"').toString();
    }

    /** A parsed line: its first word and its fields. */
    record Event(String word, Map<String, String> fields) {
        String get(String key) {
            String v = fields.get(key);
            if (v == null) {
                throw new IllegalArgumentException("line " + word + " has no field " + key);
            }
            return v;
        }

        long longValue(String key) {
            return Long.parseLong(get(key));
        }
    }

    /** Parses a line written by {@link #format}; {@code null} for any other line. */
    static Event parse(String line) {
        int sp = line.indexOf(' ');
        String word = sp < 0 ? line : line.substring(0, sp);
        if (word.isEmpty() || !word.chars().allMatch(c -> (c >= 'A' && c <= 'Z') || c == '_')) {
            return null;
        }
        Map<String, String> fields = new LinkedHashMap<>();
        int i = sp < 0 ? line.length() : sp + 1;
        while (i < line.length()) {
            int eq = line.indexOf('=', i);
            if (eq < 0) {
                return null;
            }
            String key = line.substring(i, eq);
            StringBuilder v = new StringBuilder();
            int j = eq + 1;
            if (j < line.length() && line.charAt(j) == '"') {
                j++;
                while (j < line.length() && line.charAt(j) != '"') {
                    if (line.charAt(j) == '\\' && j + 1 < line.length()) {
                        j++;
                    }
                    v.append(line.charAt(j++));
                }
                j++; // closing quote
            } else {
                while (j < line.length() && line.charAt(j) != ' ') {
                    v.append(line.charAt(j++));
                }
            }
            fields.put(key, v.toString());
            i = j + 1;
        }
        return new Event(word, fields);
    }
}
