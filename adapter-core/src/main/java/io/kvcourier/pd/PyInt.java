package io.kvcourier.pd;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/** Python's {@code int()} and {@code float()} on config values, and nothing more. */
final class PyInt {

    private static final Pattern INT = Pattern.compile("[+-]?[0-9](_?[0-9])*");
    private static final Pattern DECIMAL = Pattern.compile(
            "[+-]?([0-9](_?[0-9])*(\\.([0-9](_?[0-9])*)?)?|\\.[0-9](_?[0-9])*)([eE][+-]?[0-9](_?[0-9])*)?");

    private PyInt() {
    }

    /**
     * {@code int(value)} for a config value: integers as they are, strings by Python's rules (ASCII digits
     * only), floats truncated toward zero when {@code truncateFloats}, else rejected; booleans rejected.
     *
     * @param field the key, for {@link ConfigException#field()}
     * @param name  the name used in the message ({@code field} or {@code field[i]})
     */
    static BigInteger coerce(String field, String name, Object value, boolean truncateFloats) {
        if (value instanceof Byte || value instanceof Short || value instanceof Integer || value instanceof Long
                || value instanceof AtomicInteger || value instanceof AtomicLong) {
            return BigInteger.valueOf(((Number) value).longValue());
        }
        if (value instanceof BigInteger b) {
            return b;
        }
        if (value instanceof Double || value instanceof Float || value instanceof BigDecimal) {
            if (!truncateFloats) {
                throw new ConfigException(field, name + " must be an integer, got " + PyRepr.of(value));
            }
            if (value instanceof BigDecimal b) {
                return b.toBigInteger();
            }
            double x = ((Number) value).doubleValue();
            if (!Double.isFinite(x)) {
                throw new ConfigException(field, name + " must be a finite number, got " + PyRepr.of(value));
            }
            return new BigDecimal(x).toBigInteger();
        }
        if (value instanceof String s) {
            String t = s.strip();
            if (INT.matcher(t).matches()) {
                return new BigInteger(t.replace("_", ""));
            }
            throw new ConfigException(field, name + " must be an integer (as Python's int() reads it), got "
                    + PyRepr.of(value));
        }
        throw new ConfigException(field, name + " must be an integer, got " + PyRepr.of(value));
    }

    /** {@code float(s)} for finite values (ASCII only), or {@code null} when Python would not read it. */
    static BigDecimal parseDecimal(String s) {
        String t = s.strip();
        if (!DECIMAL.matcher(t).matches()) {
            return null;
        }
        return new BigDecimal(t.replace("_", ""));
    }
}
