package io.kvcourier.wire;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The schema of every message: tag, fields in declaration order (= encoding order), their wire
 * kinds and defaults, how to build the record from decoded values, and which record component each
 * field is written from. One table drives the decoder and {@link WireEncoder}.
 */
enum MessageType {
    ALLOC_REQUEST(AllocRequest.TAG, AllocRequest.class,
            Field.required("keys", Kind.STR_LIST), Field.required("fmt", Kind.I32),
            Field.required("shape", Kind.I64_LIST), Field.required("dtype", Kind.STR),
            Field.required("last_chunk_toks", Kind.I32), Field.optional("req_id", Kind.STR, ""),
            Field.optional("is_last_batch", Kind.BOOL, false), Field.optional("total_chunks", Kind.I32, 0)) {
        @Override
        @SuppressWarnings("unchecked") // the decoder fills a STR_LIST field with a List<String>
        PdMessage build(Object[] v) {
            return new AllocRequest((List<String>) v[0], (Integer) v[1], (long[]) v[2], (String) v[3], (Integer) v[4],
                    (String) v[5], (Boolean) v[6], (Integer) v[7]);
        }

        @Override
        void write(PdMessage message, Schema schema, WireEncoder out) {
            AllocRequest m = (AllocRequest) message;
            if (schema == Schema.SYNC && !m.fitsSyncSchema()) {
                throw new IllegalArgumentException("the SYNC AllocRequest schema cannot carry req_id, is_last_batch or "
                        + "total_chunks; they must hold their defaults, got " + m);
            }
            out.strList(0, m.keys());
            writeAllocRequestTail(out, m.fmt(), m.shapeArray(), m.dtype(), m.lastChunkToks(), m.reqId(),
                    m.isLastBatch(), m.totalChunks(), schema);
        }
    },
    ALLOC_RESPONSE(AllocResponse.TAG, AllocResponse.class,
            Field.required("remote_indexes", Kind.I32_LIST),
            Field.optional("already_sent_indexes", Kind.I32_LIST, new int[0])) {
        @Override
        PdMessage build(Object[] v) {
            return new AllocResponse((int[]) v[0], (int[]) v[1]);
        }

        @Override
        void write(PdMessage message, Schema schema, WireEncoder out) {
            AllocResponse m = (AllocResponse) message;
            if (schema == Schema.SYNC) { // upstream's synchronous struct declares already_sent_indexes first
                out.i32List(1, m.alreadySentIndexesArray()).i32List(0, m.remoteIndexesArray());
            } else {
                out.i32List(0, m.remoteIndexesArray()).i32List(1, m.alreadySentIndexesArray());
            }
        }
    },
    PROXY_NOTIF(ProxyNotif.TAG, ProxyNotif.class, Field.required("req_id", Kind.STR)) {
        @Override
        PdMessage build(Object[] v) {
            return new ProxyNotif((String) v[0]);
        }

        @Override
        void write(PdMessage message, Schema schema, WireEncoder out) {
            ProxyNotif m = (ProxyNotif) message;
            out.str(0, m.reqId());
        }
    },
    CANCEL_NOTIF(CancelNotif.TAG, CancelNotif.class,
            Field.required("req_id", Kind.STR), Field.required("keys", Kind.STR_LIST)) {
        @Override
        @SuppressWarnings("unchecked") // the decoder fills a STR_LIST field with a List<String>
        PdMessage build(Object[] v) {
            return new CancelNotif((String) v[0], (List<String>) v[1]);
        }

        @Override
        void write(PdMessage message, Schema schema, WireEncoder out) {
            CancelNotif m = (CancelNotif) message;
            out.str(0, m.reqId()).strList(1, m.keys());
        }
    },
    MOCK_INIT_REQUEST(MockInitRequest.TAG, MockInitRequest.class,
            Field.required("version", Kind.I32), Field.required("sender_id", Kind.STR)) {
        @Override
        PdMessage build(Object[] v) {
            return new MockInitRequest((Integer) v[0], (String) v[1]);
        }

        @Override
        void write(PdMessage message, Schema schema, WireEncoder out) {
            MockInitRequest m = (MockInitRequest) message;
            out.i32(0, m.version()).str(1, m.senderId());
        }
    },
    MOCK_INIT_RESPONSE(MockInitResponse.TAG, MockInitResponse.class,
            Field.required("version", Kind.I32), Field.required("channel_id", Kind.STR),
            Field.required("page_size", Kind.I64)) {
        @Override
        PdMessage build(Object[] v) {
            return new MockInitResponse((Integer) v[0], (String) v[1], (Long) v[2]);
        }

        @Override
        void write(PdMessage message, Schema schema, WireEncoder out) {
            MockInitResponse m = (MockInitResponse) message;
            out.i32(0, m.version()).str(1, m.channelId()).i64(2, m.pageSize());
        }
    },
    TCP_INIT_REQUEST(TcpInitRequest.TAG, TcpInitRequest.class,
            Field.required("version", Kind.I32), Field.required("sender_id", Kind.STR),
            Field.optional("data_version", Kind.I32, TcpInitRequest.DEFAULT_DATA_VERSION)) {
        @Override
        PdMessage build(Object[] v) {
            return new TcpInitRequest((Integer) v[0], (String) v[1], (Integer) v[2]);
        }

        @Override
        void write(PdMessage message, Schema schema, WireEncoder out) {
            TcpInitRequest m = (TcpInitRequest) message;
            out.i32(0, m.version()).str(1, m.senderId()).i32(2, m.dataVersion());
        }
    },
    TCP_INIT_RESPONSE(TcpInitResponse.TAG, TcpInitResponse.class,
            Field.required("version", Kind.I32), Field.required("host", Kind.STR), Field.required("port", Kind.I32),
            Field.required("session_token", Kind.BIN), Field.required("page_size", Kind.I64),
            Field.optional("data_version", Kind.I32, TcpInitRequest.DEFAULT_DATA_VERSION)) {
        @Override
        PdMessage build(Object[] v) {
            return new TcpInitResponse((Integer) v[0], (String) v[1], (Integer) v[2], (byte[]) v[3], (Long) v[4],
                    (Integer) v[5]);
        }

        @Override
        void write(PdMessage message, Schema schema, WireEncoder out) {
            TcpInitResponse m = (TcpInitResponse) message;
            out.i32(0, m.version()).str(1, m.host()).i32(2, m.port()).bin(3, m.sessionTokenArray())
                    .i64(4, m.pageSize()).i32(5, m.dataVersion());
        }
    },
    VERBS_INIT_REQUEST(VerbsInitRequest.TAG, VerbsInitRequest.class,
            Field.required("version", Kind.I32), Field.required("sender_id", Kind.STR),
            Field.required("qp_nums", Kind.U32_LIST), Field.required("psns", Kind.U32_LIST),
            Field.required("gid", Kind.BIN), Field.required("lid", Kind.I32), Field.required("mtu", Kind.I32)) {
        @Override
        PdMessage build(Object[] v) {
            return new VerbsInitRequest((Integer) v[0], (String) v[1], (int[]) v[2], (int[]) v[3], (byte[]) v[4],
                    (Integer) v[5], (Integer) v[6]);
        }

        @Override
        void write(PdMessage message, Schema schema, WireEncoder out) {
            VerbsInitRequest m = (VerbsInitRequest) message;
            out.i32(0, m.version()).str(1, m.senderId()).u32List(2, m.qpNumsArray()).u32List(3, m.psnsArray())
                    .bin(4, m.gidArray()).i32(5, m.lid()).i32(6, m.mtu());
        }
    },
    VERBS_INIT_RESPONSE(VerbsInitResponse.TAG, VerbsInitResponse.class,
            Field.required("version", Kind.I32), Field.required("qp_nums", Kind.U32_LIST),
            Field.required("psns", Kind.U32_LIST), Field.required("gid", Kind.BIN), Field.required("lid", Kind.I32),
            Field.required("mtu", Kind.I32), Field.required("buffer_addr", Kind.U64),
            Field.required("rkey", Kind.U32), Field.required("page_size", Kind.I64)) {
        @Override
        PdMessage build(Object[] v) {
            return new VerbsInitResponse((Integer) v[0], (int[]) v[1], (int[]) v[2], (byte[]) v[3], (Integer) v[4],
                    (Integer) v[5], (Long) v[6], (Integer) v[7], (Long) v[8]);
        }

        @Override
        void write(PdMessage message, Schema schema, WireEncoder out) {
            VerbsInitResponse m = (VerbsInitResponse) message;
            out.i32(0, m.version()).u32List(1, m.qpNumsArray()).u32List(2, m.psnsArray()).bin(3, m.gidArray())
                    .i32(4, m.lid()).i32(5, m.mtu()).u64(6, m.bufferAddr()).u32(7, m.rkey()).i64(8, m.pageSize());
        }
    },
    INIT_ERROR(InitError.TAG, InitError.class,
            Field.required("version", Kind.I32), Field.required("message", Kind.STR)) {
        @Override
        PdMessage build(Object[] v) {
            return new InitError((Integer) v[0], (String) v[1]);
        }

        @Override
        void write(PdMessage message, Schema schema, WireEncoder out) {
            InitError m = (InitError) message;
            out.i32(0, m.version()).str(1, m.message());
        }
    };

