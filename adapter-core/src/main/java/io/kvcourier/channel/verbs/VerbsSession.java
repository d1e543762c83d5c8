package io.kvcourier.channel.verbs;

import io.kvcourier.channel.LandingListener;
import io.kvcourier.verbs.Errno;
import io.kvcourier.verbs.gen.verbs_h;

import java.util.function.Consumer;

/**
 * A receiver's session with one sender connection: the receiver-side RC QPs (with {@code REMOTE_WRITE}
 * access) on one CQ. Each QP keeps {@code rqDepth} receive WRs posted; the receive completion of a sender's
 * {@code RDMA_WRITE_WITH_IMM} means every byte of that batch has landed (RC delivers a QP's writes in
 * order), so it commits the batch through the {@link LandingListener}, reposts the receive WR and
 * acknowledges the result with a zero-length {@code SEND_WITH_IMM} (immediate = batch id, top bit set when
 * the batch was not committed). Progress thread only, except the final fields.
 */
final class VerbsSession extends QpSet {
    private static final System.Logger LOG = System.getLogger(VerbsSession.class.getName());
    private static final int NOT_COMMITTED = 0x8000_0000;

    final String senderId;
    private final LandingListener listener;
    private final Consumer<VerbsSession> onGone;
    /** Acknowledgements waiting for a free send-queue slot, per QP (a ring each). */
    private int[][] pendingAcks;
    private int[] ackHead;
    private int[] ackCount;
    private boolean reported;

    VerbsSession(VerbsEndpoint endpoint, String senderId, LandingListener listener, Consumer<VerbsSession> onGone) {
        super(endpoint);
        this.senderId = senderId;
        this.listener = listener;
        this.onGone = onGone;
    }

    /** Called on the progress thread once the QPs exist. */
    void prepare() {
        int n = qps.length;
        pendingAcks = new int[n][endpoint.sqDepth + endpoint.rqDepth];
        ackHead = new int[n];
        ackCount = new int[n];
    }

    @Override
    void onCompletion(Qp qp, int status, int opcode, long wrId, int imm, int wcFlags, int vendorErr) {
        if (status != verbs_h.IBV_WC_SUCCESS()) {
            if (!destroyRequested) {
                if (status != verbs_h.IBV_WC_WR_FLUSH_ERR()) {
                    LOG.log(System.Logger.Level.WARNING, "sender {0}: {1} on {2}; dropping the session", senderId,
                            WcStatus.name(status), qp);
                }
                destroyRequested = true; // the loop destroys it after this poll: that fences the sender
            }
            return;
        }
        if (wrId != 0) {
            qp.sqFree++;
            flushAcks(qp);
            return;
        }
        int rc = endpoint.postRecv(qp, 1);
        if (rc != 0) {
            drop(qp, "ibv_post_recv failed: " + Errno.name(rc));
            return;
        }
        if (opcode == verbs_h.IBV_WC_RECV() && (wcFlags & verbs_h.IBV_WC_WITH_IMM()) == 0) {
            LOG.log(System.Logger.Level.DEBUG, "sender {0} closed its connection; dropping the session", senderId);
            destroyRequested = true; // the sender's goodbye
            return;
        }
        if (opcode != verbs_h.IBV_WC_RECV_RDMA_WITH_IMM() || (wcFlags & verbs_h.IBV_WC_WITH_IMM()) == 0) {
            drop(qp, "unexpected receive (opcode " + opcode + ") from sender " + senderId);
            return;
        }
        int batchId = imm & 0x7FFF_FFFF;
        boolean committed = imm >= 0 && listener.onBatchLanded(senderId, batchId);
        ack(qp, committed ? batchId : batchId | NOT_COMMITTED);
        listener.afterAcknowledgements();
    }

    private void ack(Qp qp, int value) {
        int q = qp.index;
        if (qp.sqFree == 0 || ackCount[q] > 0) {
            int[] ring = pendingAcks[q];
            if (ackCount[q] == ring.length) {
                drop(qp, "too many unacknowledged batches");
                return;
            }
            ring[(ackHead[q] + ackCount[q]) % ring.length] = value;
            ackCount[q]++;
            return;
        }
        post(qp, value);
    }

    private void flushAcks(Qp qp) {
        int q = qp.index;
        int[] ring = pendingAcks[q];
        while (ackCount[q] > 0 && qp.sqFree > 0 && !destroyRequested) {
            int value = ring[ackHead[q]];
            ackHead[q] = (ackHead[q] + 1) % ring.length;
            ackCount[q]--;
            post(qp, value);
        }
    }

    private void post(Qp qp, int value) {
        int rc = endpoint.postAck(qp, value);
        if (rc != 0) {
            drop(qp, "ibv_post_send (acknowledgement) failed: " + Errno.name(rc));
            return;
        }
        qp.sqFree--;
    }

    private void drop(Qp qp, String why) {
        LOG.log(System.Logger.Level.WARNING, "sender {0}: {1} on {2}; dropping the session", senderId, why, qp);
        destroyRequested = true;
    }

    @Override
    void onQpFailed(Qp qp, String why) {
        drop(qp, why);
    }

    @Override
    void onDestroy(String why) {
        if (!reported) {
            reported = true;
            onGone.accept(this);
        }
    }
}
