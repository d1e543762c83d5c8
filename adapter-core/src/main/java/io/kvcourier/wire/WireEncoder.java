package io.kvcourier.wire;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import io.kvcourier.l2.ObjectKey;
import io.kvcourier.wire.MessageType.Field;

/**
 * Encodes messages into one reused buffer, byte-identical to msgspec: a map with {@code "type"}
 * first, then every field in declaration order (defaults included), integers in their smallest
 * form, strings as {@code str}, byte strings as {@code bin}.
 *
 * <p>After warm-up, encoding allocates nothing (strings are UTF-8 encoded straight into the buffer;
 * the buffer only grows when a larger message comes). <b>Not thread-safe</b>: one encoder per owning
 * thread. The buffer returned by {@link #encode} is a view that stays valid only until the next call.
 * {@link #encodeAllocRequest} writes an AllocRequest straight from {@link ObjectKey}s, whose UTF-8 form
 * each key encodes once and caches.
 *
 * <p>An encoder refuses, with an {@link IllegalArgumentException} naming the field, what a decoder
 * with the same {@link WireLimits} would reject (an over-long string, array or message) and strings
 * that are not valid Unicode (a lone surrogate).
 */
public final class WireEncoder {
    /**
     * Strings of at least this many chars go through {@link #asciiBulk}, whose fixed cost (~25 ns) beats a
     * char-by-char loop from about 24 chars on (measured on JDK 25, x86-64).
     */
    private static final int BULK_ASCII_MIN_CHARS = 32;

    private final WireLimits limits;
    private byte[] buf;
    private ByteBuffer view;
    private int pos;

    // The bulk ASCII path, made on its first use: an encoder the JDK runs with a vectorized intrinsic.
    private CharsetEncoder asciiEncoder;
    private char[] charScratch;
    private CharBuffer charScratchView;
    private ByteBuffer bufWriter; // a writable view of buf for the ASCII encoder; replaced when buf grows

    /** An encoder with {@link WireLimits#DEFAULT}. */
    public WireEncoder() {
        this(WireLimits.DEFAULT);
    }

    /** @param limits the caps every encoded message must respect */
    public WireEncoder(WireLimits limits) {
        this.limits = Checks.notNull(limits, "limits");
        this.buf = new byte[256];
        this.view = ByteBuffer.wrap(buf).asReadOnlyBuffer();
    }

    /** Encodes in the {@link Schema#ASYNC} schema. @see #encode(PdMessage, Schema) */
    public ByteBuffer encode(PdMessage message) {
        return encode(message, Schema.ASYNC);
    }

    /**
     * Encodes one message.
     *
     * @param message the message
     * @param schema  the schema for {@link AllocRequest}/{@link AllocResponse}; ignored by the others
     * @return a read-only view of the encoded bytes (position 0, limit = length), valid until the next
     *         call on this encoder; {@link #array()} and {@link #length()} give the same bytes
     * @throws IllegalArgumentException if a field exceeds the limits, a string is not valid Unicode, or
     *                                  a sync {@link AllocRequest} holds non-default async fields
     */
    public ByteBuffer encode(PdMessage message, Schema schema) {
        Checks.notNull(message, "message");
        Checks.notNull(schema, "schema");
        pos = 0;
        switch (message) {
            case AllocRequest m -> allocRequest(m, schema);
            case AllocResponse m -> allocResponse(m, schema);
            case ProxyNotif m -> {
                header(MessageType.PROXY_NOTIF, 1);
                key(MessageType.PROXY_NOTIF, 0);
                str(m.reqId(), "req_id");
            }
            case CancelNotif m -> {
                MessageType t = MessageType.CANCEL_NOTIF;
                header(t, 2);
                key(t, 0);
                str(m.reqId(), "req_id");
                key(t, 1);
                strList(m.keys(), "keys");
            }
            case MockInitRequest m -> versionAndSender(MessageType.MOCK_INIT_REQUEST, m.version(), m.senderId());
            case TcpInitRequest m -> {
                MessageType t = MessageType.TCP_INIT_REQUEST;
                header(t, 3);
                key(t, 0);
                integer(m.version());
                key(t, 1);
                str(m.senderId(), "sender_id");
                key(t, 2);
                integer(m.dataVersion());
            }
            case MockInitResponse m -> {
                MessageType t = MessageType.MOCK_INIT_RESPONSE;
                header(t, 3);
                key(t, 0);
                integer(m.version());
                key(t, 1);
                str(m.channelId(), "channel_id");
                key(t, 2);
                integer(m.pageSize());
            }
            case TcpInitResponse m -> {
                MessageType t = MessageType.TCP_INIT_RESPONSE;
                header(t, 6);
                key(t, 0);
                integer(m.version());
                key(t, 1);
                str(m.host(), "host");
                key(t, 2);
                integer(m.port());
                key(t, 3);
                bin(m.sessionTokenArray(), "session_token");
                key(t, 4);
                integer(m.pageSize());
                key(t, 5);
                integer(m.dataVersion());
            }
            case VerbsInitRequest m -> {
                MessageType t = MessageType.VERBS_INIT_REQUEST;
                header(t, 7);
                key(t, 0);
                integer(m.version());
                key(t, 1);
                str(m.senderId(), "sender_id");
                key(t, 2);
                uint32List(m.qpNumsArray(), "qp_nums");
                key(t, 3);
                uint32List(m.psnsArray(), "psns");
                key(t, 4);
                bin(m.gidArray(), "gid");
                key(t, 5);
                integer(m.lid());
                key(t, 6);
                integer(m.mtu());
            }
            case VerbsInitResponse m -> {
                MessageType t = MessageType.VERBS_INIT_RESPONSE;
                header(t, 9);
                key(t, 0);
                integer(m.version());
                key(t, 1);
                uint32List(m.qpNumsArray(), "qp_nums");
                key(t, 2);
                uint32List(m.psnsArray(), "psns");
                key(t, 3);
                bin(m.gidArray(), "gid");
                key(t, 4);
                integer(m.lid());
                key(t, 5);
                integer(m.mtu());
                key(t, 6);
                uint64(m.bufferAddr());
                key(t, 7);
                integer(Integer.toUnsignedLong(m.rkey()));
                key(t, 8);
                integer(m.pageSize());
            }
            case InitError m -> {
                MessageType t = MessageType.INIT_ERROR;
                header(t, 2);
                key(t, 0);
                integer(m.version());
                key(t, 1);
                str(m.message(), "message");
            }
        }
        return finish(message.tag());
    }

