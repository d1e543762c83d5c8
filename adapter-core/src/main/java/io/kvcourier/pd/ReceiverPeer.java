package io.kvcourier.pd;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sender's state for one receiver (decode node): its ranks ({@link RankPeer}: alloc socket pool, data
 * connection, handshake state), what it holds of the sender (batches in flight, staging pages), and its circuit
 * breaker. Made and closed by the control thread through {@link PeerRegistry}; the counters are updated by any
 * thread, the breaker and {@link #closed} only by the control thread (read by any, for status).
 */
final class ReceiverPeer {
    /** {@code host:[init ports]}: upstream's {@code receiver_host + str(init_port)}. */
    final String name;
    final RankPeer[] ranks;
    /** The configuration's peer: never closed for idleness, no back-off, not counted in {@code max_peers}. */
    final boolean configured;
    /** Batches of this receiver between planning and their end. */
    final AtomicInteger openBatches = new AtomicInteger();
    /** Sender staging pages its batches hold. */
    final AtomicInteger pages = new AtomicInteger();
    /** Stores refused at once while the breaker was open. */
    final AtomicLong fastFailed = new AtomicLong();
    /** When it last had nothing in flight ({@link System#nanoTime()}); control thread writes. */
    volatile long idleSinceNanos;
    /** Failures (failed connect, lost receiver) since the last committed batch; control thread writes. */
    volatile int failures;
    /** Until when stores fail at once, or 0; control thread writes. */
    volatile long backoffUntilNanos;
    /** Whether a store ever named it (the configured peer may be a placeholder in an xPyD deployment). */
    volatile boolean used;
    volatile boolean closed;
    /** Its batches waiting in the engine's admission queue (control thread only). */
    int admissionWaiting;

    ReceiverPeer(String name, RankPeer[] ranks, boolean configured) {
        this.name = name;
        this.ranks = ranks;
        this.configured = configured;
        this.idleSinceNanos = System.nanoTime();
        for (RankPeer r : ranks) {
            r.owner = this;
        }
    }

    int connectedRanks() {
        int n = 0;
        for (RankPeer r : ranks) {
            n += r.connected() ? 1 : 0;
        }
        return n;
    }

    boolean backingOff(long nowNanos) {
        long until = backoffUntilNanos;
        return until != 0 && nowNanos - until < 0;
    }

    /** {@return {@code backoff}, {@code active} (something in flight), {@code idle} or {@code closed}} */
    String state(long nowNanos) {
        return closed ? "closed" : backingOff(nowNanos) ? "backoff" : openBatches.get() > 0 ? "active" : "idle";
    }

    @Override
    public String toString() {
        return "receiver " + name;
    }
}
