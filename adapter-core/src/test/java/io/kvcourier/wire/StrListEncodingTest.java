package io.kvcourier.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * A {@code list[str]} (AllocRequest's keys) is written as msgpack's array header and each element's smallest str
 * header and UTF-8 bytes, whichever path writes it: runs of ASCII strings copied in one bulk pass, the string a
 * run stops at (non-ASCII, over the str limit, no room left in the run) on its own, or a decoded list's bytes.
 */
class StrListEncodingTest {
    private static final String[] NON_ASCII = {"\u0080", "\u00e9", "\u0141", "\u20ac", "\uD834\uDD1E"};

    private static byte[] expected(List<String> values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int n = values.size();
        if (n <= 15) {
            out.write(0x90 | n);
        } else {
            out.write(0xdc);
            out.write(n >> 8);
            out.write(n);
        }
        for (String s : values) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            int len = utf8.length;
            if (len <= 31) {
                out.write(0xa0 | len);
            } else if (len <= 0xff) {
                out.write(0xd9);
                out.write(len);
            } else {
                out.write(0xda);
                out.write(len >> 8);
                out.write(len);
            }
            out.writeBytes(utf8);
        }
        return out.toByteArray();
    }

    private static void assertWrites(MsgpackWriter w, List<String> values) {
        w.reset();
        w.strList(values, "keys");
        HexFormat hex = HexFormat.of();
        assertThat(hex.formatHex(w.toByteArray())).as("%d strings", values.size())
                .isEqualTo(hex.formatHex(expected(values)));
    }

    private static String ascii(int n, int seed) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append((char) ((i * 7 + seed) % 0x80)); // NUL and DEL included
        }
        return sb.toString();
    }

    /** A key as a sender builds it: model@world size@rank@64 hex digits (93 chars). */
    private static String key(int i) {
        return "meta-llama-3.1-8b@00000000@0@" + String.format("%064x", (long) i * 0x9E3779B97F4A7C15L);
    }

    @Test
    void asciiListsOfEveryHeaderSizeAndRunLength() {
        MsgpackWriter w = new MsgpackWriter(WireLimits.DEFAULT);
        for (int count : new int[] {0, 1, 2, 3, 8, 15, 16, 64, 200, 1000}) {
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                keys.add(key(i));
            }
            assertWrites(w, keys); // 1000 x 95 bytes: several runs of at most 16 Ki chars
        }
        List<String> lengths = new ArrayList<>();
        for (int n : new int[] {0, 1, 30, 31, 32, 33, 254, 255, 256, 257, 4095, 4096, 0}) {
            lengths.add(ascii(n, n));
        }
        assertWrites(w, lengths);
        assertWrites(new MsgpackWriter(WireLimits.DEFAULT), lengths); // from a 256-byte buffer that must grow
    }

    @Test
    void aNonAsciiStringAnywhereInTheListIsWrittenAsUtf8AndTheRestStayExact() {
        MsgpackWriter w = new MsgpackWriter(WireLimits.DEFAULT);
        for (String c : NON_ASCII) {
            for (int count : new int[] {2, 3, 8, 64}) {
                for (int which : new int[] {0, 1, count / 2, count - 1}) {
                    for (int at : new int[] {0, 40, 92}) {
                        List<String> keys = new ArrayList<>();
                        for (int i = 0; i < count; i++) {
                            String k = key(i);
                            keys.add(i == which ? k.substring(0, at) + c + k.substring(at) : k);
                        }
                        assertWrites(w, keys);
                    }
                }
            }
        }
    }

    @Test
    void randomListsMatchTheJdkUtf8Encoding() {
        Random random = new Random(7);
        MsgpackWriter w = new MsgpackWriter(WireLimits.DEFAULT);
        for (int round = 0; round < 500; round++) {
            List<String> keys = new ArrayList<>();
            int count = random.nextInt(round % 10 == 0 ? 400 : 20);
            for (int i = 0; i < count; i++) {
                String k = ascii(random.nextInt(300), random.nextInt(128));
                if (random.nextInt(8) == 0) {
                    int at = random.nextInt(k.length() + 1);
                    k = k.substring(0, at) + NON_ASCII[random.nextInt(NON_ASCII.length)] + k.substring(at);
                }
                keys.add(k);
            }
            assertWrites(w, keys);
        }
    }

    @Test
    void aLoneSurrogateOrAnOverLongStringInsideARunIsRefusedWithTheField() {
        MsgpackWriter w = new MsgpackWriter(new WireLimits(1 << 20, 100, 100, 1000));
        List<String> surrogate = List.of(key(0).substring(0, 60), "ab\uD800cd", key(1).substring(0, 60));
        assertThatThrownBy(() -> w.strList(surrogate, "keys")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("keys is not valid Unicode: lone surrogate at index 2");
        w.reset();
        List<String> overLong = List.of("a", "b", ascii(101, 3), "c");
        assertThatThrownBy(() -> w.strList(overLong, "keys")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("keys is 101 UTF-8 bytes, over the limit of 100");
        assertWrites(w, List.of("a", ascii(100, 3), "c")); // the limit itself is allowed
    }

    @Test
    void aDecodedListIsWrittenFromItsOwnBytes() throws Exception {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            keys.add(i % 9 == 4 ? "mod\u00e8le@00000000@0@" + i + "\uD834\uDD1E" : key(i));
        }
        AllocRequest sent = new AllocRequest(keys, 1, new long[] {2, 32, 256, 1024}, "bfloat16", 256, "req-1", true, 64);
        byte[] bytes = WireCodec.encode(sent);
        AllocRequest decoded = WireCodec.decode(bytes, AllocRequest.class);
        assertThat(decoded.keys()).isInstanceOf(Utf8StringList.class);
        assertThat(HexFormat.of().formatHex(WireCodec.encode(decoded))).isEqualTo(HexFormat.of().formatHex(bytes));
        MsgpackWriter w = new MsgpackWriter(WireLimits.DEFAULT);
        assertWrites(w, decoded.keys());
        MsgpackWriter strict = new MsgpackWriter(new WireLimits(1 << 20, 100, 60, 1000));
        assertThatThrownBy(() -> strict.strList(decoded.keys(), "keys")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("keys is 93 UTF-8 bytes, over the limit of 60");
    }
}
