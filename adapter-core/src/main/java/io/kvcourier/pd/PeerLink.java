package io.kvcourier.pd;

import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.control.AllocClient;
import io.kvcourier.control.ControlException;
import io.kvcourier.control.ControlSecurity;
import io.kvcourier.control.Endpoints;
import io.kvcourier.control.InitClient;
import io.kvcourier.wire.PdMessage;
import org.zeromq.ZContext;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A sender's link to one receiver rank: the alloc DEALER, the data connection (made lazily through the
 * init port and remade after a failure), and the cap on batches in flight to that rank.
 */
final class PeerLink implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PeerLink.class.getName());

    final int rank;
    final AllocClient alloc;
    private final ZContext zmq;
    private final String initEndpoint;
    private final String senderId;
    private final ChannelSender channel;
    private final ControlSecurity security;
    private final Semaphore inflight;
    private final ReentrantLock connectLock = new ReentrantLock();
    private volatile ChannelConnection connection;
    private volatile boolean closed;

    PeerLink(int rank, String host, int initPort, int allocPort, String senderId, ZContext zmq,
             ChannelSender channel, int maxInflightBatches, ControlSecurity security) {
        this.rank = rank;
        this.security = security;
        this.zmq = zmq;
        this.senderId = senderId;
        this.channel = channel;
        this.initEndpoint = Endpoints.connect(host, initPort);
        this.alloc = new AllocClient(zmq, Endpoints.connect(host, allocPort), senderId, security);
        this.inflight = new Semaphore(maxInflightBatches, true);
    }

    /** Takes a slot for one batch in flight, waiting until the deadline. */
    boolean acquireSlot(long deadlineNanos) throws InterruptedException {
        return inflight.tryAcquire(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    void releaseSlot() {
        inflight.release();
    }

    /** The open data connection, handshaking first if there is none (one handshake at a time). */
    ChannelConnection connection(long deadlineNanos) throws ChannelException, ControlException, InterruptedException {
        ChannelConnection c = connection;
        if (c != null && c.isOpen()) {
            return c;
        }
        long wait = deadlineNanos - System.nanoTime();
        if (wait <= 0 || !connectLock.tryLock(wait, TimeUnit.NANOSECONDS)) {
            throw new ControlException("rank " + rank + ": timed out waiting for another handshake");
        }
        try {
            c = connection;
            if (c != null && c.isOpen()) {
                return c;
            }
            if (closed) {
                throw new ControlException("rank " + rank + ": link closed");
            }
            ChannelSender.Handshake hs = channel.beginConnect(senderId);
            try {
                PdMessage reply = InitClient.exchange(zmq, initEndpoint, hs.request(), deadlineNanos, () -> closed, security);
                c = hs.complete(reply);
            } catch (ChannelException | ControlException | RuntimeException e) {
                hs.abort();
                throw e;
            }
            LOG.log(System.Logger.Level.DEBUG, "rank {0}: connected {1}", rank, c.describe());
            connection = c;
            return c;
        } finally {
            connectLock.unlock();
        }
    }

    /** Drops a failed connection (fencing it) so that the next batch reconnects. */
    void dropConnection(ChannelConnection failed) {
        failed.close();
        if (connection == failed) {
            connection = null;
        }
    }

    boolean connected() {
        ChannelConnection c = connection;
        return c != null && c.isOpen();
    }

    @Override
    public void close() {
        closed = true;
        alloc.close();
        ChannelConnection c = connection;
        if (c != null) {
            c.close();
        }
    }
}
