package io.kvcourier.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvcourier.l2.ObjectKey;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * The keys of a decoded AllocRequest are kept as the UTF-8 they arrived in: they read as the strings that were sent,
 * parse to the same keys without a String each, and a bad element is still rejected naming its index.
 */
class DecodedKeyListTest {
    private static final long[] SHAPE = {2, 32, 256, 1024};

    private static List<String> keys(int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String model = i % 3 == 0 ? "mod\u00e8le" : "meta-llama/Llama-3.1-8B";
            out.add(model + String.format("@%08x@%x@%064x", 0x01000000 | i, i % 5, (long) i * 0x9e3779b97f4a7c15L)
                    + (i % 4 == 0 ? "@tenant-" + i : ""));
        }
        return out;
    }

    private static AllocRequest decode(List<String> keys) throws WireFormatException {
        byte[] bytes = WireCodec.encode(new AllocRequest(keys, 1, SHAPE, "bfloat16", 256, "req-1", true, keys.size()));
        return (AllocRequest) WireCodec.decode(bytes);
    }

    @Test
    void decodedKeysReadAsTheStringsSentAndParseToTheSameKeys() throws Exception {
        List<String> sent = keys(300); // past the 128 element paths the decoder keeps
        AllocRequest got = decode(sent);
        assertThat(got.keys()).isEqualTo(sent).hasSameHashCodeAs(sent).containsExactlyElementsOf(sent);
        assertThat(got.keys().get(299)).isEqualTo(sent.get(299));
        assertThat(got).isEqualTo(new AllocRequest(sent, 1, SHAPE, "bfloat16", 256, "req-1", true, 300));
        Utf8StringList decoded = (Utf8StringList) got.keys();
        for (int i = 0; i < sent.size(); i++) {
            assertThat(decoded.parseKey(i)).isEqualTo(ObjectKey.parse(sent.get(i)));
        }
        assertThatThrownBy(() -> decoded.parseKey(300)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> got.keys().add("x")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(decode(List.of()).keys()).isEmpty();
    }

    @Test
    void aMalformedKeyFailsItsParseNotTheDecode() throws Exception {
        AllocRequest got = decode(List.of("m@00000001@0@ab", "m@1@0@ab"));
        Utf8StringList decoded = (Utf8StringList) got.keys();
        assertThat(decoded.parseKey(0)).isEqualTo(ObjectKey.parse("m@00000001@0@ab"));
        assertThatThrownBy(() -> decoded.parseKey(1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kv_rank");
    }

    /** msgpack-core writes the message, with element {@code bad} of the keys replaced by {@code badElement}. */
    private static byte[] withBadKey(int n, int bad, byte[] badElement) throws IOException {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(6).packString("type").packString("AllocRequest").packString("keys").packArrayHeader(n);
            for (int i = 0; i < n; i++) {
                if (i == bad) {
                    p.writePayload(badElement);
                } else {
                    p.packString("m@00000001@0@ab");
                }
            }
            p.packString("fmt").packInt(1).packString("shape").packArrayHeader(1).packLong(8);
            p.packString("dtype").packString("uint8").packString("last_chunk_toks").packInt(0);
            return p.toByteArray();
        }
    }

    @Test
    void aBadElementIsRejectedNamingItsIndex() throws Exception {
        byte[] invalidUtf8 = {(byte) 0xa2, (byte) 0xff, 0x31};
        byte[] notAString = {0x07};
        byte[] truncatedStr8 = {(byte) 0xd9, 0x7f, 0x61};
        for (int index : new int[] {3, 200}) {
            assertThatThrownBy(() -> WireCodec.decode(withBadKey(201, index, invalidUtf8)))
                    .isInstanceOf(WireFormatException.class)
                    .hasMessage("Invalid UTF-8 in `str` - at `$.keys[" + index + "]`");
            assertThatThrownBy(() -> WireCodec.decode(withBadKey(201, index, notAString)))
                    .isInstanceOf(WireFormatException.class)
                    .hasMessage("Expected `str`, got `int` - at `$.keys[" + index + "]`");
        }
        assertThatThrownBy(() -> WireCodec.decode(withBadKey(201, 200, truncatedStr8)))
                .isInstanceOf(WireFormatException.class).hasMessage("Input data was truncated");
    }

    /**
     * What a receiver pays per key to decode an AllocRequest and parse its keys: the key (object, 32-byte hash), its
     * slot in the key list, and its share of the one copy of the message's key bytes; no String, and no String's
     * array, per key. Those two alone would add about 150 bytes per key of this length (113 UTF-8 bytes).
     */
    @Test
    void decodingAndParsingAKeyAllocatesNoStringForIt() throws Exception {
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 512; i++) { // a runtime's keys: one ASCII model name and salt (other texts are decoded)
            sent.add(String.format("meta-llama/Llama-3.1-8B@%08x@0@%064x@tenant-1", 0x01000000,
                    (long) i * 0x9e3779b97f4a7c15L));
        }
        byte[] bytes = WireCodec.encode(new AllocRequest(sent, 1, SHAPE, "bfloat16", 256, "req-1", true, 512));
        int rounds = 200;
        long[] sink = new long[1];
        Runnable loop = () -> {
            for (int r = 0; r < rounds; r++) {
                try {
                    Utf8StringList keys = (Utf8StringList) ((AllocRequest) WireCodec.decode(bytes)).keys();
                    for (int i = 0; i < keys.size(); i++) {
                        sink[0] += keys.parseKey(i).kvRank();
                    }
                } catch (WireFormatException e) {
                    throw new AssertionError(e);
                }
            }
        };
        for (int warm = 0; warm < 20; warm++) {
            loop.run();
        }
        long perKey = WireEncoderAllocationTest.allocatedBy(loop) / (rounds * 512L);
        System.out.printf("AllocRequest decode + key parse: %d bytes allocated per key%n", perKey);
        assertThat(sink[0]).isNotZero();
        // ObjectKey 40 + hash array 48 + a list slot 4-8 + the key bytes copied once (~115) + offsets 8 = ~220
        assertThat(perKey).as("bytes allocated per key").isLessThan(260);
    }
}
