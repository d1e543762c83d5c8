package io.kvcourier.wire;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Receiver init server → sender: the receiver's QPs (one per sender QP, same order) and its
 * registered staging buffer. QP numbers, PSNs and {@code rkey} are unsigned 32-bit values carried in
 * {@code int}s; {@code bufferAddr} is an unsigned 64-bit address carried in a {@code long}.
 *
 * @param version    protocol version the receiver speaks
 * @param qpNums     the receiver's QP numbers; copied in and out
 * @param psns       initial send PSN per receiver QP, same length as {@code qpNums}; copied in and out
 * @param gid        the receiver port's GID; copied in and out
 * @param lid        the receiver port's LID, 0..65535
 * @param mtu        the receiver's active path MTU (the {@code ibv_mtu} enum value)
 * @param bufferAddr virtual address of the receiver's registered staging buffer (u64)
 * @param rkey       remote key of that buffer's memory region (u32)
 * @param pageSize   receiver page size, in bytes
 */
public record VerbsInitResponse(int version, int[] qpNums, int[] psns, byte[] gid, int lid, int mtu,
                                long bufferAddr, int rkey, long pageSize) implements HandshakeMessage {

    /** The wire tag. */
    public static final String TAG = "VerbsInitResponse";

    /** @throws IllegalArgumentException naming the field that is null or out of range */
    public VerbsInitResponse {
        qpNums = Checks.notNull(qpNums, "qp_nums").clone();
        psns = Checks.notNull(psns, "psns").clone();
        Checks.sameLength(qpNums, "qp_nums", psns, "psns");
        gid = Checks.notNull(gid, "gid").clone();
        Checks.range(lid, 0, 65_535, "lid");
        Checks.nonNegative(mtu, "mtu");
        Checks.nonNegative(pageSize, "page_size");
    }

    @Override
    public String tag() {
        return TAG;
    }

    /** @return a copy of the QP numbers (unsigned) */
    @Override
    public int[] qpNums() {
        return qpNums.clone();
    }

    /** @return a copy of the initial PSNs (unsigned) */
    @Override
    public int[] psns() {
        return psns.clone();
    }

    /** @return a copy of the GID */
    @Override
    public byte[] gid() {
        return gid.clone();
    }

    int[] qpNumsArray() {
        return qpNums;
    }

    int[] psnsArray() {
        return psns;
    }

    byte[] gidArray() {
        return gid;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VerbsInitResponse r && version == r.version && lid == r.lid && mtu == r.mtu
                && bufferAddr == r.bufferAddr && rkey == r.rkey && pageSize == r.pageSize
                && Arrays.equals(qpNums, r.qpNums) && Arrays.equals(psns, r.psns) && Arrays.equals(gid, r.gid);
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, Arrays.hashCode(qpNums), Arrays.hashCode(psns), Arrays.hashCode(gid), lid, mtu,
                bufferAddr, rkey, pageSize);
    }

    @Override
    public String toString() {
        return "VerbsInitResponse[version=" + version + ", qpNums=" + Checks.unsignedList(qpNums) + ", psns="
                + Checks.unsignedList(psns) + ", gid=" + HexFormat.of().formatHex(gid) + ", lid=" + lid + ", mtu=" + mtu
                + ", bufferAddr=0x" + Long.toHexString(bufferAddr) + ", rkey=0x" + Integer.toHexString(rkey)
                + ", pageSize=" + pageSize + "]";
    }
}
