package io.kvcourier.bench;

/**
 * A suite or row that could not run on this machine, with the reason printed and written to the JSON
 * (never silently left out).
 *
 * @param suite  the suite, e.g. {@code verbs}
 * @param what   the row, e.g. {@code verbs channel vs ib_write_bw}
 * @param reason why, e.g. {@code no RDMA device: ...}
 */
public record Skip(String suite, String what, String reason) {
}
