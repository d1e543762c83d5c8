package io.kvcourier.channel.verbs;

import io.kvcourier.verbs.Errno;
import io.kvcourier.verbs.InlineVerbs;
import io.kvcourier.verbs.NativeException;
import io.kvcourier.verbs.gen.ibv_ah_attr;
import io.kvcourier.verbs.gen.ibv_global_route;
import io.kvcourier.verbs.gen.ibv_qp;
import io.kvcourier.verbs.gen.ibv_qp_attr;
import io.kvcourier.verbs.gen.ibv_qp_cap;
import io.kvcourier.verbs.gen.ibv_qp_init_attr;
import io.kvcourier.verbs.gen.ibv_recv_wr;
import io.kvcourier.verbs.gen.ibv_send_wr;
import io.kvcourier.verbs.gen.verbs_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

import static java.lang.foreign.ValueLayout.ADDRESS;

/**
 * The RC queue-pair state machine of one endpoint: creates a {@link QpSet}'s CQ and QPs, moves each QP
 * RESET → INIT → RTR → RTS (or to ERR), posts the zero-length control work requests (receive WRs, commit
 * acknowledgements, goodbyes) and destroys QPs and CQs. The QP attributes decide whether failures end
 * (docs/TRAPS.md#trap-24).
 *
 * <p>Threading: the progress thread only (or the closing thread once it stopped); the attribute structs and
 * work requests are reused scratch, so nothing here allocates after construction except QP setup.
 */
final class QueuePairs {
    private static final System.Logger LOG = System.getLogger(QueuePairs.class.getName());
    /** 4.096 µs × 2^16 ≈ 268 ms per try: tolerant of rxe under emulation, yet a dead peer ends in seconds. */
    static final byte QP_TIMEOUT = 16;
    static final byte RETRY_CNT = 7;
    /** 7 would mean "retry forever" (docs/TRAPS.md#trap-24). */
    static final byte RNR_RETRY = 6;
    static final byte MIN_RNR_TIMER = 12;
    /** {@code wr_id} of a sender's goodbye SEND (see {@link #postGoodbye}). */
    static final long GOODBYE_WR = 1L << 61;

    private final String owner;
    private final VerbsDevice device;
    private final MemorySegment compChannel;
    private final MemorySegment callState;
    private final MemorySegment qpAttr;
    private final MemorySegment initAttr;
    private final MemorySegment recvWr;
    /** Where {@code ibv_post_*} stores the first WR it did not post; shared by every post of the thread. */
    final MemorySegment badWr;
    private final MemorySegment ackWr;
    private final MemorySegment goodbyeWr;

    /**
     * @param owner       the endpoint's name, for logs
     * @param compChannel the completion channel every CQ reports to
     */
    QueuePairs(String owner, VerbsDevice device, MemorySegment compChannel, Arena arena) {
        this.owner = owner;
        this.device = device;
        this.compChannel = compChannel;
        this.callState = Errno.allocateState(arena);
        this.qpAttr = ibv_qp_attr.allocate(arena);
        this.initAttr = ibv_qp_init_attr.allocate(arena);
        this.recvWr = ibv_recv_wr.allocate(arena);
        ibv_recv_wr.num_sge(recvWr, 0);
        this.badWr = arena.allocate(ADDRESS);
        this.ackWr = ibv_send_wr.allocate(arena);
        ibv_send_wr.num_sge(ackWr, 0);
        ibv_send_wr.opcode(ackWr, verbs_h.IBV_WR_SEND_WITH_IMM());
        ibv_send_wr.send_flags(ackWr, verbs_h.IBV_SEND_SIGNALED());
        ibv_send_wr.wr_id(ackWr, 1L);
        this.goodbyeWr = ibv_send_wr.allocate(arena);
        ibv_send_wr.num_sge(goodbyeWr, 0);
        ibv_send_wr.opcode(goodbyeWr, verbs_h.IBV_WR_SEND());
        ibv_send_wr.send_flags(goodbyeWr, verbs_h.IBV_SEND_SIGNALED());
        ibv_send_wr.wr_id(goodbyeWr, GOODBYE_WR);
    }

    /** Creates a CQ large enough for {@code n} QPs' send and receive queues, on the completion channel. */
    MemorySegment createCq(int n) {
        int cqe = n * (device.sqDepth + device.rqDepth) + 1;
        if (device.maxCqe > 0 && cqe > device.maxCqe) {
            throw new IllegalStateException("a CQ for " + n + " QPs needs " + cqe + " entries; the device allows "
                    + device.maxCqe);
        }
        MemorySegment cq = VerbsCalls.createCq(callState, device.context(), cqe, MemorySegment.NULL, compChannel, 0);
        if (cq.equals(MemorySegment.NULL)) {
            throw new NativeException("ibv_create_cq", Errno.get(callState), cqe + " entries");
        }
        return cq;
    }

