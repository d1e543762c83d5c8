package io.kvcourier.wire;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import io.kvcourier.l2.ObjectKey;

/**
 * The msgpack half of {@link WireEncoder}: one reused, growing buffer and the primitives msgspec writes (integers
 * in their smallest form, {@code str}, {@code bin}, arrays, booleans), each refusing what a decoder with the same
 * {@link WireLimits} would reject, with an {@link IllegalArgumentException} naming the field. Allocates nothing
 * once warm. Not thread-safe: owned by one encoder.
 */
final class MsgpackWriter {
    /**
     * Strings of at least this many chars go through {@link #asciiBulk}, whose fixed cost (~25 ns) beats a
     * char-by-char loop from about 24 chars on (measured on JDK 25, x86-64).
     */
    private static final int BULK_ASCII_MIN_CHARS = 32;
    /** Most chars (strings and their header room) one bulk pass of {@link #strList} lays out. */
    private static final int RUN_CHARS = 16 * 1024;

    private final WireLimits limits;
    private byte[] buf;
    private ByteBuffer view;
    private int pos;

    private AsciiCopier ascii; // the bulk ASCII path, made on its first use

    MsgpackWriter(WireLimits limits) {
        this.limits = limits;
        this.buf = new byte[256];
        this.view = ByteBuffer.wrap(buf).asReadOnlyBuffer();
    }

    /** Starts a new message at offset 0. */
    void reset() {
        pos = 0;
    }

    /** Overwrites the byte at {@code at} (before {@link #length()}) with {@code b}. */
    void patch(int at, int b) {
        buf[at] = (byte) b;
    }

    /** Checks the message size and @return the read-only view of {@code buf[0, length())}. */
    ByteBuffer finish(String tag) {
        if (pos > limits.maxMessageBytes()) {
            throw new IllegalArgumentException(tag + " encodes to " + pos + " bytes, over the limit of "
                    + limits.maxMessageBytes());
        }
        view.limit(pos).position(0);
        return view;
    }

    /** @return the buffer; the last message occupies {@code [0, length())} */
    byte[] array() {
        return buf;
    }

    /** @return the length in bytes of the message written so far */
    int length() {
        return pos;
    }

    /** @return a copy of {@code [0, length())} */
    byte[] toByteArray() {
        return Arrays.copyOf(buf, pos);
    }

    /** An array header, then each value as a signed integer. */
    void int64List(long[] values, String field) {
        arrayHeader(values.length, field);
        for (long v : values) {
            integer(v);
        }
    }

    void ensure(int n) {
        if (pos + n > buf.length) {
            long wanted = Math.max((long) buf.length * 2, (long) pos + n);
            long cap = Math.max((long) limits.maxMessageBytes() + 16, (long) pos + n);
            int size = (int) Math.min(wanted, Math.min(cap, Integer.MAX_VALUE - 8));
            buf = Arrays.copyOf(buf, size);
            view = ByteBuffer.wrap(buf).asReadOnlyBuffer();
        }
    }

    void put(int b) {
        buf[pos++] = (byte) b;
    }