    /** Wire kinds of field values. Unsigned kinds carry their bit pattern in a Java int/long. */
    enum Kind { STR, BIN, BOOL, I32, U32, I64, U64, STR_LIST, I32_LIST, U32_LIST, I64_LIST }

    /** One struct field: its name, pre-encoded as a msgpack str, its kind and default. */
    record Field(String name, byte[] nameUtf8, byte[] encodedName, Kind kind, Object defaultValue, boolean required) {
        static Field required(String name, Kind kind) {
            return new Field(name, utf8(name), encodeStr(name), kind, null, true);
        }

        static Field optional(String name, Kind kind, Object defaultValue) {
            return new Field(name, utf8(name), encodeStr(name), kind, defaultValue, false);
        }
    }

    /** msgpack for {@code "type"}: the tag field name. */
    static final byte[] TYPE_KEY = encodeStr("type");
    static final byte[] TYPE_UTF8 = utf8("type");

    final String tag;
    final byte[] tagUtf8;
    final byte[] encodedTag;
    final Class<? extends PdMessage> recordClass;
    final Field[] fields;
    final boolean handshake;

    MessageType(String tag, Class<? extends PdMessage> recordClass, Field... fields) {
        this.tag = tag;
        this.tagUtf8 = utf8(tag);
        this.encodedTag = encodeStr(tag);
        this.recordClass = recordClass;
        this.fields = fields;
        this.handshake = HandshakeMessage.class.isAssignableFrom(recordClass);
    }

