package io.kvcourier.l2;

import java.util.Objects;

/**
 * What a store call tells the PD adapter about the request it belongs to (docs/ARCHITECTURE.md#decision-1).
 *
 * @param reqId         the request id the proxy waits on; {@code ""} for none (no notification follows)
 * @param isLastPrefill whether this store carries the request's last prefill batch
 * @param totalChunks   the number of chunks (keys) the whole request stores through this adapter; {@code > 0}
 *                      when {@code reqId} is set (the receiver reserves that many pages on the request's first
 *                      batch and refuses {@code total_chunks == 0}, as upstream LMCache does, so a store with a
 *                      request id and 0 is rejected at submit); 0 without a request
 */
public record TransferSpec(String reqId, boolean isLastPrefill, int totalChunks) {

    /** No request: what the two-argument {@code submitStoreTask(keys, objects)} uses. */
    public static final TransferSpec NONE = new TransferSpec("", false, 0);

    /**
     * Checks the components.
     *
     * @throws NullPointerException     if {@code reqId} is null
     * @throws IllegalArgumentException if {@code totalChunks < 0}
     */
    public TransferSpec {
        Objects.requireNonNull(reqId, "reqId");
        if (totalChunks < 0) {
            throw new IllegalArgumentException("totalChunks must be >= 0, got " + totalChunks);
        }
    }
}
