package io.kvcourier.wire;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Sender → receiver init server: the sender's RC queue pairs, to be connected to the receiver's.
 * QP numbers and PSNs are unsigned 32-bit values carried in {@code int}s.
 *
 * @param version  protocol version the sender speaks
 * @param senderId the sender's identity (unique per sender process)
 * @param qpNums   the sender's QP numbers, one per QP; copied in and out
 * @param psns     initial send PSN per QP, same length as {@code qpNums}; copied in and out
 * @param gid      the sender port's 16-byte GID (empty for InfiniBand without GRH); copied in and out
 * @param lid      the sender port's LID, 0..65535
 * @param mtu      the sender's active path MTU (the {@code ibv_mtu} enum value)
 */
public record VerbsInitRequest(int version, String senderId, int[] qpNums, int[] psns, byte[] gid, int lid, int mtu)
        implements HandshakeMessage {

    /** The wire tag. */
    public static final String TAG = "VerbsInitRequest";

    /** @throws IllegalArgumentException naming the field that is null or out of range */
    public VerbsInitRequest {
        Checks.notNull(senderId, "sender_id");
        qpNums = Checks.notNull(qpNums, "qp_nums").clone();
        psns = Checks.notNull(psns, "psns").clone();
        Checks.sameLength(qpNums, "qp_nums", psns, "psns");
        gid = Checks.notNull(gid, "gid").clone();
        Checks.range(lid, 0, 65_535, "lid");
        Checks.nonNegative(mtu, "mtu");
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
        return o instanceof VerbsInitRequest r && version == r.version && lid == r.lid && mtu == r.mtu
                && senderId.equals(r.senderId) && Arrays.equals(qpNums, r.qpNums) && Arrays.equals(psns, r.psns)
                && Arrays.equals(gid, r.gid);
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, senderId, Arrays.hashCode(qpNums), Arrays.hashCode(psns), Arrays.hashCode(gid),
                lid, mtu);
    }

    @Override
    public String toString() {
        return "VerbsInitRequest[version=" + version + ", senderId=" + senderId + ", qpNums="
                + Checks.unsignedList(qpNums) + ", psns=" + Checks.unsignedList(psns) + ", gid="
                + HexFormat.of().formatHex(gid) + ", lid=" + lid + ", mtu=" + mtu + "]";
    }
}
