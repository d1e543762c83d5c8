package io.kvcourier.pd;

import io.kvcourier.agent.AgentRunner;
import io.kvcourier.agent.CloseHelper;
import io.kvcourier.agent.IdleStrategy;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.channel.ControlRequestHandler;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.control.ControlAgent;
import io.kvcourier.control.ControlSecurity;
import io.kvcourier.control.ControlServer;
import io.kvcourier.jfr.HandshakeEvent;
import io.kvcourier.jfr.Jfr;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.AllocRequest;
import io.kvcourier.wire.AllocResponse;
import io.kvcourier.wire.CancelNotif;
import io.kvcourier.wire.InitError;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.WireCodec;
import io.kvcourier.wire.WireEncoder;
import io.kvcourier.wire.WireFormatException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The decode side: per rank an alloc server ({@code peer_alloc_port[r]}) and an init server
 * ({@code peer_init_port[r]}), all owned by one control thread ({@link ControlAgent}); one staging buffer and
 * one channel receiver shared by all ranks; and a housekeeping agent ({@link ReceiverHousekeeping} on its own
 * {@link AgentRunner}) that reclaims expired allocations (after fencing their sender) and stale keys every 50 ms.
 *
 * <p>An allocation that has to wait for room (or for a duplicate key still in flight to commit) waits on the
 * control thread in arrival order — which is deadline order — and is retried as soon as the store says that
 * something changed (pages freed, a reservation released, a batch committed): one command and one wake-up, no
 * thread per waiting request and no timed poll. Handshakes run on virtual threads (a verbs handshake creates
 * QPs) and answer through the control thread.
 */
