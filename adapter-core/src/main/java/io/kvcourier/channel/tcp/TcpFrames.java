package io.kvcourier.channel.tcp;

import java.nio.ByteBuffer;

/**
 * The tcp data-connection wire format, versions {@value #VERSION} and {@value #VERSION_CONTROL} (all integers
 * big-endian). A data connection goes from the sender to the receiver's data port announced in
 * {@code TcpInitResponse}; it carries a HELLO, then DATA frames, one batch after another (the frames of two batches
 * never interleave on one connection). The receiver answers with ACKs. Version {@value #VERSION_CONTROL} adds
 * CONTROL frames (allocation exchanges in-band, see below).
 *
 * <p><b>Version.</b> The handshake chooses it: {@code TcpInitRequest.data_version} is the highest version the sender
 * speaks, {@code TcpInitResponse.data_version} the one the connection of that session token talks (the lower of
 * both; the receiver offers {@value #VERSION_CONTROL} only when it accepts control requests). Either field is
 * absent on a peer from before version {@value #VERSION_CONTROL} and then counts as {@value #VERSION}, so old peers
 * keep talking version {@value #VERSION}. The HELLO repeats the chosen version; the receiver closes a connection
 * whose HELLO names another.
 *
 * <pre>
 * HELLO (sender → receiver, exactly once, first)           24 + n bytes
 *   0  int32  magic            0x4B564354 ("KVCT")
 *   4  int16  version          the version the handshake chose: {@link #VERSION} or {@link #VERSION_CONTROL}
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
 *
 * CONTROL (sender → receiver, version 3 only, between batches)  {@value #CONTROL_HEAD_BYTES} + length bytes
 *   0  int8   type             {@link #CONTROL}
 *   1  int8   flags            zero
 *   2  byte[2] reserved        zero
 *   4  int32  length           request bytes, 1..{@value #MAX_CONTROL_BYTES}
 *   8  int64  exchange id      the sender's id for the exchange, echoed by the reply
 *  16  byte[length]            an AllocRequest or CancelNotif, the msgpack bytes the alloc port would carry
 *
 * CONTROL_REPLY (receiver → sender, version 3 only)         {@value #CONTROL_HEAD_BYTES} + length bytes
 *   0  int8   type             {@link #CONTROL_REPLY}
 *   1  int8   flags            zero
 *   2  byte[2] reserved        zero
 *   4  int32  length           reply bytes, 1..{@value #MAX_CONTROL_BYTES}
 *   8  int64  exchange id      the id of the CONTROL frame it answers
 *  16  byte[length]            an AllocResponse, the msgpack bytes the alloc port would send
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
 *
 * <p><b>Control (version {@value #VERSION_CONTROL}).</b> Between two batches (never between the frames of one
 * batch) the sender may send CONTROL frames; the receiver hands each request to its control handler and answers
 * every one with exactly one CONTROL_REPLY, at once or later (an allocation that waits for room), in any order
 * relative to other replies and to ACKs (replies and ACKs are whole frames, never interleaved inside each other).
 * The receiver closes a connection that sends a CONTROL frame on version {@value #VERSION} (an unknown type), inside
 * a batch, with non-zero flags or reserved bytes or a length outside 1..{@value #MAX_CONTROL_BYTES}; the sender closes
 * one whose CONTROL_REPLY is malformed that way or names no exchange in flight. When a connection closes, its
 * exchanges in flight are never answered: the sender fails them then.
 */
public final class TcpFrames {
    /** "KVCT". */
    public static final int MAGIC = 0x4B564354;
    /**
     * The data-connection format version every kvcourier tcp peer speaks (2: descriptor blocks, commit flag; 1 had
     * DATA/COMMIT headers per chunk, and is not spoken any more).
     */
    public static final short VERSION = 2;
    /** Version {@value #VERSION} plus CONTROL and CONTROL_REPLY frames: allocation exchanges in-band. */
    public static final short VERSION_CONTROL = 3;
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
    /** Frame type: a control request (version {@value #VERSION_CONTROL}). */
    public static final byte CONTROL = 4;
    /** Frame type: the reply to a control request (version {@value #VERSION_CONTROL}). */
    public static final byte CONTROL_REPLY = 5;
    /** Fixed part of a CONTROL or CONTROL_REPLY frame, in bytes (the message bytes follow). */
    public static final int CONTROL_HEAD_BYTES = 16;
    /** Longest message in a CONTROL or CONTROL_REPLY frame, in bytes: the alloc port's own limit (16 MiB). */
    public static final int MAX_CONTROL_BYTES = 16 << 20;

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

    /**
     * Writes the head of a CONTROL or CONTROL_REPLY frame ({@code type}) at {@code buf}'s position and advances it;
     * the {@code length} message bytes go right behind it.
     */
    public static void putControlHead(ByteBuffer buf, byte type, long exchangeId, int length) {
        buf.put(type).put((byte) 0).putShort((short) 0).putInt(length).putLong(exchangeId);
    }

    /** Writes an ACK at {@code buf}'s position and advances it. */
    public static void putAck(ByteBuffer buf, int batchId, boolean committed) {
        buf.put(ACK).put(committed ? (byte) 1 : 0).putShort((short) 0).putInt(batchId);
    }
}
