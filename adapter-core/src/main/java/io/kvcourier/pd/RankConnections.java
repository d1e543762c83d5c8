package io.kvcourier.pd;

import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.control.ControlAgent;
import io.kvcourier.control.InBandExchanges;
import io.kvcourier.control.InitExchange;
import io.kvcourier.jfr.FenceEvent;
import io.kvcourier.jfr.HandshakeEvent;
import io.kvcourier.jfr.Jfr;
import io.kvcourier.wire.PdMessage;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The data connections of the sender's receiver ranks: made lazily by a handshake (the channel's, over the init
 * exchange) when a batch needs one, dropped — closing, which fences every write on it — after a failure, and
 * remade by the next batch. A lost receiver rank fails everything in flight to it at once. State changes on the
 * control thread; the handshake and the fencing close run on virtual threads.
 */
final class RankConnections {
    private static final System.Logger LOG = System.getLogger(SenderEngine.class.getName());

    private final SenderEngine engine;
    private final ChannelSender channel;
    private final ControlAgent control;
    private final Executor executor;
    private final InBandExchanges inBand;
    private final PeerRegistry peers;
    private final String senderId;
    private final String channelName;
    private final long handshakeTimeoutNanos;
    private final boolean inBandControl;

    RankConnections(SenderEngine engine) {
        this.engine = engine;
        this.channel = engine.channel;
        this.control = engine.control;
        this.executor = engine.executor;
        this.inBand = engine.inBand;
        this.peers = engine.peers;
        this.senderId = engine.senderId;
        this.channelName = engine.config.transferChannel();
        this.handshakeTimeoutNanos = engine.handshakeTimeoutNanos;
        this.inBandControl = engine.inBandControl;
    }

    /** Control thread: starts a handshake for the rank unless it is connected or connecting. */
    void ensureConnection(RankPeer peer) {
        if (peer.connected() || peer.connecting || engine.closing) {
            return;
        }
        peer.connecting = true;
        peer.connection = null;
        executor.execute(() -> connect(peer));
    }

    /** Virtual thread: the channel handshake (the init exchange itself runs on the control thread). */
    private void connect(RankPeer peer) {
        HandshakeEvent jfr = Jfr.handshake() ? Jfr.begin(new HandshakeEvent()) : null;
        ChannelSender.Handshake hs = null;
        boolean completed = false;
        long deadline = System.nanoTime() + handshakeTimeoutNanos;
        String failure = null;
        try {
            hs = channel.beginConnect(senderId);
            PdMessage reply = InitExchange.start(control, peer.initEndpoint, hs.request(), deadline, peer.security)
                    .get(handshakeTimeoutNanos + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
            ChannelConnection c = hs.complete(reply);
            completed = true;
            LOG.log(System.Logger.Level.DEBUG, "rank {0}: connected {1}", peer.rank, c.describe());
            if (!control.execute(() -> connected(peer, c))) {
                c.close();
            }
        } catch (ExecutionException e) {
            failure = e.getCause() == null ? e.toString() : String.valueOf(e.getCause().getMessage());
        } catch (TimeoutException e) {
            failure = "handshake timed out";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = "interrupted";
        } catch (ChannelException | RuntimeException e) {
            failure = String.valueOf(e.getMessage());
        }
        boolean timedOut = failure != null && System.nanoTime() - deadline >= 0;
        if (jfr != null) {
            jfr.side = "sender";
            jfr.rank = peer.rank;
            jfr.peer = peer.initEndpoint;
            jfr.channel = channelName;
            jfr.outcome = failure == null ? "connected" : timedOut ? "timed_out" : "failed";
            jfr.reason = failure == null ? "" : failure;
            jfr.commit();
        }
        if (failure != null) {
            connectFailed(peer, hs, completed, failure, timedOut);
        }
    }

    private void connectFailed(RankPeer peer, ChannelSender.Handshake hs, boolean completed, String why,
                               boolean timedOut) {
        if (hs != null && !completed) {
            try {
                hs.abort();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "aborting a handshake failed: {0}", e.toString());
            }
        }
        LOG.log(System.Logger.Level.WARNING, "{0} rank {1}: cannot connect: {2}", peer.owner, peer.rank, why);
        if (!control.execute(() -> failConnecting(peer, why, timedOut))) {
            failWaitingForConnection(peer, "sender is closing", false);
        }
    }

