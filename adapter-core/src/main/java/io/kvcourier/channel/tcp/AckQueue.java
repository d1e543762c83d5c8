package io.kvcourier.channel.tcp;

import io.kvcourier.channel.BatchCompletion;
import io.kvcourier.channel.WriteBatch;

/**
 * The batches of one connection that are fully sent and await their ACK, oldest first: a bounded ring with
 * one producer at a time (whoever holds the connection's send lock: a writer on the fast path or the progress
 * thread) and one consumer (the progress thread, which reads the acks), so that acks are matched without
 * taking the send lock. Allocates nothing.
 */
final class AckQueue implements BatchQueue {
    private final int mask;
    private final WriteBatch[] batches;
    private final BatchCompletion[] completions;
    /** Next slot to fill; written by the producer only. */
    private volatile long tail;
    /** Oldest filled slot; written by the consumer only. */
    private volatile long head;

    /** @param capacity slots, a power of two */
    AckQueue(int capacity) {
        if (capacity <= 0 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two, got " + capacity);
        }
        this.mask = capacity - 1;
        this.batches = new WriteBatch[capacity];
        this.completions = new BatchCompletion[capacity];
    }

    /** Producer: whether another batch fits. */
    boolean hasRoom() {
        return tail - head <= mask;
    }

    /** Producer: appends; the caller checked {@link #hasRoom()}. */
    void add(WriteBatch batch, BatchCompletion completion) {
        long t = tail;
        int i = (int) t & mask;
        batches[i] = batch;
        completions[i] = completion;
        tail = t + 1; // publishes the slot
    }

    /** Consumer: whether nothing awaits an ack. */
    @Override
    public boolean isEmpty() {
        return head == tail;
    }

    /** Consumer: the oldest batch; the queue must not be empty. */
    @Override
    public WriteBatch peekBatch() {
        return batches[(int) head & mask];
    }

    /** Consumer: the oldest batch's completion; the queue must not be empty. */
    @Override
    public BatchCompletion peekCompletion() {
        return completions[(int) head & mask];
    }

    /** Consumer: drops the oldest batch; the queue must not be empty. */
    @Override
    public void remove() {
        long h = head;
        int i = (int) h & mask;
        batches[i] = null;
        completions[i] = null;
        head = h + 1; // frees the slot
    }
}
