package io.kvcourier.wire;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/** Argument checks shared by the message records; each names the wire field it checks. */
final class Checks {
    private Checks() {
    }

    static <T> T notNull(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException(field + " must not be null");
        }
        return value;
    }

    /** @return an unmodifiable copy of {@code values}, which must hold no null (a decoded list as it is) */
    static List<String> strings(List<String> values, String field) {
        notNull(values, field);
        if (values instanceof Utf8StringList decoded) {
            return decoded; // immutable, and a decoded str is never null
        }
        ArrayList<String> copy = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            String s = values.get(i);
            if (s == null) {
                throw new IllegalArgumentException(field + "[" + i + "] must not be null");
            }
            copy.add(s);
        }
        return Collections.unmodifiableList(copy);
    }

    static int nonNegative(int value, String field) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must be >= 0, got " + value);
        }
        return value;
    }

    static long nonNegative(long value, String field) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must be >= 0, got " + value);
        }
        return value;
    }

    static int range(int value, int min, int max, String field) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + " must be in [" + min + ", " + max + "], got " + value);
        }
        return value;
    }

    static void sameLength(int[] a, String aField, int[] b, String bField) {
        if (a.length != b.length) {
            throw new IllegalArgumentException(aField + " and " + bField + " must have the same length, got "
                    + a.length + " and " + b.length);
        }
    }

    static String unsignedList(int[] values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(Integer.toUnsignedString(values[i]));
        }
        return sb.append(']').toString();
    }

    static boolean equalsStr(String a, String b) {
        return Objects.equals(a, b);
    }
}
