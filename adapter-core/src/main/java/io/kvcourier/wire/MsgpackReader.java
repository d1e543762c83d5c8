package io.kvcourier.wire;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A bounds-checked msgpack cursor over one message. Every header is checked against the
 * {@link WireLimits} and against the bytes that remain <em>before</em> anything is allocated, so a
 * header claiming 2^32-1 items fails at once; every failure is a {@link WireFormatException}.
 * Not thread-safe; one per decode.
 */
final class MsgpackReader {
    private final byte[] buf;
    private final int start;
    private final int end;
    private final WireLimits limits;
    private int pos;

    /** Set by {@link #readInteger}: the value, and whether it is a uint64 above {@code Long.MAX_VALUE}. */
    private long intValue;
    private boolean intAboveLongMax;

    MsgpackReader(byte[] buf, int offset, int length, WireLimits limits) {
        this.buf = buf;
        this.start = offset;
        this.end = offset + length;
        this.limits = limits;
        this.pos = offset;
    }

    int position() {
        return pos;
    }

    void position(int p) {
        pos = p;
    }

    boolean atEnd() {
        return pos == end;
    }

    int remaining() {
        return end - pos;
    }

    /** Byte offset (from the message start) of the cursor, for "trailing characters" errors. */
    int offsetInMessage() {
        return pos - start;
    }

    static WireFormatException truncated() {
        return new WireFormatException("Input data was truncated");
    }

    private void need(long n) throws WireFormatException {
        if (n > end - pos) {
            throw truncated();
        }
    }

    private int u8() throws WireFormatException {
        need(1);
        return buf[pos++] & 0xFF;
    }

    private int u16() throws WireFormatException {
        need(2);
        int v = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
        pos += 2;
        return v;
    }

    private long u32() throws WireFormatException {
        need(4);
        long v = ((long) (buf[pos] & 0xFF) << 24) | ((buf[pos + 1] & 0xFF) << 16) | ((buf[pos + 2] & 0xFF) << 8)
                | (buf[pos + 3] & 0xFF);
        pos += 4;
        return v;
    }

    private long u64() throws WireFormatException {
        long hi = u32();
        long lo = u32();
        return (hi << 32) | lo;
    }

    /** @return the next format byte without consuming it */
    int peek() throws WireFormatException {
        need(1);
        return buf[pos] & 0xFF;
    }

    /** msgspec's name for the type a format byte starts. */
    static String typeName(int b) {
        if (b <= 0x7f || b >= 0xe0 || (b >= 0xcc && b <= 0xd3)) {
            return "int";
        }
        if (b <= 0x8f || b == 0xde || b == 0xdf) {
            return "object";
        }
        if (b <= 0x9f || b == 0xdc || b == 0xdd) {
            return "array";
        }
        if (b <= 0xbf || (b >= 0xd9 && b <= 0xdb)) {
            return "str";
        }
        return switch (b) {
            case 0xc0 -> "None";
            case 0xc2, 0xc3 -> "bool";
            case 0xc4, 0xc5, 0xc6 -> "bytes";
            case 0xca, 0xcb -> "float";
            case 0xc1 -> "invalid opcode";
            default -> "ext";
        };
    }

    static boolean isInteger(int b) {
        return b <= 0x7f || b >= 0xe0 || (b >= 0xcc && b <= 0xd3);
    }

    private WireFormatException mismatch(String expected, int b, FieldPath path) {
        if (b == 0xc1) {
            return new WireFormatException("MessagePack data is malformed: invalid opcode '\\xc1' (byte "
                    + (pos - start) + ")");
        }
        return new WireFormatException("Expected `" + expected + "`, got `" + typeName(b) + "`" + path.suffix());
    }

    /** Reads a map header; @return the entry count, already checked against the remaining bytes. */
    int readMapHeader(FieldPath path) throws WireFormatException {
        int b = peek();
        long n;
        if (b >= 0x80 && b <= 0x8f) {
            pos++;
            n = b & 0x0f;
        } else if (b == 0xde) {
            pos++;
            n = u16();
        } else if (b == 0xdf) {
            pos++;
            n = u32();
        } else {
            throw mismatch("object", b, path);
        }
        need(2 * n); // every entry is at least a 1-byte key and a 1-byte value
        return (int) n;
    }

