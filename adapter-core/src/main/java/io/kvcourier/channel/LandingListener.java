package io.kvcourier.channel;

/**
 * The receiver engine's side of a channel: the channel asks it whether a write may land and tells it when a
 * batch's bytes have all arrived. All are called on the channel's own thread and must not block.
 */
public interface LandingListener {

    /**
     * Whether {@code length} bytes from {@code senderId} may be written at {@code offsetInPage} of page
     * {@code page} as part of batch {@code batchId}: the page must belong to that sender's live,
     * uncommitted allocation whose first page is {@code batchId}, and the range must continue the page's
     * bytes in order ({@code offsetInPage} = bytes admitted so far) inside the key's expected length.
     * Channels that place bytes themselves call this (or {@link #admitBatch}) before touching memory and drop
     * the connection when it says no; the engine then commits such a batch only once every byte of every key
     * was admitted. Channels with one-sided writes (verbs) call neither.
     */
    boolean admitWrite(String senderId, int batchId, int page, long offsetInPage, long length);

    /**
     * Whether a block of whole-page writes of batch {@code batchId} from {@code senderId} may land: entry
     * {@code i < count} puts {@code lengths[i]} bytes at the start of page {@code pages[i]}. Each page must belong
     * to that sender's live, uncommitted allocation whose first page is {@code batchId} and must not have been
     * admitted before, and each length must be its key's whole stored length. A batch is admitted in one block,
     * or in several when it has more entries than one frame carries (each page in exactly one block). The
     * engine's implementation is all or nothing (a refused block admits no page) and does one lookup per
     * entry under one lock, allocating nothing.
     *
     * <p>Channels that place whole pages themselves (tcp, mock_memory) call this once per block before touching
     * memory and drop the connection when it says no. The arrays belong to the channel, which reuses them once
     * the call returned. The default admits entry by entry through {@link #admitWrite}.
     */
    default boolean admitBatch(String senderId, int batchId, int[] pages, long[] lengths, int count) {
        for (int i = 0; i < count; i++) {
            if (!admitWrite(senderId, batchId, pages[i], 0, lengths[i])) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code batchId} of {@code senderId} names an allocation that was fenced (expired or cancelled) and
     * whose pages are still held: a frame for it is refused, not hostile. A channel that places bytes itself then
     * discards the frame's payload instead of dropping the connection, and answers the batch's committing frame
     * with a refusal (after telling {@link #onBatchLanded}, which returns false). The default knows of no fence.
     */
    default boolean isFenced(String senderId, int batchId) {
        return false;
    }

    /**
     * Every byte of batch {@code batchId} from {@code senderId} has landed. The engine commits the batch
     * (its keys become visible to lookup) and returns true, or returns false when the batch is unknown,
     * not that sender's, incomplete, or already reclaimed. The channel then acknowledges the result to the
     * sender. Channels also call it for the committing frame of a batch whose frames they discarded because
     * it was fenced ({@link #isFenced}): it returns false, and the engine learns that the sender is done with
     * that batch id.
     */
    boolean onBatchLanded(String senderId, int batchId);

    /**
     * The channel has written (or given up writing) the acknowledgements of every batch it reported with {@link
     * #onBatchLanded} so far. The engine runs here what follows a commit but is no concern of the sender's (telling
     * its commit listener), so that it does not hold up, or compete for the CPU with, the acknowledgement the
     * sender's request waits for. Channels call it after each write of acknowledgements, on the thread that
     * reported the batches, before that thread waits for more work. The default does nothing.
     */
    default void afterAcknowledgements() {
    }
}
