package io.kvcourier.pd;

import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.control.AllocPool;
import io.kvcourier.control.ControlSecurity;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sender's state for one receiver rank: the alloc socket pool, the data connection (made lazily through the
 * init port and remade after a failure) and the batches waiting for it, and the count of batches in flight.
 * Control thread only, except {@link #inflight}.
 */
final class RankPeer {
    final int rank;
    final String initEndpoint;
    final AllocPool alloc;
    /** CURVE client keys for this receiver's control plane (its alloc pool has the same), or none. */
    final ControlSecurity security;
    /** The receiver this rank belongs to (set once, by its constructor). */
    ReceiverPeer owner;
    /** Batches between admission and their end (any thread decrements). */
    final AtomicInteger inflight = new AtomicInteger();
    ChannelConnection connection;
    boolean connecting;
    /** Batches whose write waits for the data connection (allocated already). */
    final ArrayDeque<SenderBatch> awaitingConnection = new ArrayDeque<>();
    /** Batches that wait for the first handshake before they allocate anything. */
    final ArrayDeque<SenderBatch> awaitingHandshake = new ArrayDeque<>();

    RankPeer(int rank, String initEndpoint, AllocPool alloc, ControlSecurity security) {
        this.rank = rank;
        this.security = security;
        this.initEndpoint = initEndpoint;
        this.alloc = alloc;
    }

    boolean connected() {
        ChannelConnection c = connection;
        return c != null && c.isOpen();
    }
}