    /** Reads an array header; @return the length, checked against the cap and the remaining bytes. */
    int readArrayHeader(FieldPath path) throws WireFormatException {
        int b = peek();
        long n;
        if (b >= 0x90 && b <= 0x9f) {
            pos++;
            n = b & 0x0f;
        } else if (b == 0xdc) {
            pos++;
            n = u16();
        } else if (b == 0xdd) {
            pos++;
            n = u32();
        } else {
            throw mismatch("array", b, path);
        }
        if (n > limits.maxArrayLength()) {
            throw new WireFormatException("Expected `array` of length <= " + limits.maxArrayLength() + ", got "
                    + n + path.suffix());
        }
        need(n);
        return (int) n;
    }

    /** Reads a str header; @return the byte length, checked against the cap and the remaining bytes. */
    int readStrHeader(FieldPath path) throws WireFormatException {
        int b = peek();
        long n;
        if (b >= 0xa0 && b <= 0xbf) {
            pos++;
            n = b & 0x1f;
        } else if (b == 0xd9) {
            pos++;
            n = u8();
        } else if (b == 0xda) {
            pos++;
            n = u16();
        } else if (b == 0xdb) {
            pos++;
            n = u32();
        } else {
            throw mismatch("str", b, path);
        }
        if (n > limits.maxStrBytes()) {
            throw new WireFormatException("Expected `str` of length <= " + limits.maxStrBytes() + " bytes, got "
                    + n + path.suffix());
        }
        need(n);
        return (int) n;
    }

    /**
     * Reads the str header of element {@code index} of the list at {@code list}, like {@link #readStrHeader} with
     * {@code list.at(index)}, but builds that path only for an error message: a short str (a key) costs nothing.
     */
    int readElementStrHeader(FieldPath list, int index) throws WireFormatException {
        if (pos + 2 <= end && buf[pos] == (byte) 0xd9) {
            int n = buf[pos + 1] & 0xff;
            if (n <= limits.maxStrBytes() && n <= end - pos - 2) {
                pos += 2;
                return n;
            }
        }
        return readStrHeader(list.at(index));
    }

    /** Checks that {@code buf[at, at + n)} is UTF-8, as {@link #utf8} does, without making a String of ASCII. */
    void checkUtf8(int at, int n, FieldPath list, int index) throws WireFormatException {
        for (int i = at; i < at + n; i++) {
            if (buf[i] < 0) {
                utf8(at, n, list.at(index));
                return;
            }
        }
    }

    /** {@return a copy of {@code buf[from, to)}} */
    byte[] copy(int from, int to) {
        return java.util.Arrays.copyOfRange(buf, from, to);
    }

    /** Reads a str header and @return the offset of its bytes in the buffer; the cursor skips them. */
    int readStrBytes(FieldPath path, int[] lengthOut) throws WireFormatException {
        int n = readStrHeader(path);
        int at = pos;
        pos += n;
        lengthOut[0] = n;
        return at;
    }

    boolean bytesEqual(int at, int length, byte[] expected) {
        return java.util.Arrays.equals(buf, at, at + length, expected, 0, expected.length);
    }

    String readString(FieldPath path) throws WireFormatException {
        int n = readStrHeader(path);
        String s = utf8(pos, n, path);
        pos += n;
        return s;
    }

