package io.kvcourier.wire;

import java.nio.ByteBuffer;

/**
 * Static entry points of the PD wire codec (docs/PROTOCOL.md#B): msgspec tagged structs as msgpack
 * maps, byte-compatible with LMCache.
 *
 * <p>Decoding follows msgspec's rules and never throws anything but {@link WireFormatException} for
 * bad bytes (null input included); all methods are thread-safe. The static {@link #encode} allocates
 * a fresh encoder per call; hot paths keep one {@link WireEncoder} per thread instead.
 */
public final class WireCodec {

    /** Version of kvcourier's own handshake messages ({@link HandshakeMessage#version()}). */
    public static final int PROTOCOL_VERSION = 1;

    private WireCodec() {
    }

    /** @return the message in the {@link Schema#ASYNC} schema, as a new array */
    public static byte[] encode(PdMessage message) {
        return encode(message, Schema.ASYNC);
    }

    /** @return the message in the given schema, as a new array @see WireEncoder#encode(PdMessage, Schema) */
    public static byte[] encode(PdMessage message, Schema schema) {
        WireEncoder encoder = new WireEncoder();
        encoder.encode(message, schema);
        return encoder.toByteArray();
    }

    /** Decodes a whole array as one message with {@link WireLimits#DEFAULT}. */
    public static PdMessage decode(byte[] bytes) throws WireFormatException {
        return MessageDecoder.decode(bytes, 0, bytes == null ? 0 : bytes.length, WireLimits.DEFAULT, null);
    }

    /** Decodes {@code bytes[offset, offset+length)} as one message with {@link WireLimits#DEFAULT}. */
    public static PdMessage decode(byte[] bytes, int offset, int length) throws WireFormatException {
        return MessageDecoder.decode(bytes, offset, length, WireLimits.DEFAULT, null);
    }

    /** Decodes a slice as one message under the given limits. */
    public static PdMessage decode(byte[] bytes, int offset, int length, WireLimits limits)
            throws WireFormatException {
        return MessageDecoder.decode(bytes, offset, length, Checks.notNull(limits, "limits"), null);
    }

    /**
     * Decodes the buffer's remaining bytes as one message and advances its position past them on
     * success. A direct or read-only buffer is copied first (after the size check).
     */
    public static PdMessage decode(ByteBuffer buffer) throws WireFormatException {
        if (buffer == null) {
            throw new WireFormatException("Input data is null");
        }
        int n = buffer.remaining();
        if (n > WireLimits.DEFAULT.maxMessageBytes()) {
            throw new WireFormatException("Message of " + n + " bytes exceeds the limit of "
                    + WireLimits.DEFAULT.maxMessageBytes() + " bytes");
        }
        PdMessage m;
        if (buffer.hasArray()) {
            m = MessageDecoder.decode(buffer.array(), buffer.arrayOffset() + buffer.position(), n,
                    WireLimits.DEFAULT, null);
        } else {
            byte[] copy = new byte[n];
            buffer.duplicate().get(copy);
            m = MessageDecoder.decode(copy, 0, n, WireLimits.DEFAULT, null);
        }
        buffer.position(buffer.position() + n);
        return m;
    }

    /**
     * Decodes a message that must be of one type.
     *
     * @throws WireFormatException also when the tag names another message, naming both
     */
    public static <T extends PdMessage> T decode(byte[] bytes, Class<T> type) throws WireFormatException {
        return decode(bytes, 0, bytes == null ? 0 : bytes.length, type);
    }

    /** Decodes a slice that must hold a message of one type. */
    public static <T extends PdMessage> T decode(byte[] bytes, int offset, int length, Class<T> type)
            throws WireFormatException {
        MessageType expected = MessageType.of(Checks.notNull(type, "type"));
        return type.cast(MessageDecoder.decode(bytes, offset, length, WireLimits.DEFAULT, expected));
    }

    /**
     * Refuses a handshake from a peer that speaks another protocol version.
     *
     * @return the message, when its version is {@link #PROTOCOL_VERSION}
     * @throws WireFormatException naming both versions otherwise
     */
    public static <T extends HandshakeMessage> T requireVersion(T message) throws WireFormatException {
        if (message.version() != PROTOCOL_VERSION) {
            throw new WireFormatException("Protocol version mismatch: peer sent " + message.tag() + " version "
                    + message.version() + ", this side speaks version " + PROTOCOL_VERSION);
        }
        return message;
    }
}