    /** Control thread: the handshake succeeded; the waiting writes go out. */
    private void connected(RankPeer peer, ChannelConnection c) {
        peer.connecting = false;
        if (engine.closing) {
            executor.execute(c::close);
            failWaitingForConnection(peer, "sender is closing", false);
            return;
        }
        peer.connection = c;
        if (inBandControl && c.carriesControl()) {
            // Allocations go in-band: the alloc port's socket stays connected only to notice a lost receiver.
            peer.alloc.keepConnected();
        }
        for (SenderBatch b; (b = peer.awaitingConnection.poll()) != null; ) {
            engine.writes.issueWrite(b);
        }
        for (SenderBatch b; (b = peer.awaitingHandshake.poll()) != null; ) {
            engine.admission.admit(b, b.transferDeadlineNanos);
        }
    }

    /** Control thread: the handshake failed; the batches waiting for it fail (the next task retries). */
    private void failConnecting(RankPeer peer, String why, boolean timedOut) {
        peer.connecting = false;
        peers.failed(peer.owner);
        failWaitingForConnection(peer, "no data connection: " + why, timedOut);
    }

    void failWaitingForConnection(RankPeer peer, String why, boolean timedOut) {
        for (SenderBatch b; (b = peer.awaitingConnection.poll()) != null; ) {
            b.timedOut = timedOut;
            engine.writes.failBatch(b, why);
        }
        for (SenderBatch b; (b = peer.awaitingHandshake.poll()) != null; ) {
            b.timedOut = timedOut;
            engine.writes.failBatch(b, why);
        }
    }

    /**
     * Control thread: drops a failed connection (closing = fencing it, on a virtual thread) so the next write
     * reconnects.
     */
    void dropConnection(RankPeer peer, ChannelConnection failed, String why) {
        if (failed == null) {
            return;
        }
        if (peer.connection == failed) {
            peer.connection = null;
        }
        inBand.connectionLost(failed, why);
        executor.execute(() -> fence(peer.rank, failed, why));
    }

    /** Closes a connection, which fences it: every write still on it fails and its pages come back. */
    static void fence(int rank, ChannelConnection c, String why) {
        // Recorded once per connection: a close that fails its writes makes their failures drop it again.
        FenceEvent jfr = Jfr.fence() && c.isOpen() ? Jfr.begin(new FenceEvent()) : null;
        try {
            c.close();
        } finally {
            if (jfr != null) {
                jfr.side = "sender";
                jfr.rank = rank;
                jfr.peer = c.describe();
                jfr.outcome = "fenced";
                jfr.reason = why;
                jfr.commit();
            }
        }
    }

    /**
     * Control thread: the receiver rank is gone (its alloc connection ended: RST/FIN, or no heartbeat within
     * {@code heartbeat_timeout_sec}; or its data connection ended). Every allocation pending to it has failed
     * already; now the batches still waiting for a slot or staging pages, or for its handshake or connection,
     * fail, and the data connection is dropped, which fails every batch in flight on it. Every store in flight to
     * the rank thus fails now, not when a fresh connection to a receiver that went silent times out. The next task
     * handshakes afresh.
     */
    void rankLost(RankPeer peer, String why) {
        LOG.log(System.Logger.Level.WARNING, "{0} rank {1}: receiver lost: {2}", peer.owner, peer.rank, why);
        peers.failed(peer.owner);
        // first: the failures below free slots for them
        engine.admission.failWaiting(peer, "receiver lost: " + why);
        peer.alloc.failAll("receiver lost: " + why);
        ChannelConnection c = peer.connection;
        failWaitingForConnection(peer, "receiver lost: " + why, false);
        dropConnection(peer, c, "receiver lost: " + why);
    }
}
