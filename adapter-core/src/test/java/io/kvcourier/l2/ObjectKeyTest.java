package io.kvcourier.l2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ObjectKeyTest {

    private static final byte[] HASH = {(byte) 0xde, (byte) 0xad, 0x00, (byte) 0xbe, (byte) 0xef};

    @Test
    void canonicalStringWithoutSalt() {
        ObjectKey k = ObjectKey.of(HASH, "meta-llama/Llama-3.1-8B", 0x01000000);
        assertThat(k.toCanonicalString()).isEqualTo("meta-llama/Llama-3.1-8B@01000000@0@dead00beef");
        assertThat(k.toString()).isEqualTo(k.toCanonicalString());
        assertThat(k.objectGroupId()).isZero();
        assertThat(k.cacheSalt()).isEmpty();
    }

    @Test
    void canonicalStringWithSaltAndGroupRoundTrips() {
        ObjectKey k = new ObjectKey(HASH, "m", 7, 0x1f, "alice");
        assertThat(k.toCanonicalString()).isEqualTo("m@00000007@1f@dead00beef@alice");
        ObjectKey back = ObjectKey.parse(k.toCanonicalString());
        assertThat(back).isEqualTo(k);
        assertThat(back.cacheSalt()).isEqualTo("alice");
        assertThat(back.objectGroupId()).isEqualTo(0x1f);
    }

    @Test
    void unsignedKvRankRoundTripsAndGivesTpRank() {
        ObjectKey k = ObjectKey.of(HASH, "m", 0xFFFF0001);
        assertThat(k.toCanonicalString()).isEqualTo("m@ffff0001@0@dead00beef");
        assertThat(k.tpRank()).isEqualTo(0xFF);
        ObjectKey back = ObjectKey.parse("m@ffff0001@0@dead00beef");
        assertThat(back.kvRank()).isEqualTo(0xFFFF0001);
        assertThat(Integer.toUnsignedLong(back.kvRank())).isEqualTo(0xFFFF0001L);
        // world_size=4, global_rank=3, local_world_size=4, local_rank=3
        assertThat(ObjectKey.of(HASH, "m", (4 << 24) | (3 << 16) | (4 << 8) | 3).tpRank()).isEqualTo(3);
    }

    @Test
    void largeGroupIdAndEmptyModelAndHashRoundTrip() {
        ObjectKey k = new ObjectKey(new byte[0], "", 0, Long.MAX_VALUE, "");
        assertThat(k.toCanonicalString()).isEqualTo("@00000000@7fffffffffffffff@");
        assertThat(ObjectKey.parse(k.toCanonicalString())).isEqualTo(k);
    }

    @Test
    void equalContentKeysAreEqualHashMapKeys() {
        Map<ObjectKey, String> map = new HashMap<>();
        map.put(new ObjectKey(HASH.clone(), "m", 1, 2, "s"), "v");
        assertThat(map.get(new ObjectKey(HASH.clone(), "m", 1, 2, "s"))).isEqualTo("v");
        assertThat(map.get(ObjectKey.parse("m@00000001@2@dead00beef@s"))).isEqualTo("v");
        assertThat(map.get(new ObjectKey(HASH.clone(), "m", 1, 2, "t"))).isNull();
        assertThat(map.get(new ObjectKey(HASH.clone(), "m", 1, 3, "s"))).isNull();
        assertThat(map.get(new ObjectKey(HASH.clone(), "m", 2, 2, "s"))).isNull();
        assertThat(map.get(new ObjectKey(HASH.clone(), "n", 1, 2, "s"))).isNull();
        assertThat(map.get(new ObjectKey(new byte[] {1}, "m", 1, 2, "s"))).isNull();
    }

    @Test
    void hashIsCopiedInAndOut() {
        byte[] hash = HASH.clone();
        ObjectKey k = ObjectKey.of(hash, "m", 0);
        hash[0] = 0;
        byte[] out = k.chunkHash();
        out[1] = 0;
        assertThat(k.chunkHash()).isEqualTo(HASH);
        assertThat(k).isEqualTo(ObjectKey.of(HASH, "m", 0));
    }

    @Test
    void constructorRejectsUpstreamInvalidValues() {
        assertThatThrownBy(() -> ObjectKey.of(HASH, "ns@model", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model_name");
        assertThatThrownBy(() -> new ObjectKey(HASH, "m", 0, -1, ""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("object_group_id");
        for (String salt : new String[] {"alice@bob", "@user", "a/b", "a\\b", "a\0b"}) {
            assertThatThrownBy(() -> new ObjectKey(HASH, "m", 0, 0, salt))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cache_salt");
        }
        assertThatThrownBy(() -> new ObjectKey(HASH, "m", 0, 0, "x".repeat(129)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cache_salt exceeds max length 128");
        assertThat(new ObjectKey(HASH, "m", 0, 0, "x".repeat(128)).cacheSalt()).hasSize(128);
        assertThatThrownBy(() -> ObjectKey.of(null, "m", 0)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ObjectKey.of(HASH, null, 0)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new ObjectKey(HASH, "m", 0, 0, null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void slashInModelNameIsAccepted() {
        assertThat(ObjectKey.of(HASH, "meta-llama/Llama-3", 0).modelName()).isEqualTo("meta-llama/Llama-3");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "m@00000001@0",                      // 3 fields
        "m@00000001@0@ab@s@t",               // 6 fields
        "m@0000001@0@ab",                    // 7 digits
        "m@000000001@0@ab",                  // 9 digits
        "m@0000000A@0@ab",                   // upper case rank
        "m@+0000001@0@ab",                   // sign
        "m@00000001@00@ab",                  // leading zero group
        "m@00000001@01@ab",                  // leading zero group
        "m@00000001@@ab",                    // empty group
        "m@00000001@F@ab",                   // upper case group
        "m@00000001@-1@ab",                  // negative group
        "m@00000001@8000000000000000@ab",    // group beyond long
        "m@00000001@10000000000000000@ab",   // 17 digits
        "m@00000001@0@abc",                  // odd hash
        "m@00000001@0@AB",                   // upper case hash
        "m@00000001@0@zz",                   // not hex
        "m@00000001@0@ag",                   // not hex in a low nibble
        "m@00000001@0@\u00e9a",              // not ASCII
        "m@00000001@0@ab@",                  // empty salt field
        "m@00000001@0@ab@a/b",               // bad salt
    })
    void parseRejectsMalformedStrings(String text) {
        assertThatThrownBy(() -> ObjectKey.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parseErrorsNameThePart() {
        assertThatThrownBy(() -> ObjectKey.parse("m@1@0@ab")).hasMessageContaining("kv_rank");
        assertThatThrownBy(() -> ObjectKey.parse("m@00000001@00@ab")).hasMessageContaining("object_group_id");
        assertThatThrownBy(() -> ObjectKey.parse("m@00000001@0@a")).hasMessageContaining("chunk_hash");
        assertThatThrownBy(() -> ObjectKey.parse("m@00000001@0@ab@")).hasMessageContaining("cache_salt");
        assertThatThrownBy(() -> ObjectKey.parse("m@00000001@0@ab@a/b")).hasMessageContaining("cache_salt");
        assertThatThrownBy(() -> ObjectKey.parse("m")).hasMessageContaining("4 or 5");
    }

    @Test
    void everyAcceptedStringIsCanonical() {
        for (String s : new String[] {"m@00000000@0@", "x@ffffffff@abc@00ff@salt", "@12345678@1@0102"}) {
            assertThat(ObjectKey.parse(s).toCanonicalString()).isEqualTo(s);
        }
    }

    /** A key built from the parsed fields, so that its canonical string is computed, not kept from the parse. */
    private static ObjectKey rebuilt(ObjectKey k) {
        return new ObjectKey(k.chunkHash(), k.modelName(), k.kvRank(), k.objectGroupId(), k.cacheSalt());
    }

    @Test
    void parseAcceptsExactlyTheCanonicalFormsOfRandomStrings() {
        // Short strings over an alphabet that hits every rule: separators, hex, non-hex, upper case, bad salt chars.
        String[] alphabet = {"@", "@", "@", "0", "0", "1", "9", "a", "f", "g", "A", "F", "m", "/", "-", "\u00e9"};
        java.util.Random random = new java.util.Random(3);
        int accepted = 0;
        for (int i = 0; i < 100_000; i++) {
            String text = KeyTexts.random(random, alphabet);
            ObjectKey k;
            try {
                k = ObjectKey.parse(text);
            } catch (IllegalArgumentException e) {
                continue;
            }
            accepted++;
            assertThat(k.toCanonicalString()).isEqualTo(text);
            assertThat(rebuilt(k).toCanonicalString()).as("canonical form of the key parsed from '%s'", text)
                    .isEqualTo(text);
            assertThat(rebuilt(k)).isEqualTo(k).hasSameHashCodeAs(k);
        }
        assertThat(accepted).as("accepted strings").isGreaterThan(100);
    }

    @Test
    void randomKeysRoundTripThroughTheirCanonicalString() {
        java.util.Random random = new java.util.Random(5);
        String[] models = {"", "m", "meta-llama/Llama-3.1-8B", "mod\u00e8le", "\u6a21\u578b", "e-\uD83E\uDD99"};
        String[] salts = {"", "s", "tenant-1", "\u00e9\u00e8", "\uD834\uDD1E", "q".repeat(128)};
        for (int i = 0; i < 20_000; i++) {
            byte[] hash = new byte[random.nextInt(40)];
            random.nextBytes(hash);
            long group = random.nextBoolean() ? random.nextInt(300) : random.nextLong() >>> 1;
            ObjectKey k = new ObjectKey(hash, models[random.nextInt(models.length)], random.nextInt(), group,
                    salts[random.nextInt(salts.length)]);
            ObjectKey back = ObjectKey.parse(k.toCanonicalString());
            assertThat(back).isEqualTo(k).hasSameHashCodeAs(k);
            assertThat(back.toCanonicalString()).isEqualTo(k.toCanonicalString());
            assertThat(back.chunkHash()).isEqualTo(hash);
        }
    }

    /**
     * A receiver parses every key of every AllocRequest: keys of one model (and salt) share the name's String, so a
     * key costs no copy of it and its hash code is computed once.
     */
    @Test
    void keysParsedWithTheSameModelAndSaltShareThem() {
        ObjectKey a = ObjectKey.parse("meta-llama/Llama-3.1-8B@00000001@0@0102@tenant");
        ObjectKey b = ObjectKey.parse(new String("meta-llama/Llama-3.1-8B@00000002@5@0304@tenant"));
        assertThat(b.modelName()).isSameAs(a.modelName()).isEqualTo("meta-llama/Llama-3.1-8B");
        assertThat(b.cacheSalt()).isSameAs(a.cacheSalt()).isEqualTo("tenant");
        ObjectKey other = ObjectKey.parse("meta-llama/Llama-3.1-70B@00000001@0@0102@tenant");
        assertThat(other.modelName()).isEqualTo("meta-llama/Llama-3.1-70B");
        assertThat(other).isNotEqualTo(a);
    }

    @Test
    void parsedKeyOwnsItsHash() {
        ObjectKey k = ObjectKey.parse("m@00000001@0@0102");
        byte[] out = k.chunkHash();
        out[0] = 9;
        assertThat(k.chunkHash()).containsExactly(1, 2);
        assertThat(k).isEqualTo(ObjectKey.of(new byte[] {1, 2}, "m", 1));
    }

    /**
     * A runtime makes fresh keys for every request and the sender encodes each once: writing a fresh key's canonical
     * UTF-8 must allocate nothing (a per-key cache of the bytes cost about 120 B a key, 2 KB per 16-key store).
     */
    @Test
    void writingAFreshKeysCanonicalUtf8AllocatesNothingOnceWarm() {
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        byte[] dst = new byte[256];
        long allocated = Long.MAX_VALUE;
        for (int round = 0; round < 200 && allocated >= 1024; round++) {
            ObjectKey[] fresh = new ObjectKey[2_000];
            for (int i = 0; i < fresh.length; i++) {
                fresh[i] = new ObjectKey(new byte[] {(byte) i, (byte) round, 7}, "meta-llama/Llama-3.1-8B", i, round,
                        "");
            }
            long before = mx.getThreadAllocatedBytes(tid);
            int written = writeAll(fresh, dst);
            allocated = mx.getThreadAllocatedBytes(tid) - before;
            assertThat(written).isPositive();
        }
        assertThat(allocated).as("bytes allocated writing 2,000 fresh keys once warm").isLessThan(1024);
    }

    private static int writeAll(ObjectKey[] keys, byte[] dst) {
        int sum = 0;
        for (ObjectKey k : keys) {
            k.copyCanonicalUtf8(dst, 0);
            sum += k.canonicalUtf8Length();
        }
        return sum;
    }

    @Test
    void canonicalUtf8IsTheUtf8OfTheCanonicalString() {
        ObjectKey[] keys = {
            ObjectKey.of(HASH, "meta-llama/Llama-3.1-8B", 0x01000000),
            new ObjectKey(HASH, "mod\u00e8le-\u6a21\u578b-\uD83E\uDD99", 7, 0x1f, "sel-\u00e9"),
            new ObjectKey(new byte[0], "", 0, 0, ""),
            ObjectKey.parse("x@ffffffff@abc@00ff@salt"),
        };
        for (ObjectKey k : keys) {
            byte[] expected = k.toCanonicalString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertThat(k.canonicalUtf8Length()).isEqualTo(expected.length);
            byte[] dst = new byte[expected.length + 4];
            k.copyCanonicalUtf8(dst, 3);
            assertThat(java.util.Arrays.copyOfRange(dst, 3, 3 + expected.length)).isEqualTo(expected);
            assertThat(dst[0]).isZero();
            assertThat(dst[dst.length - 1]).isZero();
            k.copyCanonicalUtf8(dst, 3); // again: the same bytes
            assertThat(java.util.Arrays.copyOfRange(dst, 3, 3 + expected.length)).isEqualTo(expected);
        }
        assertThatThrownBy(() -> keys[0].copyCanonicalUtf8(new byte[10], 0))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void canonicalUtf8MatchesTheJdkEncoderForRandomKeys() {
        // The bytes are written without building the string; the JDK's encoding of the string is the reference.
        String[] alphabet = {"a", "Z", "0", "-", "/", ".", "\u00e9", "\u07ff", "\u0800", "\u6a21", "\uffff",
            "\uD83E\uDD99", "\uDBFF\uDFFF"};
        java.util.Random random = new java.util.Random(42);
        for (int n = 0; n < 2_000; n++) {
            byte[] hash = new byte[random.nextInt(40)];
            random.nextBytes(hash);
            long group = switch (n % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(16);
                case 2 -> Long.MAX_VALUE >>> random.nextInt(63);
                default -> random.nextLong() & Long.MAX_VALUE;
            };
            ObjectKey k = new ObjectKey(hash, randomText(random, alphabet, 30), random.nextInt(), group,
                    n % 3 == 0 ? "" : randomText(random, alphabet, 20).replace('/', '_'));
            byte[] expected = k.toCanonicalString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] dst = new byte[expected.length];
            assertThat(k.canonicalUtf8Length()).as(k.toCanonicalString()).isEqualTo(expected.length);
            k.copyCanonicalUtf8(dst, 0);
            assertThat(dst).as(k.toCanonicalString()).isEqualTo(expected);
        }
    }

    private static String randomText(java.util.Random random, String[] alphabet, int maxParts) {
        StringBuilder sb = new StringBuilder();
        for (int i = random.nextInt(maxParts + 1); i > 0; i--) {
            sb.append(alphabet[random.nextInt(alphabet.length)]);
        }
        return sb.toString();
    }

    @Test
    void keyWithALoneSurrogateHasNoUtf8Form() {
        for (String model : new String[] {"a\uD800b", "\uDC00", "end\uD834"}) {
            ObjectKey k = ObjectKey.of(HASH, model, 0);
            assertThat(k.canonicalUtf8Length()).isEqualTo(-1);
            assertThatThrownBy(() -> k.copyCanonicalUtf8(new byte[100], 0))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("lone surrogate");
        }
        ObjectKey salted = new ObjectKey(HASH, "m", 0, 0, "s\uDFFF");
        assertThat(salted.canonicalUtf8Length()).isEqualTo(-1);
    }
}
