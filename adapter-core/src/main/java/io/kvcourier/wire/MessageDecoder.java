package io.kvcourier.wire;

import java.util.List;

import io.kvcourier.wire.MessageType.Field;

/**
 * Decodes one tagged-struct map the way {@code msgspec.msgpack.decode(data, type=Union[...])} does:
 * the {@code "type"} key may sit anywhere, unknown keys are skipped, a repeated field keeps its last
 * value, missing fields take their default or fail, values must have the declared type (no int for
 * bool, no str for bytes), any integer width is accepted when the value fits, and trailing bytes
 * are an error.
 */
final class MessageDecoder {
    private MessageDecoder() {
    }

    static PdMessage decode(byte[] bytes, int offset, int length, WireLimits limits, MessageType expected)
            throws WireFormatException {
        if (bytes == null) {
            throw new WireFormatException("Input data is null");
        }
        if (offset < 0 || length < 0 || offset > bytes.length - length) {
            throw new WireFormatException("Invalid slice: offset " + offset + ", length " + length + " of "
                    + bytes.length + " bytes");
        }
        if (length > limits.maxMessageBytes()) {
            throw new WireFormatException("Message of " + length + " bytes exceeds the limit of "
                    + limits.maxMessageBytes() + " bytes");
        }
        MsgpackReader r = new MsgpackReader(bytes, offset, length, limits);
        int entries = r.readMapHeader(FieldPath.ROOT);
        int firstEntry = r.position();
        int[] len = new int[1];

        // Pass 1: find the tag (msgspec takes the first "type" key) and, for handshakes, the version.
        MessageType type = null;
        String tagText = null;
        long peerVersion = Long.MIN_VALUE;
        for (int i = 0; i < entries; i++) {
            int at = r.readStrBytes(FieldPath.KEY, len);
            if (type == null && tagText == null && r.bytesEqual(at, len[0], MessageType.TYPE_UTF8)) {
                int tagAt = r.readStrBytes(FieldPath.of("type"), len);
                type = MessageType.byTag(r, tagAt, len[0]);
                if (type == null) {
                    tagText = r.utf8(tagAt, len[0], FieldPath.of("type"));
                }
            } else if (len[0] == 7 && r.bytesEqual(at, len[0], VERSION) && MsgpackReader.isInteger(r.peek())) {
                int mark = r.position();
                try {
                    peerVersion = r.readInt64(FieldPath.of("version"));
                } catch (WireFormatException e) {
                    r.position(mark);
                    r.skipValue();
                }
            } else {
                r.skipValue();
            }
        }
        if (!r.atEnd()) {
            throw new WireFormatException("MessagePack data is malformed: trailing characters (byte "
                    + r.offsetInMessage() + ")");
        }
        if (tagText != null) {
            throw new WireFormatException("Invalid value '" + tagText + "' - at `$.type`");
        }
        if (type == null) {
            throw new WireFormatException("Object missing required field `type`");
        }
        if (expected != null && type != expected) {
            throw new WireFormatException("Expected `" + expected.tag + "`, got `" + type.tag + "` - at `$.type`");
        }
        try {
            r.position(firstEntry);
            return decodeFields(r, entries, type, len);
        } catch (WireFormatException e) {
            if (type.handshake && peerVersion != Long.MIN_VALUE && peerVersion != WireCodec.PROTOCOL_VERSION) {
                throw new WireFormatException("Protocol version mismatch: peer sent " + type.tag + " version "
                        + peerVersion + ", this side speaks version " + WireCodec.PROTOCOL_VERSION + " ("
                        + e.getMessage() + ")", e);
            }
            throw e;
        }
    }

    private static final byte[] VERSION = {'v', 'e', 'r', 's', 'i', 'o', 'n'};

    private static PdMessage decodeFields(MsgpackReader r, int entries, MessageType type, int[] len)
            throws WireFormatException {
        Field[] fields = type.fields;
        Object[] values = new Object[fields.length];
        for (int i = 0; i < entries; i++) {
            int at = r.readStrBytes(FieldPath.KEY, len);
            if (r.bytesEqual(at, len[0], MessageType.TYPE_UTF8)) {
                // A repeated "type" must name the same class (msgspec checks every occurrence).
                int tagAt = r.readStrBytes(FieldPath.of("type"), len);
                if (!r.bytesEqual(tagAt, len[0], type.tagUtf8)) {
                    throw new WireFormatException("Invalid value '" + r.utf8(tagAt, len[0], FieldPath.of("type"))
                            + "' - at `$.type`");
                }
                continue;
            }
            int index = type.fieldIndex(r, at, len[0]);
            if (index < 0) {
                r.skipValue();
            } else {
                values[index] = readValue(r, fields[index]);
            }
        }
        for (int i = 0; i < fields.length; i++) {
            if (values[i] == null) {
                if (fields[i].required()) {
                    throw new WireFormatException("Object missing required field `" + fields[i].name() + "`");
                }
                Object d = fields[i].defaultValue();
                values[i] = d instanceof int[] a ? a.clone() : d;
            }
        }
        try {
            return type.build(values);
        } catch (IllegalArgumentException e) {
            throw new WireFormatException("Invalid " + type.tag + ": " + e.getMessage(), e);
        }
    }

    /** A {@code list[str]} of {@code n} elements as one copy of their UTF-8 ({@link Utf8StringList}). */
    private static List<String> readStrings(MsgpackReader r, FieldPath path, int n) throws WireFormatException {
        if (n == 0) {
            return List.of();
        }
        int[] offsets = new int[n];
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            int length = r.readElementStrHeader(path, i);
            int at = r.position();
            r.checkUtf8(at, length, path, i);
            r.position(at + length);
            offsets[i] = at;
            lengths[i] = length;
        }
        int from = offsets[0];
        byte[] utf8 = r.copy(from, r.position());
        for (int i = 0; i < n; i++) {
            offsets[i] -= from;
        }
        return new Utf8StringList(utf8, offsets, lengths);
    }

    private static Object readValue(MsgpackReader r, Field f) throws WireFormatException {
        FieldPath path = FieldPath.of(f.name());
        return switch (f.kind()) {
            case STR -> r.readString(path);
            case BIN -> r.readBin(path);
            case BOOL -> r.readBool(path);
            case I32 -> r.readInt32(path);
            case U32 -> r.readUint32(path);
            case I64 -> r.readInt64(path);
            case U64 -> r.readUint64(path);
            case STR_LIST -> readStrings(r, path, r.readArrayHeader(path));
            case I32_LIST -> {
                int n = r.readArrayHeader(path);
                int[] out = new int[n];
                for (int i = 0; i < n; i++) {
                    out[i] = r.readInt32(path.at(i));
                }
                yield out;
            }
            case U32_LIST -> {
                int n = r.readArrayHeader(path);
                int[] out = new int[n];
                for (int i = 0; i < n; i++) {
                    out[i] = r.readUint32(path.at(i));
                }
                yield out;
            }
            case I64_LIST -> {
                int n = r.readArrayHeader(path);
                long[] out = new long[n];
                for (int i = 0; i < n; i++) {
                    out[i] = r.readInt64(path.at(i));
                }
                yield out;
            }
        };
    }
}
