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
 * @param ceilingName  what the ceiling (or other anchor) is, e.g. {@code libc memcpy}
 * @param ceilingValue the ceiling, in {@code unit}; {@code NaN} when there is none
 * @param anchor       what kind of comparison the ceiling row is (printed before its name)
 */
public record Metric(String suite, String caseLabel, String name, String unit, Better better, double value,
                     String ceilingName, double ceilingValue, Anchor anchor) {

    /** Which direction of a unit is better. */
    public enum Better {
        HIGHER, LOWER
    }

    /**
     * What the row a kvcourier value is compared with stands for. The ratio is computed the same way for all
     * kinds (1.0 = at the anchor, above 1 = better than it); only the label differs.
     */
    public enum Anchor {
        /** The same work done by the thinnest thing that can do it, measured in the same run. */
        CEILING("ceiling"),
        /** Another implementation a user would otherwise run (LMCache's Python path), not a bound. */
        PEER("peer"),
        /** What the wire alone costs for the same work between the same processes (latency: a lower bound). */
        FLOOR("floor"),
        /** kvcourier itself on a reference shape, so that the ratio isolates one cost (e.g. per chunk). */
        BASELINE("baseline"),
        /** A fixed budget from a design decision or issue, not measured. */
        BUDGET("budget");

        private final String label;

        Anchor(String label) {
            this.label = label;
        }

        /** How tables and JSON name it, e.g. {@code floor}. */
        public String label() {
            return label;
        }
    }

    /** A metric compared with a {@linkplain Anchor#CEILING ceiling}. */
    public Metric(String suite, String caseLabel, String name, String unit, Better better, double value,
                  String ceilingName, double ceilingValue) {
        this(suite, caseLabel, name, unit, better, value, ceilingName, ceilingValue, Anchor.CEILING);
    }

    public Metric {
        Objects.requireNonNull(suite, "suite");
        Objects.requireNonNull(caseLabel, "caseLabel");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(better, "better");
        Objects.requireNonNull(ceilingName, "ceilingName");
        Objects.requireNonNull(anchor, "anchor");
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
