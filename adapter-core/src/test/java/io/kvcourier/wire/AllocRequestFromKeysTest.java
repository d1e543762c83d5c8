package io.kvcourier.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import io.kvcourier.l2.ObjectKey;
import org.junit.jupiter.api.Test;

/**
 * {@link WireEncoder#encodeAllocRequest} writes the same bytes as encoding the equivalent {@link AllocRequest}
 * record (whose wire form is checked against msgspec elsewhere), and refuses the same inputs with the same errors.
 */
class AllocRequestFromKeysTest {
    private static final String[] MODELS = {"", "m", "meta-llama/Llama-3.1-8B-Instruct", "Qwen/Qwen2.5-72B",
        "mod\u00e8le-fran\u00e7ais", "\u6a21\u578b-\u4e2d\u6587", "emoji-\uD83E\uDD99-llama", "x".repeat(300),
        "\u00e9".repeat(140)};
    private static final String[] SALTS = {"", "s", "alice", "tenant-42_b", "sel-\u00e9\u00e8", "\u5869",
        "\uD834\uDD1E", "y".repeat(128), "\u00e9".repeat(128)};
    private static final long[] GROUPS = {0, 1, 0x1f, 0xabcdef, Long.MAX_VALUE};

    private static ObjectKey randomKey(Random random) {
        byte[] hash = new byte[random.nextInt(4) == 0 ? random.nextInt(70) : 32];
        random.nextBytes(hash);
        return new ObjectKey(hash, MODELS[random.nextInt(MODELS.length)], random.nextInt(),
                GROUPS[random.nextInt(GROUPS.length)], SALTS[random.nextInt(SALTS.length)]);
    }

    private static List<String> canonical(ObjectKey[] keys, int from, int count) {
        List<String> out = new ArrayList<>(count);
        for (int i = from; i < from + count; i++) {
            out.add(keys[i].toCanonicalString());
        }
        return out;
    }

    private static byte[] bytes(ByteBuffer view) {
        byte[] out = new byte[view.remaining()];
        view.duplicate().get(out);
        return out;
    }

    @Test
    void sameBytesAsTheRecordOverManyKeyShapes() throws Exception {
        Random random = new Random(7);
        WireEncoder fromKeys = new WireEncoder();
        WireEncoder fromRecord = new WireEncoder();
        HexFormat hex = HexFormat.of();
        int[] counts = {0, 1, 2, 15, 16, 17, 64, 200};
        for (int round = 0; round < 400; round++) {
            int count = counts[round % counts.length];
            int from = random.nextInt(4);
            ObjectKey[] keys = new ObjectKey[from + count + random.nextInt(3)];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = randomKey(random);
            }
            long[] shape = new long[random.nextInt(6)];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = random.nextInt(3) == 0 ? random.nextLong() : random.nextInt(70_000);
            }
            String dtype = random.nextBoolean() ? "bfloat16" : "fp8_e4m3fn";
            String reqId = random.nextBoolean() ? "" : "cmpl-" + Long.toHexString(random.nextLong()) + "-\u00e9";
            int fmt = random.nextInt(10);
            int toks = random.nextInt(3) == 0 ? 0 : random.nextInt(Integer.MAX_VALUE);
            boolean last = random.nextBoolean();
            int total = random.nextInt(3) == 0 ? count : random.nextInt(Integer.MAX_VALUE);

