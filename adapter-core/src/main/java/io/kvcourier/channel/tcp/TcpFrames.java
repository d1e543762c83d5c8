package io.kvcourier.channel.tcp;

import java.nio.ByteBuffer;

/**
 * The tcp data-connection wire format, versions {@value #VERSION}, {@value #VERSION_CONTROL} and {@value
 * #VERSION_EAGER} (all integers big-endian). A data connection goes from the sender to the receiver's data port
 * announced in {@code TcpInitResponse}; it carries a HELLO, then DATA frames, one batch after another (the frames of
 * two batches never interleave on one connection). The receiver answers with ACKs. Version {@value #VERSION_CONTROL}
 * adds CONTROL frames (allocation exchanges in-band, see below), and version {@value #VERSION_EAGER} eager stores
 * (the bytes of a batch sent right behind its allocation request, see the end).
 *
 * <p><b>Version.</b> The handshake chooses it: {@code TcpInitRequest.data_version} is the highest version the sender
 * speaks, {@code TcpInitResponse.data_version} the one the connection of that session token talks (the lower of
 * both; the receiver offers {@value #VERSION_CONTROL} or more only when it accepts control requests). Either field is
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
 * CONTROL (sender → receiver, version 3 or later, between batches)  {@value #CONTROL_HEAD_BYTES} + length bytes
 *   0  int8   type             {@link #CONTROL}
 *   1  int8   flags            zero; version 4: {@link #FLAG_EAGER_FOLLOWS} may be set
 *   2  byte[2] reserved        zero
 *   4  int32  length           request bytes, 1..{@value #MAX_CONTROL_BYTES}
 *   8  int64  exchange id      the sender's id for the exchange, echoed by the reply
 *  16  byte[length]            an AllocRequest or CancelNotif, the msgpack bytes the alloc port would carry
 *
 * CONTROL_REPLY (receiver → sender, version 3 or later)        {@value #CONTROL_HEAD_BYTES} + length bytes
 *   0  int8   type             {@link #CONTROL_REPLY}
 *   1  int8   flags            zero
 *   2  byte[2] reserved        zero
 *   4  int32  length           reply bytes, 1..{@value #MAX_CONTROL_BYTES}
 *   8  int64  exchange id      the id of the CONTROL frame it answers
 *  16  byte[length]            an AllocResponse, the msgpack bytes the alloc port would send
 *
 * EAGER (sender → receiver, version 4 only): a DATA frame whose flags are {@link #FLAG_COMMIT} | {@link #FLAG_EAGER}
 *   head as DATA, but   batch id = the low 32 bits of the exchange id of a CONTROL frame flagged
 *                       {@link #FLAG_EAGER_FOLLOWS} sent before it on this connection; count = that request's keys
 *   entries as DATA, but page = the key's index in that request: entry i names key i
 *   payload as DATA
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
 *
 * <p><b>Eager stores (version {@value #VERSION_EAGER}).</b> A sender that has a batch's bytes at hand when it asks
 * for the batch's pages may send them right away instead of waiting for the reply: it flags the CONTROL frame with
 * {@link #FLAG_EAGER_FOLLOWS} and later (other frames may come between) sends one EAGER frame with every key's bytes.
 * A receiver that gave every key of that request a page of its own while it read the CONTROL frame (it answers
 * before the CONTROL frame's handling returns) remembers those pages, at most {@value #MAX_EAGER_GRANTS} requests'
 * worth per connection (oldest forgotten first); the EAGER frame then lands exactly like the DATA frame the sender
 * would have sent after the reply, and its ACK (naming the frame's batch id field) says whether it committed.
 * Otherwise (the allocation must wait for room, failed, left out keys the receiver already holds, or was forgotten)
 * the EAGER frame's payload is read and discarded and its ACK refuses it; the sender then writes the batch as usual
 * once the reply has come, to the pages it names. Either way the reply to the CONTROL frame comes first. An EAGER
 * frame is one frame (at most {@value #MAX_ENTRIES} keys) and comes between batches. The receiver closes a
 * connection that sends one on an earlier version, inside a batch, without {@link #FLAG_COMMIT}, with an entry
 * whose page is not its own index or whose length is outside 1..{@link #MAX_EAGER_ENTRY_BYTES}, or whose entries
 * its allocation does not admit (the lengths the request promised); a CONTROL frame flagged {@link
 * #FLAG_EAGER_FOLLOWS} on an earlier version too. Saved: the sender's wait for the reply before the write.
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
    /** Version {@value #VERSION_CONTROL} plus eager stores: a batch's bytes behind its allocation request. */
    public static final short VERSION_EAGER = 4;
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
    /** DATA flag (version {@value #VERSION_EAGER}): an eager frame, whose pages are the keys of a control request. */
    public static final byte FLAG_EAGER = 2;
    /** CONTROL flag (version {@value #VERSION_EAGER}): an EAGER frame with the request's bytes follows. */
    public static final byte FLAG_EAGER_FOLLOWS = 1;
    /** Most eager grants a receiver remembers per connection; the oldest goes first. */
    public static final int MAX_EAGER_GRANTS = 64;
    /** Longest entry of an EAGER frame whose pages were not granted (read and discarded), in bytes. */
    public static final long MAX_EAGER_ENTRY_BYTES = 1L << 30;
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

    /** Writes an EAGER frame's head at {@code buf}'s position and advances it (its entries' pages: 0..count-1). */
    public static void putEagerHead(ByteBuffer buf, int count, long exchangeId) {
        buf.put(DATA).put((byte) (FLAG_COMMIT | FLAG_EAGER)).putShort((short) count).putInt((int) exchangeId)
                .putInt(0);
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
        putControlHead(buf, type, (byte) 0, exchangeId, length);
    }

    /** As {@link #putControlHead(ByteBuffer, byte, long, int)}, with {@code flags}. */
    public static void putControlHead(ByteBuffer buf, byte type, byte flags, long exchangeId, int length) {
        buf.put(type).put(flags).putShort((short) 0).putInt(length).putLong(exchangeId);
    }

    /** Writes an ACK at {@code buf}'s position and advances it. */
    public static void putAck(ByteBuffer buf, int batchId, boolean committed) {
        buf.put(ACK).put(committed ? (byte) 1 : 0).putShort((short) 0).putInt(batchId);
    }
}
