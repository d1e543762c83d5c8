package io.kvcourier.channel.verbs;

import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.channel.ChannelSettings;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.InitError;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.VerbsInitRequest;
import io.kvcourier.wire.VerbsInitResponse;
import io.kvcourier.wire.WireCodec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The receiver half of the verbs channel: one {@link VerbsEndpoint} (device, PD, the receiver's staging
 * buffer registered once with {@code REMOTE_WRITE}, progress thread) and a {@link VerbsSession} per
 * accepted handshake. Landed batches are committed through the {@link LandingListener} on the progress
 * thread. Thread-safe; owned by the adapter.
 *
 * <p>Trust: a sender that completed the handshake may write anywhere in the registered buffer
 * (docs/ARCHITECTURE.md#decision-20); {@link #fence} is how the receiver takes that back.
 */
final class VerbsReceiver implements ChannelReceiver {
    private static final System.Logger LOG = System.getLogger(VerbsReceiver.class.getName());
    private static final int MAX_QPS = 16;

    private final VerbsEndpoint endpoint;
    private final StagingBuffer staging;
    private final LandingListener listener;
    private final Duration handshakeTimeout;
    private final Duration shutdownTimeout;
    private final List<VerbsSession> sessions = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    VerbsReceiver(ChannelSettings settings, StagingBuffer staging, LandingListener listener) throws ChannelException {
        this.staging = staging;
        this.listener = listener;
        this.handshakeTimeout = settings.handshakeTimeout();
        this.shutdownTimeout = settings.shutdownTimeout();
        this.endpoint = VerbsEndpoint.open("receiver", settings.rdmaDevice(), settings.rdmaPort(), settings.gidIndex(),
                staging.segment());
    }

    VerbsEndpoint endpoint() {
        return endpoint;
    }

    /** Nanoseconds the staging buffer's {@code ibv_reg_mr} took. */
    long registrationNanos() {
        return endpoint.registrationNanos;
    }

    /** Live sender sessions (tests). */
    int sessionCount() {
        return sessions.size();
    }

    /** The live sender sessions (tests). */
    List<VerbsSession> sessions() {
        return List.copyOf(sessions);
    }

    @Override
    public PdMessage handshake(PdMessage request) {
        if (!(request instanceof VerbsInitRequest req)) {
            return error("verbs receiver expects VerbsInitRequest, got " + request.getClass().getSimpleName());
        }
        if (req.version() != WireCodec.PROTOCOL_VERSION) {
            return error("protocol version " + req.version() + " not supported (this receiver speaks "
                    + WireCodec.PROTOCOL_VERSION + ")");
        }
        int n = req.qpNums().length;
        if (n < 1 || n > MAX_QPS) {
            return error("qp_nums must have 1.." + MAX_QPS + " entries, got " + n);
        }
        if (req.gid().length != 16) {
            return error("gid must have 16 bytes, got " + req.gid().length);
        }
        if (req.mtu() < 1 || req.mtu() > 5) {
            return error("mtu " + req.mtu() + " is not an ibv_mtu value (1..5)");
        }
        if (closed.get()) {
            return error("receiver is closing");
        }
        VerbsSession session = new VerbsSession(endpoint, req.senderId(), listener, sessions::remove);
        try {
            endpoint.call("accepting " + n + " QPs from " + req.senderId(), handshakeTimeout, () -> {
                try {
                    endpoint.createQps(session, n);
                    session.prepare();
                    int[] qpns = req.qpNums();
                    int[] psns = req.psns();
                    for (int i = 0; i < n; i++) {
                        endpoint.connect(session.qps[i], qpns[i], psns[i], req.gid(), req.lid(), req.mtu());
                    }
                } catch (RuntimeException e) {
                    endpoint.destroy(session, "handshake failed");
                    throw e;
                }
                return null;
            });
        } catch (ChannelException e) {
            return error("verbs handshake failed: " + e.getMessage());
        }
        sessions.add(session);
        int[] qpns = new int[n];
        int[] psns = new int[n];
        for (int i = 0; i < n; i++) {
            qpns[i] = session.qps[i].qpn;
            psns[i] = session.qps[i].psn;
        }
        return new VerbsInitResponse(WireCodec.PROTOCOL_VERSION, qpns, psns, endpoint.gid, endpoint.lid,
                endpoint.activeMtu, endpoint.bufferAddr, endpoint.rkey, staging.pageSize());
    }

    private static InitError error(String message) {
        return new InitError(WireCodec.PROTOCOL_VERSION, message);
    }

    /**
     * Destroys every session of {@code senderId} on the progress thread (QPs to ERR, then destroyed: after
     * {@code ibv_destroy_qp} returns nothing more lands through them) and waits for it, bounded by the
     * shutdown deadline.
     */
    @Override
    public void fence(String senderId) {
        tryFence(senderId);
    }

    /** {@link #fence}; false when the endpoint did not move the sender's QPs to ERR within the shutdown deadline. */
    @Override
    public boolean tryFence(String senderId) {
        List<VerbsSession> mine = new ArrayList<>();
        for (VerbsSession l : sessions) {
            if (l.senderId.equals(senderId)) {
                mine.add(l);
            }
        }
        if (mine.isEmpty() || endpoint.isStopping()) {
            return true;
        }
        boolean confirmed = true;
        try {
            endpoint.call("fencing sender " + senderId, shutdownTimeout, () -> {
                for (VerbsSession l : mine) {
                    endpoint.destroy(l, "fenced");
                }
                return null;
            });
        } catch (ChannelException e) {
            LOG.log(System.Logger.Level.WARNING, "fence {0}: {1}", senderId, e.getMessage());
            confirmed = false;
        }
        if (confirmed) {
            sessions.removeAll(mine);
        }
        return confirmed;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            endpoint.close(shutdownTimeout);
            sessions.clear();
        }
    }
}
