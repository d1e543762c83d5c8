package io.kvcourier.channel.tcp;

/**
 * The tcp data-connection wire format (all integers big-endian, all headers fixed-size). A data connection
 * goes from the sender to the receiver's data port announced in {@code TcpInitResponse}; it carries, in order:
 *
 * <pre>
 * HELLO (sender → receiver, exactly once, first)         24 + n bytes
 *   0  int32  magic            0x4B564354 ("KVCT")
 *   4  int16  version          {@link #VERSION}
 *   6  uint16 n                sender id length in bytes, 1..255
 *   8  byte[16] session token  from this sender's TcpInitResponse (single use)
 *  24  byte[n] sender id       UTF-8, the sender_id of its TcpInitRequest
 *
 * FRAME header (sender → receiver)                       24 bytes
 *   0  int8   type             {@link #DATA} or {@link #COMMIT}
 *   1  byte[3] reserved        zero
 *   4  int32  batch id         the batch's first remote page
 *   8  int32  page             DATA: remote page index; COMMIT: 0
 *  12  int32  length           DATA: payload bytes, 1..page size (offset + length ≤ page size); COMMIT: 0
 *  16  int64  offset           DATA: byte offset inside the page; COMMIT: 0
 *  24  byte[length] payload    DATA only, written straight into the receiver's staging page
 *
 * ACK (receiver → sender, one per COMMIT, in COMMIT order) 8 bytes
 *   0  int8   type             {@link #ACK}
 *   1  int8   committed        1 = the batch committed, 0 = refused (unknown, expired, not the sender's)
 *   2  byte[2] reserved        zero
 *   4  int32  batch id
 * </pre>
 *
 * The receiver closes a connection whose first bytes are not a valid HELLO for a live token within the
 * handshake deadline, and one that sends an unknown type, non-zero reserved bytes, an out-of-range length or a
 * DATA frame its allocation does not admit. A COMMIT means "every DATA frame of this batch was sent before
 * me"; tcp ordering makes that "every byte has landed" when the receiver reads it.
 */
public final class TcpFrames {
    /** "KVCT". */
    public static final int MAGIC = 0x4B564354;
    /** Data-connection format version. */
    public static final short VERSION = 1;
    /** Fixed part of a HELLO, in bytes (the sender id follows). */
    public static final int HELLO_BYTES = 24;
    /** Session token length, in bytes. */
    public static final int TOKEN_BYTES = 16;
    /** Longest sender id, in UTF-8 bytes. */
    public static final int MAX_SENDER_ID_BYTES = 255;
    /** Frame header length, in bytes. */
    public static final int HEADER_BYTES = 24;
    /** ACK length, in bytes. */
    public static final int ACK_BYTES = 8;
    /** Frame type: page bytes follow. */
    public static final byte DATA = 1;
    /** Frame type: the batch is complete, commit it. */
    public static final byte COMMIT = 2;
    /** Frame type: the receiver's answer to a COMMIT. */
    public static final byte ACK = 3;
    /** Largest DATA payload a sender puts in one frame, in bytes (bigger chunks go in several frames). */
    public static final int MAX_FRAME_BYTES = 1 << 30;

    private TcpFrames() {
    }
}
