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
 * The encoder's str path (short ASCII loop, bulk ASCII copy, fallback to UTF-8 at the first non-ASCII char)
 * writes exactly msgpack's smallest str header and the string's UTF-8 bytes, whatever the length and wherever
 * a non-ASCII char sits; lone surrogates and over-long strings are refused with the field and the rule.
 */
class StrEncodingTest {
    /** Non-ASCII chars of every UTF-8 width; U+0141 has a low byte below 0x80 ('A'), U+00E9 one above. */
    private static final String[] NON_ASCII = {"\u0080", "\u00e9", "\u00ff", "\u0141", "\u07ff", "\u0800", "\u20ac",
        "\uffff", "\uD834\uDD1E"};

    /** ProxyNotif's bytes before its req_id value. */
    private static final byte[] PREFIX = prefix();

    private static byte[] prefix() {
        byte[] empty = WireCodec.encode(new ProxyNotif(""));
        return java.util.Arrays.copyOf(empty, empty.length - 1); // drop the empty str (0xa0)
    }

    /** The reference: msgpack's smallest str header, then the JDK's UTF-8 encoding. */
    private static byte[] expectedNotif(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(PREFIX);
        int n = utf8.length;
        if (n <= 31) {
            out.write(0xa0 | n);
        } else if (n <= 0xff) {
            out.write(0xd9);
            out.write(n);
        } else if (n <= 0xffff) {
            out.write(0xda);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0xdb);
            out.write(n >>> 24);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(utf8);
        return out.toByteArray();
    }

    private static void assertEncodesLikeUtf8(WireEncoder encoder, String s) throws Exception {
        ProxyNotif m = new ProxyNotif(s);
        encoder.encode(m);
        HexFormat hex = HexFormat.of();
        assertThat(hex.formatHex(encoder.toByteArray())).as("encoding of a %d-char string", s.length())
                .isEqualTo(hex.formatHex(expectedNotif(s)));
        assertThat(WireCodec.decode(encoder.toByteArray(), ProxyNotif.class)).isEqualTo(m);
    }

    private static String ascii(int n, int seed) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append((char) (0x20 + (i * 7 + seed) % 0x5f));
        }
        return sb.toString();
    }

    /** ASCII strings of the lengths around every header and path boundary. */
    private static List<Integer> lengths() {
        List<Integer> out = new ArrayList<>();
        for (int n = 0; n <= 70; n++) {
            out.add(n);
        }
        for (int n = 250; n <= 260; n++) {
            out.add(n);
        }
        out.addAll(List.of(1000, 4090, 4095, 4096));
        return out;
    }

    @Test
    void asciiStringsOfEveryBoundaryLength() throws Exception {
        WireEncoder reused = new WireEncoder();
        for (int n : lengths()) {
            assertEncodesLikeUtf8(reused, ascii(n, n));
            assertEncodesLikeUtf8(new WireEncoder(), ascii(n, n));
        }
        assertEncodesLikeUtf8(reused, "\u0000\u007f"); // the ASCII range's ends
    }

    @Test
    void nonAsciiCharAtEveryPlaceFallsBackToUtf8() throws Exception {
        WireEncoder reused = new WireEncoder();
        for (String c : NON_ASCII) {
            for (int n : lengths()) {
                for (int at : new int[] {0, 1, n / 2, n - 1, n}) {
                    if (at < 0 || at > n) {
                        continue;
                    }
                    String base = ascii(n, at);
                    String s = base.substring(0, at) + c + base.substring(at);
                    if (s.getBytes(StandardCharsets.UTF_8).length <= WireLimits.DEFAULT.maxStrBytes()) {
                        assertEncodesLikeUtf8(reused, s);
                    }
                    // the same char twice, so that the part after the first one is mixed too
                    String twice = s + c + "x";
                    if (twice.getBytes(StandardCharsets.UTF_8).length <= WireLimits.DEFAULT.maxStrBytes()) {
                        assertEncodesLikeUtf8(reused, twice);
                    }
                }
            }
        }
    }

    @Test
    void fallbackThatChangesTheHeaderSizeMovesTheAsciiPrefix() throws Exception {
        WireEncoder e = new WireEncoder();
        // 30 ASCII chars fit a fixstr; with one 2-byte char they are 32 bytes, which needs str8
        assertEncodesLikeUtf8(e, ascii(30, 1) + "\u00e9");
        // 254 ASCII + U+20AC: 255 chars (str8 assumed), 257 bytes (str16)
        assertEncodesLikeUtf8(e, ascii(254, 2) + "\u20ac");
        // a long ASCII prefix through the bulk path, then a 4-byte char
        assertEncodesLikeUtf8(e, ascii(200, 3) + "\uD834\uDD1E" + ascii(60, 4));
    }

    @Test
    void randomMixedStringsMatchTheJdkUtf8Encoding() throws Exception {
        Random random = new Random(12);
        WireEncoder reused = new WireEncoder();
        for (int i = 0; i < 3_000; i++) {
            int n = random.nextInt(i % 10 == 0 ? 1200 : 80);
            StringBuilder sb = new StringBuilder(n);
            double asciiShare = random.nextDouble();
            while (sb.length() < n) {
                if (random.nextDouble() < asciiShare) {
                    sb.append((char) random.nextInt(0x80));
                } else {
                    sb.append(NON_ASCII[random.nextInt(NON_ASCII.length)]);
                }
            }
            String s = sb.toString();
            if (s.getBytes(StandardCharsets.UTF_8).length <= WireLimits.DEFAULT.maxStrBytes()) {
                assertEncodesLikeUtf8(reused, s);
            }
        }
    }

    @Test
    void loneSurrogatesAreRefusedAtTheirIndexOnEveryPath() {
        WireEncoder e = new WireEncoder();
        String longAscii = ascii(100, 5);
        String[][] cases = {
            {"a\uD800b", "1"},
            {"\uDC00", "0"},
            {"abc\uD800", "3"},
            {"\uD834\uDD1E\uDD1E", "2"},
            {"\u00e9\uD800", "1"},
            {longAscii + "\uD800", "100"},
            {longAscii + "\u00e9x\uDFFF", "102"},
            {longAscii.substring(0, 40) + "\uDBFF" + longAscii, "40"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> e.encode(new ProxyNotif(c[0])))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("req_id is not valid Unicode: lone surrogate at index " + c[1]);
        }
        assertThat(e.encode(new ProxyNotif("1")).remaining()).isEqualTo(26);
    }

    @Test
    void strLimitCountsUtf8BytesOnEveryPath() throws Exception {
        WireEncoder e = new WireEncoder(new WireLimits(1 << 20, 100, 100, 100));
        assertEncodesLikeUtf8(e, ascii(100, 0));
        assertEncodesLikeUtf8(e, ascii(98, 0) + "\u00e9");
        assertThatThrownBy(() -> e.encode(new ProxyNotif(ascii(101, 0))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("req_id is 101 UTF-8 bytes, over the limit of 100");
        assertThatThrownBy(() -> e.encode(new ProxyNotif(ascii(99, 0) + "\u00e9")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("req_id is 101 UTF-8 bytes, over the limit of 100");
        assertThatThrownBy(() -> e.encode(new ProxyNotif("\u20ac".repeat(34))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("req_id is 102 UTF-8 bytes, over the limit of 100");
        // a lone surrogate is named before the length, as before
        assertThatThrownBy(() -> e.encode(new ProxyNotif(ascii(150, 0) + "\uD800")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("req_id is not valid Unicode: lone surrogate at index 150");
        assertEncodesLikeUtf8(e, "ok");
    }
}
