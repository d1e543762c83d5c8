package io.kvcourier.channel.tcp;

import java.nio.ByteBuffer;

/**
 * The tcp data-connection wire format, version {@value #VERSION} (all integers big-endian). A data connection
 * goes from the sender to the receiver's data port announced in {@code TcpInitResponse}; it carries a HELLO,
 * then DATA frames, one batch after another (the frames of two batches never interleave on one connection).
 * The receiver answers with ACKs.
 *
 * <pre>
 * HELLO (sender → receiver, exactly once, first)           24 + n bytes
 *   0  int32  magic            0x4B564354 ("KVCT")
 *   4  int16  version          {@link #VERSION}
 *   6  uint16 n                sender id length in bytes, 1..{@value #MAX_SENDER_ID_BYTES}
 *   8  byte[16] session token  from this sender's TcpInitResponse (single use)
 *  24  byte[n] sender id       UTF-8, the sender_id of its TcpInitRequest
 *
 * DATA frame (sender → receiver): a descriptor block, then the payload
 *   descriptor head                                        {@value #HEAD_BYTES} bytes
 *   0  int8   type             {@link #DATA}
 *   1  int8   flags            bit 0 = {@link #FLAG_COMMIT}: the last frame of its batch; other bits zero
 *   2  uint16 count            entries in this frame, 1..{@value #MAX_ENTRIES}
 *   4  int32  batch id         the batch's first remote page
 *   8  int32  reserved         zero
 *   entries, count × {@value #ENTRY_BYTES} bytes, from offset 12
 *   0  int32  page             remote page index, 0..pages-1
 *   4  int64  length           payload bytes for that page, 1..page size, written from the start of the page
 *   payload                    every entry's bytes, in entry order, back to back (Σ length bytes)
 *
 * ACK (receiver → sender, one per committing frame, in frame order)  {@value #ACK_BYTES} bytes
 *   0  int8   type             {@link #ACK}
 *   1  int8   committed        1 = the batch committed, 0 = refused (its allocation expired or was
 *                              cancelled, or it was incomplete): that batch failed, the connection stays open
 *   2  byte[2] reserved        zero
 *   4  int32  batch id
 * </pre>
 *
 * A batch is one frame, or several when it has more than {@value #MAX_ENTRIES} entries: then every frame but
 * the last has no COMMIT flag, each page appears in exactly one frame, and the next frame on the connection
 * continues the same batch. The receiver admits each descriptor block once against the sender's live
 * allocation (every page of that allocation, not yet written, with the key's whole length) before it reads
 * the payload straight into its staging pages; when the flagged frame's payload is complete it commits the
 * batch and acknowledges it. Acks produced by one read pass go out in one write.
 *
 * <p>The receiver closes a connection whose first bytes are not a valid HELLO for a live token within the
 * handshake deadline, and one that sends an unknown type, flag bits or non-zero reserved bytes, a count
 * outside 1..{@value #MAX_ENTRIES}, a page or length outside its staging pages, a frame of another batch while
 * one is unfinished, or a block its allocation does not admit. A frame of an allocation the receiver fenced (it
 * expired or was cancelled) is not an error: its payload is read and discarded and its batch refused, on a
 * connection that stays open. The sender closes a connection whose receiver acknowledges a batch that is not
 * the oldest one fully sent and unacknowledged; a refusal fails only the batch it names.
 */
public final class TcpFrames {
    /** "KVCT". */
    public static final int MAGIC = 0x4B564354;
    /** Data-connection format version (2: descriptor blocks, commit flag; 1 had DATA/COMMIT headers per chunk). */
    public static final short VERSION = 2;
    /** Fixed part of a HELLO, in bytes (the sender id follows). */
    public static final int HELLO_BYTES = 24;
    /** Session token length, in bytes. */
    public static final int TOKEN_BYTES = 16;
    /** Longest sender id, in UTF-8 bytes. */
    public static final int MAX_SENDER_ID_BYTES = 255;
    /** Descriptor head length, in bytes. */
    public static final int HEAD_BYTES = 12;
    /** Descriptor entry length, in bytes. */
    public static final int ENTRY_BYTES = 12;
    /** Most entries in one frame's descriptor block. */
    public static final int MAX_ENTRIES = 1024;
    /** Longest descriptor block, in bytes. */
    public static final int MAX_DESCRIPTOR_BYTES = HEAD_BYTES + MAX_ENTRIES * ENTRY_BYTES;
    /** ACK length, in bytes. */
    public static final int ACK_BYTES = 8;
    /** Frame type: a descriptor block and its payload. */
    public static final byte DATA = 1;
    /** Frame type: the receiver's answer to a committing frame. */
    public static final byte ACK = 3;
    /** DATA flag: the last frame of its batch; the receiver commits the batch once its payload is in. */
    public static final byte FLAG_COMMIT = 1;

    private TcpFrames() {
    }

    /** Bytes of a descriptor block with {@code count} entries. */
    public static int descriptorBytes(int count) {
        return HEAD_BYTES + count * ENTRY_BYTES;
    }

    /** Writes a descriptor head at {@code buf}'s position and advances it. */
    public static void putHead(ByteBuffer buf, boolean commit, int count, int batchId) {
        buf.put(DATA).put(commit ? FLAG_COMMIT : 0).putShort((short) count).putInt(batchId).putInt(0);
    }

    /** Writes one descriptor entry at {@code buf}'s position and advances it. */
    public static void putEntry(ByteBuffer buf, int page, long length) {
        buf.putInt(page).putLong(length);
    }

    /** Writes an ACK at {@code buf}'s position and advances it. */
    public static void putAck(ByteBuffer buf, int batchId, boolean committed) {
        buf.put(ACK).put(committed ? (byte) 1 : 0).putShort((short) 0).putInt(batchId);
    }
}
