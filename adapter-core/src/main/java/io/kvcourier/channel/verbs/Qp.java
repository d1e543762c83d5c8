package io.kvcourier.channel.verbs;

import java.lang.foreign.MemorySegment;

/**
 * One RC queue pair of a {@link QpSet}. Mutable state belongs to the channel's progress thread.
 */
final class Qp {
    final QpSet qpSet;
    final int index;
    final MemorySegment qp;
    final int qpn;
    final int psn;
    /** Send-queue slots in all. */
    final int sqDepth;
    /** Free send-queue slots; a signalled WR's completion returns its {@code wr_id} slots. */
    int sqFree;
    /** Set once the QP failed or was fenced; it is never used again. */
    boolean broken;

    Qp(QpSet qpSet, int index, MemorySegment qp, int qpn, int psn, int sqDepth) {
        this.qpSet = qpSet;
        this.index = index;
        this.qp = qp;
        this.qpn = qpn;
        this.psn = psn;
        this.sqDepth = sqDepth;
        this.sqFree = sqDepth;
    }

    @Override
    public String toString() {
        return "QP 0x" + Integer.toHexString(qpn);
    }
}
