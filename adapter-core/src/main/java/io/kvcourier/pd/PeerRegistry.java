package io.kvcourier.pd;

import io.kvcourier.control.ControlAgent;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The receivers a sender talks to: the configured peer, made at start, and one peer per {@link ReceiverTarget}
 * named by a store, made on first use and reused ({@link #resolve}). Owned by the control thread, which makes
 * every peer, closes those idle longer than {@code peer_idle_timeout_sec} (a {@link ControlAgent.Duty}), and keeps
 * each peer's circuit breaker ({@code peer_retry_backoff_sec}). At most {@code max_peers} target peers are open;
 * an idle one makes room for a new one. Status is read from any thread.
 */
final class PeerRegistry implements ControlAgent.Duty {
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** How the engine makes and closes a peer's sockets and connections (control thread). */
    interface PeerIo {
        ReceiverPeer open(ReceiverTarget target);

        void close(ReceiverPeer peer, String why);
    }

    /** A store names a receiver the sender cannot open now. */
    static final class PeerRefused extends Exception {
        private static final long serialVersionUID = 1L;

        PeerRefused(String message) {
            super(message, null, false, false);
        }
    }

    private final ReceiverPeer configured;
    private final PeerIo io;
    private final int maxPeers;
    private final long idleNanos;
    private final long firstBackoffNanos;
    /** Target peers by name; written by the control thread only. */
    private final Map<String, ReceiverPeer> targets = new ConcurrentHashMap<>();
    /** The same peers, for the control thread's every-cycle checks (an index loop allocates nothing). */
    private final ArrayList<ReceiverPeer> open = new ArrayList<>();

    PeerRegistry(ReceiverPeer configured, PeerIo io, PdL2AdapterConfig config) {
        this.configured = configured;
        this.io = io;
        this.maxPeers = config.maxPeers();
        this.idleNanos = config.peerIdleTimeout().toNanos();
        this.firstBackoffNanos = config.peerRetryBackoff().toNanos();
    }

    ReceiverPeer configured() {
        return configured;
    }

    /**
     * Control thread: the peer for {@code target} ({@code null}: the configured one), made now if it is new.
     *
     * @throws PeerRefused when {@code max_peers} target peers are open and none is idle
     */
    ReceiverPeer resolve(ReceiverTarget target) throws PeerRefused {
        if (target == null) {
            configured.used = true;
            return configured;
        }
        String name = target.peerName();
        if (name.equals(configured.name)) {
            configured.used = true;
            return configured;
        }
        ReceiverPeer p = targets.get(name);
        if (p != null) {
            p.used = true;
            return p;
        }
        if (targets.size() >= maxPeers && !closeOneIdle()) {
            throw new PeerRefused("cannot open a connection to " + name + ": max_peers (" + maxPeers
                    + ") receivers are open and none is idle");
        }
        p = io.open(target);
        p.used = true;
        targets.put(name, p);
        open.add(p);
        return p;
    }

    /** Closes the target peer idle the longest; false when every one has something in flight. */
    private boolean closeOneIdle() {
        ReceiverPeer oldest = null;
        for (ReceiverPeer p : open) {
            if (p.openBatches.get() == 0 && (oldest == null || p.idleSinceNanos - oldest.idleSinceNanos < 0)) {
                oldest = p;
            }
        }
        if (oldest == null) {
            return false;
        }
        close(oldest, "making room for another receiver (max_peers " + maxPeers + ")");
        return true;
    }

    private void close(ReceiverPeer p, String why) {
        targets.remove(p.name);
        open.remove(p);
        p.closed = true;
        io.close(p, why);
    }

    /** Control thread: the peer has nothing in flight now (its idle time starts). */
    void wentIdle(ReceiverPeer p) {
        if (p.openBatches.get() == 0) {
            p.idleSinceNanos = System.nanoTime();
        }
    }

    /**
     * Control thread: the peer failed (its connect failed, or it was lost). Opens its breaker: stores to it fail at
     * once for {@code peer_retry_backoff_sec}, doubling per failure up to 30 s. Failures while it is open (each rank
     * reports a lost receiver) count once. The configured peer keeps today's behaviour: no breaker.
     */
    void failed(ReceiverPeer p) {
        long now = System.nanoTime();
        if (p.configured || p.backingOff(now)) {
            return;
        }
        int n = p.failures + 1;
        p.failures = n;
        long cap = Math.max(MAX_BACKOFF_NANOS, firstBackoffNanos);
        long backoff = n > 20 ? cap : Math.min(cap, firstBackoffNanos << (n - 1));
        p.backoffUntilNanos = now + Math.max(1, backoff);
    }

    /** Control thread: a batch to the peer committed; its breaker closes. */
    void succeeded(ReceiverPeer p) {
        p.failures = 0;
        p.backoffUntilNanos = 0;
    }

    /** Peers whose staging share is limited now: only while more than one receiver is in use. */
    boolean shareApplies() {
        return targets.size() + (configured.used ? 1 : 0) > 1;
    }

    /** Control thread: every peer a store ever named, the configured one first if it was. */
    List<ReceiverPeer> used() {
        List<ReceiverPeer> out = new ArrayList<>(targets.size() + 1);
        if (configured.used) {
            out.add(configured);
        }
        out.addAll(open);
        return out;
    }

    /** Control thread: every peer, used or not (for closing). */
    List<ReceiverPeer> all() {
        List<ReceiverPeer> out = new ArrayList<>(targets.size() + 1);
        out.add(configured);
        out.addAll(open);
        return out;
    }

    int targetCount() {
        return targets.size();
    }

    /** Any thread: one map per used peer, for {@code reportStatus()}. */
    List<Map<String, Object>> status() {
        long now = System.nanoTime();
        long wallNow = System.currentTimeMillis();
        List<Map<String, Object>> out = new ArrayList<>();
        List<ReceiverPeer> peers = new ArrayList<>();
        if (configured.used) {
            peers.add(configured);
        }
        peers.addAll(targets.values());
        for (ReceiverPeer p : peers) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("target", p.name);
            m.put("configured", p.configured);
            m.put("state", p.state(now));
            m.put("ranks", p.ranks.length);
            m.put("connected_ranks", p.connectedRanks());
            m.put("inflight", p.openBatches.get());
            m.put("pages", p.pages.get());
            m.put("failures", p.failures);
            long until = p.backoffUntilNanos;
            m.put("backoff_until", until != 0 && now - until < 0
                    ? wallNow + TimeUnit.NANOSECONDS.toMillis(until - now) : 0L);
            m.put("fast_failed", p.fastFailed.get());
            out.add(m);
        }
        return out;
    }

    // ------------------------------------------------------------------------- idle peers (control duty)

    @Override
    public int poll(long nowNanos) {
        return 0;
    }

    @Override
    public int expire(long nowNanos) {
        int work = 0;
        for (int i = 0; i < open.size(); i++) {
            ReceiverPeer p = open.get(i);
            if (p.openBatches.get() == 0 && !p.backingOff(nowNanos) && nowNanos - p.idleSinceNanos - idleNanos >= 0) {
                close(p, "idle for peer_idle_timeout_sec");
                i--;
                work++;
            }
        }
        return work;
    }

    @Override
    public long nextDeadlineNanos() {
        long next = Long.MAX_VALUE;
        for (int i = 0; i < open.size(); i++) {
            ReceiverPeer p = open.get(i);
            if (p.openBatches.get() == 0) {
                long at = p.idleSinceNanos + idleNanos;
                long until = p.backoffUntilNanos;
                if (until != 0 && until - at > 0) {
                    at = until;
                }
                next = next == Long.MAX_VALUE || at - next < 0 ? at : next;
            }
        }
        return next;
    }

    /** Closing is the engine's: it closes every peer (and the agent every alloc pool) at shutdown. */
    @Override
    public void close() {
    }
}
