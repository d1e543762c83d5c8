package io.kvcourier.channel;

import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.InitError;
import io.kvcourier.wire.MockInitRequest;
import io.kvcourier.wire.MockInitResponse;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.WireCodec;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-process channel ({@code transfer_channel: mock_memory}): sender and receiver adapters in one JVM.
 * The handshake runs over the real init port; a write really copies the sender's staging bytes into the
 * receiver's staging pages (checked against the receiver's allocation first) on the writing thread, then
 * reports the batch landed and completes with the receiver's commit result. Unlike upstream's mock (a
 * process-global dict), the receiver's own memory is what lookup and load see. A batch may read from the
 * sender's staging buffer, from caller memory registered with {@link ChannelSender#registerRegion}, or from any
 * caller segment ({@link WriteBatch#CALLER_SEGMENT}); the copy is done before the completion runs, so the channel
 * never reads a batch's memory after that.
 *
 * <p>Both ends are kvcourier by construction, so once the receiver engine has set its {@link
 * ControlRequestHandler} the connections {@linkplain ChannelConnection#carriesControl() carry control}: an
 * AllocRequest's bytes go to the receiver's handler by a call on the sending thread instead of through two ZMQ
 * sockets and their I/O threads ({@code -Dkvcourier.control.inBand=false} on the sender keeps them on ZMQ).
 */
public final class MockMemoryChannel {
    private static final Map<String, Receiver> RECEIVERS = new ConcurrentHashMap<>();

    /** The factory the adapter uses for {@code mock_memory}. */
    public static final TransferChannelFactory FACTORY = new TransferChannelFactory() {
        @Override
        public ChannelSender openSender(ChannelSettings settings, StagingBuffer staging) {
            return new Sender(staging);
        }

        @Override
        public ChannelReceiver openReceiver(ChannelSettings settings, StagingBuffer staging, LandingListener listener) {
            Receiver r = new Receiver(staging, listener);
            RECEIVERS.put(r.id, r);
            return r;
        }
    };

    private MockMemoryChannel() {
    }

    /** One sender's session with a receiver; fencing it stops its writes (waiting for a copy in progress). */
    private static final class Session {
        final String senderId;
        final ReentrantLock lock = new ReentrantLock();
        volatile boolean open = true;

        Session(String senderId) {
            this.senderId = senderId;
        }
    }

    private static final class Receiver implements ChannelReceiver {
        final String id = UUID.randomUUID().toString();
        final StagingBuffer staging;
        final LandingListener listener;
        final List<Session> sessions = new CopyOnWriteArrayList<>();
        volatile ControlRequestHandler controlHandler;
        volatile boolean closed;

        Receiver(StagingBuffer staging, LandingListener listener) {
            this.staging = staging;
            this.listener = listener;
        }

        @Override
        public PdMessage handshake(PdMessage request) {
            if (!(request instanceof MockInitRequest req)) {
                return new InitError(WireCodec.PROTOCOL_VERSION, "mock_memory receiver expects MockInitRequest, got "
                        + request.getClass().getSimpleName());
            }
            if (req.version() != WireCodec.PROTOCOL_VERSION) {
                return new InitError(WireCodec.PROTOCOL_VERSION, "protocol version " + req.version()
                        + " not supported (this receiver speaks " + WireCodec.PROTOCOL_VERSION + ")");
            }
            if (closed) {
                return new InitError(WireCodec.PROTOCOL_VERSION, "receiver is closing");
            }
            return new MockInitResponse(WireCodec.PROTOCOL_VERSION, id, staging.pageSize());
        }

        @Override
        public void setControlHandler(ControlRequestHandler handler) {
            controlHandler = handler;
        }

        Session open(String senderId) {
            Session s = new Session(senderId);
            sessions.add(s);
            return s;
        }

        @Override
        public void fence(String senderId) {
            for (Session s : sessions) {
                if (s.senderId.equals(senderId)) {
                    close(s);
                }
            }
        }

        void close(Session s) {
            s.lock.lock();
            try {
                s.open = false;
            } finally {
                s.lock.unlock();
            }
            sessions.remove(s);
        }

        @Override
        public void close() {
            closed = true;
            RECEIVERS.remove(id);
            for (Session s : sessions) {
                close(s);
            }
        }
    }

    private static final class Sender implements ChannelSender {
        final StagingBuffer staging;
        final List<Connection> connections = new CopyOnWriteArrayList<>();
        /** Registered caller regions by id (region 0, the staging buffer, is not in it). */
        final Map<Integer, MemorySegment> regions = new ConcurrentHashMap<>();

        Sender(StagingBuffer staging) {
            this.staging = staging;
        }

        /** The memory of local region {@code id}, or null. */
        MemorySegment region(int id) {
            return id == WriteBatch.STAGING ? staging.segment() : regions.get(id);
        }

        /**
         * Registers caller memory (any native segment the writing threads may access; nothing to pin for an
         * in-process copy). The caller keeps it alive until {@link #unregisterRegion} returned.
         */
        @Override
        public void registerRegion(int region, MemorySegment segment) throws ChannelException {
            if (region <= WriteBatch.STAGING) {
                throw new ChannelException("region id must be > 0 (0 is the staging buffer), got " + region);
            }
            if (!segment.isNative()) {
                throw new ChannelException("region " + region + " must be native memory");
            }
            if (regions.putIfAbsent(region, segment) != null) {
                throw new ChannelException("region id " + region + " is already registered");
            }
        }

        /** An in-process copy reads any segment the writing thread may access, of any size. */
        @Override
        public long callerSegmentMinBytes() {
            return 1;
        }

        /**
         * Forgets a region. A copy from it runs under its connection's session lock, so this waits for the
         * copies in progress: when it returns, no write reads the region any more.
         */
        @Override
        public void unregisterRegion(int region) {
            if (regions.remove(region) == null) {
                return;
            }
            for (Connection c : connections) {
                c.session.lock.lock(); // a copy in progress finishes first
                c.session.lock.unlock();
            }
        }

        @Override
        public Handshake beginConnect(String senderId) {
            return new Handshake() {
                @Override
                public PdMessage request() {
                    return new MockInitRequest(WireCodec.PROTOCOL_VERSION, senderId);
                }

                @Override
                public ChannelConnection complete(PdMessage reply) throws ChannelException {
                    if (reply instanceof InitError err) {
                        throw new ChannelException("receiver refused the handshake: " + err.message());
                    }
                    if (!(reply instanceof MockInitResponse resp)) {
                        throw new ChannelException(
                                "expected MockInitResponse, got " + reply.getClass().getSimpleName());
                    }
                    Receiver r = RECEIVERS.get(resp.channelId());
                    if (r == null) {
                        throw new ChannelException("mock_memory receiver " + resp.channelId()
                                + " is not in this process (mock_memory works within one JVM only)");
                    }
                    Connection c = new Connection(Sender.this, r, r.open(senderId));
                    connections.add(c);
                    return c;
                }

                @Override
                public void abort() {
                }
            };
        }

        @Override
        public void close() {
            for (Connection c : connections) {
                c.close();
            }
        }
    }

    private static final class Connection implements ChannelConnection {
        final Sender sender;
        final Receiver receiver;
        final Session session;

        Connection(Sender sender, Receiver receiver, Session session) {
            this.sender = sender;
            this.receiver = receiver;
            this.session = session;
        }

        @Override
        public void write(WriteBatch batch, BatchCompletion completion) {
            completion.batchDone(batch, copyAndCommit(batch));
        }

        /** Copies the batch into the receiver's pages and commits it; null on success, else why not. */
        private ChannelException copyAndCommit(WriteBatch batch) {
            session.lock.lock();
            try {
                if (!session.open) {
                    return new ChannelException("mock_memory connection is closed");
                }
                int n = batch.size();
                for (int i = 0; i < n; i++) {
                    MemorySegment src = source(batch, i);
                    if (src == null || batch.localOffsets()[i] > src.byteSize() - batch.lengths()[i]) {
                        return new ChannelException("write batch entry " + i + " reads outside local region "
                                + batch.localRegions()[i] + (src == null ? " (not registered)" : ""));
                    }
                }
                if (!receiver.listener.admitBatch(session.senderId, batch.batchId(), batch.remotePages(),
                        batch.lengths(), n)) {
                    return new ChannelException("receiver rejected batch " + batch.batchId() + " (pages "
                            + java.util.Arrays.toString(batch.remotePages()) + ")");
                }
                MemorySegment dst = receiver.staging.segment();
                for (int i = 0; i < n; i++) {
                    MemorySegment src = source(batch, i);
                    if (src == null) {
                        return new ChannelException("local region " + batch.localRegions()[i]
                                + " was unregistered during the write");
                    }
                    MemorySegment.copy(src, batch.localOffsets()[i], dst,
                            batch.remotePages()[i] * batch.remotePageSize(), batch.lengths()[i]);
                }
                boolean committed = receiver.listener.onBatchLanded(session.senderId, batch.batchId());
                receiver.listener.afterAcknowledgements(); // its "acknowledgement" is this method's return
                return committed ? null : new ChannelException("receiver did not commit batch " + batch.batchId());
            } catch (RuntimeException e) {
                return new ChannelException("mock_memory write failed: " + e, e);
            } finally {
                session.lock.unlock();
            }
        }

        /** The memory entry {@code i} reads: its caller segment, or its region (null when not registered). */
        private MemorySegment source(WriteBatch batch, int i) {
            int region = batch.localRegions()[i];
            return region == WriteBatch.CALLER_SEGMENT ? batch.localSegments()[i] : sender.region(region);
        }

        @Override
        public boolean isOpen() {
            return session.open && !receiver.closed;
        }

        @Override
        public boolean carriesControl() {
            return receiver.controlHandler != null && isOpen();
        }

        @Override
        public boolean sendControl(long exchangeId, byte[] bytes, int offset, int length, ControlReplySink sink) {
            ControlRequestHandler h = receiver.controlHandler;
            if (h == null || !isOpen()) {
                return false;
            }
            h.onControlRequest(session.senderId, bytes, offset, length,
                    (reply, off, len) -> sink.onControlReply(exchangeId, reply, off, len));
            return true;
        }

        @Override
        public String describe() {
            return "mock_memory " + receiver.id;
        }

        @Override
        public void close() {
            receiver.close(session);
            sender.connections.remove(this);
        }
    }
}
