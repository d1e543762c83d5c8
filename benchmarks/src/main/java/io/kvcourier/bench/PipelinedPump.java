package io.kvcourier.bench;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The raw pump with several batches in flight, the ceiling of the e2e suite's request-streaming row: the same
 * batch frame as {@link FloorPump#pump()} (8-byte length + the chunks, gathering write straight from the
 * caller's memory) written back to back on one blocking connection to a {@link FloorReceiver} while at most
 * {@code window} batches are unacknowledged; a reader thread takes the one-byte acks. Owns the connection and
 * the reader thread, not the chunk memory.
 */
final class PipelinedPump implements AutoCloseable {
    private static final long ACK_WAIT_SECONDS = 60;

    private final SocketChannel channel;
    private final ByteBuffer[] frame;
    private final long frameBytes;
    private final int window;
    private final Semaphore slots;
    private final AtomicLong acked = new AtomicLong();
    private final Thread reader;
    private volatile IOException failure;

    PipelinedPump(int port, List<MemorySegment> chunks, int window) throws IOException {
        this.channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        channel.socket().setTcpNoDelay(true);
        this.frame = FloorPump.batchFrame(chunks);
        this.frameBytes = FloorPump.frameBytes(chunks);
        this.window = window;
        this.slots = new Semaphore(window);
        this.reader = Thread.ofPlatform().daemon(true).name("pipelined-pump-acks").start(this::readAcks);
    }

    /** Payload bytes per batch (without the header). */
    long batchBytes() {
        return frameBytes - 8;
    }

    private void readAcks() {
        ByteBuffer ack = ByteBuffer.allocateDirect(64);
        try {
            while (true) {
                ack.clear();
                int n = channel.read(ack);
                if (n < 0) {
                    return;
                }
                acked.addAndGet(n);
                slots.release(n);
            }
        } catch (IOException e) {
            failure = e;
            slots.release(window); // let a waiting sender see the failure
        }
    }

    /**
     * Sends batches back to back, at most {@code window} unacknowledged, until {@code nanos} have passed, then
     * waits for every ack.
     *
     * @return payload GB/s from the first write to the last ack
     */
    double run(long nanos) throws IOException, InterruptedException {
        long start = System.nanoTime();
        long end = start + nanos;
        long first = acked.get();
        long sent = 0;
        while (System.nanoTime() < end) {
            acquire(1);
            FloorPump.writeBatch(channel, frame, frameBytes);
            sent++;
        }
        acquire(window); // every ack is in
        long now = System.nanoTime();
        slots.release(window);
        long done = acked.get() - first;
        if (done != sent) {
            throw new IOException("pipelined pump: " + sent + " batches sent, " + done + " acknowledged");
        }
        return done * (double) batchBytes() / ((now - start) / 1e9) / 1e9;
    }

    private void acquire(int n) throws IOException, InterruptedException {
        if (!slots.tryAcquire(n, ACK_WAIT_SECONDS, TimeUnit.SECONDS)) {
            throw new IOException("pipelined pump: no ack within " + ACK_WAIT_SECONDS + " s");
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
        try {
            reader.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
