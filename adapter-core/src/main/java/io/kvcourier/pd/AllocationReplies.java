package io.kvcourier.pd;

import io.kvcourier.channel.WriteBatch;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.AllocResponse;
import io.kvcourier.wire.PdMessage;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * What the sender's control thread does with the answer to a batch's AllocRequest: reads the receiver's pages
 * ({@link HeldKeys#accept}), aborts the request on a refusal, skips keys the receiver already has, and builds the
 * batch's write; or, when no answer came, fails the batch (dropping the data connection after a timeout).
 */
final class AllocationReplies {
    private static final System.Logger LOG = System.getLogger(SenderEngine.class.getName());

    private final SenderEngine engine;
    private final HeldKeys held;
    private final HeldKeys.Canceller canceller;
    private final StagingBuffer staging;

    AllocationReplies(SenderEngine engine, HeldKeys.Canceller canceller) {
        this.engine = engine;
        this.held = engine.held;
        this.canceller = canceller;
        this.staging = engine.staging;
    }

    /** Control thread: the receiver answered the batch's AllocRequest. */
    void onReply(SenderBatch batch, PdMessage reply) {
        if (batch.done) {
            return;
        }
        RankPeer peer = batch.peer;
        if (!(reply instanceof AllocResponse response)) {
            LOG.log(System.Logger.Level.WARNING, "rank {0}: expected AllocResponse, got {1}; aborting the request",
                    peer.rank, reply.getClass().getSimpleName());
            SenderEvents.allocation(batch, "failed", "unexpected reply " + reply.getClass().getSimpleName(), 0);
            held.abort(batch.task.spec.reqId(), List.of(), canceller);
            engine.writes.failBatch(batch, "unexpected reply " + reply.getClass().getSimpleName());
            return;
        }
        int n = batch.size();
        String reqId = batch.task.spec.reqId();
        int[] remote = held.accept(peer.rank, reqId, n, batch, response, canceller);
        if (remote == null) {
            SenderEvents.allocation(batch, "refused", "the receiver refused the allocation", 0);
            // held.accept logged why
            engine.writes.failBatch(batch, "allocation failed; the request was aborted");
            return;
        }
        int toWrite = 0;
        for (int i = 0; i < n; i++) {
            if (remote[i] >= 0) {
                toWrite++;
            }
        }
        if (batch.jfr != null) {
            SenderEvents.allocation(batch, "allocated", "", n - toWrite);
        }
        if (toWrite == 0) {
            engine.writes.finishBatch(batch, null); // every key is already on the receiver
            return;
        }
        batch.write = toWrite == n
                // nothing deduplicated: the batch's own arrays describe the write
                ? new WriteBatch(batch.regions, batch.offsets, remote, batch.lengths, staging.pageSize(),
                        batch.segments)
                : dedupedWrite(batch, remote, toWrite);
        if (batch.step(SenderBatch.REPLIED)) {
            engine.writes.issueWrite(batch);
        } else if (batch.eagerOut) {
            engine.writes.track(batch); // its eager bytes' ACK is due within the transfer deadline
        }
    }

    /** The write of the batch's keys the receiver does not have yet ({@code remote[i] >= 0}). */
    private WriteBatch dedupedWrite(SenderBatch batch, int[] remote, int toWrite) {
        int[] regions = new int[toWrite];
        long[] offsets = new long[toWrite];
        int[] pages = new int[toWrite];
        long[] lengths = new long[toWrite];
        MemorySegment[] segments = batch.segments == null ? null : new MemorySegment[toWrite];
        for (int i = 0, j = 0, n = batch.size(); i < n; i++) {
            if (remote[i] >= 0) {
                regions[j] = batch.regions[i];
                offsets[j] = batch.offsets[i];
                pages[j] = remote[i];
                lengths[j] = batch.lengths[i];
                if (segments != null) {
                    segments[j] = batch.segments[i];
                }
                j++;
            }
        }
        return new WriteBatch(regions, offsets, pages, lengths, staging.pageSize(), segments);
    }

    /** Control thread: no reply; after a timeout the receiver is probably gone, so its data connection goes too. */
    void onFailure(SenderBatch batch, String why, boolean timedOut) {
        LOG.log(System.Logger.Level.WARNING, "rank {0}: {1}", batch.peer.rank, why);
        SenderEvents.allocation(batch, timedOut ? "timed_out" : "failed", why, 0);
        if (timedOut) {
            // A one-sided data path (RDMA) would not notice a dead receiver: the next task handshakes afresh.
            engine.connections.dropConnection(batch.peer, batch.peer.connection,
                    "no allocation reply within the deadline");
        }
        batch.timedOut = timedOut;
        engine.writes.failBatch(batch, why);
    }
}