    /**
     * Encodes an {@link AllocRequest} in the {@link Schema#ASYNC} schema straight from keys, without building
     * the record or any key string: each key's canonical UTF-8 form is computed once per {@link ObjectKey} and
     * copied from its cache. The bytes, and the errors, are those of {@link #encode encoding} the record whose
     * keys are the canonical strings of {@code keys[from, from + count)} and whose other fields are these
     * arguments. Allocates nothing once warm (and once each key has been encoded).
     *
     * @param keys          the chunk keys; {@code keys[from, from + count)} are sent, in that order. Read only.
     * @param from          index of the first key to send
     * @param count         number of keys to send ({@code len(keys)} on the wire), {@code >= 0}
     * @param fmt           LMCache {@code MemoryFormat} value
     * @param shape         full-chunk shape of the first object; read only
     * @param dtype         dtype string, for example {@code "bfloat16"}
     * @param lastChunkToks tokens in the last chunk of this batch, {@code >= 0}
     * @param reqId         request id, {@code ""} for none
     * @param isLastBatch   whether this is the request's last batch
     * @param totalChunks   chunks of the whole request, {@code >= 0} ({@code 0} = unknown)
     * @return a read-only view of the encoded bytes, valid until the next call (as {@link #encode})
     * @throws IllegalArgumentException naming the field that is null, negative, out of range or over the limits
     */
    public ByteBuffer encodeAllocRequest(ObjectKey[] keys, int from, int count, int fmt, long[] shape, String dtype,
                                         int lastChunkToks, String reqId, boolean isLastBatch, int totalChunks) {
        Checks.notNull(keys, "keys");
        if (from < 0 || count < 0 || from > keys.length - count) {
            throw new IllegalArgumentException("keys[from, from + count) must lie within the " + keys.length
                    + " keys, got from " + from + " and count " + count);
        }
        for (int i = from; i < from + count; i++) {
            if (keys[i] == null) {
                throw new IllegalArgumentException("keys[" + i + "] must not be null");
            }
        }
        Checks.notNull(shape, "shape");
        Checks.notNull(dtype, "dtype");
        Checks.notNull(reqId, "req_id");
        Checks.nonNegative(lastChunkToks, "last_chunk_toks");
        Checks.nonNegative(totalChunks, "total_chunks");
        pos = 0;
        MessageType t = MessageType.ALLOC_REQUEST;
        header(t, 8);
        key(t, 0);
        arrayHeader(count, "keys");
        for (int i = from; i < from + count; i++) {
            objectKey(keys[i]);
        }
        allocRequestFields(fmt, shape, dtype, lastChunkToks, reqId, isLastBatch, totalChunks, false);
        return finish(AllocRequest.TAG);
    }

    /** @return the encoder's buffer; the last message occupies {@code [0, length())}. Do not modify. */
    public byte[] array() {
        return buf;
    }

    /** @return the length in bytes of the last encoded message */
    public int length() {
        return pos;
    }

    /** @return a copy of the last encoded message */
    public byte[] toByteArray() {
        return Arrays.copyOf(buf, pos);
    }

    private void allocRequest(AllocRequest m, Schema schema) {
        MessageType t = MessageType.ALLOC_REQUEST;
        boolean sync = schema == Schema.SYNC;
        if (sync && !m.fitsSyncSchema()) {
            throw new IllegalArgumentException("the SYNC AllocRequest schema cannot carry req_id, is_last_batch or "
                    + "total_chunks; they must hold their defaults, got " + m);
        }
        header(t, sync ? 5 : 8);
        key(t, 0);
        strList(m.keys(), "keys");
        allocRequestFields(m.fmt(), m.shapeArray(), m.dtype(), m.lastChunkToks(), m.reqId(), m.isLastBatch(),
                m.totalChunks(), sync);
    }