final class ReceiverEngine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ReceiverEngine.class.getName());

    private final PdL2AdapterConfig config;
    private final Executor executor;
    private final StagingBuffer staging;
    private final ReceiverStore store;
    private final ChannelReceiver channel;
    private final ControlAgent control;
    private final WireEncoder encoder = new WireEncoder(); // control thread
    private final List<ControlServer> allocServers = new ArrayList<>();
    private final List<ControlServer> initServers = new ArrayList<>();
    /** Requests waiting for room or for keys in flight: a duty of the control agent. */
    private final AllocWaitQueue waits;
    /** Runs the {@link ReceiverHousekeeping} duty (reaping and fencing) on its own thread. */
    private final AgentRunner housekeeping;
    private volatile boolean running = true;
    /** In-band control requests that did not decode. */
    private final AtomicLong inBandMalformed = new AtomicLong();

    ReceiverEngine(PdL2AdapterConfig config, Executor executor, TransferChannelFactory channels)
            throws ChannelException {
        this.config = config;
        this.executor = executor;
        // curve_secret_key set: both servers are CURVE servers; a peer without the public key cannot talk to them.
        ControlSecurity security = config.curveSecretKey().isEmpty() ? ControlSecurity.NONE
                : ControlSecurity.server(config.curveSecretKey());
        this.staging = new StagingBuffer(config.bufferSize());
        ChannelReceiver ch = null;
        ControlAgent agent = null;
        try {
            this.store = new ReceiverStore(staging, config.chunkBytes(), config.transferTimeout().toNanos(),
                    config.committedTtl().toNanos(), config.requestTimeout().toNanos());
            ch = channels.openReceiver(ChannelSettingsOf.config(config), staging, store);
            agent = new ControlAgent("kvcourier-control-receiver");
            this.control = agent;
            this.channel = ch;
            this.waits = new AllocWaitQueue(store, agent, config.allocationTimeout().toNanos(),
                    config.transferTimeout().toNanos());
            store.setChangeListener(waits::roomChanged);
            ch.setControlHandler(this::onInBandRequest);
            control.execute(() -> control.add(waits));
            List<Integer> allocPorts = config.peerAllocPort();
            List<Integer> initPorts = config.peerInitPort();
            for (int rank = 0; rank < allocPorts.size(); rank++) {
                allocServers.add(ControlServer.bind(control, "alloc-r" + rank, config.bindHost(), allocPorts.get(rank),
                        allocHandler, security, encoder));
            }
            for (int rank = 0; rank < initPorts.size(); rank++) {
                initServers.add(ControlServer.bind(control, "init-r" + rank, config.bindHost(), initPorts.get(rank),
                        new InitHandler(rank), security, encoder));
            }
        } catch (RuntimeException | ChannelException e) {
            // Reverse order of opening; closing the control thread closes the servers already bound.
            CloseHelper.closeOnFailure(e, agent, ch, staging);
            throw e;
        }
        this.housekeeping = new AgentRunner(new ReceiverHousekeeping(store, new ChannelFencer(channel)),
                IdleStrategy.BLOCKING).start();
    }

    /** The control thread's agent (tests hold it up to order what it runs against other threads). */
    ControlAgent control() {
        return control;
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
        return n + inBandMalformed.get();
    }

    private final AllocHandler allocHandler = new AllocHandler();
    /**
     * In-band requests handed to the control thread and not handled yet. While there are any, a later one queues
     * behind them instead of being handled on the thread that read it: a connection's allocations are handled in the
     * order they came (a request's batches keep theirs, so its {@code is_last_batch} is handled last).
     */
    private final AtomicInteger inBandQueued = new AtomicInteger();

    /**
     * Channel (or in-process sender) thread: a control request that came on a data connection. Decoded here, while
     * its bytes are valid, and handled on the control thread exactly as if the alloc port had received it; the
     * reply goes back over the same connection.
     */
    void onInBandRequest(String senderId, byte[] bytes, int offset, int length,
                         ControlRequestHandler.Replier replier) {
        ControlServer.Reply reply = message -> {
            byte[] b = WireCodec.encode(message);
            replier.reply(b, 0, b.length);
        };
        PdMessage request;
        try {
            request = WireCodec.decode(bytes, offset, length);
        } catch (WireFormatException | RuntimeException e) {
            inBandMalformed.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, "malformed in-band control request from {0}: {1}", senderId,
                    e.getMessage());
            reply.send(AllocResponses.failed(1));
            return;
        }
        if (request instanceof AllocRequest req && waits.count() == 0 && inBandQueued.get() == 0 && running) {
            // Nothing waits for room: allocate here, on the channel's (or in-process sender's) thread, under the
            // store's lock, and answer at once; only an allocation that must wait goes to the control thread, which
            // owns the waiting queue. Saves two thread hops per allocation.
            PdMessage now = allocHandler.allocateNow(senderId, req, replier);
            if (now != null) {
                answerNow(now, req.keys().size(), replier);
                return;
            }
        }
        inBandQueued.incrementAndGet();
        boolean queued = control.execute(() -> {
            try {
                PdMessage now = allocHandler.handle(senderId, request, reply, replier);
                if (now != null) {
                    reply.send(now);
                }
            } finally {
                inBandQueued.decrementAndGet();
            }
        });
        if (!queued) { // closing: answer like a closing alloc port would, never leave the sender waiting
            inBandQueued.decrementAndGet();
            reply.send(AllocResponses.failed(request instanceof AllocRequest r ? r.keys().size() : 1));
        }
    }

    /**
     * Sends a reply made during the request's handling; one that gave each of the request's {@code keys} a page of its
     * own names the pages to the channel too, which lands an eager store's bytes there (tcp data version 4).
     */
    private static void answerNow(PdMessage now, int keys, ControlRequestHandler.Replier replier) {
        byte[] b = WireCodec.encode(now);
        if (now instanceof AllocResponse r && keys > 0 && r.alreadySentCount() == 0 && r.remoteIndexCount() == keys) {
            int[] pages = r.remoteIndexes(); // a copy: the channel keeps it
            boolean all = true;
            for (int p : pages) {
                all &= p >= 0;
            }
            if (all) {
                replier.replyAllocated(b, 0, b.length, pages);
                return;
            }
        }
        replier.reply(b, 0, b.length);
    }

    private final class AllocHandler implements ControlServer.Handler {
        @Override
        public PdMessage onRequest(String peer, PdMessage request, ControlServer.Reply later) {
            return handle(senderIdOf(peer), request, later, null);
        }

        /**
         * Any thread: allocates {@code req} now if it can be answered without waiting (allocated, deduplicated, or
         * refused); null when it has to wait for room or for keys in flight, and then nothing was changed: the
         * caller hands it to {@link #handle} on the control thread.
         */
        PdMessage allocateNow(String senderId, AllocRequest req, ControlRequestHandler.Replier origin) {
            ReceiverStore.Parsed parsed = parse(senderId, req, origin);
            if (parsed == null) {
                return AllocResponses.failed(req.keys().size());
            }
            ReceiverStore.Outcome o = allocate(senderId, req, parsed);
            return o.mustWait() ? null : o.reply();
        }

        /**
         * The request's parsed form (in-band, with the replier of its connection, when it came on a data connection:
         * {@code origin} non-null), or null (logged).
         */
        private ReceiverStore.Parsed parse(String senderId, AllocRequest req, ControlRequestHandler.Replier origin) {
            try {
                ReceiverStore.Parsed p = ReceiverStore.parse(req);
                return origin != null ? p.via(origin) : p;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "rejecting AllocRequest from {0}: {1}", senderId, e.getMessage());
                return null;
            }
        }

        /**
         * One allocation attempt under the store's lock (any thread); a store error (e.g. a first request whose
         * chunk cannot fit the buffer) becomes a refusal, so the peer is never left unanswered.
         */
        private ReceiverStore.Outcome allocate(String senderId, AllocRequest req, ReceiverStore.Parsed parsed) {
            try {
                return store.allocate(senderId, req, parsed);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "refusing AllocRequest from {0}: {1}", senderId, e.getMessage());
                return new ReceiverStore.Outcome(AllocResponses.failed(req.keys().size()), ReceiverStore.Wait.NONE);
            }
        }

        /**
         * Control thread: one request from {@code senderId}; returns the reply now, or null when {@code later} gets
         * it.
         */
        PdMessage handle(String senderId, PdMessage request, ControlServer.Reply later,
                         ControlRequestHandler.Replier origin) {
            if (request instanceof AllocRequest req) {
                ReceiverStore.Parsed parsed = parse(senderId, req, origin);
                if (parsed == null) {
                    return AllocResponses.failed(req.keys().size());
                }
                ReceiverStore.Outcome o = allocate(senderId, req, parsed);
                if (!o.mustWait()) {
                    return o.reply();
                }
                waits.add(senderId, req, parsed, System.nanoTime(), later);
                return null;
            }
            if (request instanceof CancelNotif cancel) {
                List<ObjectKey> keys = new ArrayList<>();
                for (String k : cancel.keys()) {
                    try {
                        keys.add(ObjectKey.parse(k));
                    } catch (IllegalArgumentException e) {
                        LOG.log(System.Logger.Level.WARNING, "CancelNotif from {0}: ignoring bad key: {1}", senderId,
                                e.getMessage());
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
        private final int rank;

        InitHandler(int rank) {
            this.rank = rank;
        }

        @Override
        public PdMessage onRequest(String peer, PdMessage request, ControlServer.Reply later) {
            // A verbs handshake creates and connects QPs on the channel's thread: not on the control thread.
            executor.execute(() -> {
                HandshakeEvent jfr = Jfr.handshake() ? Jfr.begin(new HandshakeEvent()) : null;
                PdMessage reply;
                try {
                    reply = channel.handshake(request);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "handshake failed", e);
                    reply = new InitError(WireCodec.PROTOCOL_VERSION, "handshake failed: " + e.getMessage());
                }
                if (jfr != null) {
                    jfr.side = "receiver";
                    jfr.rank = rank;
                    jfr.peer = peer;
                    jfr.channel = config.transferChannel();
                    jfr.outcome = reply instanceof InitError ? "failed" : "connected";
                    jfr.reason = reply instanceof InitError err ? err.message() : "";
                    jfr.commit();
                }
                later.send(reply);
            });
            return null;
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
                Map.entry("waiting_allocations", waits.count() + store.waitingAllocations.get()),
                Map.entry("committed_batches", store.committedBatches.get()),
                Map.entry("committed_bytes", store.committedBytes.get()),
                Map.entry("expired_allocations", store.expiredAllocations.get()),
                Map.entry("rejected_writes", store.rejectedWrites.get()),
                Map.entry("pages_quarantined", store.quarantinedPages()),
                Map.entry("pages_held_by_fence", store.fenceHeldPages()),
                Map.entry("malformed_messages", malformedMessages()));
    }

    /**
     * Stops housekeeping and the control thread (answering waiting allocations with failures), each within the
     * shutdown timeout, closes the channel, then frees the staging memory.
     */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        Duration t = config.shutdownTimeout();
        store.setChangeListener(null);
        housekeeping.close(t);
        control.close(t);
        channel.close();
        staging.close();
    }
}
