package io.kvcourier.channel.verbs;

import io.kvcourier.channel.WriteBatch;
import io.kvcourier.verbs.gen.ibv_send_wr;
import io.kvcourier.verbs.gen.ibv_sge;
import io.kvcourier.verbs.gen.verbs_h;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

/**
 * Turns a {@link WriteBatch} into chains of {@code ibv_send_wr} in reused native arrays: one RDMA WRITE per
 * contiguous run of pages (entries of one local region whose source and destination both continue the previous
 * one are merged into one WR, up to {@code maxWrBytes}); each SGE carries its region's lkey; at most
 * {@code maxWrs} WRs per chain (the caller passes the free send-queue slots, so a chain never exceeds the queue);
 * the last WR of every chain is signalled and its {@code wr_id} is {@link #SEND_WR} plus the number of WRs the
 * chain holds (the send-queue slots its completion frees); the last WR of the whole batch is
 * {@code RDMA_WRITE_WITH_IMM} with the batch id as a big-endian immediate.
 *
 * <p>A batch with more WRs than one chain takes several {@link #plan} calls ({@link #nextEntry()} says
 * where the next starts). Single-threaded (the channel's progress thread); allocates nothing per call.
 */
final class WritePlanner {
    static final long WR_SIZE = ibv_send_wr.sizeof();
    static final long SGE_SIZE = ibv_sge.sizeof();
    private static final long REMOTE_ADDR = ibv_send_wr.layout().byteOffset(groupElement("wr"), groupElement("rdma"),
            groupElement("remote_addr"));
    private static final long RKEY = ibv_send_wr.layout().byteOffset(groupElement("wr"), groupElement("rdma"),
            groupElement("rkey"));
    private static final long IMM = ibv_send_wr.layout().byteOffset(groupElement("$anon$0"), groupElement("imm_data"));
    /**
     * Marks the {@code wr_id} of every RDMA WRITE: a failed WR completes even when unsignalled, and its
     * completion must still be told apart from a receive's ({@code wr_id} 0). The low 32 bits of a signalled
     * WR's id hold the send-queue slots its completion frees.
     */
    static final long SEND_WR = 1L << 62;
    /** {@code imm_data} is {@code __be32}. */
    static final ValueLayout.OfInt IMM_LAYOUT = ValueLayout.JAVA_INT.withOrder(ByteOrder.BIG_ENDIAN);

    private final MemorySegment wrs;
    private final MemorySegment sges;
    private final int capacity;
    private int nextEntry;

    /** @param capacity the most WRs one chain may hold (the send-queue depth) */
    WritePlanner(SegmentAllocator allocator, int capacity) {
        this.capacity = capacity;
        this.wrs = allocator.allocate(MemoryLayout.sequenceLayout(capacity, ibv_send_wr.layout()));
        this.sges = allocator.allocate(MemoryLayout.sequenceLayout(capacity, ibv_sge.layout()));
    }

    /** The first WR of the last planned chain (what {@code ibv_post_send} takes). */
    MemorySegment head() {
        return wrs;
    }

    /** The WR array, for tests and for finding the index of a {@code bad_wr}. */
    MemorySegment wrs() {
        return wrs;
    }

    int capacity() {
        return capacity;
    }

    /** Entry of the batch where the next chain starts; {@code batch.size()} when the batch is fully planned. */
    int nextEntry() {
        return nextEntry;
    }

