package io.kvcourier.l2;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Parses an {@link ObjectKey}'s canonical string ({@link ObjectKey#parse}). A receiver parses every key of every
 * AllocRequest, so the parse scans the text once for its separators, decodes the chunk hash while it checks it,
 * and takes the model name and the salt from a small shared cache of the last ones seen (a runtime's keys share a
 * few), so that a key costs no substring for either and their hash codes are computed once. The accepted text is
 * the canonical form of the result, so the key keeps it. A key still in the UTF-8 it arrived in ({@link
 * #parse(byte[], int, int)}) is parsed from its bytes, so that it costs no String at all; there the separators, the
 * ASCII check and the chunk hash are read eight bytes at a time (a 64-character hash in 8 steps instead of 64).
 */
final class CanonicalKeyParser {
    /** Value of each ASCII character as a lowercase hex digit, -1 for every other character. */
    private static final byte[] HEX_VALUE = new byte[128];

    static {
        Arrays.fill(HEX_VALUE, (byte) -1);
        for (int c = '0'; c <= '9'; c++) {
            HEX_VALUE[c] = (byte) (c - '0');
        }
        for (int c = 'a'; c <= 'f'; c++) {
            HEX_VALUE[c] = (byte) (c - 'a' + 10);
        }
    }

    /**
     * The model names and salts parsed last. Racy on purpose: a slot holds a whole String or null, and a lost
     * update only costs a substring on a later miss.
     */
    private static final int TEXT_CACHE_SIZE = 8;
    private static final String[] TEXT_CACHE = new String[TEXT_CACHE_SIZE];
    private static int textCacheNext;

    /** Eight bytes of a {@code byte[]} as one little-endian long: byte {@code i} in bits {@code 8i..8i+7}. */
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final long LOW_SEVEN = 0x7F7F7F7F7F7F7F7FL;

    private CanonicalKeyParser() {
    }

    static ObjectKey parse(String canonical) {
        Objects.requireNonNull(canonical, "canonical");
        int rankAt = canonical.indexOf('@') + 1;
        int groupAt = rankAt == 0 ? 0 : canonical.indexOf('@', rankAt) + 1;
        int hashAt = groupAt == 0 ? 0 : canonical.indexOf('@', groupAt) + 1;
        int saltAt = hashAt == 0 ? 0 : canonical.indexOf('@', hashAt) + 1;
        if (hashAt == 0 || (saltAt != 0 && canonical.indexOf('@', saltAt) >= 0)) {
            throw new IllegalArgumentException("object key must have 4 or 5 '@'-separated fields "
                    + "(model_name@kv_rank@object_group_id@chunk_hash[@cache_salt]), got "
                    + canonical.split("@", -1).length + " in '" + canonical + "'");
        }
        int hashEnd = saltAt == 0 ? canonical.length() : saltAt - 1;
        if (groupAt - 1 - rankAt != 8 || !isLowerHex(canonical, rankAt, groupAt - 1)) {
            throw new IllegalArgumentException("kv_rank must be exactly 8 lowercase hex digits, got '"
                    + canonical.substring(rankAt, groupAt - 1) + "' in '" + canonical + "'");
        }
        int kvRank = Integer.parseUnsignedInt(canonical, rankAt, groupAt - 1, 16);
        int groupLength = hashAt - 1 - groupAt;
        if (groupLength == 0 || !isLowerHex(canonical, groupAt, hashAt - 1)
                || (groupLength > 1 && canonical.charAt(groupAt) == '0') || groupLength > 16) {
            throw new IllegalArgumentException("object_group_id must be lowercase hex without leading zeros, got '"
                    + canonical.substring(groupAt, hashAt - 1) + "' in '" + canonical + "'");
        }
        long groupId = Long.parseUnsignedLong(canonical, groupAt, hashAt - 1, 16);
        if (groupId < 0) {
            throw new IllegalArgumentException("object_group_id exceeds 2^63-1, got '"
                    + canonical.substring(groupAt, hashAt - 1) + "' in '" + canonical + "'");
        }
        byte[] hash = ((hashEnd - hashAt) & 1) != 0 ? null : lowerHexBytes(canonical, hashAt, hashEnd);
        if (hash == null) {
            throw new IllegalArgumentException("chunk_hash must be lowercase hex of even length, got '"
                    + canonical.substring(hashAt, hashEnd) + "' in '" + canonical + "'");
        }
        String salt = "";
        if (saltAt != 0) {
            if (saltAt == canonical.length()) {
                throw new IllegalArgumentException(
                        "cache_salt field is present but empty (an empty salt is written without '@') in '"
                                + canonical + "'");
            }
            salt = text(canonical, saltAt, canonical.length());
        }
        return ObjectKey.parsed(hash, text(canonical, 0, rankAt - 1), kvRank, groupId, salt, canonical);
    }

    /**
     * Parses the canonical key in {@code utf8[offset, offset + length)}: the same keys, and the same errors, as
     * {@link #parse(String)}. A well-formed ASCII key is read from its bytes (no String; its model name and salt
     * come from the cache); anything else (non-ASCII text, or a malformed key, for its error message) is decoded
     * and goes through {@link #parse(String)}.
     */
    static ObjectKey parse(byte[] utf8, int offset, int length) {
        int end = offset + length;
        int rankAt = indexOfAt(utf8, offset, end) + 1;
        int groupAt = rankAt == 0 ? 0 : indexOfAt(utf8, rankAt, end) + 1;
        int hashAt = groupAt == 0 ? 0 : indexOfAt(utf8, groupAt, end) + 1;
        int saltAt = hashAt == 0 ? 0 : indexOfAt(utf8, hashAt, end) + 1;
        int hashEnd = saltAt == 0 ? end : saltAt - 1;
        int groupLength = hashAt - 1 - groupAt;
        boolean wellFormed = hashAt != 0 && groupAt - 1 - rankAt == 8
                && groupLength > 0 && groupLength <= 16 && (groupLength == 1 || utf8[groupAt] != '0')
                && ((hashEnd - hashAt) & 1) == 0
                && (saltAt == 0 || (saltAt < end && indexOfAt(utf8, saltAt, end) < 0))
                && isAscii(utf8, offset, end);
        long kvRank = wellFormed ? hexValue(utf8, rankAt, groupAt - 1) : -1;
        long groupId = wellFormed ? hexValue(utf8, groupAt, hashAt - 1) : -1;
        byte[] hash = kvRank < 0 || groupId < 0 ? null : new byte[(hashEnd - hashAt) >> 1];
        if (hash == null || !hexDecode(utf8, hashAt, hash)) {
            return parse(decode(utf8, offset, length));
        }
        String salt = saltAt == 0 ? "" : text(utf8, saltAt, end);
        return ObjectKey.parsed(hash, Arrays.hashCode(hash), text(utf8, offset, rankAt - 1), (int) kvRank, groupId,
                salt);
    }

    /** The text of a key that is not plain ASCII; malformed UTF-8 is an error, not a replacement character. */
    private static String decode(byte[] utf8, int offset, int length) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(utf8, offset, length)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("object key is not valid UTF-8: " + e.getMessage(), e);
        }
    }

    /** The index of the first {@code '@'} in {@code b[from, to)}, or -1. */
    private static int indexOfAt(byte[] b, int from, int to) {
        int i = from;
        for (; i <= to - Long.BYTES; i += Long.BYTES) {
            long zero = zeroBytes((long) LONG_LE.get(b, i) ^ ('@' * ONES));
            if (zero != 0) {
                return i + (Long.numberOfTrailingZeros(zero) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (b[i] == '@') {
                return i;
            }
        }
        return -1;
    }

    /**
     * The high bit of each byte of {@code x} that is zero, and no other bit. Exact: the sum cannot carry from one
     * byte into the next (the classic {@code (x - ONES) & ~x} can mark a 0x01 byte above a zero one).
     */
    private static long zeroBytes(long x) {
        return ~(((x & LOW_SEVEN) + LOW_SEVEN) | x | LOW_SEVEN);
    }

    private static boolean isAscii(byte[] b, int from, int to) {
        long bits = 0;
        int i = from;
        for (; i <= to - Long.BYTES; i += Long.BYTES) {
            bits |= (long) LONG_LE.get(b, i);
        }
        for (; i < to; i++) {
            bits |= b[i];
        }
        return (bits & HIGH_BITS) == 0;
    }

    /**
     * Decodes the {@code 2 * hash.length} lowercase hex digits at {@code b[from]} into {@code hash}; false when one
     * is not a lowercase hex digit. The bytes are ASCII (checked by the caller). Eight digits at a time: each byte
     * is checked against '0'..'9' and 'a'..'f' by adding constants that set its high bit exactly when it is at or
     * above a bound (no byte carries into the next, since every byte is below 0x80), then turned into its nibble
     * ({@code (c & 0xF) + 9} for a letter) and the nibbles are paired into four bytes.
     */
    private static boolean hexDecode(byte[] b, int from, byte[] hash) {
        int i = 0;
        int at = from;
        for (; i + Integer.BYTES <= hash.length; i += Integer.BYTES, at += Long.BYTES) {
            long x = (long) LONG_LE.get(b, at);
            long digit = (x + 0x50 * ONES) & ~(x + 0x46 * ONES) & HIGH_BITS; // 0x30 <= c <= 0x39
            long letter = (x + 0x1F * ONES) & ~(x + 0x19 * ONES) & HIGH_BITS; // 0x61 <= c <= 0x66
            if ((digit | letter) != HIGH_BITS) {
                return false;
            }
            long nibbles = (x & 0x0F * ONES) + (letter >>> 7) * 9;
            long pairs = ((nibbles << 4) | (nibbles >>> 8)) & 0x00FF00FF00FF00FFL; // digit 2k high, 2k+1 low
            pairs = (pairs | (pairs >>> 8)) & 0x0000FFFF0000FFFFL;
            INT_LE.set(hash, i, (int) (pairs | (pairs >>> 16)));
        }
        for (; i < hash.length; i++, at += 2) {
            int hi = HEX_VALUE[b[at]];
            int lo = HEX_VALUE[b[at + 1]];
            if ((hi | lo) < 0) {
                return false;
            }
            hash[i] = (byte) ((hi << 4) | lo);
        }
        return true;
    }

    /** {@code b[from, to)} (1 to 16 lowercase hex digits) as an unsigned value; -1 if not, or above 2^63-1. */
    private static long hexValue(byte[] b, int from, int to) {
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = HEX_VALUE[b[i]]; // ASCII: checked by the caller
            if (d < 0) {
                return -1;
            }
            v = (v << 4) | d;
        }
        return v;
    }

    /** {@code b[from, to)} (ASCII), the cached String when one of the last texts parsed equals it. */
    private static String text(byte[] b, int from, int to) {
        int n = to - from;
        String[] cache = TEXT_CACHE;
        for (int i = 0; i < TEXT_CACHE_SIZE; i++) {
            String t = cache[i];
            if (t != null && t.length() == n && sameAscii(t, b, from)) {
                return t;
            }
        }
        String t = new String(b, from, n, StandardCharsets.ISO_8859_1);
        cache[(textCacheNext++) & (TEXT_CACHE_SIZE - 1)] = t;
        return t;
    }

    private static boolean sameAscii(String t, byte[] b, int from) {
        for (int i = 0; i < t.length(); i++) {
            if (t.charAt(i) != b[from + i]) {
                return false;
            }
        }
        return true;
    }

    /** {@code s[from, to)}, the cached String when one of the last texts parsed equals it. */
    private static String text(String s, int from, int to) {
        int n = to - from;
        String[] cache = TEXT_CACHE;
        for (int i = 0; i < TEXT_CACHE_SIZE; i++) {
            String t = cache[i];
            if (t != null && t.length() == n && s.regionMatches(from, t, 0, n)) {
                return t;
            }
        }
        String t = s.substring(from, to);
        cache[(textCacheNext++) & (TEXT_CACHE_SIZE - 1)] = t;
        return t;
    }

    /** Decodes {@code s[from, to)} (even length) as lowercase hex; null when a character is not one. */
    private static byte[] lowerHexBytes(String s, int from, int to) {
        byte[] out = new byte[(to - from) >> 1];
        for (int i = 0, at = from; i < out.length; i++, at += 2) {
            int hi = hexValue(s.charAt(at));
            int lo = hexValue(s.charAt(at + 1));
            if ((hi | lo) < 0) {
                return null;
            }
            out[i] = (byte) ((hi << 4) | lo);
        }
        return out;
    }

    private static int hexValue(char c) {
        return c < 128 ? HEX_VALUE[c] : -1;
    }

    private static boolean isLowerHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (hexValue(s.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }
}
