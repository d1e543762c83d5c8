package io.kvcourier.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every message survives encode → decode, including unsigned and edge values; bad records are refused. */
class RoundTripTest {

    static Stream<PdMessage> messages() {
        byte[] gid = new byte[16];
        for (int i = 0; i < 16; i++) {
            gid[i] = (byte) (0xf0 + i);
        }
        return Stream.of(
                new AllocRequest(List.of("m@00000001@0@abcd", "ünïcødé-€-𝄞"), 6, new long[] {1, -5, Long.MAX_VALUE,
                        Long.MIN_VALUE}, "fp8_e4m3fn", 0, "cmpl-1", true, Integer.MAX_VALUE),
                new AllocRequest(List.of(), 0, new long[0], "", 0),
                new AllocResponse(new int[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE}, new int[] {1, 2}),
                new AllocResponse(new int[0]),
                new ProxyNotif(""),
                new ProxyNotif("x".repeat(4096)),
                new CancelNotif("r", List.of("a", "b")),
                new MockInitRequest(1, "sender-pid1-abc"),
                new MockInitResponse(1, "chan", 32L << 20),
                new TcpInitRequest(1, "s"),
                new TcpInitResponse(1, "10.0.0.2", 65535, new byte[32], 5L << 30),
                new VerbsInitRequest(1, "s", new int[] {0x11, 0xFFFF_FFFF}, new int[] {0xFFFFFF, 0}, gid, 65535, 5),
                new VerbsInitResponse(1, new int[] {7}, new int[] {0x800000}, gid, 0, 3, 0xFFFF_8000_0000_1000L,
                        0xDEAD_BEEF, 4096),
                new InitError(1, "protocol version mismatch"));
    }

    @ParameterizedTest
    @MethodSource("messages")
    void roundTrips(PdMessage m) throws Exception {
        byte[] bytes = WireCodec.encode(m);
        PdMessage back = WireCodec.decode(bytes);
        assertThat(back).isEqualTo(m).hasSameHashCodeAs(m);
        assertThat(back.tag()).isEqualTo(m.getClass().getSimpleName());
        assertThat(WireCodec.decode(bytes, m.getClass())).isEqualTo(m);
    }

    @Test
    void unsignedFieldsUseUnsignedEncodings() throws Exception {
        VerbsInitResponse m = new VerbsInitResponse(1, new int[] {-1}, new int[] {0}, new byte[0], 0, 0, -1L, -1, 0);
        byte[] bytes = WireCodec.encode(m);
        String hex = java.util.HexFormat.of().formatHex(bytes);
        assertThat(hex).contains("91ceffffffff") // qp_nums = [4294967295]
                .contains("cfffffffffffffffff") // buffer_addr = 2^64-1
                .contains("a4726b6579ceffffffff"); // rkey = 4294967295
        VerbsInitResponse back = WireCodec.decode(bytes, VerbsInitResponse.class);
        assertThat(back.bufferAddr()).isEqualTo(-1L);
        assertThat(Integer.toUnsignedLong(back.rkey())).isEqualTo(0xFFFF_FFFFL);
    }

    @Test
    void recordsCopyTheirArraysAndHideSecrets() {
        long[] shape = {1, 2};
        AllocRequest r = new AllocRequest(List.of("k"), 1, shape, "half", 1);
        shape[0] = 99;
        assertThat(r.shape()).containsExactly(1, 2);
        r.shape()[1] = 99;
        assertThat(r.shape()).containsExactly(1, 2);
        TcpInitResponse t = new TcpInitResponse(1, "h", 1, new byte[] {0x53, 0x45}, 1);
        assertThat(t.toString()).contains("<2 bytes>").doesNotContain("83").doesNotContain("SE");
        List<String> keys = new ArrayList<>(List.of("a"));
        CancelNotif c = new CancelNotif("r", keys);
        keys.add("b");
        assertThat(c.keys()).containsExactly("a");
    }

    @Test
    void recordsNameTheBadField() {
        assertThatThrownBy(() -> new ProxyNotif(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("req_id must not be null");
        assertThatThrownBy(() -> new CancelNotif("r", java.util.Arrays.asList("a", null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("keys[1] must not be null");
        assertThatThrownBy(() -> new AllocRequest(List.of(), 1, new long[0], "x", -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("last_chunk_toks must be >= 0, got -1");
        assertThatThrownBy(() -> new TcpInitResponse(1, "h", 70000, new byte[0], 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("port must be in [0, 65535], got 70000");
        assertThatThrownBy(() -> new VerbsInitRequest(1, "s", new int[2], new int[1], new byte[0], 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("qp_nums and psns must have the same length, got 2 and 1");
    }

    @Test
    void encoderRefusesWhatAPeerWouldReject() {
        WireEncoder e = new WireEncoder();
        assertThatThrownBy(() -> e.encode(new ProxyNotif("x".repeat(4097))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("req_id is 4097 UTF-8 bytes, over the limit of 4096");
        assertThatThrownBy(() -> e.encode(new ProxyNotif("a\uD800b"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("req_id is not valid Unicode: lone surrogate at index 1");
        assertThatThrownBy(() -> e.encode(new AllocRequest(List.of("k"), 1, new long[0], "x", 1, "r", false, 0),
                Schema.SYNC)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SYNC");
        assertThatThrownBy(() -> e.encode(new AllocResponse(new int[65_537])))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("remote_indexes has 65537 elements, over the limit of 65536");
        WireEncoder tiny = new WireEncoder(new WireLimits(30, 10, 100, 10));
        assertThatThrownBy(() -> tiny.encode(new ProxyNotif("abcdefghij")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ProxyNotif encodes to 35 bytes, over the limit of 30");
        // A failed encode leaves the encoder usable.
        assertThat(e.encode(new ProxyNotif("1")).remaining()).isEqualTo(26);
    }

    @Test
    void encoderViewIsReusedAndGrows() throws Exception {
        WireEncoder e = new WireEncoder();
        ByteBuffer first = e.encode(new ProxyNotif("a"));
        assertThat(first.isReadOnly()).isTrue();
        assertThat(first.position()).isZero();
        assertThat(first.remaining()).isEqualTo(e.length()).isEqualTo(26);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            keys.add("key-" + i);
        }
        CancelNotif big = new CancelNotif("r", keys);
        ByteBuffer second = e.encode(big);
        assertThat(second.remaining()).isEqualTo(e.length()).isGreaterThan(256);
        assertThat(WireCodec.decode(e.toByteArray())).isEqualTo(big);
        assertThat(WireCodec.decode(second)).isEqualTo(big);
        assertThat(WireCodec.decode(e.array(), 0, e.length())).isEqualTo(big);
        assertThat(e.encode(new ProxyNotif("a"))).isSameAs(e.encode(new ProxyNotif("b")));
    }
}
