package io.kvcourier.wire;

import java.nio.ByteBuffer;
import java.util.List;

import io.kvcourier.l2.ObjectKey;
import io.kvcourier.wire.MessageType.Field;
import io.kvcourier.wire.MessageType.Kind;

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
 *
 * <p>Each message's fields (names, order, kinds, and which record component fills each) are listed once, in
 * {@link MessageType}; its {@code write} calls the field methods of this class, each of which writes the field's
 * pre-encoded name and then its value. The msgpack primitives are {@link MsgpackWriter}'s.
 */
public final class WireEncoder {
    private final MsgpackWriter out;
    private MessageType type; // the message being written: its fields name the keys
    private int fieldsWritten;

    /** An encoder with {@link WireLimits#DEFAULT}. */
    public WireEncoder() {
        this(WireLimits.DEFAULT);
    }

    /** @param limits the caps every encoded message must respect */
    public WireEncoder(WireLimits limits) {
        this.out = new MsgpackWriter(Checks.notNull(limits, "limits"));
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
        // One case per type, so that each write below is a direct call on a constant (no megamorphic dispatch).
        switch (message) {
            case AllocRequest m -> write(MessageType.ALLOC_REQUEST, m, schema);
            case AllocResponse m -> write(MessageType.ALLOC_RESPONSE, m, schema);
            case ProxyNotif m -> write(MessageType.PROXY_NOTIF, m, schema);
            case CancelNotif m -> write(MessageType.CANCEL_NOTIF, m, schema);
            case MockInitRequest m -> write(MessageType.MOCK_INIT_REQUEST, m, schema);
            case MockInitResponse m -> write(MessageType.MOCK_INIT_RESPONSE, m, schema);
            case TcpInitRequest m -> write(MessageType.TCP_INIT_REQUEST, m, schema);
            case TcpInitResponse m -> write(MessageType.TCP_INIT_RESPONSE, m, schema);
            case VerbsInitRequest m -> write(MessageType.VERBS_INIT_REQUEST, m, schema);
            case VerbsInitResponse m -> write(MessageType.VERBS_INIT_RESPONSE, m, schema);
            case InitError m -> write(MessageType.INIT_ERROR, m, schema);
        }
        return end();
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
        begin(MessageType.ALLOC_REQUEST);
        objectKeys(0, keys, from, count);
        MessageType.writeAllocRequestTail(this, fmt, shape, dtype, lastChunkToks, reqId, isLastBatch, totalChunks,
                Schema.ASYNC);
        return end();
    }

    /** @return the encoder's buffer; the last message occupies {@code [0, length())}. Do not modify. */
    public byte[] array() {
        return out.array();
    }

    /** @return the length in bytes of the last encoded message */
    public int length() {
        return out.length();
    }

    /** @return a copy of the last encoded message */
    public byte[] toByteArray() {
        return out.toByteArray();
    }

    private void write(MessageType t, PdMessage message, Schema schema) {
        begin(t);
        t.write(message, schema, this);
    }

    /** A fixmap header (its size patched by {@link #end}), then {@code "type": "<tag>"}. */
    private void begin(MessageType t) {
        type = t;
        fieldsWritten = 0;
        out.reset();
        out.ensure(1);
        out.put(0x80);
        out.raw(MessageType.TYPE_KEY);
        out.raw(t.encodedTag);
    }

    /** Sets the map size to the fields written plus {@code "type"} (every message has fewer than 15). */
    private ByteBuffer end() {
        out.patch(0, 0x80 | (fieldsWritten + 1));
        return out.finish(type.tag);
    }

    /** Writes field {@code index}'s name; @return the name, for errors. */
    private String key(int index, Kind kind) {
        Field f = type.fields[index];
        assert f.kind() == kind : type + "." + f.name() + " is " + f.kind() + ", written as " + kind;
        out.raw(f.encodedName());
        fieldsWritten++;
        return f.name();
    }

    // ---- field writers, called by MessageType#write with the field's index --------------------

    WireEncoder str(int field, String v) {
        out.str(v, key(field, Kind.STR));
        return this;
    }

    WireEncoder bin(int field, byte[] v) {
        out.bin(v, key(field, Kind.BIN));
        return this;
    }

    WireEncoder bool(int field, boolean v) {
        key(field, Kind.BOOL);
        out.bool(v);
        return this;
    }

    WireEncoder i32(int field, int v) {
        key(field, Kind.I32);
        out.integer(v);
        return this;
    }

    WireEncoder u32(int field, int bits) {
        key(field, Kind.U32);
        out.integer(Integer.toUnsignedLong(bits));
        return this;
    }

    WireEncoder i64(int field, long v) {
        key(field, Kind.I64);
        out.integer(v);
        return this;
    }

    WireEncoder u64(int field, long bits) {
        key(field, Kind.U64);
        out.uint64(bits);
        return this;
    }

    WireEncoder strList(int field, List<String> v) {
        out.strList(v, key(field, Kind.STR_LIST));
        return this;
    }

    WireEncoder i32List(int field, int[] v) {
        out.int32List(v, key(field, Kind.I32_LIST));
        return this;
    }

    WireEncoder u32List(int field, int[] bits) {
        out.uint32List(bits, key(field, Kind.U32_LIST));
        return this;
    }

    WireEncoder i64List(int field, long[] v) {
        out.int64List(v, key(field, Kind.I64_LIST));
        return this;
    }

    /** A {@link Kind#STR_LIST} field from {@code keys[from, from + count)}' cached canonical UTF-8 forms. */
    private void objectKeys(int field, ObjectKey[] keys, int from, int count) {
        out.arrayHeader(count, key(field, Kind.STR_LIST));
        for (int i = from; i < from + count; i++) {
            out.objectKey(keys[i]);
        }
    }
}
