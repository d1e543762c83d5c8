package io.kvcourier.channel.tcp;

import io.kvcourier.channel.BatchCompletion;
import io.kvcourier.channel.WriteBatch;

/**
 * A first-in first-out queue of (batch, completion) pairs in two parallel circular arrays that grow when
 * full and never shrink, so that queueing allocates nothing once warm. One progress thread only.
 */
final class BatchFifo implements BatchQueue {
    private WriteBatch[] batches = new WriteBatch[16];
    private BatchCompletion[] completions = new BatchCompletion[16];
    private int head;
    private int size;

    void add(WriteBatch batch, BatchCompletion completion) {
        if (size == batches.length) {
            grow();
        }
        int i = (head + size) & (batches.length - 1);
        batches[i] = batch;
        completions[i] = completion;
        size++;
    }

    @Override
    public boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** The oldest batch; the queue must not be empty. */
    @Override
    public WriteBatch peekBatch() {
        return batches[head];
    }

    /** The oldest batch's completion; the queue must not be empty. */
    @Override
    public BatchCompletion peekCompletion() {
        return completions[head];
    }

    /** Drops the oldest pair; the queue must not be empty. */
    @Override
    public void remove() {
        batches[head] = null;
        completions[head] = null;
        head = (head + 1) & (batches.length - 1);
        size--;
    }

    private void grow() {
        int n = batches.length;
        WriteBatch[] b = new WriteBatch[2 * n];
        BatchCompletion[] c = new BatchCompletion[2 * n];
        for (int i = 0; i < size; i++) {
            b[i] = batches[(head + i) & (n - 1)];
            c[i] = completions[(head + i) & (n - 1)];
        }
        batches = b;
        completions = c;
        head = 0;
    }
}
