package io.kvcourier.wire;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a value sits in the message, for msgspec-style {@code - at `$.keys[3]`} suffixes. The paths of the
 * schema's fields and of their first list elements are made once and shared, so decoding a well-formed
 * message allocates no path.
 */
record FieldPath(String field, int index) {
    static final FieldPath ROOT = new FieldPath(null, -1);
    static final FieldPath KEY = new FieldPath("<key>", -1);
    private static final int CACHED_ELEMENTS = 128;
    private static final ConcurrentHashMap<String, FieldPath[]> CACHE =
            new ConcurrentHashMap<>();

    /** Slot 0: the field itself; slot i + 1: its element i. */
    private static FieldPath[] slots(String field) {
        FieldPath[] s = CACHE.get(field);
        if (s == null) {
            FieldPath[] made = new FieldPath[CACHED_ELEMENTS + 1];
            made[0] = new FieldPath(field, -1);
            for (int i = 0; i < CACHED_ELEMENTS; i++) {
                made[i + 1] = new FieldPath(field, i);
            }
            s = CACHE.size() < 1024 ? CACHE.computeIfAbsent(field, f -> made) : made;
        }
        return s;
    }

    static FieldPath of(String field) {
        return slots(field)[0];
    }

    FieldPath at(int i) {
        return i >= 0 && i < CACHED_ELEMENTS && field != null ? slots(field)[i + 1] : new FieldPath(field, i);
    }

    String suffix() {
        if (field == null) {
            return "";
        }
        if (this == KEY) {
            return " - at `key` in `$`";
        }
        return " - at `$." + field + (index >= 0 ? "[" + index + "]" : "") + "`";
    }
}
