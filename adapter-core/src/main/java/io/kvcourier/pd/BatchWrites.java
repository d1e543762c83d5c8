package io.kvcourier.pd;

import io.kvcourier.channel.BatchRefusedException;
import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.control.ControlAgent;
import io.kvcourier.jfr.BatchTransferEvent;
import io.kvcourier.jfr.Jfr;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The end of a batch's way: its write goes out on the rank's data connection (control thread) once the
 * allocation reply and the copy are in, the channel's thread reports the commit or the failure, and the batch
 * ends exactly once ({@link #finishBatch}), releasing its slot and pages and telling its task. Keeps the batches
 * on the wire in write order for the commit deadline ({@link SenderDeadlines}).
 */
final class BatchWrites {
    private static final System.Logger LOG = System.getLogger(SenderEngine.class.getName());

    final AtomicLong bytesSent = new AtomicLong();
    final AtomicLong batchesCommitted = new AtomicLong();
    final AtomicLong batchesFailed = new AtomicLong();
    /** Eager stores the receiver committed as they came (no write after the reply); any thread reads. */
    volatile long eagerLanded;
    /** Batches written, oldest first (control thread): each has a commit deadline. */
    final ArrayDeque<SenderBatch> inTransfer = new ArrayDeque<>();
    private final SenderEngine engine;
    private final ControlAgent control;
    private final PeerRegistry peers;
    private final long transferTimeoutNanos;

    BatchWrites(SenderEngine engine) {
        this.engine = engine;
        this.control = engine.control;
        this.peers = engine.peers;
        this.transferTimeoutNanos = engine.transferTimeoutNanos;
    }

    /** Control thread: the reply and the copy are in; the write goes out on the rank's data connection. */
    void issueWrite(SenderBatch batch) {
        if (batch.done) {
            return;
        }
        if (batch.eagerLanded) { // its bytes came with the AllocRequest and were committed: nothing to write
            eagerLanded = eagerLanded + 1; // single writer: the holder of the control agent's lock
            bytesSent.addAndGet(batch.write.totalBytes());
            finishBatch(batch, null);
            return;
        }
        RankPeer peer = batch.peer;
        if (engine.closing) {
            failBatch(batch, "sender is closing");
            return;
        }
        if (batch.allocatedOn != null && batch.allocatedOn != peer.connection) {
            failBatch(batch, "the connection that carried its allocation ended before the write");
            return;
        }
        if (!peer.connected()) {
            peer.awaitingConnection.add(batch);
            engine.connections.ensureConnection(peer);
            return;
        }
        batch.connection = peer.connection;
        track(batch);
        if (Jfr.batchTransfer()) {
            batch.jfr = Jfr.begin(new BatchTransferEvent());
        }
        batch.connection.write(batch.write, batch);
    }

    /**
     * Control thread: the batch's commit is due within the transfer deadline from now (its write went out, or its
     * reply came while its eager bytes are unanswered); past it, its connection is dropped.
     */
    void track(SenderBatch batch) {
        batch.transferDeadlineNanos = System.nanoTime() + transferTimeoutNanos;
        if (!batch.tracked) { // an eager store's fallback write keeps its place (a later deadline, a little late)
            batch.tracked = true;
            inTransfer.add(batch);
        }
    }

    /** Channel thread (or the writer, for an immediate failure): the batch committed or failed. */
    void onWritten(SenderBatch batch, ChannelException failure) {
        if (failure != null) {
            LOG.log(System.Logger.Level.WARNING, "rank {0}: {1} failed: {2}", batch.peer.rank,
                    batch.write != null ? batch.write : batch, failure.getMessage()); // eager bytes: no write yet
            if (!(failure instanceof BatchRefusedException)) { // a refusal leaves the connection healthy
                ChannelConnection c = batch.connection;
                control.execute(() -> engine.connections.dropConnection(batch.peer, c,
                        "a write failed: " + failure.getMessage()));
            }
        } else {
            bytesSent.addAndGet(batch.write.totalBytes());
        }
        if (batch.jfr != null) {
            SenderEvents.transfer(batch, failure);
        }
        finishBatch(batch, failure == null ? null : failure.getMessage());
    }

    void failBatch(SenderBatch batch, String why) {
        finishBatch(batch, why == null ? "failed" : why);
    }

    /**
     * Any thread: ends the batch once; {@code failure} null = committed. While its eager bytes are out, the end waits
     * for the channel to say how they ended ({@link SenderBatch#eagerOut}).
     */
    void finishBatch(SenderBatch batch, String failure) {
        synchronized (batch) {
            if (batch.done) {
                return;
            }
            if (batch.eagerOut) {
                if (!batch.endDeferred) {
                    batch.endDeferred = true;
                    batch.deferredFailure = failure;
                }
                return;
            }
            batch.done = true;
        }
        if (failure == null) {
            batchesCommitted.incrementAndGet();
        } else {
            batchesFailed.incrementAndGet();
            batch.task.noteFailure(failure, batch.timedOut);
        }
        if (batch.regions != null) { // it was admitted: holds a slot (and maybe pages)
            batch.peer.inflight.decrementAndGet();
            BatchAdmission admission = engine.admission;
            admission.releaseLocal(batch);
            admission.released();
        }
        ReceiverPeer owner = batch.peer.owner;
        boolean idleNow = owner.openBatches.decrementAndGet() == 0;
        if ((failure == null && owner.failures != 0) || (idleNow && !owner.configured)) {
            control.execute(() -> { // the breaker closes; the idle timer starts (and wakes the control thread)
                if (failure == null) {
                    peers.succeeded(owner);
                }
                peers.wentIdle(owner);
            });
        }
        batch.task.batchDone(failure == null);
    }
}