    /**
     * Creates {@code n} RC QPs on {@code set}'s CQ, moves each to INIT and posts {@code rqDepth} receive WRs on
     * it. {@code set.qps} holds every QP created so far, so a failure part-way leaves them to
     * {@link #destroyQps}.
     */
    void createQps(QpSet set, int n) {
        Qp[] qps = new Qp[n];
        set.qps = new Qp[0];
        for (int i = 0; i < n; i++) {
            initAttr.fill((byte) 0);
            ibv_qp_init_attr.send_cq(initAttr, set.cq);
            ibv_qp_init_attr.recv_cq(initAttr, set.cq);
            MemorySegment cap = ibv_qp_init_attr.cap(initAttr);
            ibv_qp_cap.max_send_wr(cap, device.sqDepth);
            ibv_qp_cap.max_recv_wr(cap, device.rqDepth);
            ibv_qp_cap.max_send_sge(cap, 1);
            ibv_qp_cap.max_recv_sge(cap, 1);
            ibv_qp_init_attr.qp_type(initAttr, verbs_h.IBV_QPT_RC());
            MemorySegment qp = VerbsCalls.createQp(callState, device.pd(), initAttr);
            if (qp.equals(MemorySegment.NULL)) {
                throw new NativeException("ibv_create_qp", Errno.get(callState), "QP " + (i + 1) + " of " + n);
            }
            qp = qp.reinterpret(ibv_qp.sizeof());
            int psn = ThreadLocalRandom.current().nextInt(1 << 24);
            qps[i] = new Qp(set, i, qp, ibv_qp.qp_num(qp), psn, device.sqDepth);
            set.qps = Arrays.copyOf(qps, i + 1);
            toInit(qps[i]);
            postRecv(qps[i], device.rqDepth);
        }
    }

    private void toInit(Qp qp) {
        qpAttr.fill((byte) 0);
        ibv_qp_attr.qp_state(qpAttr, verbs_h.IBV_QPS_INIT());
        ibv_qp_attr.pkey_index(qpAttr, (short) 0);
        ibv_qp_attr.port_num(qpAttr, (byte) device.choice.port());
        // The receiver's QP needs REMOTE_WRITE here, not only on the MR (docs/TRAPS.md#trap-24).
        ibv_qp_attr.qp_access_flags(qpAttr, VerbsEndpoint.ACCESS);
        modify(qp, verbs_h.IBV_QP_STATE() | verbs_h.IBV_QP_PKEY_INDEX() | verbs_h.IBV_QP_PORT()
                | verbs_h.IBV_QP_ACCESS_FLAGS(), "INIT");
    }

    /** Posts {@code count} zero-length receive WRs ({@code wr_id} 0) on {@code qp}; returns 0 or an errno. */
    int postRecv(Qp qp, int count) {
        for (int i = 0; i < count; i++) {
            int rc = InlineVerbs.postRecv(qp.qp, recvWr, badWr);
            if (rc != 0) {
                return rc;
            }
        }
        return 0;
    }

    /**
     * Posts one zero-length signalled {@code SEND_WITH_IMM} ({@code wr_id} 1) carrying {@code imm} big-endian:
     * the receiver's commit acknowledgement. Returns 0 or a positive errno.
     */
    int postAck(Qp qp, int imm) {
        ackWr.set(WritePlanner.IMM_LAYOUT, ibv_send_wr.imm_data$offset(), imm);
        return InlineVerbs.postSend(qp.qp, ackWr, badWr);
    }

    /**
     * Posts a zero-length signalled {@code SEND} ({@code wr_id} {@link #GOODBYE_WR}): a sender closing a
     * healthy connection tells the receiver to drop its session. Its completion also means every earlier WR
     * of the QP completed. Returns 0 or a positive errno.
     */
    int postGoodbye(Qp qp) {
        return InlineVerbs.postSend(qp.qp, goodbyeWr, badWr);
    }

    /** INIT → RTR → RTS against the peer's QP. */
    void connect(Qp qp, int remoteQpn, int remotePsn, byte[] remoteGid, int remoteLid, int remoteMtu) {
        toRtr(qp, remoteQpn, remotePsn, remoteGid, remoteLid, remoteMtu);
        toRts(qp);
    }

