package io.kvcourier.channel.verbs;

import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.ChannelSettings;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.InitError;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.VerbsInitRequest;
import io.kvcourier.wire.VerbsInitResponse;
import io.kvcourier.wire.WireCodec;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The sender half of the verbs channel: one {@link VerbsEndpoint} (device, PD, the sender's staging buffer
 * registered once, progress thread) and a {@link VerbsConnection} per receiver rank, made through the
 * {@code VerbsInitRequest}/{@code VerbsInitResponse} handshake. Thread-safe; owned by the adapter.
 */
final class VerbsSender implements ChannelSender {
    private final VerbsEndpoint endpoint;
    private final int numQps;
    private final Duration handshakeTimeout;
    private final Duration shutdownTimeout;
    private final AtomicBoolean closed = new AtomicBoolean();

    VerbsSender(ChannelSettings settings, StagingBuffer staging) throws ChannelException {
        this.numQps = settings.numQps();
        this.handshakeTimeout = settings.handshakeTimeout();
        this.shutdownTimeout = settings.shutdownTimeout();
        this.endpoint = VerbsEndpoint.open("sender", settings.rdmaDevice(), settings.rdmaPort(), settings.gidIndex(),
                staging.segment());
    }

    VerbsEndpoint endpoint() {
        return endpoint;
    }

    /** Nanoseconds the staging buffer's {@code ibv_reg_mr} took. */
    long registrationNanos() {
        return endpoint.registrationNanos;
    }

    @Override
    public Handshake beginConnect(String senderId) throws ChannelException {
        if (closed.get()) {
            throw new ChannelException("verbs sender is closed");
        }
        VerbsConnection connection = new VerbsConnection(endpoint, senderId, numQps, shutdownTimeout);
        try {
            endpoint.call("creating " + numQps + " QPs", handshakeTimeout, () -> {
                endpoint.createQps(connection, numQps);
                return null;
            });
        } catch (ChannelException e) {
            destroyQuietly(connection);
            throw e;
        }
        int[] qpns = new int[numQps];
        int[] psns = new int[numQps];
        for (int i = 0; i < numQps; i++) {
            qpns[i] = connection.qps[i].qpn;
            psns[i] = connection.qps[i].psn;
        }
        VerbsInitRequest request = new VerbsInitRequest(WireCodec.PROTOCOL_VERSION, senderId, qpns, psns, endpoint.gid,
                endpoint.lid, endpoint.activeMtu);
        return new Handshake() {
            @Override
            public PdMessage request() {
                return request;
            }

            @Override
            public ChannelConnection complete(PdMessage reply) throws ChannelException {
                if (reply instanceof InitError err) {
                    throw new ChannelException("receiver refused the verbs handshake: " + err.message());
                }
                if (!(reply instanceof VerbsInitResponse resp)) {
                    throw new ChannelException("expected VerbsInitResponse, got " + reply.getClass().getSimpleName());
                }
                String bad = check(resp);
                if (bad != null) {
                    throw new ChannelException("bad VerbsInitResponse: " + bad);
                }
                String peer = "receiver gid " + VerbsConnection.gidText(resp.gid());
                endpoint.call("connecting " + numQps + " QPs", handshakeTimeout, () -> {
                    int[] rq = resp.qpNums();
                    int[] rp = resp.psns();
                    for (int i = 0; i < numQps; i++) {
                        endpoint.connect(connection.qps[i], rq[i], rp[i], resp.gid(), resp.lid(), resp.mtu());
                    }
                    connection.connected(resp.bufferAddr(), resp.rkey(), peer);
                    return null;
                });
                return connection;
            }

            @Override
            public void abort() {
                destroyQuietly(connection);
            }
        };
    }

    private String check(VerbsInitResponse resp) {
        if (resp.version() != WireCodec.PROTOCOL_VERSION) {
            return "protocol version " + resp.version() + " (this sender speaks " + WireCodec.PROTOCOL_VERSION + ")";
        }
        if (resp.qpNums().length != numQps) {
            return "qp_nums has " + resp.qpNums().length + " entries, expected " + numQps;
        }
        if (resp.gid().length != 16) {
            return "gid has " + resp.gid().length + " bytes, expected 16";
        }
        if (resp.mtu() < 1 || resp.mtu() > 5) {
            return "mtu " + resp.mtu() + " is not an ibv_mtu value (1..5)";
        }
        return null;
    }

    private void destroyQuietly(VerbsConnection connection) {
        if (endpoint.isStopping()) {
            return;
        }
        try {
            endpoint.call("releasing QPs", shutdownTimeout, () -> {
                endpoint.destroy(connection, "handshake aborted");
                return null;
            });
        } catch (ChannelException e) {
            System.getLogger(VerbsSender.class.getName()).log(System.Logger.Level.WARNING, e.getMessage());
        }
    }

    @Override
    public void registerRegion(int region, java.lang.foreign.MemorySegment segment) throws ChannelException {
        if (closed.get()) {
            throw new ChannelException("verbs sender is closed");
        }
        endpoint.call("registering " + segment.byteSize() + " bytes of caller memory", handshakeTimeout, () -> {
            endpoint.registerRegion(region, segment);
            return null;
        });
    }

    @Override
    public void unregisterRegion(int region) {
        try {
            endpoint.call("deregistering caller memory", shutdownTimeout, () -> {
                endpoint.unregisterRegion(region);
                return null;
            });
        } catch (ChannelException e) {
            System.getLogger(VerbsSender.class.getName()).log(System.Logger.Level.WARNING, e.getMessage());
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            endpoint.close(shutdownTimeout);
        }
    }
}
