package io.kvcourier.cli;

import io.kvcourier.agent.CloseHelper;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A raw TCP pump for the demo's reference figure: the workload's bytes ({@code requests} batches of
 * {@code chunks × chunkBytes}, {@code window} batches unacknowledged) between the same two processes as the
 * transfer, over one plain blocking socket (TCP_NODELAY). A batch is an 8-byte big-endian length and the payload,
 * gathered from {@code chunks} distinct chunks of one of {@code window} slots in turn (the memory a sender of the
 * workload reads: window × chunks × chunkBytes); the {@link Server} reads it into a reused buffer and answers one
 * byte. What the wire alone reaches, measured in the same run, so the demo can print its throughput as a fraction
 * of it.
 */
final class RawPump {
    private static final long ACK_WAIT_SECONDS = 60;
    private static final long MAX_SERVER_BUFFER = 256L << 20;

    private RawPump() {
    }

    /** Bytes moved and the seconds from the first write to the last acknowledgement. */
    record Result(long bytes, double seconds) {
        double bytesPerSecond() {
            return seconds > 0 ? bytes / seconds : 0;
        }
    }

    /** The receiving end (in the receiver's process): one platform thread per connection. Owns its sockets. */
    static final class Server implements AutoCloseable {
        private final ServerSocketChannel socket;
        private final Thread acceptor;
        private final List<SocketChannel> connections = new ArrayList<>();
        private boolean closed;

        private Server(ServerSocketChannel socket) {
            this.socket = socket;
            this.acceptor = Thread.ofPlatform().daemon(true).name("kvcourier-raw-pump").start(this::accept);
        }

        /** Binds {@code host} on an ephemeral port. */
        static Server start(String host) throws IOException {
            ServerSocketChannel s = ServerSocketChannel.open();
            try {
                s.bind(new InetSocketAddress(host, 0));
            } catch (IOException e) {
                CloseHelper.closeOnFailure(e, s);
                throw e;
            }
            return new Server(s);
        }

        int port() throws IOException {
            return ((InetSocketAddress) socket.getLocalAddress()).getPort();
        }

        private void accept() {
            try {
                while (true) {
                    SocketChannel c = socket.accept();
                    synchronized (connections) {
                        if (closed) { // accepted while close() ran: refuse it like the closed socket would
                            c.close();
                            return;
                        }
                        connections.add(c);
                    }
                    Thread.ofPlatform().daemon(true).name("kvcourier-raw-pump-reader").start(() -> serve(c));
                }
            } catch (IOException e) {
                // closed
            }
        }

        private static void serve(SocketChannel c) {
            try (c; Arena arena = Arena.ofConfined()) {
                c.socket().setTcpNoDelay(true);
                ByteBuffer header = ByteBuffer.allocateDirect(8);
                ByteBuffer ack = ByteBuffer.allocateDirect(1);
                ByteBuffer buffer = null;
                while (readFully(c, header.clear())) {
                    long left = header.getLong(0);
                    if (left < 0) {
                        return;
                    }
                    if (buffer == null) {
                        buffer = arena.allocate(Math.max(1, Math.min(left, MAX_SERVER_BUFFER)), 4096).asByteBuffer();
                    }
                    while (left > 0) {
                        buffer.clear().limit((int) Math.min(left, buffer.capacity()));
                        if (!readFully(c, buffer)) {
                            return;
                        }
                        left -= buffer.limit();
                    }
                    writeFully(c, ack.clear());
                }
            } catch (IOException e) {
                // the sender went away
            }
        }

        /**
         * Stops accepting (waits for the accept thread, so no connection is served afterwards) and closes every
         * connection. Idempotent.
         */
        @Override
        public void close() throws IOException {
            synchronized (connections) {
                closed = true;
            }
            socket.close();
            try {
                acceptor.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (connections) {
                for (SocketChannel c : connections) {
                    c.close();
                }
            }
        }
    }

    /**
     * Pumps {@code batches} batches of {@code chunks × chunkBytes} to a {@link Server} at {@code host:port}, at most
     * {@code window} unacknowledged; batch {@code b} is sent from slot {@code b mod window} of
     * {@code window × chunks} distinct chunks.
     */
    static Result run(String host, int port, int batches, int chunks, long chunkBytes, int window) throws IOException {
        try (Arena arena = Arena.ofShared()) {
            long payload = chunks * chunkBytes;
            MemorySegment memory = arena.allocate(window * payload, 4096);
            memory.fill((byte) 0x5a);
            ByteBuffer[][] frames = new ByteBuffer[window][chunks + 1];
            for (int s = 0; s < window; s++) {
                frames[s][0] = ByteBuffer.allocateDirect(8).putLong(0, payload);
                for (int i = 0; i < chunks; i++) {
                    frames[s][i + 1] = memory.asSlice(s * payload + i * chunkBytes, chunkBytes).asByteBuffer();
                }
            }
            Semaphore slots = new Semaphore(window);
            AtomicLong acked = new AtomicLong();
            // Not a try-with-resources resource: the finally below closes it before joining the reader it unblocks.
            SocketChannel channel = SocketChannel.open(new InetSocketAddress(host, port));
            Thread reader = null;
            try {
                channel.socket().setTcpNoDelay(true);
                reader = Thread.ofPlatform().daemon(true).name("kvcourier-raw-pump-acks").start(() -> {
                    ByteBuffer acks = ByteBuffer.allocateDirect(64);
                    try {
                        int n;
                        while ((n = channel.read(acks.clear())) >= 0) {
                            acked.addAndGet(n);
                            slots.release(n);
                        }
                    } catch (IOException e) {
                        // closed: the writer sees the missing acks
                    }
                    slots.release(window);
                });
                long start = System.nanoTime();
                for (int b = 0; b < batches; b++) {
                    acquire(slots, 1);
                    ByteBuffer[] frame = frames[b % window];
                    for (ByteBuffer f : frame) {
                        f.clear();
                    }
                    long left = payload + 8;
                    while (left > 0) {
                        left -= channel.write(frame);
                    }
                }
                acquire(slots, window);
                long end = System.nanoTime();
                if (acked.get() != batches) {
                    throw new IOException("raw pump: " + batches + " batches sent, " + acked.get() + " acknowledged");
                }
                return new Result(batches * payload, (end - start) / 1e9);
            } finally {
                channel.close();
                if (reader != null) {
                    try {
                        reader.join(TimeUnit.SECONDS.toMillis(10));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        }
    }

    private static void acquire(Semaphore slots, int n) throws IOException {
        try {
            if (!slots.tryAcquire(n, ACK_WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException("raw pump: no acknowledgement within " + ACK_WAIT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("raw pump interrupted", e);
        }
    }

    private static boolean readFully(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                return false;
            }
        }
        return true;
    }

    private static void writeFully(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            c.write(b);
        }
    }
}
