package io.kvcourier.channel.tcp;

import io.kvcourier.channel.BatchCompletion;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.WriteBatch;

/**
 * Completions gathered under a connection's lock and run after it is released (a completion may write again
 * at once). Parallel growable arrays: nothing is allocated once warm. One progress thread only.
 */
final class Completions {
    private static final System.Logger LOG = System.getLogger(Completions.class.getName());

    private WriteBatch[] batches = new WriteBatch[16];
    private BatchCompletion[] completions = new BatchCompletion[16];
    private ChannelException[] failures = new ChannelException[16];
    private int size;
    private boolean running;

    void add(WriteBatch batch, BatchCompletion completion, ChannelException failure) {
        if (size == batches.length) {
            batches = java.util.Arrays.copyOf(batches, 2 * size);
            completions = java.util.Arrays.copyOf(completions, 2 * size);
            failures = java.util.Arrays.copyOf(failures, 2 * size);
        }
        batches[size] = batch;
        completions[size] = completion;
        failures[size] = failure;
        size++;
    }

    /**
     * Runs and forgets every gathered completion, in order; a completion that throws is logged. Completions
     * gathered by a completion (it closed a connection, say) run in the same call.
     */
    void run() {
        if (running) {
            return; // a completion called back into us: the loop below takes what it added
        }
        running = true;
        try {
            for (int i = 0; i < size; i++) {
                WriteBatch b = batches[i];
                BatchCompletion c = completions[i];
                ChannelException f = failures[i];
                batches[i] = null;
                completions[i] = null;
                failures[i] = null;
                run(b, c, f);
            }
            size = 0;
        } finally {
            running = false;
        }
    }

    static void run(WriteBatch batch, BatchCompletion completion, ChannelException failure) {
        try {
            completion.batchDone(batch, failure);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "batch completion failed", e);
        }
    }
}
