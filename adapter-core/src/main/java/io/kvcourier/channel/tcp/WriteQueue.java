package io.kvcourier.channel.tcp;

import io.kvcourier.channel.BatchCompletion;
import io.kvcourier.channel.WriteBatch;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The hand-off of writes from any thread to the sender's progress thread: a bounded ring of
 * (connection, batch, completion) slots, many producers and one consumer, that allocates nothing per offer
 * (after Agrona's {@code ManyToOneConcurrentArrayQueue}). A producer claims a slot by moving the tail, fills it
 * and publishes it with a volatile store of the batch; the consumer takes published slots in order, clears
 * them and only then moves the head, which frees the slots for producers.
 */
final class WriteQueue {
    private static final VarHandle BATCHES = MethodHandles.arrayElementVarHandle(WriteBatch[].class);

    /** Takes one queued write; called on the consumer's thread. */
    interface Sink {
        void accept(TcpConnection connection, WriteBatch batch, BatchCompletion completion);
    }

    private final int capacity;
    private final int mask;
    private final TcpConnection[] connections;
    private final WriteBatch[] batches;
    private final BatchCompletion[] completions;
    private final AtomicLong tail = new AtomicLong();
    private volatile long head;

    /** @param capacity slots, a power of two */
    WriteQueue(int capacity) {
        if (capacity <= 0 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two, got " + capacity);
        }
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.connections = new TcpConnection[capacity];
        this.batches = new WriteBatch[capacity];
        this.completions = new BatchCompletion[capacity];
    }

    /** Queues one write; false when the ring is full (nothing was queued). Any thread. */
    boolean offer(TcpConnection connection, WriteBatch batch, BatchCompletion completion) {
        long t;
        do {
            t = tail.get();
            if (t - head >= capacity) {
                return false;
            }
        } while (!tail.compareAndSet(t, t + 1));
        int i = (int) t & mask;
        connections[i] = connection;
        completions[i] = completion;
        // Volatile (not just release): a producer that then reads the sender's "exited" flag and a closer that
        // set it before draining cannot both miss each other.
        BATCHES.setVolatile(batches, i, batch);
        return true;
    }

    /** Hands every published write to {@code sink}, in order; returns how many. The consumer's thread only. */
    int drain(Sink sink) {
        long h = head;
        int n = 0;
        while (true) {
            int i = (int) h & mask;
            WriteBatch b = (WriteBatch) BATCHES.getVolatile(batches, i);
            if (b == null) {
                return n; // empty, or the next producer has claimed its slot but not published it yet
            }
            TcpConnection c = connections[i];
            BatchCompletion done = completions[i];
            connections[i] = null;
            completions[i] = null;
            BATCHES.setRelease(batches, i, null);
            head = ++h;
            sink.accept(c, b, done);
            n++;
        }
    }
}
