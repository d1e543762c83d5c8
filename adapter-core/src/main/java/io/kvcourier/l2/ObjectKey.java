package io.kvcourier.l2;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The identity of one KV chunk in L2 storage: LMCache's {@code ObjectKey} (docs/PROTOCOL.md#A.1).
 *
 * <p>Immutable and thread-safe. The chunk hash is copied on the way in and on the way out, so a key
 * can be used as a {@link java.util.HashMap} key: equality covers every field, the hash by content.
 *
 * <p>Validation follows upstream {@code ObjectKey.__post_init__}: the model name must not contain
 * {@code '@'} (an empty model name is accepted, as upstream does), {@code objectGroupId >= 0}, and the
 * cache salt must not contain {@code '@'}, {@code '/'}, {@code '\'} or NUL and is at most 128
 * characters (Unicode code points, like Python's {@code len}).
 *
 * <p>{@link #toCanonicalString()} is the form used on the wire (docs/ARCHITECTURE.md#decision-2):
 * {@code "{model_name}@{kv_rank:08x}@{object_group_id:x}@{chunk_hash hex}"}, followed by
 * {@code "@{cache_salt}"} only when the salt is not empty. {@link #parse(String)} is its strict inverse.
 * The string is computed once per key, on first use; its UTF-8 bytes ({@link #copyCanonicalUtf8}) are written
 * straight into the caller's array the first time, without building the string or allocating anything (a runtime
 * makes fresh keys for every request and sends each once), and cached from the second time on.
 */
public final class ObjectKey {

    /** Upper bound of the cache salt's length, in code points (upstream {@code _SALT_MAX_LEN}). */
    public static final int MAX_SALT_LENGTH = 128;

    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NO_BYTES = new byte[0];
    /**
     * The UTF-8 of the model names and salts encoded last: the keys of a runtime share a few, so a key's canonical
     * bytes are written with one copy of each and no per-character scan, and an array is made only for a text not
     * among the last {@value #UTF8_CACHE_SIZE}. Racy on purpose: {@link Utf8Text}'s fields are final, so a thread
     * sees an entry whole or not at all (a miss, which only costs a new entry).
     */
    private static final int UTF8_CACHE_SIZE = 8;
    private static final Utf8Text[] UTF8_CACHE = new Utf8Text[UTF8_CACHE_SIZE];
    private static int utf8CacheNext; // racy round robin: a lost update only reuses a slot

    private final byte[] chunkHash;
    private final String modelName;
    private final int kvRank;
    private final long objectGroupId;
    private final String cacheSalt;
    private final int hashCode;
    private String canonical; // racy single-check lazy init: String is immutable and safely published
    /**
     * The canonical UTF-8, cached from the second encode on (a key sent again, e.g. retried, is then one copy): a
     * runtime's fresh keys are encoded once each, straight into the encoder's array, and make no garbage. Racy
     * single-check lazy init: the record's field is final, so a reader sees the array whole.
     */
    private Utf8Text canonicalUtf8;
    private boolean encodedOnce; // racy: a lost write only delays the cache by one encode

    /**
     * Creates a key.
     *
     * @param chunkHash     the chunk's content hash (copied; may be empty)
     * @param modelName     the model name; must not contain {@code '@'}
     * @param kvRank        the packed rank {@code (world_size<<24)|(global_rank<<16)|(local_world_size<<8)|local_rank},
     *                      an unsigned 32-bit value held in an {@code int}
     * @param objectGroupId the object group, {@code >= 0}
     * @param cacheSalt     the cache salt; {@code ""} for none
     * @throws NullPointerException     if any reference argument is null
     * @throws IllegalArgumentException naming the field when a value breaks an upstream invariant
     */
    public ObjectKey(byte[] chunkHash, String modelName, int kvRank, long objectGroupId, String cacheSalt) {
        this(Objects.requireNonNull(chunkHash, "chunkHash").clone(), modelName, kvRank, objectGroupId, cacheSalt, null);
    }

    /**
     * @param ownedHash the chunk hash, owned by the new key from now on (not copied)
     * @param canonical the canonical string when the caller has it (from {@link #parse}), else null
     */
    private ObjectKey(byte[] ownedHash, String modelName, int kvRank, long objectGroupId, String cacheSalt,
                      String canonical) {
        this(ownedHash, Arrays.hashCode(ownedHash), modelName, kvRank, objectGroupId, cacheSalt, canonical);
    }

    /**
     * @param ownedHash     the chunk hash, owned by the new key from now on (not copied)
     * @param ownedHashCode {@code Arrays.hashCode(ownedHash)}, when the caller computed it on the way
     * @param canonical     the canonical string when the caller has it (from {@link #parse}), else null
     */
    private ObjectKey(byte[] ownedHash, int ownedHashCode, String modelName, int kvRank, long objectGroupId,
                      String cacheSalt, String canonical) {
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(cacheSalt, "cacheSalt");
        if (modelName.indexOf('@') >= 0) {
            throw new IllegalArgumentException("model_name must not contain '@' (got '" + modelName + "')");
        }
        if (objectGroupId < 0) {
            throw new IllegalArgumentException("object_group_id must be >= 0 (got " + objectGroupId + ")");
        }
        for (int i = 0; i < cacheSalt.length(); i++) {
            char c = cacheSalt.charAt(i);
            if (c == '@' || c == '/' || c == '\\' || c == '\0') {
                throw new IllegalArgumentException("cache_salt must not contain '@', '/', '\\' or NUL (got "
                        + describeChar(c) + " at index " + i + ")");
            }
        }
        int saltLength = cacheSalt.codePointCount(0, cacheSalt.length());
        if (saltLength > MAX_SALT_LENGTH) {
            throw new IllegalArgumentException(
                    "cache_salt exceeds max length " + MAX_SALT_LENGTH + " (got " + saltLength + ")");
        }
        this.chunkHash = ownedHash;
        this.modelName = modelName;
        this.kvRank = kvRank;
        this.objectGroupId = objectGroupId;
        this.cacheSalt = cacheSalt;
        int h = ownedHashCode;
        h = 31 * h + modelName.hashCode();
        h = 31 * h + kvRank;
        h = 31 * h + Long.hashCode(objectGroupId);
        h = 31 * h + cacheSalt.hashCode();
        this.hashCode = h;
        this.canonical = canonical;
    }

    /**
     * A key with object group 0 and no cache salt. See {@link #ObjectKey(byte[], String, int, long, String)}.
     *
     * @param chunkHash the chunk's hash bytes (copied)
     * @param modelName the model name
     * @param kvRank LMCache's kv_rank (unsigned 32-bit; the TP rank is bits 16..23)
     * @return the key
     */
    public static ObjectKey of(byte[] chunkHash, String modelName, int kvRank) {
        return new ObjectKey(chunkHash, modelName, kvRank, 0L, "");
    }

    /**
     * Parses the canonical string form strictly: 4 fields, or 5 when a non-empty salt follows; kv_rank is
     * exactly 8 lowercase hex digits; the group id is lowercase hex without leading zeros (except
     * {@code "0"}); the chunk hash is lowercase hex of even length. {@code parse(k.toCanonicalString())}
     * equals {@code k}, and every accepted string is exactly the canonical form of the result.
     *
     * @param canonical a string from {@link #toCanonicalString()}
     * @return the key
     * @throws IllegalArgumentException naming the part that is malformed
     */
    public static ObjectKey parse(String canonical) {
        return CanonicalKeyParser.parse(canonical);
    }

    /**
     * Parses the canonical form from its UTF-8 bytes, as {@link #parse(String)} parses it from a string: the same
     * keys are accepted, with the same errors. A well-formed ASCII key (what upstream writes) is read straight from
     * the bytes, without building a string; a receiver parses every key of every AllocRequest this way.
     *
     * @param utf8   the bytes (not kept)
     * @param offset where the key starts in {@code utf8}
     * @param length its length in bytes
     * @return the key
     * @throws IllegalArgumentException  naming the part that is malformed
     * @throws IndexOutOfBoundsException if the range is not inside {@code utf8}
     */
    public static ObjectKey parse(byte[] utf8, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, utf8.length);
        return CanonicalKeyParser.parse(utf8, offset, length);
    }

    /** A key {@link CanonicalKeyParser} checked; {@code ownedHash} is not copied, {@code canonical} is kept. */
    static ObjectKey parsed(byte[] ownedHash, String modelName, int kvRank, long objectGroupId, String cacheSalt,
                            String canonical) {
        return new ObjectKey(ownedHash, modelName, kvRank, objectGroupId, cacheSalt, canonical);
    }

    /** As {@link #parsed(byte[], String, int, long, String, String)}, with {@code Arrays.hashCode(ownedHash)}. */
    static ObjectKey parsed(byte[] ownedHash, int ownedHashCode, String modelName, int kvRank, long objectGroupId,
                            String cacheSalt) {
        return new ObjectKey(ownedHash, ownedHashCode, modelName, kvRank, objectGroupId, cacheSalt, null);
    }

    private static String describeChar(char c) {
        return c == '\0' ? "NUL" : "'" + c + "'";
    }

    /** {@return a copy of the chunk hash} */
    public byte[] chunkHash() {
        return chunkHash.clone();
    }

    /** {@return the model name} */
    public String modelName() {
        return modelName;
    }

    /** {@return the packed rank as an unsigned 32-bit value in an {@code int} (use {@link Integer#toUnsignedLong})} */
    public int kvRank() {
        return kvRank;
    }

    /** {@return the object group id, {@code >= 0}} */
    public long objectGroupId() {
        return objectGroupId;
    }

    /** {@return the cache salt, {@code ""} when none} */
    public String cacheSalt() {
        return cacheSalt;
    }

    /** {@return the tensor-parallel rank of this key: {@code (kvRank >>> 16) & 0xFF} (global rank byte)} */
    public int tpRank() {
        return (kvRank >>> 16) & 0xFF;
    }

    /** {@return the canonical wire form (see the class comment); computed once and cached} */
    public String toCanonicalString() {
        String s = canonical;
        if (s == null) {
            StringBuilder sb = new StringBuilder(modelName.length() + 8 + 20 + 2 * chunkHash.length
                    + cacheSalt.length() + 4);
            sb.append(modelName).append('@');
            String rank = Integer.toHexString(kvRank);
            for (int i = rank.length(); i < 8; i++) {
                sb.append('0');
            }
            sb.append(rank).append('@').append(Long.toHexString(objectGroupId)).append('@');
            HEX.formatHex(sb, chunkHash);
            if (!cacheSalt.isEmpty()) {
                sb.append('@').append(cacheSalt);
            }
            s = sb.toString();
            canonical = s;
        }
        return s;
    }

    /**
     * The length in bytes of {@link #toCanonicalString()} in UTF-8: what {@link #copyCanonicalUtf8} writes.
     * Allocation-free for a model name and salt seen last (see {@link #utf8Of}).
     *
     * @return the length, or {@code -1} when the canonical string is not valid Unicode (a lone surrogate in the
     *         model name or salt) and so has no UTF-8 form
     */
    public int canonicalUtf8Length() {
        Utf8Text cached = canonicalUtf8;
        if (cached != null) {
            return cached.utf8 == null ? -1 : cached.utf8.length;
        }
        byte[] model = utf8Of(modelName);
        byte[] salt = cacheSalt.isEmpty() ? NO_BYTES : utf8Of(cacheSalt);
        if (model == null || salt == null) {
            return -1;
        }
        return model.length + 1 + 8 + 1 + groupDigits() + 1 + 2 * chunkHash.length
                + (cacheSalt.isEmpty() ? 0 : 1 + salt.length);
    }

    /**
     * Writes the UTF-8 bytes of {@link #toCanonicalString()} into {@code dst[offset, offset +
     * canonicalUtf8Length())}. The first call writes them straight from the key's parts: no string is built and, for a
     * model name and salt seen lately, nothing is allocated (a sender encodes each fresh key once, on its control
     * thread). A later call caches them in the key first and copies from there (a key sent again).
     *
     * @param dst the destination array
     * @param offset where in {@code dst} the bytes start
     * @throws IllegalStateException     if the canonical string has no UTF-8 form ({@code canonicalUtf8Length() == -1})
     * @throws IndexOutOfBoundsException if {@code dst} has no room for the bytes at {@code offset}
     */
    public void copyCanonicalUtf8(byte[] dst, int offset) {
        int length = canonicalUtf8Length();
        if (length < 0) {
            throw new IllegalStateException("the canonical key is not valid Unicode (lone surrogate), it has no UTF-8 "
                    + "form: " + toCanonicalString());
        }
        java.util.Objects.checkFromIndexSize(offset, length, dst.length);
        Utf8Text cached = canonicalUtf8;
        if (cached == null && encodedOnce) {
            byte[] bytes = new byte[length];
            writeCanonicalUtf8(bytes, 0);
            cached = new Utf8Text(null, bytes);
            canonicalUtf8 = cached;
        }
        if (cached != null) {
            System.arraycopy(cached.utf8, 0, dst, offset, length);
            return;
        }
        encodedOnce = true;
        writeCanonicalUtf8(dst, offset);
    }

    /** Writes the canonical UTF-8 (valid Unicode, room checked) at {@code dst[offset]}. */
    private void writeCanonicalUtf8(byte[] dst, int offset) {
        byte[] model = utf8Of(modelName);
        System.arraycopy(model, 0, dst, offset, model.length);
        int p = offset + model.length;
        dst[p++] = '@';
        for (int shift = 28; shift >= 0; shift -= 4) {
            dst[p++] = HEX_DIGITS[(kvRank >>> shift) & 0xF];
        }
        dst[p++] = '@';
        int groupDigits = groupDigits();
        long g = objectGroupId;
        for (int i = groupDigits - 1; i >= 0; i--, g >>>= 4) {
            dst[p + i] = HEX_DIGITS[(int) (g & 0xF)];
        }
        p += groupDigits;
        dst[p++] = '@';
        for (byte b : chunkHash) {
            dst[p++] = HEX_DIGITS[(b >>> 4) & 0xF];
            dst[p++] = HEX_DIGITS[b & 0xF];
        }
        if (!cacheSalt.isEmpty()) {
            dst[p++] = '@';
            byte[] salt = utf8Of(cacheSalt);
            System.arraycopy(salt, 0, dst, p, salt.length);
        }
    }

    /** {@return the UTF-8 of {@code text} (a model name, or a salt), or null when it is not valid Unicode} */
    private static byte[] utf8Of(String text) {
        Utf8Text[] cache = UTF8_CACHE;
        for (int i = 0; i < UTF8_CACHE_SIZE; i++) {
            Utf8Text t = cache[i];
            if (t != null && (t.text == text || t.text.equals(text))) {
                return t.utf8;
            }
        }
        int n = utf8Length(text);
        byte[] utf8 = null;
        if (n >= 0) {
            utf8 = new byte[n];
            putUtf8(text, utf8, 0);
        }
        cache[(utf8CacheNext++) & (UTF8_CACHE_SIZE - 1)] = new Utf8Text(text, utf8);
        return utf8;
    }

    /** A text and its UTF-8 (null when it has none), for {@link #utf8Of} and the per-key cache. */
    private record Utf8Text(String text, byte[] utf8) {
    }

    /** {@return the hex digits of the object group id, at least one} */
    private int groupDigits() {
        return Math.max(1, (Long.SIZE - Long.numberOfLeadingZeros(objectGroupId) + 3) / 4);
    }

    /** {@return the UTF-8 length of {@code s}, or -1 when a surrogate in it is not part of a pair} */
    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (!Character.isSurrogate(c)) {
                n += 3;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                return -1; // getBytes would silently write '?' for it
            }
        }
        return n;
    }

    /** Encodes {@code s} (valid Unicode, see {@link #utf8Length}) as UTF-8 at {@code dst[p]}; returns the end. */
    private static int putUtf8(String s, byte[] dst, int p) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                dst[p++] = (byte) c;
            } else if (c < 0x800) {
                dst[p++] = (byte) (0xC0 | (c >>> 6));
                dst[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                dst[p++] = (byte) (0xF0 | (cp >>> 18));
                dst[p++] = (byte) (0x80 | ((cp >>> 12) & 0x3F));
                dst[p++] = (byte) (0x80 | ((cp >>> 6) & 0x3F));
                dst[p++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                dst[p++] = (byte) (0xE0 | (c >>> 12));
                dst[p++] = (byte) (0x80 | ((c >>> 6) & 0x3F));
                dst[p++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return p;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        return o instanceof ObjectKey k
                && hashCode == k.hashCode
                && kvRank == k.kvRank
                && objectGroupId == k.objectGroupId
                && modelName.equals(k.modelName)
                && cacheSalt.equals(k.cacheSalt)
                && Arrays.equals(chunkHash, k.chunkHash);
    }

    @Override
    public int hashCode() {
        return hashCode;
    }

    /** The canonical string, as {@link #toCanonicalString()}. */
    @Override
    public String toString() {
        return toCanonicalString();
    }
}
