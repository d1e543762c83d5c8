package io.kvcourier.verbs;

/**
 * One populated entry of a port's GID table.
 *
 * @param index the GID index (what {@code ibv_ah_attr.grh.sgid_index} takes)
 * @param gid the 16-byte GID as IPv6-style text, e.g. {@code "0000:0000:0000:0000:0000:ffff:7f00:0001"}
 * @param type {@code IBV_GID_TYPE_IB}, {@code IBV_GID_TYPE_ROCE_V1} or {@code IBV_GID_TYPE_ROCE_V2}
 * @param typeName "IB", "RoCE v1", "RoCE v2" (or "type N")
 */
public record GidEntry(int index, String gid, int type, String typeName) {
}
