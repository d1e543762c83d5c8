package io.kvcourier.channel;

/**
 * Told once when a {@link WriteBatch} handed to {@link ChannelConnection#write(WriteBatch, BatchCompletion)}
 * is finished. Called on a channel-owned thread (its progress thread), or on the writing thread when the
 * write fails before it was queued. It must not block: record the outcome, unpark a waiter, or hand the
 * rest of the work to another thread.
 */
@FunctionalInterface
public interface BatchCompletion {

    /**
     * @param batch   the batch that finished
     * @param failure {@code null} when the receiver acknowledged that it committed the batch; otherwise why
     *                the batch failed (the write, the connection or the commit)
     */
    void batchDone(WriteBatch batch, ChannelException failure);
}