    String utf8(int at, int n, FieldPath path) throws WireFormatException {
        boolean ascii = true;
        for (int i = at; i < at + n; i++) {
            if (buf[i] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(buf, at, n, StandardCharsets.ISO_8859_1);
        }
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(buf, at, n));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new WireFormatException("Invalid UTF-8 in `str`" + path.suffix(), e);
        }
    }

    byte[] readBin(FieldPath path) throws WireFormatException {
        int b = peek();
        long n;
        if (b == 0xc4) {
            pos++;
            n = u8();
        } else if (b == 0xc5) {
            pos++;
            n = u16();
        } else if (b == 0xc6) {
            pos++;
            n = u32();
        } else {
            throw mismatch("bytes", b, path);
        }
        if (n > limits.maxBinBytes()) {
            throw new WireFormatException("Expected `bytes` of length <= " + limits.maxBinBytes() + ", got "
                    + n + path.suffix());
        }
        need(n);
        byte[] out = java.util.Arrays.copyOfRange(buf, pos, pos + (int) n);
        pos += (int) n;
        return out;
    }

    boolean readBool(FieldPath path) throws WireFormatException {
        int b = peek();
        if (b == 0xc2 || b == 0xc3) {
            pos++;
            return b == 0xc3;
        }
        throw mismatch("bool", b, path);
    }

    /**
     * Reads any msgpack integer, in any width (msgspec accepts wider-than-needed encodings).
     * The value is left in {@link #intValue}/{@link #intAboveLongMax}.
     */
    private void readInteger(FieldPath path) throws WireFormatException {
        int b = peek();
        intAboveLongMax = false;
        if (b <= 0x7f) {
            pos++;
            intValue = b;
        } else if (b >= 0xe0) {
            pos++;
            intValue = (byte) b;
        } else {
            switch (b) {
                case 0xcc -> { pos++; intValue = u8(); }
                case 0xcd -> { pos++; intValue = u16(); }
                case 0xce -> { pos++; intValue = u32(); }
                case 0xcf -> { pos++; intValue = u64(); intAboveLongMax = intValue < 0; }
                case 0xd0 -> { pos++; intValue = (byte) u8(); }
                case 0xd1 -> { pos++; intValue = (short) u16(); }
                case 0xd2 -> { pos++; intValue = (int) u32(); }
                case 0xd3 -> { pos++; intValue = u64(); }
                default -> throw mismatch("int", b, path);
            }
        }
    }

    private WireFormatException outOfRange(String range, FieldPath path) {
        String got = intAboveLongMax ? Long.toUnsignedString(intValue) : Long.toString(intValue);
        return new WireFormatException("Expected `int` in " + range + ", got " + got + path.suffix());
    }

    /** A signed 32-bit field. */
    int readInt32(FieldPath path) throws WireFormatException {
        readInteger(path);
        if (intAboveLongMax || intValue < Integer.MIN_VALUE || intValue > Integer.MAX_VALUE) {
            throw outOfRange("[-2147483648, 2147483647]", path);
        }
        return (int) intValue;
    }

    /** An unsigned 32-bit field, returned as its bit pattern in an {@code int}. */
    int readUint32(FieldPath path) throws WireFormatException {
        readInteger(path);
        if (intAboveLongMax || intValue < 0 || intValue > 0xFFFF_FFFFL) {
            throw outOfRange("[0, 4294967295]", path);
        }
        return (int) intValue;
    }

    /** A signed 64-bit field. */
    long readInt64(FieldPath path) throws WireFormatException {
        readInteger(path);
        if (intAboveLongMax) {
            throw outOfRange("[-9223372036854775808, 9223372036854775807]", path);
        }
        return intValue;
    }

    /** An unsigned 64-bit field, returned as its bit pattern in a {@code long}. */
    long readUint64(FieldPath path) throws WireFormatException {
        readInteger(path);
        if (!intAboveLongMax && intValue < 0) {
            throw outOfRange("[0, 18446744073709551615]", path);
        }
        return intValue;
    }

    /**
     * Skips one complete value of any type, iteratively (no recursion, so nesting depth cannot
     * overflow the stack). Every pending item needs at least one byte, which bounds the work.
     */
    void skipValue() throws WireFormatException {
        long pending = 1;
        while (pending > 0) {
            pending--;
            int b = u8();
            if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
                // single-byte value
            } else if (b <= 0x8f) {
                pending += 2L * (b & 0x0f);
            } else if (b <= 0x9f) {
                pending += b & 0x0f;
            } else if (b <= 0xbf) {
                skip(b & 0x1f);
            } else {
                switch (b) {
                    case 0xc4, 0xd9 -> skip(u8());
                    case 0xc5, 0xda -> skip(u16());
                    case 0xc6, 0xdb -> skip(u32());
                    case 0xc7 -> skip(u8() + 1L);
                    case 0xc8 -> skip(u16() + 1L);
                    case 0xc9 -> skip(u32() + 1L);
                    case 0xca -> skip(4);
                    case 0xcb -> skip(8);
                    case 0xcc, 0xd0 -> skip(1);
                    case 0xcd, 0xd1 -> skip(2);
                    case 0xce, 0xd2 -> skip(4);
                    case 0xcf, 0xd3 -> skip(8);
                    case 0xd4 -> skip(2);
                    case 0xd5 -> skip(3);
                    case 0xd6 -> skip(5);
                    case 0xd7 -> skip(9);
                    case 0xd8 -> skip(17);
                    case 0xdc -> pending += u16();
                    case 0xdd -> pending += u32();
                    case 0xde -> pending += 2L * u16();
                    case 0xdf -> pending += 2L * u32();
                    default -> throw new WireFormatException("MessagePack data is malformed: invalid opcode '\\x"
                            + Integer.toHexString(b) + "' (byte " + (pos - 1 - start) + ")");
                }
            }
            need(pending);
        }
    }

    private void skip(long n) throws WireFormatException {
        need(n);
        pos += (int) n;
    }
}
