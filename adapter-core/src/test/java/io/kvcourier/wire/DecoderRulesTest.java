package io.kvcourier.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/** The decoder follows msgspec's rules, and every bad input is one WireFormatException with a clear message. */
class DecoderRulesTest {
    private static final long[] SHAPE = {2, 32, 256, 1024};

    private interface Body {
        void write(MessageBufferPacker p) throws IOException;
    }

    /** Builds arbitrary msgpack with msgpack-core, so the decoder is checked against an independent writer. */
    private static byte[] pack(Body body) throws IOException {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            body.write(p);
            return p.toByteArray();
        }
    }

    private static void assertRejected(byte[] bytes, String message) {
        assertThatThrownBy(() -> WireCodec.decode(bytes)).isInstanceOf(WireFormatException.class).hasMessage(message);
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replaceAll("\\s", ""));
    }

    @Test
    void typeMayAppearAnywhere() throws Exception {
        byte[] b = pack(p -> p.packMapHeader(2).packString("req_id").packString("z").packString("type")
                .packString("ProxyNotif"));
        assertThat(WireCodec.decode(b)).isEqualTo(new ProxyNotif("z"));
    }

    @Test
    void unknownKeysAreIgnoredWhateverTheyHold() throws Exception {
        byte[] b = pack(p -> {
            p.packMapHeader(5).packString("future").packMapHeader(1).packString("a").packArrayHeader(2).packNil()
                    .packDouble(1.5);
            p.packString("type").packString("ProxyNotif");
            p.packString("blob").packBinaryHeader(3).writePayload(new byte[] {1, 2, 3});
            p.packString("req_id").packString("r9");
            p.packString("ext").packExtensionTypeHeader((byte) 7, 4).writePayload(new byte[4]);
        });
        assertThat(WireCodec.decode(b)).isEqualTo(new ProxyNotif("r9"));
    }

    @Test
    void deeplyNestedUnknownValueIsSkippedWithoutRecursion() throws Exception {
        int depth = 200_000;
        byte[] prefix = pack(p -> p.packMapHeader(3).packString("type").packString("ProxyNotif").packString("req_id")
                .packString("d").packString("junk"));
        byte[] b = new byte[prefix.length + depth + 1];
        System.arraycopy(prefix, 0, b, 0, prefix.length);
        for (int i = 0; i < depth; i++) {
            b[prefix.length + i] = (byte) 0x91; // [[[[ ... ]]]]
        }
        b[b.length - 1] = 0x00;
        assertThat(WireCodec.decode(b)).isEqualTo(new ProxyNotif("d"));
    }

    @Test
    void missingFieldsWithDefaultsAreFilled() throws Exception {
        byte[] b = pack(p -> p.packMapHeader(2).packString("type").packString("AllocResponse")
                .packString("remote_indexes").packArrayHeader(1).packInt(3));
        AllocResponse r = WireCodec.decode(b, AllocResponse.class);
        assertThat(r.remoteIndexes()).containsExactly(3);
        assertThat(r.alreadySentIndexes()).isEmpty();
    }

    @Test
    void repeatedFieldKeepsTheLastValue() throws Exception {
        byte[] b = pack(p -> p.packMapHeader(3).packString("type").packString("ProxyNotif").packString("req_id")
                .packString("a").packString("req_id").packString("b"));
        assertThat(WireCodec.decode(b)).isEqualTo(new ProxyNotif("b"));
    }

    @Test
    void repeatedTypeMustNameTheSameClass() throws Exception {
        byte[] b = pack(p -> p.packMapHeader(3).packString("type").packString("ProxyNotif").packString("type")
                .packString("CancelNotif").packString("req_id").packString("b"));
        assertRejected(b, "Invalid value 'CancelNotif' - at `$.type`");
    }

    @Test
    void wideIntegerEncodingsAreAccepted() throws Exception {
        // fmt as uint64 1, last_chunk_toks as int64 100, total_chunks as int32 3, shape entries as uint32.
        byte[] b = pack(p -> {
            p.packMapHeader(9).packString("type").packString("AllocRequest");
            p.packString("keys").packArrayHeader(1).packString("k");
            p.packString("fmt").addPayload(hex("cf0000000000000001"));
            p.packString("shape").packArrayHeader(2).addPayload(hex("ce00000002")).addPayload(hex("d300000000000000ff"));
            p.packString("dtype").packString("half");
            p.packString("last_chunk_toks").addPayload(hex("d30000000000000064"));
            p.packString("req_id").packString("r");
            p.packString("is_last_batch").packBoolean(true);
            p.packString("total_chunks").addPayload(hex("d200000003"));
        });
        assertThat(WireCodec.decode(b)).isEqualTo(
                new AllocRequest(List.of("k"), 1, new long[] {2, 255}, "half", 100, "r", true, 3));
    }

    @Test
    void intWhereBoolExpectedIsRejected() throws Exception {
        byte[] b = WireCodec.encode(new AllocRequest(List.of("k"), 1, SHAPE, "half", 1, "r", true, 1));
        int at = indexOf(b, (byte) 0xc3);
        b[at] = 0x01;
        assertRejected(b, "Expected `bool`, got `int` - at `$.is_last_batch`");
    }

    @Test
    void boolWhereIntExpectedIsRejected() throws Exception {
        byte[] b = pack(p -> p.packMapHeader(2).packString("type").packString("AllocResponse")
                .packString("remote_indexes").packArrayHeader(2).packInt(1).packBoolean(true));
        assertRejected(b, "Expected `int`, got `bool` - at `$.remote_indexes[1]`");
    }

    @Test
    void strWhereIntExpectedIsRejected() throws Exception {
        byte[] b = pack(p -> p.packMapHeader(2).packString("type").packString("InitError").packString("version")
                .packString("1"));
        assertRejected(b, "Expected `int`, got `str` - at `$.version`");
    }

    @Test
    void bytesWhereStrExpectedAndStrWhereBytesExpectedAreRejected() throws Exception {
        byte[] b = pack(p -> p.packMapHeader(2).packString("type").packString("ProxyNotif").packString("req_id")
                .packBinaryHeader(1).writePayload(new byte[] {'x'}));
        assertRejected(b, "Expected `str`, got `bytes` - at `$.req_id`");
        byte[] tcp = WireCodec.encode(new TcpInitResponse(1, "h", 5, new byte[] {1}, 4096));
        byte[] wrong = pack(p -> p.packMapHeader(6).packString("type").packString("TcpInitResponse")
                .packString("version").packInt(1).packString("host").packString("h").packString("port").packInt(5)
                .packString("session_token").packString("x").packString("page_size").packInt(4096));
        assertThat(WireCodec.decode(tcp)).isInstanceOf(TcpInitResponse.class);
        assertRejected(wrong, "Expected `bytes`, got `str` - at `$.session_token`");
    }

    @Test
    void nestedGarbageInAKnownFieldIsRejected() throws Exception {
        byte[] b = pack(p -> p.packMapHeader(3).packString("type").packString("CancelNotif").packString("req_id")
                .packString("r").packString("keys").packArrayHeader(2).packString("ok").packArrayHeader(1)
                .packMapHeader(0));
        assertRejected(b, "Expected `str`, got `array` - at `$.keys[1]`");
        byte[] notList = pack(p -> p.packMapHeader(3).packString("type").packString("CancelNotif")
                .packString("req_id").packString("r").packString("keys").packString("k0"));
        assertRejected(notList, "Expected `array`, got `str` - at `$.keys`");
    }

    @Test
    void nullWhereStrExpectedIsRejected() throws Exception {
        byte[] b = pack(p -> p.packMapHeader(2).packString("type").packString("ProxyNotif").packString("req_id")
                .packNil());
        assertRejected(b, "Expected `str`, got `None` - at `$.req_id`");
    }

    @Test
    void floatWhereIntExpectedIsRejected() throws Exception {
        byte[] b = pack(p -> p.packMapHeader(2).packString("type").packString("InitError").packString("version")
                .packDouble(1.0));
        assertRejected(b, "Expected `int`, got `float` - at `$.version`");
    }

    @Test
    void integerOutOfTheJavaRangeIsRejected() throws Exception {
        byte[] b = pack(p -> p.packMapHeader(2).packString("type").packString("AllocResponse")
                .packString("remote_indexes").packArrayHeader(1).packLong(1L << 40));
        assertRejected(b, "Expected `int` in [-2147483648, 2147483647], got 1099511627776 - at `$.remote_indexes[0]`");
        byte[] u64 = pack(p -> p.packMapHeader(2).packString("type").packString("AllocResponse")
                .packString("remote_indexes").packArrayHeader(1).addPayload(hex("cfffffffffffffffff")));
        assertRejected(u64,
                "Expected `int` in [-2147483648, 2147483647], got 18446744073709551615 - at `$.remote_indexes[0]`");
    }

    @Test
    void missingRequiredFieldIsRejectedLikeMsgspec() throws Exception {
        byte[] b = pack(p -> p.packMapHeader(1).packString("type").packString("ProxyNotif"));
        assertRejected(b, "Object missing required field `req_id`");
    }

    @Test
    void missingTagIsRejected() throws Exception {
        byte[] b = pack(p -> p.packMapHeader(1).packString("req_id").packString("z"));
        assertRejected(b, "Object missing required field `type`");
    }

    @Test
    void unknownTagIsRejectedLikeMsgspec() throws Exception {
        byte[] b = pack(p -> p.packMapHeader(1).packString("type").packString("Bogus"));
        assertRejected(b, "Invalid value 'Bogus' - at `$.type`");
        byte[] intTag = pack(p -> p.packMapHeader(1).packString("type").packInt(5));
        assertRejected(intTag, "Expected `str`, got `int` - at `$.type`");
    }

    @Test
    void nonStringKeyIsRejected() throws Exception {
        byte[] b = pack(p -> p.packMapHeader(2).packString("type").packString("ProxyNotif").packInt(5).packString("z"));
        assertRejected(b, "Expected `str`, got `int` - at `key` in `$`");
    }

    @Test
    void topLevelMustBeAMap() throws Exception {
        assertRejected(pack(p -> p.packArrayHeader(2).packInt(1).packInt(2)), "Expected `object`, got `array`");
        assertRejected(new byte[0], "Input data was truncated");
    }

    @Test
    void everyTruncationIsRejected() throws Exception {
        byte[] full = WireCodec.encode(new AllocRequest(List.of("k0", "k1"), 1, SHAPE, "bfloat16", 100, "r", true, 2));
        for (int n = 0; n < full.length; n++) {
            byte[] prefix = java.util.Arrays.copyOf(full, n);
            assertThatThrownBy(() -> WireCodec.decode(prefix)).as("prefix of %d bytes", n)
                    .isInstanceOf(WireFormatException.class);
        }
        assertRejected(java.util.Arrays.copyOf(full, full.length - 1), "Input data was truncated");
    }

    @Test
    void trailingBytesAreRejected() {
        byte[] ok = WireCodec.encode(new ProxyNotif("a"));
        byte[] b = java.util.Arrays.copyOf(ok, ok.length + 1);
        assertRejected(b, "MessagePack data is malformed: trailing characters (byte 26)");
    }

    @Test
    void hugeHeadersAreRejectedBeforeAllocating() throws Exception {
        // An array header claiming 2^32-1 keys in a short message: rejected as truncated, nothing allocated.
        byte[] keys = pack(p -> p.packMapHeader(2).packString("type").packString("CancelNotif").packString("keys")
                .addPayload(hex("ddffffffff")));
        assertRejected(keys, "Input data was truncated");
        // 70,000 real elements: well-formed msgpack, but over the array cap.
        byte[] overCap = pack(p -> {
            p.packMapHeader(3).packString("type").packString("CancelNotif").packString("req_id").packString("r");
            p.packString("keys").packArrayHeader(70_000);
            for (int i = 0; i < 70_000; i++) {
                p.packString("");
            }
        });
        assertRejected(overCap, "Expected `array` of length <= 65536, got 70000 - at `$.keys`");
        // Under the cap but more elements than bytes left: truncated, not a 60,000-slot allocation.
        byte[] many = pack(p -> p.packMapHeader(2).packString("type").packString("CancelNotif").packString("keys")
                .addPayload(hex("dcea60")));
        assertRejected(many, "Input data was truncated");
        // A map header claiming 2^32-1 entries.
        assertRejected(hex("dfffffffff a474797065"), "Input data was truncated");
        // A str header claiming 4 GiB, and one over the str cap.
        assertRejected(pack(p -> p.packMapHeader(1).packString("type").addPayload(hex("dbffffffff"))),
                "Expected `str` of length <= 4096 bytes, got 4294967295 - at `$.type`");
        byte[] longStr = pack(p -> p.packMapHeader(2).packString("type").packString("ProxyNotif")
                .packString("req_id").packString("x".repeat(4097)));
        assertRejected(longStr, "Expected `str` of length <= 4096 bytes, got 4097 - at `$.req_id`");
        // A bin header claiming 4 GiB in a short message, and a real one over the bin cap.
        assertRejected(pack(p -> p.packMapHeader(2).packString("type").packString("TcpInitResponse")
                .packString("session_token").addPayload(hex("c6ffffffff"))), "Input data was truncated");
        byte[] bigBin = pack(p -> p.packMapHeader(2).packString("type").packString("TcpInitResponse")
                .packString("session_token").packBinaryHeader((1 << 20) + 1).writePayload(new byte[(1 << 20) + 1]));
        assertRejected(bigBin, "Expected `bytes` of length <= 1048576, got 1048577 - at `$.session_token`");
    }

    @Test
    void messageOverTheSizeCapIsRejectedUpFront() {
        byte[] big = new byte[(16 << 20) + 1];
        assertRejected(big, "Message of 16777217 bytes exceeds the limit of 16777216 bytes");
        WireLimits small = new WireLimits(8, 4, 4, 4);
        byte[] ok = WireCodec.encode(new ProxyNotif("a"));
        assertThatThrownBy(() -> WireCodec.decode(ok, 0, ok.length, small)).isInstanceOf(WireFormatException.class)
                .hasMessage("Message of 26 bytes exceeds the limit of 8 bytes");
    }

    @Test
    void invalidUtf8IsRejected() {
        byte[] b = hex("82a474797065aa50726f78794e6f746966a67265715f6964a2ff31");
        assertRejected(b, "Invalid UTF-8 in `str` - at `$.req_id`");
    }

    @Test
    void reservedOpcodeIsRejected() {
        byte[] b = hex("82a474797065aa50726f78794e6f746966a3666f6fc1");
        assertThatThrownBy(() -> WireCodec.decode(b)).isInstanceOf(WireFormatException.class)
                .hasMessageContaining("invalid opcode");
    }

    @Test
    void valueTheRecordRefusesIsAWireError() throws Exception {
        byte[] b = pack(p -> p.packMapHeader(3).packString("type").packString("ProxyNotif").packString("req_id")
                .packString("r").packString("x").packInt(1));
        assertThat(WireCodec.decode(b)).isEqualTo(new ProxyNotif("r"));
        byte[] neg = pack(p -> {
            p.packMapHeader(7).packString("type").packString("AllocRequest").packString("keys").packArrayHeader(0)
                    .packString("fmt").packInt(1).packString("shape").packArrayHeader(0).packString("dtype")
                    .packString("half").packString("last_chunk_toks").packInt(1).packString("total_chunks").packInt(-1);
        });
        assertRejected(neg, "Invalid AllocRequest: total_chunks must be >= 0, got -1");
    }

    @Test
    void typedDecodeNamesBothTags() {
        byte[] b = WireCodec.encode(new CancelNotif("r", List.of()));
        assertThatThrownBy(() -> WireCodec.decode(b, ProxyNotif.class)).isInstanceOf(WireFormatException.class)
                .hasMessage("Expected `ProxyNotif`, got `CancelNotif` - at `$.type`");
    }

    @Test
    void nullAndBadSlicesAreWireErrors() {
        assertThatThrownBy(() -> WireCodec.decode((byte[]) null)).isInstanceOf(WireFormatException.class);
        assertThatThrownBy(() -> WireCodec.decode((ByteBuffer) null)).isInstanceOf(WireFormatException.class);
        assertThatThrownBy(() -> WireCodec.decode(new byte[4], 3, 2)).isInstanceOf(WireFormatException.class)
                .hasMessageContaining("Invalid slice");
    }

    @Test
    void byteBufferDecodeHandlesHeapDirectAndSlices() throws Exception {
        byte[] m = WireCodec.encode(new ProxyNotif("bb"));
        ByteBuffer direct = ByteBuffer.allocateDirect(m.length + 3);
        direct.put(new byte[] {9, 9, 9}).put(m).flip().position(3);
        assertThat(WireCodec.decode(direct)).isEqualTo(new ProxyNotif("bb"));
        assertThat(direct.remaining()).isZero();
        byte[] padded = new byte[m.length + 2];
        System.arraycopy(m, 0, padded, 1, m.length);
        ByteBuffer heap = ByteBuffer.wrap(padded, 1, m.length).slice();
        assertThat(WireCodec.decode(heap)).isEqualTo(new ProxyNotif("bb"));
        assertThat(WireCodec.decode(padded, 1, m.length)).isEqualTo(new ProxyNotif("bb"));
    }

    @Test
    void handshakeFromAnotherVersionIsReportedAsAVersionMismatch() throws Exception {
        // A future peer whose TcpInitRequest renamed sender_id: the decoder says so in terms of versions.
        byte[] v2 = pack(p -> p.packMapHeader(3).packString("type").packString("TcpInitRequest").packString("version")
                .packInt(2).packString("client").packString("x"));
        assertThatThrownBy(() -> WireCodec.decode(v2)).isInstanceOf(WireFormatException.class)
                .hasMessage("Protocol version mismatch: peer sent TcpInitRequest version 2, this side speaks version 1"
                        + " (Object missing required field `sender_id`)");
        // A well-formed one from another version decodes, and the server refuses it explicitly.
        TcpInitRequest other = WireCodec.decode(WireCodec.encode(new TcpInitRequest(7, "s")), TcpInitRequest.class);
        assertThat(other.version()).isEqualTo(7);
        assertThatThrownBy(() -> WireCodec.requireVersion(other)).isInstanceOf(WireFormatException.class)
                .hasMessage("Protocol version mismatch: peer sent TcpInitRequest version 7, this side speaks version 1");
        TcpInitRequest ours = new TcpInitRequest(WireCodec.PROTOCOL_VERSION, "s");
        assertThat(WireCodec.requireVersion(ours)).isSameAs(ours);
    }

    private static int indexOf(byte[] b, byte v) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        throw new AssertionError("byte not found");
    }
}