    private void toRtr(Qp qp, int remoteQpn, int remotePsn, byte[] remoteGid, int remoteLid, int remoteMtu) {
        qpAttr.fill((byte) 0);
        ibv_qp_attr.qp_state(qpAttr, verbs_h.IBV_QPS_RTR());
        ibv_qp_attr.path_mtu(qpAttr, Math.min(device.activeMtu, remoteMtu));
        ibv_qp_attr.dest_qp_num(qpAttr, remoteQpn);
        ibv_qp_attr.rq_psn(qpAttr, remotePsn & 0xFFFFFF);
        ibv_qp_attr.max_dest_rd_atomic(qpAttr, (byte) 1);
        ibv_qp_attr.min_rnr_timer(qpAttr, MIN_RNR_TIMER);
        MemorySegment ah = ibv_qp_attr.ah_attr(qpAttr);
        ibv_ah_attr.is_global(ah, (byte) 1); // RoCE needs the GRH
        ibv_ah_attr.dlid(ah, (short) remoteLid);
        ibv_ah_attr.sl(ah, (byte) 0);
        ibv_ah_attr.src_path_bits(ah, (byte) 0);
        ibv_ah_attr.port_num(ah, (byte) device.choice.port());
        MemorySegment grh = ibv_ah_attr.grh(ah);
        MemorySegment.copy(MemorySegment.ofArray(remoteGid), 0, ibv_global_route.dgid(grh), 0, 16);
        ibv_global_route.sgid_index(grh, (byte) device.choice.gidIndex());
        ibv_global_route.hop_limit(grh, (byte) 64);
        ibv_global_route.traffic_class(grh, (byte) 0);
        ibv_global_route.flow_label(grh, 0);
        modify(qp, verbs_h.IBV_QP_STATE() | verbs_h.IBV_QP_AV() | verbs_h.IBV_QP_PATH_MTU()
                | verbs_h.IBV_QP_DEST_QPN() | verbs_h.IBV_QP_RQ_PSN() | verbs_h.IBV_QP_MAX_DEST_RD_ATOMIC()
                | verbs_h.IBV_QP_MIN_RNR_TIMER(), "RTR");
    }

    private void toRts(Qp qp) {
        qpAttr.fill((byte) 0);
        ibv_qp_attr.qp_state(qpAttr, verbs_h.IBV_QPS_RTS());
        ibv_qp_attr.timeout(qpAttr, QP_TIMEOUT);
        ibv_qp_attr.retry_cnt(qpAttr, RETRY_CNT);
        ibv_qp_attr.rnr_retry(qpAttr, RNR_RETRY);
        ibv_qp_attr.sq_psn(qpAttr, qp.psn);
        ibv_qp_attr.max_rd_atomic(qpAttr, (byte) 1);
        modify(qp, verbs_h.IBV_QP_STATE() | verbs_h.IBV_QP_TIMEOUT() | verbs_h.IBV_QP_RETRY_CNT()
                | verbs_h.IBV_QP_RNR_RETRY() | verbs_h.IBV_QP_SQ_PSN() | verbs_h.IBV_QP_MAX_QP_RD_ATOMIC(), "RTS");
    }

    private void modify(Qp qp, int mask, String state) {
        int rc = verbs_h.ibv_modify_qp(qp.qp, qpAttr, mask);
        if (rc != 0) {
            throw new NativeException("ibv_modify_qp", rc, qp + " to " + state);
        }
    }

    /** Moves {@code qp} to ERR: its outstanding WRs flush and the peer can no longer write through it. */
    void toError(Qp qp) {
        qp.broken = true;
        qpAttr.fill((byte) 0);
        ibv_qp_attr.qp_state(qpAttr, verbs_h.IBV_QPS_ERR());
        verbs_h.ibv_modify_qp(qp.qp, qpAttr, verbs_h.IBV_QP_STATE());
    }

    /**
     * Moves every QP of {@code set} to ERR, then destroys each (failures are logged): after
     * {@code ibv_destroy_qp} returns nothing can be read from or written to memory through it.
     */
    void destroyQps(QpSet set) {
        for (Qp q : set.qps) {
            toError(q);
        }
        for (Qp q : set.qps) {
            int rc = verbs_h.ibv_destroy_qp(q.qp);
            if (rc != 0) {
                LOG.log(System.Logger.Level.WARNING, "{0}: ibv_destroy_qp({1}) failed: {2}", owner, q,
                        new NativeException("ibv_destroy_qp", rc).getMessage());
            }
        }
    }

    /** Destroys {@code set}'s CQ if it has one (failures are logged); its QPs must be gone. */
    void destroyCq(QpSet set) {
        if (!set.cq.equals(MemorySegment.NULL)) {
            int rc = verbs_h.ibv_destroy_cq(set.cq);
            if (rc != 0) {
                LOG.log(System.Logger.Level.WARNING, "{0}: ibv_destroy_cq failed: {1}", owner,
                        new NativeException("ibv_destroy_cq", rc).getMessage());
            }
        }
    }

    /** {@code ibv_query_qp}'s current state of {@code qp} ({@code IBV_QPS_*}). */
    int state(Qp qp) {
        int rc = verbs_h.ibv_query_qp(qp.qp, qpAttr, verbs_h.IBV_QP_STATE(), initAttr);
        if (rc != 0) {
            throw new NativeException("ibv_query_qp", rc, qp.toString());
        }
        return ibv_qp_attr.qp_state(qpAttr);
    }
}
