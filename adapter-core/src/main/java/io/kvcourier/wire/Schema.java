package io.kvcourier.wire;

/**
 * Which upstream schema an {@link AllocRequest} or {@link AllocResponse} is encoded in. Every
 * other message has one schema and ignores this.
 *
 * <p>Decoding never needs it: the decoder reads fields by name, so both schemas decode, and a
 * field the sync schema lacks takes its default.
 */
public enum Schema {
    /**
     * LMCache's async backend and PD L2 adapter (the default): {@code AllocRequest} with its eight
     * fields; {@code AllocResponse} with {@code remote_indexes} first.
     */
    ASYNC,
    /**
     * LMCache's sync backend: {@code AllocRequest} with only its first five fields (so
     * {@code req_id}, {@code is_last_batch}, {@code total_chunks} must hold their defaults);
     * {@code AllocResponse} with {@code already_sent_indexes} first.
     */
    SYNC
}
