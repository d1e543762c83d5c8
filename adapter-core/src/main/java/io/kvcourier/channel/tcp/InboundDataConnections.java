package io.kvcourier.channel.tcp;

import io.kvcourier.agent.CloseHelper;
import io.kvcourier.channel.ChannelReceiver.AllocationFence;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.staging.StagingBuffer;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The open data connections of a {@link TcpReceiver}: accepting new ones (at most
 * {@value TcpReceiver#MAX_UNAUTHENTICATED} waiting for their hello), closing those whose hello is overdue, and
 * fencing a sender's connections or one of its batches. Progress thread only.
 */
final class InboundDataConnections {
    private static final System.Logger LOG = InboundDataConnection.LOG;
    private static final int SOCKET_BUFFER = 4 << 20;

    private final TcpReceiver receiver;
    private final StagingBuffer staging;
    private final LandingListener listener;
    private final long handshakeNanos;
    private final List<InboundDataConnection> open = new ArrayList<>();
    /** Earliest hello deadline of a connection that has not sent its hello. */
    private long nextHelloDeadline;
    private boolean helloDeadlinePending;

    InboundDataConnections(TcpReceiver receiver, StagingBuffer staging, LandingListener listener,
            long handshakeNanos) {
        this.receiver = receiver;
        this.staging = staging;
        this.listener = listener;
        this.handshakeNanos = handshakeNanos;
    }

    /** Accepts every connection waiting on {@code server} and registers it with {@code selector}. */
    void accept(ServerSocketChannel server, Selector selector) {
        while (true) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "tcp accept failed: {0}", e.toString());
                return;
            }
            if (ch == null) {
                return;
            }
            if (unauthenticated() >= TcpReceiver.MAX_UNAUTHENTICATED) {
                receiver.refusedConnections.incrementAndGet();
                LOG.log(System.Logger.Level.WARNING, "closing a new tcp data connection: {0} connections are already "
                        + "waiting for their hello", TcpReceiver.MAX_UNAUTHENTICATED);
                CloseHelper.quietClose(ch);
                continue;
            }
            try {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
                InboundDataConnection c = new InboundDataConnection(receiver, ch, staging, listener);
                c.key = ch.register(selector, SelectionKey.OP_READ, c);
                open.add(c);
                long deadline = c.acceptedAtNanos + handshakeNanos;
                if (!helloDeadlinePending || deadline - nextHelloDeadline < 0) {
                    nextHelloDeadline = deadline;
                    helloDeadlinePending = true;
                }
            } catch (IOException e) {
                CloseHelper.quietClose(ch);
            }
        }
    }

    private int unauthenticated() {
        int n = 0;
        for (int i = 0; i < open.size(); i++) {
            if (open.get(i).senderId == null) {
                n++;
            }
        }
        return n;
    }

    /** Closes the connections whose hello is overdue, if one is. */
    void expireHellos() {
        if (helloDeadlinePending && System.nanoTime() - nextHelloDeadline >= 0) {
            expireHellos(System.nanoTime());
        }
    }

    /** How long the selector may block, in milliseconds: until the next hello deadline, or 0 (no limit). */
    long selectTimeoutMillis() {
        if (!helloDeadlinePending) {
            return 0; // block until a socket or a wake-up brings work
        }
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextHelloDeadline - System.nanoTime()) + 1);
    }

    /** Closes connections whose hello is overdue and finds the next hello deadline. */
    private void expireHellos(long now) {
        helloDeadlinePending = false;
        for (int i = open.size() - 1; i >= 0; i--) {
            InboundDataConnection c = open.get(i);
            if (c.senderId != null) {
                continue;
            }
            long deadline = c.acceptedAtNanos + handshakeNanos;
            if (now - deadline >= 0) {
                c.refuse("no valid hello within the handshake deadline");
            } else if (!helloDeadlinePending || deadline - nextHelloDeadline < 0) {
                nextHelloDeadline = deadline;
                helloDeadlinePending = true;
            }
        }
    }

    /** See {@link TcpReceiver#fenceAllocation}. */
    AllocationFence discardBatchOf(String senderId, int batchId) {
        boolean connected = false;
        for (int i = 0; i < open.size(); i++) {
            InboundDataConnection c = open.get(i);
            if (!senderId.equals(c.senderId)) {
                continue;
            }
            connected = true;
            if (c.batchOpen && c.openBatch == batchId && !c.discarding) {
                LOG.log(System.Logger.Level.DEBUG, "fencing batch {0} of {1}: the rest of it is discarded", batchId,
                        senderId);
                c.discarding = true;
            }
        }
        if (connected) {
            return AllocationFence.ALLOCATION;
        }
        // No connection: nothing to keep open. Connections authenticate on this thread, so none can appear meanwhile.
        receiver.grants.revoke(senderId);
        return AllocationFence.SENDER;
    }

    /** Closes every connection of {@code senderId}. */
    void closeOf(String senderId) {
        for (int i = open.size() - 1; i >= 0; i--) {
            InboundDataConnection c = open.get(i);
            if (senderId.equals(c.senderId)) {
                LOG.log(System.Logger.Level.DEBUG, "fencing a data connection of {0}", senderId);
                c.close();
            }
        }
    }

    void closeAll() {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    /** {@code c} closed. */
    void remove(InboundDataConnection c) {
        open.remove(c);
    }
}