    /** The AllocRequest fields after {@code keys}. */
    private void allocRequestFields(int fmt, long[] shape, String dtype, int lastChunkToks, String reqId,
                                    boolean isLastBatch, int totalChunks, boolean sync) {
        MessageType t = MessageType.ALLOC_REQUEST;
        key(t, 1);
        integer(fmt);
        key(t, 2);
        arrayHeader(shape.length, "shape");
        for (long v : shape) {
            integer(v);
        }
        key(t, 3);
        str(dtype, "dtype");
        key(t, 4);
        integer(lastChunkToks);
        if (!sync) {
            key(t, 5);
            str(reqId, "req_id");
            key(t, 6);
            bool(isLastBatch);
            key(t, 7);
            integer(totalChunks);
        }
    }

    /** Checks the message size and @return the view of {@code buf[0, pos)}. */
    private ByteBuffer finish(String tag) {
        if (pos > limits.maxMessageBytes()) {
            throw new IllegalArgumentException(tag + " encodes to " + pos + " bytes, over the limit of "
                    + limits.maxMessageBytes());
        }
        view.limit(pos).position(0);
        return view;
    }

    private void allocResponse(AllocResponse m, Schema schema) {
        MessageType t = MessageType.ALLOC_RESPONSE;
        header(t, 2);
        if (schema == Schema.SYNC) {
            key(t, 1);
            int32List(m.alreadySentIndexesArray(), "already_sent_indexes");
            key(t, 0);
            int32List(m.remoteIndexesArray(), "remote_indexes");
        } else {
            key(t, 0);
            int32List(m.remoteIndexesArray(), "remote_indexes");
            key(t, 1);
            int32List(m.alreadySentIndexesArray(), "already_sent_indexes");
        }
    }

    private void versionAndSender(MessageType t, int version, String senderId) {
        header(t, 2);
        key(t, 0);
        integer(version);
        key(t, 1);
        str(senderId, "sender_id");
    }

    // ---- msgpack primitives -------------------------------------------------------------------

    private void ensure(int n) {
        if (pos + n > buf.length) {
            long wanted = Math.max((long) buf.length * 2, (long) pos + n);
            long cap = Math.max((long) limits.maxMessageBytes() + 16, (long) pos + n);
            int size = (int) Math.min(wanted, Math.min(cap, Integer.MAX_VALUE - 8));
            buf = Arrays.copyOf(buf, size);
            view = ByteBuffer.wrap(buf).asReadOnlyBuffer();
            bufWriter = null;
        }
    }

    private void put(int b) {
        buf[pos++] = (byte) b;
    }

    private void raw(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, pos, bytes.length);
        pos += bytes.length;
    }

    /** fixmap(1 + fields), then {@code "type": "<tag>"}. */
    private void header(MessageType t, int fields) {
        ensure(1);
        put(0x80 | (fields + 1));
        raw(MessageType.TYPE_KEY);
        raw(t.encodedTag);
    }

    private void key(MessageType t, int field) {
        Field f = t.fields[field];
        raw(f.encodedName());
    }

    private void bool(boolean v) {
        ensure(1);
        put(v ? 0xc3 : 0xc2);
    }

    /** A signed integer in msgpack's (and msgspec's) smallest encoding. */
    private void integer(long v) {
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
    private void uint64(long bits) {
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

    private void arrayHeader(int n, String field) {
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

    private void strList(List<String> values, String field) {
        int n = values.size();
        arrayHeader(n, field);
        for (int i = 0; i < n; i++) {
            str(values.get(i), field);
        }
    }

    private void int32List(int[] values, String field) {
        arrayHeader(values.length, field);
        for (int v : values) {
            integer(v);
        }
    }

    private void uint32List(int[] values, String field) {
        arrayHeader(values.length, field);
        for (int v : values) {
            integer(Integer.toUnsignedLong(v));
        }
    }

    private void bin(byte[] bytes, String field) {
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
    private void objectKey(ObjectKey k) {
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
    private void str(String s, String field) {
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
        int n = s.length();
        if (asciiEncoder == null) {
            asciiEncoder = StandardCharsets.US_ASCII.newEncoder();
        }
        if (charScratch == null || charScratch.length < n) {
            charScratch = new char[Math.max(n, 2 * BULK_ASCII_MIN_CHARS)];
            charScratchView = CharBuffer.wrap(charScratch);
        }
        if (bufWriter == null) {
            bufWriter = ByteBuffer.wrap(buf);
        }
        s.getChars(0, n, charScratch, 0);
        charScratchView.limit(n).position(0);
        bufWriter.limit(start + n).position(start);
        asciiEncoder.encode(charScratchView, bufWriter, false);
        return charScratchView.position();
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
