package io.kvcourier.l2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link ObjectKey#parse(byte[], int, int)}, which a receiver uses on every key of every AllocRequest, accepts
 * exactly what {@link ObjectKey#parse(String)} accepts, gives the same key, and fails with the same message.
 */
class ObjectKeyUtf8ParseTest {

    /** Parses {@code text} both ways, its UTF-8 placed at an offset between bytes a range check must not read. */
    private static ObjectKey parsedBothWays(String text, Random random) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int before = random.nextInt(4);
        byte[] framed = new byte[before + utf8.length + random.nextInt(4)];
        java.util.Arrays.fill(framed, (byte) '@'); // a separator just outside the range must not count
        System.arraycopy(utf8, 0, framed, before, utf8.length);
        ObjectKey fromString;
        try {
            fromString = ObjectKey.parse(text);
        } catch (IllegalArgumentException e) {
            assertThatThrownBy(() -> ObjectKey.parse(framed, before, utf8.length))
                    .as("the bytes of '%s'", text).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(e.getMessage());
            return null;
        }
        ObjectKey fromBytes = ObjectKey.parse(framed, before, utf8.length);
        assertThat(fromBytes).as("the bytes of '%s'", text).isEqualTo(fromString).hasSameHashCodeAs(fromString);
        assertThat(fromBytes.toCanonicalString()).isEqualTo(text);
        assertThat(fromBytes.tpRank()).isEqualTo(fromString.tpRank());
        return fromBytes;
    }

    @Test
    void randomStringsParseTheSameFromTheirBytes() {
        // The alphabet of ObjectKeyTest's random strings, with a multi-byte character and a surrogate pair.
        String[] alphabet = {"@", "@", "@", "0", "0", "1", "9", "a", "f", "g", "A", "F", "m", "/", "-", "\u00e9",
            "\uD83E\uDD99"};
        Random random = new Random(11);
        int accepted = 0;
        for (int i = 0; i < 100_000; i++) {
            if (parsedBothWays(KeyTexts.random(random, alphabet), random) != null) {
                accepted++;
            }
        }
        assertThat(accepted).as("accepted strings").isGreaterThan(100);
    }

    @Test
    void randomKeysParseTheSameFromTheirBytes() {
        Random random = new Random(12);
        String[] models = {"", "m", "meta-llama/Llama-3.1-8B", "mod\u00e8le", "\u6a21\u578b", "e-\uD83E\uDD99"};
        String[] salts = {"", "s", "tenant-1", "\u00e9\u00e8", "\uD834\uDD1E", "q".repeat(128), "q".repeat(129)};
        for (int i = 0; i < 20_000; i++) {
            byte[] hash = new byte[random.nextInt(40)];
            random.nextBytes(hash);
            long group = random.nextBoolean() ? random.nextInt(300) : random.nextLong() >>> random.nextInt(2);
            String text = models[random.nextInt(models.length)] + "@" + String.format("%08x", random.nextInt()) + "@"
                    + Long.toHexString(group) + "@" + java.util.HexFormat.of().formatHex(hash);
            String salt = salts[random.nextInt(salts.length)];
            parsedBothWays(salt.isEmpty() ? text : text + "@" + salt, random);
        }
    }

    @Test
    void malformedStringsFailWithTheSameMessage() {
        Random random = new Random(13);
        for (String text : new String[] {"m@00000001@0", "m@00000001@0@ab@s@t", "m@0000001@0@ab", "m@0000000A@0@ab",
            "m@00000001@00@ab", "m@00000001@@ab", "m@00000001@8000000000000000@ab", "m@00000001@ffffffffffffffff@ab",
            "m@00000001@10000000000000000@ab", "m@00000001@0@abc", "m@00000001@0@AB", "m@00000001@0@ag",
            "m@00000001@0@\u00e9a", "m@00000001@0@ab@", "m@00000001@0@ab@a/b", "m@00000001@0@ab@a\u0000b",
            "m", "", "@@@", "m@00000001@0@ab@" + "q".repeat(129)}) {
            assertThat(parsedBothWays(text, random)).as(text).isNull();
        }
    }

    /**
     * The hash is decoded eight digits at a time and the separators are searched eight bytes at a time: every ASCII
     * character in every place of a long hash, and fields of every length around a word's boundary, parse as the
     * String does.
     */
    @Test
    void everyCharacterInEveryPlaceOfTheHashAndEveryFieldLengthParseTheSameFromTheirBytes() {
        Random random = new Random(14);
        String hex = java.util.HexFormat.of().formatHex(new byte[] {0x01, 0x23, 0x45, 0x67, (byte) 0x89, (byte) 0xab,
            (byte) 0xcd, (byte) 0xef}).repeat(4);
        int accepted = 0;
        for (int place = 0; place < hex.length(); place++) {
            for (char c = 0; c < 128; c++) {
                String hash = hex.substring(0, place) + c + hex.substring(place + 1);
                if (parsedBothWays("m@00000001@0@" + hash, random) != null) {
                    accepted++;
                }
            }
        }
        // Each lowercase hex digit in each place, and an '@' after an even number of digits (it starts a salt).
        assertThat(accepted).as("accepted keys").isEqualTo(16 * hex.length() + hex.length() / 2);
        for (int model = 0; model <= 17; model++) {
            for (int digits = 0; digits <= 40; digits += 2) {
                for (String salt : new String[] {"", "@s", "@" + "t".repeat(9), "@" + "u".repeat(17)}) {
                    String text = "x".repeat(model) + "@00000001@" + Integer.toHexString(model) + "@"
                            + hex.substring(0, Math.min(digits, hex.length())) + "a".repeat(Math.max(0, digits - 64))
                            + salt;
                    assertThat(parsedBothWays(text, random)).as(text).isNotNull();
                }
            }
        }
    }

    @Test
    void malformedUtf8IsAnErrorNotAReplacementCharacter() {
        byte[] bad = {'m', (byte) 0xff, '@', '0', '0', '0', '0', '0', '0', '0', '1', '@', '0', '@', 'a', 'b'};
        assertThatThrownBy(() -> ObjectKey.parse(bad, 0, bad.length)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("object key is not valid UTF-8");
    }

    @Test
    void aRangeOutsideTheArrayIsRejected() {
        byte[] key = "m@00000001@0@ab".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> ObjectKey.parse(key, 1, key.length)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> ObjectKey.parse(key, -1, 2)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void keysOfOneModelShareItsName() {
        byte[] a = "meta-llama/Llama-3.1-8B@00010001@0@ab".getBytes(StandardCharsets.US_ASCII);
        byte[] b = "meta-llama/Llama-3.1-8B@00010001@0@cd@tenant".getBytes(StandardCharsets.US_ASCII);
        ObjectKey first = ObjectKey.parse(a, 0, a.length);
        ObjectKey second = ObjectKey.parse(b, 0, b.length);
        assertThat(second.modelName()).isSameAs(first.modelName());
        assertThat(second.cacheSalt()).isEqualTo("tenant");
        assertThat(second).isNotEqualTo(first);
    }
}
