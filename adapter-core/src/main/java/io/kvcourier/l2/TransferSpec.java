package io.kvcourier.l2;

import java.util.Objects;

/**
 * What a store call tells the PD adapter about the request it belongs to (ARCHITECTURE decision 1).
 *
 * @param reqId         the request id the proxy waits on; {@code ""} for none (no notification follows)
 * @param isLastPrefill whether this store carries the request's last prefill batch
 * @param totalChunks   the number of chunks (keys) the whole request stores through this adapter, {@code >= 0};
 *                      0 means unknown
 */
public record TransferSpec(String reqId, boolean isLastPrefill, int totalChunks) {

    /** No request: what the two-argument {@code submitStoreTask(keys, objects)} uses. */
    public static final TransferSpec NONE = new TransferSpec("", false, 0);

    /**
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
