package io.kvcourier.testkit;

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
 * neither side sees a FIN or RST (only timeouts and heartbeats can tell). {@link #reset()} drops every relayed
 * connection (both sides see it end) and relays again. {@link #stopAccepting()} refuses new
 * connections while the relayed ones go on. Needs no root.
 */
public final class TcpForwarder implements AutoCloseable {
    private final ServerSocketChannel server;
    private final int target;
    private final List<SocketChannel> sockets = new CopyOnWriteArrayList<>();
    private final Object frozenLock = new Object();
    private volatile boolean frozen;
    private volatile boolean closed;

    /** Listens on an ephemeral port of 127.0.0.1 and relays to 127.0.0.1:{@code targetPort}. */
    public TcpForwarder(int targetPort) throws IOException {
        this(0, targetPort);
    }

    /** Listens on 127.0.0.1:{@code listenPort} (0: an ephemeral port) and relays to 127.0.0.1:{@code targetPort}. */
    public TcpForwarder(int listenPort, int targetPort) throws IOException {
        this.target = targetPort;
        this.server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", listenPort));
        Thread.ofVirtual().name("forwarder-accept").start(this::accept);
    }

    /** {@return the port it listens on} */
    public int port() throws IOException {
        return ((InetSocketAddress) server.getLocalAddress()).getPort();
    }

    /** Stops relaying bytes, in both directions, on every connection, without closing any of them. */
    public void freeze() {
        frozen = true;
    }

    /**
     * Closes every connection relayed so far (held bytes are discarded; both peers see the connection end) and
     * relays new connections again, also after {@link #freeze()}.
     */
    public void reset() throws IOException {
        List<SocketChannel> old = List.copyOf(sockets);
        sockets.removeAll(old);
        for (SocketChannel s : old) {
            s.close();
        }
        synchronized (frozenLock) {
            frozen = false;
            frozenLock.notifyAll();
        }
    }

    /**
     * Stops listening: a new connection is refused (as by a receiver that is gone), while the connections relayed so
     * far keep relaying. Idempotent.
     */
    public void stopAccepting() throws IOException {
        server.close();
    }

    private void accept() {
        while (!closed) {
            SocketChannel in;
            try {
                in = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            try {
                SocketChannel out = SocketChannel.open(new InetSocketAddress("127.0.0.1", target));
                sockets.add(in);
                sockets.add(out);
                Thread.ofVirtual().name("forwarder-up").start(() -> relay(in, out));
                Thread.ofVirtual().name("forwarder-down").start(() -> relay(out, in));
            } catch (IOException e) {
                closeQuietly(in); // the target is down: the client sees its connection end, as without a forwarder
            }
        }
    }

    /** Relays one direction; when either side ends, both connections are closed (the other relay then ends). */
    private void relay(SocketChannel from, SocketChannel to) {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        try {
            while (!closed) {
                buf.clear();
                if (from.read(buf) < 0) {
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
        } finally {
            sockets.remove(from);
            sockets.remove(to);
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(SocketChannel s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing left to release
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

    /** Stops listening and closes every relayed connection. Idempotent. */
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
