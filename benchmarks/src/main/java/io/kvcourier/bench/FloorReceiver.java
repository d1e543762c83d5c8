package io.kvcourier.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The receiving end of the e2e suite's <b>floor</b>: what the wire alone costs for a request between the same
 * two JVMs as kvcourier's, with plain blocking {@link SocketChannel}s (TCP_NODELAY), one platform thread per
 * connection. Per connection it serves, in any order:
 * <ul>
 *   <li>a <b>ping</b>: {@value FloorPump#PING_BYTES} bytes whose first 8 are {@link FloorPump#PING} (big-endian),
 *       answered with {@value FloorPump#PING_BYTES} bytes — the control round trip an allocation needs;</li>
 *   <li>a <b>batch</b>: an 8-byte big-endian length, then that many bytes, read into its pages (a ring of
 *       {@code pages} pages of {@code pageBytes}), answered with one ack byte — the raw pump of the channel
 *       suite.</li>
 * </ul>
 * Owns its sockets, threads and memory; {@link #close()} closes them all and frees the memory.
 */
final class FloorReceiver implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment memory;
    private final long pageBytes;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private final List<SocketChannel> connections = new ArrayList<>();
    private final List<Thread> readers = new ArrayList<>();
    private boolean closed;

    /** Binds 127.0.0.1 on an ephemeral port and starts accepting. */
    FloorReceiver(long pageBytes, int pages) throws IOException {
        if (pageBytes <= 0 || pageBytes > Integer.MAX_VALUE || pages <= 0) {
            throw new IllegalArgumentException("pageBytes must be in [1, 2^31) and pages > 0, got " + pageBytes
                    + " x " + pages);
        }
        this.pageBytes = pageBytes;
        this.memory = arena.allocate(pageBytes * pages, 4096);
        this.server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", 0));
        this.acceptor = Thread.ofPlatform().daemon(true).name("floor-acceptor").start(this::accept);
    }

    int port() throws IOException {
        return ((InetSocketAddress) server.getLocalAddress()).getPort();
    }

    private void accept() {
        try {
            while (true) {
                SocketChannel c = server.accept();
                synchronized (this) {
                    if (closed) {
                        c.close();
                        return;
                    }
                    connections.add(c);
                    readers.add(Thread.ofPlatform().daemon(true).name("floor-reader").start(() -> serve(c)));
                }
            }
        } catch (IOException e) {
            // closed: the run is over
        }
    }

    private void serve(SocketChannel c) {
        try (c) {
            c.socket().setTcpNoDelay(true);
            ByteBuffer header = ByteBuffer.allocateDirect(8);
            ByteBuffer pingRest = ByteBuffer.allocateDirect(FloorPump.PING_BYTES - 8);
            ByteBuffer pong = ByteBuffer.allocateDirect(FloorPump.PING_BYTES);
            ByteBuffer ack = ByteBuffer.allocateDirect(1);
            int pages = (int) (memory.byteSize() / pageBytes);
            ByteBuffer[] views = new ByteBuffer[pages];
            for (int i = 0; i < pages; i++) {
                views[i] = memory.asSlice(i * pageBytes, pageBytes).asByteBuffer();
            }
            int page = 0;
            while (true) {
                header.clear();
                if (!ChildReceiver.readFully(c, header)) {
                    return;
                }
                long h = header.getLong(0);
                if (h == FloorPump.PING) {
                    pingRest.clear();
                    if (!ChildReceiver.readFully(c, pingRest)) {
                        return;
                    }
                    writeFully(c, pong.clear());
                    continue;
                }
                if (h < 0) {
                    throw new IOException("bad frame header " + h);
                }
                long left = h;
                while (left > 0) {
                    ByteBuffer v = views[page].clear();
                    v.limit((int) Math.min(left, v.capacity()));
                    if (!ChildReceiver.readFully(c, v)) {
                        return;
                    }
                    left -= v.limit();
                    page = (page + 1) % pages;
                }
                writeFully(c, ack.clear());
            }
        } catch (IOException e) {
            // the sender went away (or sent garbage): this connection is done
        }
    }

    private static void writeFully(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    /** Stops accepting, closes every connection, waits for their threads, then frees the memory. Idempotent. */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        server.close();
        stopped(acceptor);
        for (SocketChannel c : connections) {
            c.close();
        }
        boolean stopped = true;
        for (Thread t : readers) {
            stopped &= stopped(t);
        }
        if (stopped) {
            arena.close(); // no reader can touch the memory any more
        }
    }

    /** Waits up to 10 s for {@code t}; an interrupt ends the wait (and stays set). @return whether it ended */
    private static boolean stopped(Thread t) {
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }
}
