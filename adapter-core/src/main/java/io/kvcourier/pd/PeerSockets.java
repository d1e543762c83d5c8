package io.kvcourier.pd;

import io.kvcourier.control.AllocPool;
import io.kvcourier.control.ControlAgent;
import io.kvcourier.control.ControlSecurity;
import io.kvcourier.control.Endpoints;
import io.kvcourier.control.Heartbeat;
import io.kvcourier.wire.WireEncoder;
import org.zeromq.ZMQ;

import java.util.List;

/**
 * Makes a receiver's control-plane state on the sender — one alloc socket pool and init endpoint per rank — and
 * tears it down ({@link PeerRegistry.PeerIo}, control thread). Nothing connects until a batch needs it.
 */
final class PeerSockets implements PeerRegistry.PeerIo {
    private static final System.Logger LOG = System.getLogger(SenderEngine.class.getName());

    private final SenderEngine engine;
    private final ControlAgent control;
    private final String senderId;
    private final ControlSecurity security;
    private final WireEncoder encoder;
    private final Heartbeat heartbeat;
    private final String curvePublicKey;
    private final String curveSecretKey;
    /** DEALERs per rank: {@link SenderEngine#ALLOC_SOCKETS_PER_RANK}, at most {@code max_inflight_batches}. */
    private final int socketsPerRank;

    PeerSockets(SenderEngine engine) {
        this.engine = engine;
        this.control = engine.control;
        this.senderId = engine.senderId;
        this.security = engine.security;
        this.encoder = engine.encoder;
        this.heartbeat = engine.heartbeat;
        this.curvePublicKey = engine.config.curvePublicKey();
        this.curveSecretKey = engine.config.curveSecretKey();
        this.socketsPerRank = Math.min(SenderEngine.ALLOC_SOCKETS_PER_RANK, engine.maxInflight);
    }

    /**
     * A receiver's ranks: one alloc pool and init endpoint per port pair (a shorter list's last entry serves the
     * remaining ranks). Nothing connects until a batch needs it.
     */
    ReceiverPeer newPeer(String host, List<Integer> init, List<Integer> alloc, ControlSecurity sec,
                         boolean configured) {
        int n = Math.max(init.size(), alloc.size());
        RankPeer[] ranks = new RankPeer[n];
        for (int r = 0; r < n; r++) {
            int initPort = init.get(Math.min(r, init.size() - 1));
            int allocPort = alloc.get(Math.min(r, alloc.size() - 1));
            RankPeer[] all = ranks;
            int rank = r;
            AllocPool pool = new AllocPool(control, Endpoints.connect(host, allocPort), senderId, sec,
                    socketsPerRank, encoder, heartbeat, why -> engine.connections.rankLost(all[rank], why));
            ranks[r] = new RankPeer(r, Endpoints.connect(host, initPort), pool, sec);
        }
        return new ReceiverPeer(host + ":" + init, ranks, configured);
    }

    /** Control thread: a per-request target's first store; its sockets join the control thread's duties. */
    @Override
    public ReceiverPeer open(ReceiverTarget target) {
        byte[] key = target.curveServerKey();
        ControlSecurity sec = key == null ? security
                : ControlSecurity.client(ZMQ.Curve.z85Encode(key), curvePublicKey, curveSecretKey);
        ReceiverPeer p = newPeer(target.host(), target.initPorts(), target.allocPorts(), sec, false);
        for (RankPeer r : p.ranks) {
            control.add(r.alloc);
        }
        LOG.log(System.Logger.Level.INFO, "opened {0} ({1} ranks)", p, p.ranks.length);
        return p;
    }

    /**
     * Control thread: an idle target peer goes: its alloc sockets close (the agent drops the pools), its data
     * connections are fenced, anything still waiting for it fails.
     */
    @Override
    public void close(ReceiverPeer peer, String why) {
        LOG.log(System.Logger.Level.INFO, "closing {0}: {1}", peer, why);
        RankConnections connections = engine.connections;
        for (RankPeer r : peer.ranks) {
            connections.failWaitingForConnection(r, "receiver closed: " + why, false);
            r.alloc.close();
            connections.dropConnection(r, r.connection, why);
        }
    }
}