            AllocRequest record = new AllocRequest(canonical(keys, from, count), fmt, shape, dtype, toks, reqId, last,
                    total);
            byte[] expected = bytes(fromRecord.encode(record));
            // twice: the second time every key's UTF-8 form comes from its cache
            for (int pass = 0; pass < 2; pass++) {
                ByteBuffer view = fromKeys.encodeAllocRequest(keys, from, count, fmt, shape, dtype, toks, reqId, last,
                        total);
                assertThat(view.isReadOnly()).isTrue();
                assertThat(view.remaining()).isEqualTo(fromKeys.length());
                assertThat(hex.formatHex(bytes(view))).as("round %d pass %d", round, pass)
                        .isEqualTo(hex.formatHex(expected));
            }
            assertThat(WireCodec.decode(fromKeys.toByteArray(), AllocRequest.class)).isEqualTo(record);
        }
    }

    @Test
    void decodedKeysParseBackToTheSentKeys() throws Exception {
        ObjectKey[] keys = {
            new ObjectKey(new byte[] {1, 2, 3, 4}, "mod\u00e8le", 0xFFFF0001, 7, "sel-\u00e9"),
            ObjectKey.of(new byte[0], "", 0),
            new ObjectKey(new byte[32], "emoji-\uD83E\uDD99", 0x01020304, Long.MAX_VALUE, ""),
        };
        WireEncoder e = new WireEncoder();
        e.encodeAllocRequest(keys, 0, keys.length, 1, new long[] {2, 32, 256, 1024}, "bfloat16", 256, "r1", true, 3);
        AllocRequest decoded = WireCodec.decode(e.toByteArray(), AllocRequest.class);
        for (int i = 0; i < keys.length; i++) {
            assertThat(ObjectKey.parse(decoded.keys().get(i))).isEqualTo(keys[i]);
        }
        assertThat(decoded.reqId()).isEqualTo("r1");
        assertThat(decoded.isLastBatch()).isTrue();
        assertThat(decoded.totalChunks()).isEqualTo(3);
    }

    @Test
    void refusesWhatTheRecordRefusesWithTheSameMessage() {
        WireEncoder e = new WireEncoder();
        ObjectKey ok = ObjectKey.of(new byte[] {1}, "m", 0);
        long[] shape = {1};
        ObjectKey[] keys = {ok};
        assertThatThrownBy(() -> e.encodeAllocRequest(keys, 0, 1, 1, shape, "x", -1, "", false, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("last_chunk_toks must be >= 0, got -1");
        assertThatThrownBy(() -> e.encodeAllocRequest(keys, 0, 1, 1, shape, "x", 0, "", false, -2))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("total_chunks must be >= 0, got -2");
        assertThatThrownBy(() -> e.encodeAllocRequest(keys, 0, 1, 1, null, "x", 0, "", false, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("shape must not be null");
        assertThatThrownBy(() -> e.encodeAllocRequest(keys, 0, 1, 1, shape, null, 0, "", false, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("dtype must not be null");
        assertThatThrownBy(() -> e.encodeAllocRequest(keys, 0, 1, 1, shape, "x", 0, null, false, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("req_id must not be null");
        assertThatThrownBy(() -> e.encodeAllocRequest(null, 0, 0, 1, shape, "x", 0, "", false, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("keys must not be null");
        assertThatThrownBy(() -> e.encodeAllocRequest(new ObjectKey[] {ok, null}, 0, 2, 1, shape, "x", 0, "", false, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("keys[1] must not be null");
        assertThatThrownBy(() -> e.encodeAllocRequest(keys, 1, 1, 1, shape, "x", 0, "", false, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("keys[from, from + count) must lie within the 1 keys, got from 1 and count 1");
        assertThatThrownBy(() -> e.encodeAllocRequest(keys, -1, 1, 1, shape, "x", 0, "", false, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("from -1");
        assertThatThrownBy(() -> e.encodeAllocRequest(keys, 0, -1, 1, shape, "x", 0, "", false, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("count -1");
        // a null outside the range is not sent, so it is no error
        ByteBuffer sent = e.encodeAllocRequest(new ObjectKey[] {null, ok, null}, 1, 1, 1, shape, "x", 0, "", false, 0);
        assertThat(bytes(sent)).isEqualTo(WireCodec.encode(new AllocRequest(List.of("m@00000000@0@01"), 1, shape, "x",
                0, "", false, 0)));
    }

    @Test
    void limitsAndInvalidUnicodeFailAsForTheRecord() {
        ObjectKey lone = ObjectKey.of(new byte[] {1}, "bad\uD800model", 0);
        ObjectKey longKey = ObjectKey.of(new byte[] {1}, "z".repeat(4096), 0);
        ObjectKey fine = ObjectKey.of(new byte[] {1}, "m", 0);
        long[] shape = {1};
        WireEncoder e = new WireEncoder();
        for (ObjectKey[] keys : new ObjectKey[][] {{fine, lone}, {longKey}}) {
            AllocRequest record = new AllocRequest(canonical(keys, 0, keys.length), 1, shape, "x", 0, "", false, 0);
            Throwable expected = catchThrowable(() -> e.encode(record));
            assertThat(expected).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> e.encodeAllocRequest(keys, 0, keys.length, 1, shape, "x", 0, "", false, 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage(expected.getMessage());
        }
        assertThatThrownBy(() -> e.encodeAllocRequest(new ObjectKey[] {lone}, 0, 1, 1, shape, "x", 0, "", false, 0))
                .hasMessage("keys is not valid Unicode: lone surrogate at index 3");
        WireEncoder tiny = new WireEncoder(new WireLimits(1 << 20, 2, 4096, 10));
        assertThatThrownBy(() -> tiny.encodeAllocRequest(new ObjectKey[] {fine, fine, fine}, 0, 3, 1, shape, "x", 0, "",
                false, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("keys has 3 elements, over the limit of 2");
        int size = WireCodec.encode(new AllocRequest(List.of("m@00000000@0@01", "m@00000000@0@01"), 1, shape, "x", 0,
                "", false, 0)).length;
        WireEncoder small = new WireEncoder(new WireLimits(size - 1, 100, 4096, 10));
        assertThatThrownBy(() -> small.encodeAllocRequest(new ObjectKey[] {fine, fine}, 0, 2, 1, shape, "x", 0, "",
                false, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("AllocRequest encodes to " + size + " bytes, over the limit of " + (size - 1));
        // a failed encode leaves the encoder usable
        assertThat(e.encodeAllocRequest(new ObjectKey[] {fine}, 0, 1, 1, shape, "x", 0, "", false, 0).remaining())
                .isPositive();
    }
}
