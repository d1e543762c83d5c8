package io.kvcourier.channel.verbs;

import io.kvcourier.channel.BatchCompletion;
import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.WriteBatch;
import io.kvcourier.verbs.Errno;
import io.kvcourier.verbs.InlineVerbs;
import io.kvcourier.verbs.gen.verbs_h;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static java.lang.foreign.ValueLayout.ADDRESS;

/**
 * A sender's verbs connection to one receiver rank: {@code num_qps} RC QPs on one CQ. A batch goes whole onto
 * one QP (RC orders within a QP only), batches are spread over the QPs round-robin. The progress thread
 * posts each batch as chains of RDMA WRITEs ({@link WritePlanner}) within the free send-queue slots, at most
 * {@code rqDepth} batches in flight per QP (one receive WR of the receiver each); the receiver answers each
 * batch's WRITE_WITH_IMM with a zero-length SEND_WITH_IMM (immediate = batch id, top bit set when it did not
 * commit), and the batch completes (its callback) on that acknowledgement — acknowledgements arrive in posting
 * order on a QP.
 */
final class VerbsConnection extends QpSet implements ChannelConnection {
    private static final System.Logger LOG = System.getLogger(VerbsConnection.class.getName());
    /** Test hook: the next N batches are posted with a corrupted rkey (a forced remote access error). */
    static final AtomicInteger CORRUPT_RKEY_BATCHES = new AtomicInteger();
    /**
     * Test hook: while set, {@link #write} first counts down {@code [0]} (the write is "on the wire") and then
     * waits for {@code [1]}, so a test can kill the receiver between allocation and landing.
     */
    static volatile java.util.concurrent.CountDownLatch[] HOLD_WRITES;
    /** How long a close waits for its goodbye SEND before destroying the QPs anyway. */
    private static final long GOODBYE_WAIT_MS = 2000;

    private final String senderId;
    private final Duration shutdownTimeout;
    private final ConcurrentLinkedQueue<PendingWrite>[] queues;
    private final ArrayDeque<PendingWrite>[] inflight;
    /**
     * Per QP, once it failed: batches with posted WRs, held until every posted WR completed or flushed — until
     * then the device may still read their local pages (docs/TRAPS.md#trap-23) — oldest first.
     */
    private final ArrayDeque<PendingWrite>[] flushing;
    /** Per QP, once it failed: the failure its flushed batches get. */
    private final ChannelException[] qpFailure;
    private final PendingWrite[] posting;
    private final int[] nextEntry;
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile boolean open;
    private volatile String failure;
    private long remoteAddr;
    private int remoteRkey;
    private String peer = "?";

    /** One batch and who is told when it committed or failed (exactly once). */
    private static final class PendingWrite {
        final WriteBatch batch;
        final BatchCompletion completion;
        boolean corruptRkey;
        private boolean told;

        PendingWrite(WriteBatch batch, BatchCompletion completion) {
            this.batch = batch;
            this.completion = completion;
        }

