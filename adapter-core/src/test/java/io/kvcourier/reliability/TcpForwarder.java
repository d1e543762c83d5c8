package io.kvcourier.reliability;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP forwarder for tests: every connection to {@link #port()} is relayed to the target port. {@link
 * #freeze()} makes it a silent partition — it stops relaying in both directions without closing anything, so
 * neither side sees a FIN or RST (only timeouts and heartbeats can tell). Needs no root.
 */
final class TcpForwarder implements AutoCloseable {
    private final ServerSocketChannel server;
    private final int target;
    private final List<SocketChannel> sockets = new CopyOnWriteArrayList<>();
    private final Object frozenLock = new Object();
    private volatile boolean frozen;
    private volatile boolean closed;

    TcpForwarder(int targetPort) throws IOException {
        this.target = targetPort;
        this.server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        Thread.ofVirtual().name("forwarder-accept").start(this::accept);
    }

    int port() throws IOException {
        return ((InetSocketAddress) server.getLocalAddress()).getPort();
    }

    /** Stops relaying bytes, in both directions, on every connection, without closing any of them. */
    void freeze() {
        frozen = true;
    }

    private void accept() {
        while (!closed) {
            try {
                SocketChannel in = server.accept();
                SocketChannel out = SocketChannel.open(new InetSocketAddress("127.0.0.1", target));
                sockets.add(in);
                sockets.add(out);
                Thread.ofVirtual().name("forwarder-up").start(() -> relay(in, out));
                Thread.ofVirtual().name("forwarder-down").start(() -> relay(out, in));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void relay(SocketChannel from, SocketChannel to) {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        try {
            while (!closed) {
                buf.clear();
                if (from.read(buf) < 0) {
                    to.shutdownOutput();
                    return;
                }
                buf.flip();
                waitWhileFrozen();
                while (buf.hasRemaining()) {
                    to.write(buf);
                }
            }
        } catch (IOException | InterruptedException e) {
            // closed by the test or the peer
        }
    }

    /** A frozen relay holds what it read and never forwards it (until close). */
    private void waitWhileFrozen() throws InterruptedException {
        synchronized (frozenLock) {
            while (frozen && !closed) {
                frozenLock.wait();
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        synchronized (frozenLock) {
            frozenLock.notifyAll();
        }
        server.close();
        for (SocketChannel s : sockets) {
            s.close();
        }
    }
}