    /**
     * Plans one chain starting at entry {@code from}.
     *
     * @param localBases base address of each local region by id (0 = the sender's staging buffer)
     * @param lkeys      lkey of each local region's MR by id
     * @param remoteBase address of the receiver's registered staging buffer
     * @param maxWrs     free send-queue slots, 1..capacity
     * @param maxWrBytes the largest message one WR may carry (the port's {@code max_msg_sz})
     * @return the number of WRs in the chain (at least 1)
     */
    int plan(WriteBatch batch, int from, int maxWrs, long[] localBases, int[] lkeys, long remoteBase, int rkey,
             long maxWrBytes) {
        if (maxWrs < 1 || maxWrs > capacity || from < 0 || from >= batch.size()) {
            throw new IllegalArgumentException("plan(from=" + from + ", maxWrs=" + maxWrs + ") of " + batch);
        }
        int[] regions = batch.localRegions();
        long[] offsets = batch.localOffsets();
        int[] pages = batch.remotePages();
        long[] lengths = batch.lengths();
        long pageSize = batch.remotePageSize();
        int size = pages.length;
        int n = 0;
        int i = from;
        while (i < size && n < maxWrs) {
            int region = regions[i];
            int lkey = lkeys[region];
            long local = localBases[region] + offsets[i];
            long remote = remoteBase + pages[i] * pageSize;
            long len = lengths[i];
            i++;
            while (i < size && len + lengths[i] <= maxWrBytes && regions[i] == region
                    && localBases[region] + offsets[i] == local + len
                    && remoteBase + pages[i] * pageSize == remote + len) {
                len += lengths[i];
                i++;
            }
            long wr = n * WR_SIZE;
            long sge = n * SGE_SIZE;
            sges.set(ValueLayout.JAVA_LONG, sge + ibv_sge.addr$offset(), local);
            sges.set(ValueLayout.JAVA_INT, sge + ibv_sge.length$offset(), (int) len);
            sges.set(ValueLayout.JAVA_INT, sge + ibv_sge.lkey$offset(), lkey);
            wrs.set(ValueLayout.JAVA_LONG, wr + ibv_send_wr.wr_id$offset(), SEND_WR);
            wrs.set(ValueLayout.JAVA_LONG, wr + ibv_send_wr.next$offset(), wrs.address() + wr + WR_SIZE);
            wrs.set(ValueLayout.JAVA_LONG, wr + ibv_send_wr.sg_list$offset(), sges.address() + sge);
            wrs.set(ValueLayout.JAVA_INT, wr + ibv_send_wr.num_sge$offset(), 1);
            wrs.set(ValueLayout.JAVA_INT, wr + ibv_send_wr.opcode$offset(), verbs_h.IBV_WR_RDMA_WRITE());
            wrs.set(ValueLayout.JAVA_INT, wr + ibv_send_wr.send_flags$offset(), 0);
            wrs.set(IMM_LAYOUT, wr + IMM, 0);
            wrs.set(ValueLayout.JAVA_LONG, wr + REMOTE_ADDR, remote);
            wrs.set(ValueLayout.JAVA_INT, wr + RKEY, rkey);
            n++;
        }
        long last = (n - 1) * WR_SIZE;
        wrs.set(ValueLayout.JAVA_LONG, last + ibv_send_wr.next$offset(), 0L);
        wrs.set(ValueLayout.JAVA_LONG, last + ibv_send_wr.wr_id$offset(), SEND_WR | n);
        wrs.set(ValueLayout.JAVA_INT, last + ibv_send_wr.send_flags$offset(), verbs_h.IBV_SEND_SIGNALED());
        if (i == size) {
            wrs.set(ValueLayout.JAVA_INT, last + ibv_send_wr.opcode$offset(), verbs_h.IBV_WR_RDMA_WRITE_WITH_IMM());
            wrs.set(IMM_LAYOUT, last + IMM, batch.batchId());
        }
        nextEntry = i;
        return n;
    }

    /** Send-queue slots a signalled write's completion frees, from its {@code wr_id}. */
    static int slots(long wrId) {
        return (int) wrId;
    }

    /** Index of {@code badWr} (an address inside the WR array) in the last chain, or -1. */
    int indexOf(long badWr) {
        long off = badWr - wrs.address();
        return off >= 0 && off < capacity * WR_SIZE && off % WR_SIZE == 0 ? (int) (off / WR_SIZE) : -1;
    }

    // Accessors for tests (read back what plan wrote).
    int opcode(int i) {
        return wrs.get(ValueLayout.JAVA_INT, i * WR_SIZE + ibv_send_wr.opcode$offset());
    }

    int flags(int i) {
        return wrs.get(ValueLayout.JAVA_INT, i * WR_SIZE + ibv_send_wr.send_flags$offset());
    }

    long wrId(int i) {
        return wrs.get(ValueLayout.JAVA_LONG, i * WR_SIZE + ibv_send_wr.wr_id$offset());
    }

    long next(int i) {
        return wrs.get(ValueLayout.JAVA_LONG, i * WR_SIZE + ibv_send_wr.next$offset());
    }

    int immBigEndian(int i) {
        return wrs.get(IMM_LAYOUT, i * WR_SIZE + IMM);
    }

    byte immByte(int i, int b) {
        return wrs.get(ValueLayout.JAVA_BYTE, i * WR_SIZE + IMM + b);
    }

    long remoteAddr(int i) {
        return wrs.get(ValueLayout.JAVA_LONG, i * WR_SIZE + REMOTE_ADDR);
    }

    int rkey(int i) {
        return wrs.get(ValueLayout.JAVA_INT, i * WR_SIZE + RKEY);
    }

    long localAddr(int i) {
        return sges.get(ValueLayout.JAVA_LONG, i * SGE_SIZE + ibv_sge.addr$offset());
    }

    int length(int i) {
        return sges.get(ValueLayout.JAVA_INT, i * SGE_SIZE + ibv_sge.length$offset());
    }

    int lkey(int i) {
        return sges.get(ValueLayout.JAVA_INT, i * SGE_SIZE + ibv_sge.lkey$offset());
    }
}