        void done(ChannelException failure) {
            synchronized (this) {
                if (told) {
                    return;
                }
                told = true;
            }
            try {
                completion.batchDone(batch, failure);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "batch completion failed", e);
            }
        }
    }

    @SuppressWarnings("unchecked") // arrays of a generic type: made with a wildcard, cast to what they hold
    VerbsConnection(VerbsEndpoint endpoint, String senderId, int numQps, Duration shutdownTimeout) {
        super(endpoint);
        this.senderId = senderId;
        this.shutdownTimeout = shutdownTimeout;
        this.queues = (ConcurrentLinkedQueue<PendingWrite>[]) new ConcurrentLinkedQueue<?>[numQps];
        this.inflight = (ArrayDeque<PendingWrite>[]) new ArrayDeque<?>[numQps];
        this.flushing = (ArrayDeque<PendingWrite>[]) new ArrayDeque<?>[numQps];
        for (int i = 0; i < numQps; i++) {
            queues[i] = new ConcurrentLinkedQueue<>();
            inflight[i] = new ArrayDeque<>(endpoint.rqDepth);
            flushing[i] = new ArrayDeque<>();
        }
        this.qpFailure = new ChannelException[numQps];
        this.posting = new PendingWrite[numQps];
        this.nextEntry = new int[numQps];
    }

    /** Called on the progress thread once the QPs are in RTS. */
    void connected(long remoteAddr, int rkey, String peer) {
        this.remoteAddr = remoteAddr;
        this.remoteRkey = rkey;
        this.peer = peer;
        this.open = true;
    }

    @Override
    public void write(WriteBatch batch, BatchCompletion completion) {
        java.util.concurrent.CountDownLatch[] hold = HOLD_WRITES;
        if (hold != null) {
            hold[0].countDown();
            try {
                hold[1].await(10, java.util.concurrent.TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!open) {
            completion.batchDone(batch, new ChannelException(closedMessage()));
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            if (!endpoint.inRegion(batch.localRegions()[i], batch.localOffsets()[i], batch.lengths()[i])) {
                completion.batchDone(batch, new ChannelException("write batch entry " + i + " (region "
                        + batch.localRegions()[i] + ", offset " + batch.localOffsets()[i] + ", " + batch.lengths()[i]
                        + " bytes) is outside the sender's registered memory"));
                return;
            }
        }
        PendingWrite p = new PendingWrite(batch, completion);
        ConcurrentLinkedQueue<PendingWrite> q = queues[Math.floorMod(roundRobin.getAndIncrement(), queues.length)];
        q.add(p);
        if (!open && q.remove(p)) {
            p.done(new ChannelException(closedMessage()));
        } else {
            endpoint.wakeUp();
        }
    }

    private String closedMessage() {
        String f = failure;
        return "verbs connection to " + peer + " is closed" + (f == null ? "" : ": " + f);
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder("verbs ").append(endpoint.choice.device()).append(" -> ").append(peer)
                .append(" QPs");
        for (Qp q : qps) {
            sb.append(" 0x").append(Integer.toHexString(q.qpn));
        }
        return sb.toString();
    }

    /**
     * Fences and closes: stops taking writes; on a healthy connection posts a goodbye {@code SEND} (the
     * receiver drops its session when it arrives; its completion means every earlier WR completed) and waits
     * briefly for it; then the QPs go to ERR and are destroyed on the progress thread — after that no WR of
     * this connection reads the sender's local memory — and every pending batch has failed. Bounded by
     * the shutdown deadline. Idempotent.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        open = false;
        if (endpoint.isStopping()) {
            return; // the endpoint's close destroys every QP set after its thread stopped
        }
        try {
            boolean saidGoodbye = endpoint.call("closing " + describe(), shutdownTimeout, () -> {
                for (Qp q : qps) {
                    if (!q.broken && q.sqFree > 0 && endpoint.postGoodbye(q) == 0) {
                        q.sqFree--;
                        return true; // destroyed when the goodbye completes
                    }
                }
                endpoint.destroy(this, "connection closed");
                return false;
            });
            if (saidGoodbye) {
                try {
                    gone.get(Math.min(shutdownTimeout.toMillis(), GOODBYE_WAIT_MS), TimeUnit.MILLISECONDS);
                } catch (TimeoutException | ExecutionException e) {
                    endpoint.call("closing " + describe(), shutdownTimeout, () -> {
                        endpoint.destroy(this, "connection closed (goodbye not completed)");
                        return null;
                    });
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    endpoint.call("closing " + describe(), shutdownTimeout, () -> {
                        endpoint.destroy(this, "connection closed");
                        return null;
                    });
                }
            }
        } catch (ChannelException e) {
            LOG.log(System.Logger.Level.WARNING, "{0}: {1}", senderId, e.getMessage());
        }
    }

    // ------------------------------------------------------------------------- progress thread only

    @Override
    void pump() {
        if (!open) {
            return;
        }
        WritePlanner planner = endpoint.planner;
        for (int q = 0; q < qps.length; q++) {
            Qp qp = qps[q];
            while (!qp.broken) {
                PendingWrite p = posting[q];
                if (p == null) {
                    if (inflight[q].size() >= endpoint.rqDepth || (p = queues[q].poll()) == null) {
                        break;
                    }
                    posting[q] = p;
                    nextEntry[q] = 0;
                    if (CORRUPT_RKEY_BATCHES.get() > 0 && CORRUPT_RKEY_BATCHES.getAndDecrement() > 0) {
                        p.corruptRkey = true;
                    }
                }
                if (qp.sqFree == 0) {
                    break;
                }
                int n = planner.plan(p.batch, nextEntry[q], Math.min(qp.sqFree, planner.capacity()),
                        endpoint.regionAddresses(), endpoint.regionLkeys(), remoteAddr,
                        p.corruptRkey ? ~remoteRkey : remoteRkey, endpoint.maxWrBytes);
                int rc = InlineVerbs.postSend(qp.qp, planner.head(), endpoint.badWr);
                if (rc != 0) {
                    int bad = planner.indexOf(endpoint.badWr.get(ADDRESS, 0).address());
                    if (bad != 0) {
                        // WRs before the bad one went out unsignalled: no completion returns their slots, so the
                        // flush cannot be counted; destroying the QP is what proves they are done.
                        destroyRequested = true;
                        nextEntry[q] = Math.max(nextEntry[q], 1); // the batch has posted WRs: held until then
                    }
                    qpFailed(qp, "ibv_post_send failed: " + Errno.name(rc) + " (" + Errno.describe(rc) + ") at WR "
                            + bad + " of a chain of " + n + " for batch " + p.batch.batchId() + " on " + qp);
                    break;
                }
                qp.sqFree -= n;
                nextEntry[q] = planner.nextEntry();
                if (nextEntry[q] == p.batch.size()) {
                    posting[q] = null;
                    inflight[q].add(p);
                }
            }
        }
    }

    @Override
    void onCompletion(Qp qp, int status, int opcode, long wrId, int imm, int wcFlags, int vendorErr) {
        if (closing.get() && (wrId == QueuePairs.GOODBYE_WR || status != verbs_h.IBV_WC_SUCCESS())) {
            destroyRequested = true; // the goodbye completed (or failed): the loop destroys the connection
            return;
        }
        if (status != verbs_h.IBV_WC_SUCCESS()) {
            if ((wrId & WritePlanner.SEND_WR) != 0) {
                qp.sqFree += WritePlanner.slots(wrId); // failed or flushed: its chain left the queue too
            }
            if (qp.broken) {
                releaseFlushed(qp);
            } else {
                String what = (wrId & WritePlanner.SEND_WR) != 0 ? "RDMA write" : "commit acknowledgement receive";
                qpFailed(qp, what + " failed on " + qp + " to " + peer + ": " + WcStatus.name(status) + " ("
                        + statusText(status) + ", vendor_err 0x" + Integer.toHexString(vendorErr) + ")");
            }
            return;
        }
        if ((wrId & WritePlanner.SEND_WR) != 0) {
            qp.sqFree += WritePlanner.slots(wrId); // a signalled chain's last WR: its whole chain left the queue
            if (qp.broken) {
                releaseFlushed(qp);
            }
            return;
        }
        if (qp.broken) {
            if ((wcFlags & verbs_h.IBV_WC_WITH_IMM()) != 0) {
                flushedAck(qp, imm);
            }
            return;
        }
        if ((wcFlags & verbs_h.IBV_WC_WITH_IMM()) == 0) {
            qpFailed(qp, "receive without immediate on " + qp + " (opcode " + opcode
                    + "): not a commit acknowledgement");
            return;
        }
        int batchId = imm & 0x7FFF_FFFF;
        ArrayDeque<PendingWrite> q = inflight[qp.index];
        PendingWrite head = q.peek();
        if (head == null || head.batch.batchId() != batchId) {
            qpFailed(qp, "commit acknowledgement for batch " + batchId + " on " + qp + " but "
                    + (head == null ? "no batch is in flight" : "batch " + head.batch.batchId() + " is next"));
            return;
        }
        q.poll();
        int rc = endpoint.postRecv(qp, 1);
        if (imm >= 0) {
            head.done(null);
        } else {
            head.done(new ChannelException("receiver did not commit batch " + batchId
                    + " (its allocation is unknown, expired or fenced)"));
        }
        if (rc != 0) {
            qpFailed(qp, "ibv_post_recv failed: " + Errno.name(rc) + " on " + qp);
        }
    }

    @Override
    void onQpFailed(Qp qp, String why) {
        qpFailed(qp, why);
    }

    /** The QP is unusable: to ERR (its WRs flush), the connection stops taking writes, its batches fail. */
    private void qpFailed(Qp qp, String why) {
        if (qp.broken) {
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "{0}: {1}", senderId, why);
        endpoint.toError(qp);
        if (failure == null) {
            failure = why;
        }
        open = false;
        int q = qp.index;
        ChannelException e = new ChannelException(why);
        qpFailure[q] = e;
        for (PendingWrite p; (p = inflight[q].poll()) != null; ) {
            flushing[q].add(p);
        }
        PendingWrite p = posting[q];
        posting[q] = null;
        if (p != null && nextEntry[q] > 0) {
            flushing[q].add(p);
        } else if (p != null) {
            p.done(e); // nothing of it was posted
        }
        while ((p = queues[q].poll()) != null) {
            p.done(e); // never posted
        }
        releaseFlushed(qp);
    }

    /**
     * A failed QP's batches fail once every WR posted on it completed or flushed (its send queue is whole again):
     * only then may their local pages be reused. If that never comes, the connection's destroy fails them.
     */
    private void releaseFlushed(Qp qp) {
        if (qp.sqFree < qp.sqDepth) {
            return;
        }
        if (flushing[qp.index].isEmpty()) {
            return;
        }
        ChannelException e = new ChannelException(qpFailure[qp.index].getMessage()
                + " (failed once every write posted on that QP had completed or flushed)");
        for (PendingWrite p; (p = flushing[qp.index].poll()) != null; ) {
            p.done(e);
        }
    }

    /**
     * A commit acknowledgement that arrived after its QP failed: the receiver did commit (or refuse) that batch,
     * the oldest held; its pages are released by the flush that follows, its outcome is told now.
     */
    private void flushedAck(Qp qp, int imm) {
        PendingWrite head = flushing[qp.index].peek();
        if (head != null && head.batch.batchId() == (imm & 0x7FFF_FFFF)) {
            flushing[qp.index].poll();
            head.done(imm >= 0 ? null : new ChannelException("receiver did not commit batch "
                    + head.batch.batchId() + " (its allocation is unknown, expired or fenced)"));
        }
    }

    private void failQp(int q, ChannelException e) {
        PendingWrite p = posting[q];
        posting[q] = null;
        if (p != null) {
            p.done(e);
        }
        while ((p = flushing[q].poll()) != null) {
            p.done(e);
        }
        while ((p = inflight[q].poll()) != null) {
            p.done(e);
        }
        while ((p = queues[q].poll()) != null) {
            p.done(e);
        }
    }

    @Override
    void onDestroy(String why) {
        open = false;
        if (failure == null) {
            failure = why;
        }
        ChannelException e = new ChannelException(closedMessage());
        for (int q = 0; q < queues.length; q++) {
            failQp(q, e);
        }
    }

    private static String statusText(int status) {
        MemorySegment s = verbs_h.ibv_wc_status_str(status);
        return s.equals(MemorySegment.NULL) ? "?" : s.reinterpret(256).getString(0);
    }

    static String gidText(byte[] gid) {
        return HexFormat.of().formatHex(gid);
    }
}
