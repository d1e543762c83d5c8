package io.kvcourier.channel.tcp;

import io.kvcourier.channel.BatchCompletion;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.WriteBatch;

/** A queue of (batch, completion) pairs, oldest first, read by one thread: {@link AckQueue}, {@link BatchFifo}. */
interface BatchQueue {
    /** Whether it holds nothing. */
    boolean isEmpty();

    /** The oldest batch; the queue must not be empty. */
    WriteBatch peekBatch();

    /** The oldest batch's completion; the queue must not be empty. */
    BatchCompletion peekCompletion();

    /** Drops the oldest pair; the queue must not be empty. */
    void remove();

    /** Fails every batch it holds into {@code failed} with {@code why} and empties it; returns how many. */
    default int failAll(Completions failed, ChannelException why) {
        int n = 0;
        while (!isEmpty()) {
            failed.add(peekBatch(), peekCompletion(), why);
            remove();
            n++;
        }
        return n;
    }
}
