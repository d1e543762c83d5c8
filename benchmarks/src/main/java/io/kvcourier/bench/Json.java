package io.kvcourier.bench;

import java.io.IOException;
import java.io.Writer;

/**
 * A minimal streaming JSON writer (RFC 8259): objects, arrays, strings, numbers, with two-space indentation.
 * Non-finite numbers become {@code null}. The caller keeps the nesting balanced; not thread-safe.
 */
final class Json {
    private final Writer out;
    private int depth;
    private boolean first = true;
    private boolean afterName;

    Json(Writer out) {
        this.out = out;
    }

    Json beginObject() throws IOException {
        return open('{');
    }

    Json endObject() throws IOException {
        return close('}');
    }

    Json beginArray() throws IOException {
        return open('[');
    }

    Json endArray() throws IOException {
        return close(']');
    }

    Json name(String name) throws IOException {
        separate();
        string(name);
        out.write(": ");
        afterName = true;
        return this;
    }

    Json value(String s) throws IOException {
        separate();
        if (s == null) {
            out.write("null");
        } else {
            string(s);
        }
        return this;
    }

    Json value(double v) throws IOException {
        separate();
        if (!Double.isFinite(v)) {
            out.write("null");
        } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            out.write(Long.toString((long) v));
        } else {
            out.write(Double.toString(v));
        }
        return this;
    }

    private Json open(char c) throws IOException {
        separate();
        out.write(c);
        depth++;
        first = true;
        return this;
    }

    private Json close(char c) throws IOException {
        depth--;
        if (!first) {
            newline();
        }
        out.write(c);
        first = false;
        return this;
    }

    private void separate() throws IOException {
        if (afterName) {
            afterName = false;
            return;
        }
        if (depth == 0) {
            return;
        }
        if (!first) {
            out.write(',');
        }
        newline();
        first = false;
    }

    private void newline() throws IOException {
        out.write('\n');
        for (int i = 0; i < depth; i++) {
            out.write("  ");
        }
    }

    private void string(String s) throws IOException {
        out.write('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.write("\\\"");
                case '\\' -> out.write("\\\\");
                case '\n' -> out.write("\\n");
                case '\r' -> out.write("\\r");
                case '\t' -> out.write("\\t");
                default -> {
                    if (c < 0x20) {
                        out.write(String.format("\\u%04x", (int) c));
                    } else {
                        out.write(c);
                    }
                }
            }
        }
        out.write('"');
    }
}
