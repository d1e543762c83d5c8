package io.kvcourier.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Every golden vector of docs/PROTOCOL.md#B.3, byte for byte, in both directions. */
class GoldenVectorTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final long[] SHAPE = {2, 32, 256, 1024};

    private static byte[] hex(String s) {
        return HEX.parseHex(s.replaceAll("\\s", ""));
    }

    private static void assertEncodes(PdMessage m, Schema schema, String expectedHex) throws Exception {
        byte[] expected = hex(expectedHex);
        assertThat(HEX.formatHex(WireCodec.encode(m, schema))).isEqualTo(HEX.formatHex(expected));
        assertThat(WireCodec.decode(expected)).isEqualTo(m);
    }

    @Test
    void proxyNotifShort() throws Exception {
        byte[] expected = hex("82 a4 74797065 aa 50726f78794e6f746966 a6 7265715f6964 a1 31");
        assertThat(expected).hasSize(26);
        assertEncodes(new ProxyNotif("1"), Schema.ASYNC, HEX.formatHex(expected));
    }

    @Test
    void proxyNotifCompletionId() throws Exception {
        assertEncodes(new ProxyNotif("cmpl-abc"), Schema.ASYNC,
                "82a474797065aa50726f78794e6f746966a67265715f6964a8636d706c2d616263");
    }

    @Test
    void allocRequestAsyncDefaults() throws Exception {
        String v = """
                89a474797065ac416c6c6f6352657175657374a46b65797392a26b30a26b31a3666d7401a57368617065
                940220cd0100cd0400a56474797065a862666c6f61743136af6c6173745f6368756e6b5f746f6b7364
                a67265715f6964a0ad69735f6c6173745f6261746368c2ac746f74616c5f6368756e6b7300""";
        assertThat(hex(v)).hasSize(120);
        assertEncodes(new AllocRequest(List.of("k0", "k1"), 1, SHAPE, "bfloat16", 100), Schema.ASYNC, v);
    }

    @Test
    void allocRequestAsyncWithRequestFields() throws Exception {
        String v = """
                89a474797065ac416c6c6f6352657175657374a46b65797391a26b30a3666d7401a57368617065940220cd
                0100cd0400a56474797065a862666c6f61743136af6c6173745f6368756e6b5f746f6b73cd0100a672657
                15f6964a27231ad69735f6c6173745f6261746368c3ac746f74616c5f6368756e6b7303""";
        assertEncodes(new AllocRequest(List.of("k0"), 1, SHAPE, "bfloat16", 256, "r1", true, 3), Schema.ASYNC, v);
    }

    @Test
    void allocRequestSyncSchemaEncodesFiveFieldsAndDecodesWithDefaults() throws Exception {
        String v = """
                86a474797065ac416c6c6f6352657175657374a46b65797391a26b30a3666d7401a57368617065940220cd
                0100cd0400a56474797065a862666c6f61743136af6c6173745f6368756e6b5f746f6b73cd0100""";
        AllocRequest sync = new AllocRequest(List.of("k0"), 1, SHAPE, "bfloat16", 256);
        assertEncodes(sync, Schema.SYNC, v);
        AllocRequest decoded = WireCodec.decode(hex(v), AllocRequest.class);
        assertThat(decoded.reqId()).isEmpty();
        assertThat(decoded.isLastBatch()).isFalse();
        assertThat(decoded.totalChunks()).isZero();
    }

    @Test
    void allocResponseAsyncOrder() throws Exception {
        String v = """
                83a474797065ad416c6c6f63526573706f6e7365ae72656d6f74655f696e64657865739205ffb4616c72
                656164795f73656e745f696e646578657390""";
        assertThat(hex(v)).hasSize(60);
        assertEncodes(new AllocResponse(new int[] {5, -1}), Schema.ASYNC, v);
    }

    @Test
    void allocResponseCurrentUpstreamDedupShape() throws Exception {
        // 4 keys, positions 0 and 2 already held: pages only for positions 1 and 3 (docs/INTEROP.md).
        String v = """
                83a474797065ad416c6c6f63526573706f6e7365ae72656d6f74655f696e646578657392090cb4616c72
                656164795f73656e745f696e6465786573920002""";
        assertEncodes(new AllocResponse(new int[] {9, 12}, new int[] {0, 2}), Schema.ASYNC, v);
    }

    @Test
    void allocResponseEveryKeyAlreadySent() throws Exception {
        String v = """
                83a474797065ad416c6c6f63526573706f6e7365ae72656d6f74655f696e646578657390b4616c72656164
                795f73656e745f696e646578657393000102""";
        assertEncodes(new AllocResponse(new int[0], new int[] {0, 1, 2}), Schema.ASYNC, v);
    }

    @Test
    void allocResponseSyncOrder() throws Exception {
        String v = """
                83a474797065ad416c6c6f63526573706f6e7365b4616c72656164795f73656e745f696e6465786573
                9100ae72656d6f74655f696e64657865739107""";
        AllocResponse sync = new AllocResponse(new int[] {7}, new int[] {0});
        assertEncodes(sync, Schema.SYNC, v);
        assertThat(WireCodec.decode(hex(v), AllocResponse.class).alreadySentIndexes()).containsExactly(0);
    }

    @Test
    void cancelNotif() throws Exception {
        assertEncodes(new CancelNotif("r1", List.of("k0")), Schema.ASYNC,
                "83a474797065ab43616e63656c4e6f746966a67265715f6964a27231a46b65797391a26b30");
    }

    @Test
    void integerWidthsAreTheSmallestEncoding() throws Exception {
        int[] values = {127, 128, 255, 256, 65535, 65536, -32, -33, -129};
        byte[] encoded = WireCodec.encode(new AllocResponse(values));
        String arrayHex = "997fcc80ccffcd0100cdffffce00010000e0d0dfd1ff7f";
        assertThat(HEX.formatHex(encoded)).contains(arrayHex);
        assertThat(WireCodec.decode(encoded, AllocResponse.class).remoteIndexes()).containsExactly(values);
    }

    @Test
    void schemaIsIgnoredByMessagesWithOneSchema() {
        ProxyNotif p = new ProxyNotif("x");
        assertThat(WireCodec.encode(p, Schema.SYNC)).isEqualTo(WireCodec.encode(p, Schema.ASYNC));
    }
}