    void raw(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, pos, bytes.length);
        pos += bytes.length;
    }

    void bool(boolean v) {
        ensure(1);
        put(v ? 0xc3 : 0xc2);
    }

    /** A signed integer in msgpack's (and msgspec's) smallest encoding. */
    void integer(long v) {
        ensure(9);
        if (v >= 0) {
            if (v <= 0x7f) {
                put((int) v);
            } else if (v <= 0xff) {
                put(0xcc);
                put((int) v);
            } else if (v <= 0xffff) {
                put(0xcd);
                be(v, 2);
            } else if (v <= 0xffff_ffffL) {
                put(0xce);
                be(v, 4);
            } else {
                put(0xcf);
                be(v, 8);
            }
        } else if (v >= -32) {
            put((int) v & 0xff);
        } else if (v >= Byte.MIN_VALUE) {
            put(0xd0);
            put((int) v & 0xff);
        } else if (v >= Short.MIN_VALUE) {
            put(0xd1);
            be(v, 2);
        } else if (v >= Integer.MIN_VALUE) {
            put(0xd2);
            be(v, 4);
        } else {
            put(0xd3);
            be(v, 8);
        }
    }

    /** An unsigned 64-bit value held in a long's bits. */
    void uint64(long bits) {
        if (bits >= 0) {
            integer(bits);
        } else {
            ensure(9);
            put(0xcf);
            be(bits, 8);
        }
    }

    private void be(long v, int bytes) {
        for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
            buf[pos++] = (byte) (v >>> shift);
        }
    }

    void arrayHeader(int n, String field) {
        if (n > limits.maxArrayLength()) {
            throw new IllegalArgumentException(field + " has " + n + " elements, over the limit of "
                    + limits.maxArrayLength());
        }
        ensure(5);
        if (n <= 15) {
            put(0x90 | n);
        } else if (n <= 0xffff) {
            put(0xdc);
            be(n, 2);
        } else {
            put(0xdd);
            be(n, 4);
        }
    }

    /**
     * An array header, then each string as {@link #str} writes it. Consecutive strings share one bulk ASCII pass
     * ({@link #asciiRun}: the encoder's fixed cost once per run, not per key); a string that ends a run (non-ASCII,
     * over the str limit, or no room left) goes through {@link #str}, which finds its UTF-8 form or the error.
     */
    void strList(List<String> values, String field) {
        int n = values.size();
        arrayHeader(n, field);
        if (values instanceof Utf8StringList decoded) { // decoded, so valid UTF-8 already: copied as it came
            for (int i = 0; i < n; i++) {
                int len = decoded.utf8Length(i);
                checkStrBytes(len, field);
                ensure(5 + len);
                strHeader(len);
                decoded.copyUtf8(i, buf, pos);
                pos += len;
            }
            return;
        }
        for (int i = 0; i < n; ) {
            i = asciiRun(values, i);
            if (i < n) {
                str(values.get(i), field);
                i++;
            }
        }
    }

    /**
     * Writes {@code values} from {@code from} on while they are ASCII: their chars laid out end to end, each
     * behind placeholder chars (NUL, ASCII) where its header goes, copied by one bulk pass, then the headers
     * written over the placeholders. Only strings copied whole are kept.
     *
     * @return the index of the first string not written ({@code from} when fewer than two would fit a run)
     */
    private int asciiRun(List<String> values, int from) {
        int n = values.size();
        int end = from;
        int chars = 0;
        for (; end < n; end++) {
            int len = values.get(end).length();
            int framed = strHeaderSize(len) + len;
            if (len > limits.maxStrBytes() || chars + framed > RUN_CHARS) {
                break;
            }
            chars += framed;
        }
        if (end - from < 2) {
            return from;
        }
        char[] c = ascii().scratch(chars);
        for (int k = from, at = 0; k < end; k++) {
            String s = values.get(k);
            int len = s.length();
            int header = strHeaderSize(len);
            for (int h = at; h < at + header; h++) { // a loop: Arrays.fill's checks cost more for 1 to 5 chars
                c[h] = '\0';
            }
            s.getChars(0, len, c, at + header);
            at += header + len;
        }
        ensure(chars);
        int copied = ascii.copy(chars, buf, pos);
        int k = from;
        for (int at = 0; k < end; k++) {
            int len = values.get(k).length();
            int framed = strHeaderSize(len) + len;
            if (at + framed > copied) {
                break;
            }
            strHeader(len);
            pos += len;
            at += framed;
        }
        return k;
    }

    void int32List(int[] values, String field) {
        arrayHeader(values.length, field);
        for (int v : values) {
            integer(v);
        }
    }

    void uint32List(int[] values, String field) {
        arrayHeader(values.length, field);
        for (int v : values) {
            integer(Integer.toUnsignedLong(v));
        }
    }

    void bin(byte[] bytes, String field) {
        int n = bytes.length;
        if (n > limits.maxBinBytes()) {
            throw new IllegalArgumentException(field + " has " + n + " bytes, over the limit of "
                    + limits.maxBinBytes());
        }
        ensure(5 + n);
        if (n <= 0xff) {
            put(0xc4);
            put(n);
        } else if (n <= 0xffff) {
            put(0xc5);
            be(n, 2);
        } else {
            put(0xc6);
            be(n, 4);
        }
        System.arraycopy(bytes, 0, buf, pos, n);
        pos += n;
    }

    /** The size of the smallest str header for a payload of {@code n} bytes. */
    private static int strHeaderSize(int n) {
        return n <= 31 ? 1 : n <= 0xff ? 2 : n <= 0xffff ? 3 : 5;
    }

    /** Writes the smallest str header for {@code n} payload bytes; the caller ensured room. */
    private void strHeader(int n) {
        if (n <= 31) {
            put(0xa0 | n);
        } else if (n <= 0xff) {
            put(0xd9);
            put(n);
        } else if (n <= 0xffff) {
            put(0xda);
            be(n, 2);
        } else {
            put(0xdb);
            be(n, 4);
        }
    }

    /** A key's canonical string as a str, copied from the key's cached UTF-8 form. */
    void objectKey(ObjectKey k) {
        int n = k.canonicalUtf8Length();
        if (n < 0) {
            str(k.toCanonicalString(), "keys"); // not valid Unicode: fails with the lone surrogate's index
            return;
        }
        checkStrBytes(n, "keys");
        ensure(5 + n);
        strHeader(n);
        k.copyCanonicalUtf8(buf, pos);
        pos += n;
    }

    private void checkStrBytes(long n, String field) {
        if (n > limits.maxStrBytes()) {
            throw new IllegalArgumentException(field + " is " + n + " UTF-8 bytes, over the limit of "
                    + limits.maxStrBytes());
        }
    }

    /**
     * A str with the smallest header, UTF-8 encoded in place (no intermediate byte[]). One pass for ASCII: the
     * chars are copied as bytes behind a header sized for {@code s.length()} bytes; at the first non-ASCII char
     * {@link #utf8From} takes over, keeping the prefix already written.
     */
    void str(String s, String field) {
        int n = s.length();
        if (n > limits.maxStrBytes()) {
            utf8From(s, field, 0, pos); // too long as ASCII already: counts the bytes to name them, or a surrogate
            return;
        }
        int header = strHeaderSize(n);
        ensure(header + n);
        int start = pos + header;
        int asciiChars = n < BULK_ASCII_MIN_CHARS ? asciiLoop(s, start) : asciiBulk(s, start);
        if (asciiChars == n) {
            strHeader(n);
            pos += n;
        } else {
            utf8From(s, field, asciiChars, start);
        }
    }

    /** Copies the chars of {@code s} up to its first non-ASCII one to {@code buf[start...]}; @return how many. */
    private int asciiLoop(String s, int start) {
        byte[] b = buf;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                return i;
            }
            b[start + i] = (byte) c;
        }
        return n;
    }

    /**
     * {@link #asciiLoop} for long strings: the JDK's US-ASCII encoder copies a char[] with a vectorized intrinsic
     * and stops at the first non-ASCII char (an unmappable or malformed result, which is all we need to know).
     */
    private int asciiBulk(String s, int start) {
        return ascii().copy(s, buf, start);
    }

    private AsciiCopier ascii() {
        if (ascii == null) {
            ascii = new AsciiCopier();
        }
        return ascii;
    }

    /**
     * The UTF-8 path: the first {@code asciiChars} chars of {@code s} are ASCII and already sit at
     * {@code buf[prefixAt, prefixAt + asciiChars)}; counts the rest's bytes (refusing a lone surrogate and an
     * over-long string), moves the prefix behind the right header if the count changed its size, and encodes
     * the rest.
     */
    private void utf8From(String s, String field, int asciiChars, int prefixAt) {
        int length = s.length();
        long n = asciiChars;
        for (int i = asciiChars; i < length; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(field + " is not valid Unicode: lone surrogate at index " + i);
            } else {
                n += 3;
            }
        }
        checkStrBytes(n, field);
        int len = (int) n;
        ensure(5 + len);
        int start = pos + strHeaderSize(len);
        if (start != prefixAt && asciiChars > 0) {
            System.arraycopy(buf, prefixAt, buf, start, asciiChars);
        }
        strHeader(len);
        pos += asciiChars;
        for (int i = asciiChars; i < length; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                put(c);
            } else if (c < 0x800) {
                put(0xc0 | (c >> 6));
                put(0x80 | (c & 0x3f));
            } else if (Character.isHighSurrogate(c)) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                put(0xf0 | (cp >> 18));
                put(0x80 | ((cp >> 12) & 0x3f));
                put(0x80 | ((cp >> 6) & 0x3f));
                put(0x80 | (cp & 0x3f));
            } else {
                put(0xe0 | (c >> 12));
                put(0x80 | ((c >> 6) & 0x3f));
                put(0x80 | (c & 0x3f));
            }
        }
    }
}
