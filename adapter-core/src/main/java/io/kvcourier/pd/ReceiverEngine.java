package io.kvcourier.pd;

import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.control.ControlSecurity;
import io.kvcourier.control.ControlServer;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.AllocRequest;
import io.kvcourier.wire.CancelNotif;
import io.kvcourier.wire.InitError;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.WireCodec;
import io.kvcourier.wire.WireFormatException;
import org.zeromq.ZContext;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The decode side: per rank an alloc server ({@code peer_alloc_port[r]}) and an init server
 * ({@code peer_init_port[r]}), one staging buffer and one channel receiver shared by all ranks, and a
 * housekeeping thread that reclaims expired allocations (after fencing their sender) and stale keys.
 */
final class ReceiverEngine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ReceiverEngine.class.getName());
    private static final long HOUSEKEEPING_PERIOD_MS = 50;

    private final PdL2AdapterConfig config;
    private final ExecutorService executor;
    private final StagingBuffer staging;
    private final ReceiverStore store;
    private final ChannelReceiver channel;
    private final List<ControlServer> allocServers = new ArrayList<>();
    private final List<ControlServer> initServers = new ArrayList<>();
    private final Thread housekeeper;
    private final CountDownLatch housekeeperDone = new CountDownLatch(1);
    private volatile boolean running = true;

    ReceiverEngine(PdL2AdapterConfig config, ExecutorService executor, TransferChannelFactory channels, ZContext zmq)
            throws ChannelException {
        this.config = config;
        this.executor = executor;
        this.staging = new StagingBuffer(config.bufferSize());
        ChannelReceiver ch = null;
        try {
            this.store = new ReceiverStore(staging, config.chunkBytes(), config.transferTimeout().toNanos(),
                    config.committedTtl().toNanos(), config.requestTimeout().toNanos());
            ch = channels.openReceiver(config, staging, store);
            this.channel = ch;
            // curve_secret_key set: both servers are CURVE servers; a peer without the public key cannot talk to them.
            ControlSecurity security = config.curveSecretKey().isEmpty() ? ControlSecurity.NONE
                    : ControlSecurity.server(config.curveSecretKey());
            List<Integer> allocPorts = config.peerAllocPort();
            List<Integer> initPorts = config.peerInitPort();
            for (int rank = 0; rank < allocPorts.size(); rank++) {
                allocServers.add(new ControlServer(zmq, "alloc-r" + rank, config.bindHost(), allocPorts.get(rank),
                        new AllocHandler(), security));
            }
            for (int rank = 0; rank < initPorts.size(); rank++) {
                initServers.add(new ControlServer(zmq, "init-r" + rank, config.bindHost(), initPorts.get(rank),
                        new InitHandler(), security));
            }
        } catch (RuntimeException | ChannelException e) {
            closeServers(Duration.ofSeconds(1));
            if (ch != null) {
                ch.close();
            }
            staging.close();
            throw e;
        }
        this.housekeeper = Thread.ofVirtual().name("kvcourier-receiver-housekeeping").start(this::housekeep);
    }

    ReceiverStore store() {
        return store;
    }

    List<Integer> allocPorts() {
        return allocServers.stream().map(ControlServer::port).toList();
    }

    List<Integer> initPorts() {
        return initServers.stream().map(ControlServer::port).toList();
    }

    long malformedMessages() {
        long n = 0;
        for (ControlServer s : allocServers) {
            n += s.malformedCount();
        }
        for (ControlServer s : initServers) {
            n += s.malformedCount();
        }
        return n;
    }

    private void housekeep() {
        try {
            while (running) {
                store.reap(System.nanoTime(), channel::fence);
                // A stop flag and a bounded park, never an interrupt (fencing may touch sockets).
                housekeeperDone.await(HOUSEKEEPING_PERIOD_MS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "receiver housekeeping failed", e);
        }
    }

    private final class AllocHandler implements ControlServer.Handler {
        @Override
        public PdMessage onRequest(String peer, PdMessage request, ControlServer.Reply later) {
            String senderId = senderIdOf(peer);
            if (request instanceof AllocRequest req) {
                ReceiverStore.Parsed parsed;
                try {
                    parsed = ReceiverStore.parse(req);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "rejecting AllocRequest from {0}: {1}", senderId, e.getMessage());
                    return AllocResponses.failed(req.keys().size());
                }
                ReceiverStore.Outcome o;
                try {
                    o = store.allocate(senderId, req, parsed);
                } catch (RuntimeException e) {
                    // e.g. a first request whose chunk cannot fit the buffer: refuse it, never leave the peer unanswered
                    LOG.log(System.Logger.Level.WARNING, "refusing AllocRequest from {0}: {1}", senderId, e.getMessage());
                    return AllocResponses.failed(req.keys().size());
                }
                if (!o.mustWait()) {
                    return o.reply();
                }
                long allocationTimeout = config.allocationTimeout().toNanos();
                executor.execute(() -> {
                    try {
                        later.send(store.allocateWaiting(senderId, req, parsed, allocationTimeout));
                    } catch (InterruptedException e) {
                        later.send(AllocResponses.failed(req.keys().size()));
                    }
                });
                return null;
            }
            if (request instanceof CancelNotif cancel) {
                List<ObjectKey> keys = new ArrayList<>();
                for (String k : cancel.keys()) {
                    try {
                        keys.add(ObjectKey.parse(k));
                    } catch (IllegalArgumentException e) {
                        LOG.log(System.Logger.Level.WARNING, "CancelNotif from {0}: ignoring bad key: {1}", senderId, e.getMessage());
                    }
                }
                store.cancel(senderId, cancel.reqId(), keys);
                return AllocResponses.of(new int[0], new int[0]);
            }
            LOG.log(System.Logger.Level.WARNING, "alloc port: unexpected {0} from {1}",
                    request.getClass().getSimpleName(), senderId);
            return AllocResponses.failed(1);
        }

        @Override
        public PdMessage onMalformed(String peer, WireFormatException error) {
            return AllocResponses.failed(1);
        }
    }

    private final class InitHandler implements ControlServer.Handler {
        @Override
        public PdMessage onRequest(String peer, PdMessage request, ControlServer.Reply later) {
            return channel.handshake(request);
        }

        @Override
        public PdMessage onMalformed(String peer, WireFormatException error) {
            return new InitError(WireCodec.PROTOCOL_VERSION, "malformed handshake: " + error.getMessage());
        }
    }

    /** A Java sender's DEALER identity is {@code senderId/generation}; anything else is taken whole. */
    static String senderIdOf(String identity) {
        int slash = identity.lastIndexOf('/');
        return slash > 0 ? identity.substring(0, slash) : identity;
    }

    Map<String, Object> status() {
        return Map.ofEntries(
                Map.entry("committed_keys", store.committedKeys()),
                Map.entry("pages_in_use", store.pagesInUse()),
                Map.entry("page_count", staging.pageCount()),
                Map.entry("page_bytes", staging.pageSize()),
                Map.entry("reserved_pages", store.reservedPages()),
                Map.entry("waiting_allocations", store.waitingAllocations.get()),
                Map.entry("committed_batches", store.committedBatches.get()),
                Map.entry("committed_bytes", store.committedBytes.get()),
                Map.entry("expired_allocations", store.expiredAllocations.get()),
                Map.entry("rejected_writes", store.rejectedWrites.get()),
                Map.entry("malformed_messages", malformedMessages()));
    }

    private void closeServers(Duration timeout) {
        for (ControlServer s : allocServers) {
            s.close(timeout);
        }
        for (ControlServer s : initServers) {
            s.close(timeout);
        }
    }

    /** Stops servers and housekeeping, closes the channel, then frees the staging memory. */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        Duration t = config.shutdownTimeout();
        housekeeperDone.countDown();
        closeServers(t);
        try {
            housekeeper.join(t);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channel.close();
        staging.close();
    }
}