    abstract PdMessage build(Object[] values);

    /**
     * Writes {@code message}'s fields, each by its index in {@link #fields} (the encoder writes the map header,
     * {@code "type"}, and each field's name).
     *
     * @param message a message of this type
     * @param schema  the schema, for {@link AllocRequest} and {@link AllocResponse}; the others have one
     */
    abstract void write(PdMessage message, Schema schema, WireEncoder out);

    /** The AllocRequest fields after {@code keys}; the {@link Schema#SYNC} schema has only the first five. */
    static void writeAllocRequestTail(WireEncoder out, int fmt, long[] shape, String dtype, int lastChunkToks,
                                      String reqId, boolean isLastBatch, int totalChunks, Schema schema) {
        out.i32(1, fmt).i64List(2, shape).str(3, dtype).i32(4, lastChunkToks);
        if (schema == Schema.ASYNC) {
            out.str(5, reqId).bool(6, isLastBatch).i32(7, totalChunks);
        }
    }

    /** @return the index of the field named by these UTF-8 bytes, or -1 */
    int fieldIndex(MsgpackReader r, int at, int length) {
        for (int i = 0; i < fields.length; i++) {
            if (r.bytesEqual(at, length, fields[i].nameUtf8)) {
                return i;
            }
        }
        return -1;
    }

    static MessageType byTag(MsgpackReader r, int at, int length) {
        for (MessageType t : VALUES) {
            if (r.bytesEqual(at, length, t.tagUtf8)) {
                return t;
            }
        }
        return null;
    }

    static MessageType of(Class<?> recordClass) {
        for (MessageType t : VALUES) {
            if (t.recordClass == recordClass) {
                return t;
            }
        }
        throw new IllegalArgumentException("not a PD message class: " + recordClass.getName());
    }

    private static final MessageType[] VALUES = values();

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A short ASCII name as a msgpack fixstr/str8 (names and tags are all shorter than 256 bytes). */
    private static byte[] encodeStr(String s) {
        byte[] b = utf8(s);
        int header = b.length <= 31 ? 1 : 2;
        byte[] out = new byte[header + b.length];
        if (header == 1) {
            out[0] = (byte) (0xa0 | b.length);
        } else {
            out[0] = (byte) 0xd9;
            out[1] = (byte) b.length;
        }
        System.arraycopy(b, 0, out, header, b.length);
        return out;
    }
}
