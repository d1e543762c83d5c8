package io.kvcourier.channel;

/**
 * The receiver engine's side of a channel: the channel asks it whether a write may land and tells it when a
 * batch's bytes have all arrived. Both are called on the channel's own thread and must not block.
 */
public interface LandingListener {

    /**
     * Whether {@code length} bytes from {@code senderId} may be written at {@code offsetInPage} of page
     * {@code page} as part of batch {@code batchId}: the page must belong to that sender's live,
     * uncommitted allocation whose first page is {@code batchId}, and the range must continue the page's
     * bytes in order ({@code offsetInPage} = bytes admitted so far) inside the key's expected length.
     * Channels that place bytes themselves (tcp, mock_memory) call this before touching memory and drop
     * the connection when it says no; the engine then commits such a batch only once every byte of every
     * key was admitted. Channels with one-sided writes (verbs) do not call it.
     */
    boolean admitWrite(String senderId, int batchId, int page, long offsetInPage, long length);

    /**
     * Every byte of batch {@code batchId} from {@code senderId} has landed. The engine commits the batch
     * (its keys become visible to lookup) and returns true, or returns false when the batch is unknown,
     * not that sender's, or already reclaimed. The channel then acknowledges the result to the sender.
     */
    boolean onBatchLanded(String senderId, int batchId);
}
