package io.kvcourier.bench;

import java.util.Objects;

/**
 * One kvcourier measurement beside the ceiling it is compared with, both taken in the same run.
 *
 * <p>{@link #ratio()} is normalised so that 1.0 means "at the ceiling" and smaller means slower or heavier,
 * whichever way the unit points: {@code value / ceiling} when higher is better (GB/s, ops/s),
 * {@code ceiling / value} when lower is better (µs, B/op). It is {@code null} when it has no meaning (a
 * zero-cost ceiling against a non-zero value, or a missing ceiling).
 *
 * @param suite        the suite, e.g. {@code copy}
 * @param caseLabel    what is being varied, e.g. {@code 2 MiB} or {@code 64 KiB x 8}
 * @param name         the kvcourier measurement, e.g. {@code MemorySegment.copy}
 * @param unit         the unit of both values, e.g. {@code GB/s}
 * @param better       which way is better
 * @param value        the kvcourier value, in {@code unit}
 * @param ceilingName  what the ceiling is, e.g. {@code libc memcpy}
 * @param ceilingValue the ceiling, in {@code unit}; {@code NaN} when there is none
 */
public record Metric(String suite, String caseLabel, String name, String unit, Better better, double value,
                     String ceilingName, double ceilingValue) {

    /** Which direction of a unit is better. */
    public enum Better {
        HIGHER, LOWER
    }

    public Metric {
        Objects.requireNonNull(suite, "suite");
        Objects.requireNonNull(caseLabel, "caseLabel");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(better, "better");
        Objects.requireNonNull(ceilingName, "ceilingName");
    }

    /** The fraction of the ceiling reached (1.0 = at the ceiling); {@code null} when undefined. */
    public Double ratio() {
        if (!Double.isFinite(value) || !Double.isFinite(ceilingValue)) {
            return null;
        }
        if (better == Better.HIGHER) {
            return ceilingValue > 0 ? value / ceilingValue : null;
        }
        if (value > 0) {
            return ceilingValue / value;
        }
        return ceilingValue <= 0 ? 1.0 : null;
    }

    /** The metric's full name: {@code suite/case/name}. */
    public String fullName() {
        return suite + "/" + caseLabel + "/" + name;
    }
}
