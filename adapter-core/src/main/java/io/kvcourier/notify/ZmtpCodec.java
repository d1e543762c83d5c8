package io.kvcourier.notify;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The bytes of ZMTP 3.0 (https://rfc.zeromq.org/spec/23/) that a PUSH client ({@link ZmtpPushConnection}) and a
 * PULL server ({@link ZmtpPullServer}) with the NULL mechanism write and check: their greeting and READY command, the
 * peer's greeting and READY, frame headers, and the PONG answer of ZMTP 3.1 (https://rfc.zeromq.org/spec/37/).
 * Stateless; every check reads a {@link ByteBuffer} by absolute index and never allocates from a length the peer sent.
 */
final class ZmtpCodec {
    /** Length of a greeting, in bytes. */
    static final int GREETING_BYTES = 64;
    /** Frame flag bits: more frames follow, 8-byte size, command frame. Bits 3-7 are reserved and must be 0. */
    static final int FLAG_MORE = 0x01;
    static final int FLAG_LONG = 0x02;
    static final int FLAG_COMMAND = 0x04;
    /** Header length of a short frame (flags, 1-byte size) and of a long one (flags, 8-byte big-endian size). */
    static final int SHORT_HEADER = 2;
    static final int LONG_HEADER = 9;
    /** Largest body of a command we accept from the peer, in bytes; a larger one is a protocol error. */
    static final int MAX_COMMAND_BODY = 1024;
    /** Largest PING context a peer may send (ZMTP 3.1), in bytes; a PONG echoes it. */
    static final int MAX_PING_CONTEXT = 16;
    /** Largest PONG frame we write, in bytes. */
    static final int MAX_PONG_FRAME = SHORT_HEADER + 5 + MAX_PING_CONTEXT;

    private static final byte[] READY = ascii("READY");
    private static final byte[] PING = ascii("PING");
    private static final byte[] ERROR = ascii("ERROR");
    private static final byte[] PONG = ascii("PONG");
    private static final byte[] NULL_MECHANISM = ascii("NULL");
    private static final byte[] SOCKET_TYPE = ascii("Socket-Type");
    private static final byte[] PULL = ascii("PULL");
    private static final byte[] PUSH = ascii("PUSH");

    /** What a command frame's body names. */
    enum Command { READY, PING, ERROR, OTHER }

    private ZmtpCodec() {
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** {@return the PUSH client's greeting and READY ({@link #handshake})} */
    static byte[] clientHandshake() {
        return handshake(PUSH);
    }

    /** {@return the PULL server's greeting and READY ({@link #handshake})} */
    static byte[] serverHandshake() {
        return handshake(PULL);
    }

    /**
     * {@return our greeting followed by our READY command: signature {@code FF 00*7 01 7F}, version 3.0,
     * mechanism NULL, as-server 0 (the NULL mechanism has no server role), filler; then READY with
     * {@code Socket-Type} set to {@code socketType}}
     */
    private static byte[] handshake(byte[] socketType) {
        int body = 1 + READY.length + 1 + SOCKET_TYPE.length + 4 + socketType.length;
        ByteBuffer b = ByteBuffer.allocate(GREETING_BYTES + SHORT_HEADER + body);
        b.put((byte) 0xFF).put(new byte[7]).put((byte) 0x01).put((byte) 0x7F);
        b.put((byte) 3).put((byte) 0);
        b.put(NULL_MECHANISM).put(new byte[20 - NULL_MECHANISM.length]);
        b.put((byte) 0).put(new byte[31]);
        b.put((byte) FLAG_COMMAND).put((byte) body);
        b.put((byte) READY.length).put(READY);
        b.put((byte) SOCKET_TYPE.length).put(SOCKET_TYPE).putInt(socketType.length).put(socketType);
        return b.array();
    }

    /**
     * Checks the peer's 64-byte greeting at {@code at}.
     *
     * @return {@code null} when it is ZMTP 3.x or later with the NULL mechanism, else why not
     */
    static String checkGreeting(ByteBuffer b, int at) {
        if ((b.get(at) & 0xFF) != 0xFF || b.get(at + 9) != 0x7F) {
            return "not a ZMTP greeting (bad signature)";
        }
        int major = b.get(at + 10) & 0xFF;
        if (major < 3) {
            return "ZMTP version " + major + " (3 or later needed)";
        }
        for (int i = 0; i < 20; i++) {
            byte expected = i < NULL_MECHANISM.length ? NULL_MECHANISM[i] : 0;
            if (b.get(at + 12 + i) != expected) {
                return "security mechanism is not NULL";
            }
        }
        return null;
    }

    /**
     * Reads a frame header at {@code at}, of which {@code available} bytes have arrived.
     *
     * @return the frame's body size ({@code >= 0}), {@code -1} when the header is incomplete, {@code -2} when the
     *         flags are malformed or the size is negative
     */
    static long frameSize(ByteBuffer b, int at, int available) {
        if (available < 1) {
            return -1;
        }
        int flags = b.get(at) & 0xFF;
        if ((flags & ~(FLAG_MORE | FLAG_LONG | FLAG_COMMAND)) != 0) {
            return -2;
        }
        if ((flags & FLAG_LONG) == 0) {
            return available < SHORT_HEADER ? -1 : b.get(at + 1) & 0xFF;
        }
        if (available < LONG_HEADER) {
            return -1;
        }
        long size = b.getLong(at + 1);
        return size < 0 ? -2 : size;
    }

    /** {@return the header length of the frame whose flags byte is at {@code at}} */
    static int headerLength(ByteBuffer b, int at) {
        return (b.get(at) & FLAG_LONG) == 0 ? SHORT_HEADER : LONG_HEADER;
    }

    /** {@return what the command body at {@code at} of {@code size} bytes names; {@code null} when malformed} */
    static Command command(ByteBuffer b, int at, int size) {
        int nameLength = size < 1 ? 0 : b.get(at) & 0xFF;
        if (nameLength == 0 || nameLength > size - 1) {
            return null;
        }
        if (equalsAscii(b, at + 1, nameLength, READY, false)) {
            return Command.READY;
        }
        if (equalsAscii(b, at + 1, nameLength, PING, false)) {
            return Command.PING;
        }
        return equalsAscii(b, at + 1, nameLength, ERROR, false) ? Command.ERROR : Command.OTHER;
    }

    /**
     * Checks the properties of a PULL peer's READY command (body at {@code at}, {@code size} bytes).
     *
     * @return {@code null} when they are well formed and name {@code Socket-Type: PULL}, else why not
     */
    static String checkReady(ByteBuffer b, int at, int size) {
        return checkReady(b, at, size, PULL);
    }

    /** {@link #checkReady(ByteBuffer, int, int)} for a PUSH peer: {@code null} when it names {@code PUSH}. */
    static String checkPushReady(ByteBuffer b, int at, int size) {
        return checkReady(b, at, size, PUSH);
    }

    private static String checkReady(ByteBuffer b, int at, int size, byte[] expected) {
        int end = at + size;
        int p = at + 1 + READY.length;
        String socketType = null;
        while (p < end) {
            int nameLength = b.get(p) & 0xFF;
            if (nameLength == 0 || end - p < 1 + nameLength + 4) {
                return "malformed READY property";
            }
            int valueAt = p + 1 + nameLength + 4;
            long valueLength = b.getInt(valueAt - 4) & 0xFFFF_FFFFL;
            if (valueLength > end - valueAt) {
                return "malformed READY property";
            }
            if (equalsAscii(b, p + 1, nameLength, SOCKET_TYPE, true)) {
                if (equalsAscii(b, valueAt, (int) valueLength, expected, false)) {
                    return null;
                }
                byte[] value = new byte[(int) Math.min(valueLength, 32)];
                b.get(valueAt, value);
                socketType = new String(value, StandardCharsets.US_ASCII);
            }
            p = valueAt + (int) valueLength;
        }
        return socketType == null ? "READY without Socket-Type"
                : "peer socket type " + socketType + " (not " + new String(expected, StandardCharsets.US_ASCII) + ")";
    }

    /**
     * Writes the PONG answering the PING whose body is at {@code at} ({@code size} bytes) into {@code out} at its
     * position.
     *
     * @return whether the PING was well formed (TTL present, context of at most 16 bytes)
     */
    static boolean putPong(ByteBuffer ping, int at, int size, ByteBuffer out) {
        int contextAt = 1 + PING.length + 2;
        int contextLength = size - contextAt;
        if (contextLength < 0 || contextLength > MAX_PING_CONTEXT) {
            return false;
        }
        out.put((byte) FLAG_COMMAND).put((byte) (1 + PONG.length + contextLength));
        out.put((byte) PONG.length).put(PONG);
        out.put(out.position(), ping, at + contextAt, contextLength);
        out.position(out.position() + contextLength);
        return true;
    }

    private static boolean equalsAscii(ByteBuffer b, int at, int length, byte[] expected, boolean ignoreCase) {
        if (length != expected.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            int c = b.get(at + i);
            int e = expected[i];
            if (c != e && !(ignoreCase && Character.toLowerCase(c) == Character.toLowerCase(e))) {
                return false;
            }
        }
        return true;
    }
}
