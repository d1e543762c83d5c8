package io.kvcourier.cli;

import io.kvcourier.l2.ObjectKey;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * The synthetic workload of {@code demo}, {@code sender} and {@code receiver}: keys that say what their chunk
 * must contain, so that the decode side can verify every byte without talking to the sender.
 *
 * <p>A key's model name is {@value #MODEL}; its chunk hash is {@code [length: 8 bytes BE][index: 4 bytes BE]
 * [req_id: UTF-8]}, so the receiver learns the request, the chunk's position and its exact length from the key.
 * The chunk's bytes are a {@link SplittableRandom} stream seeded with the first 8 bytes of SHA-256 of the key's
 * canonical string, little-endian longs then single bytes. Verification compares CRC32C of the received bytes
 * with CRC32C of the regenerated ones.
 *
 * <p>Stateless and thread-safe.
 */
final class KeyedChunks {
    /** The model name of every workload key. */
    static final String MODEL = "kvcourier-demo";
    private static final int HEADER = 12;
    private static final ValueLayout.OfLong LONG_LE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private KeyedChunks() {
    }

    /** What a workload key says. */
    record Meta(String reqId, int index, long length) {
    }

    /** The key of chunk {@code index} of {@code reqId}, holding {@code length} bytes (TP rank 0 of 1). */
    static ObjectKey key(String reqId, int index, long length) {
        return key(reqId, index, length, 0);
    }

    /**
     * The key of chunk {@code index} of {@code reqId} for one TP rank, holding {@code length} bytes: the ranks of a
     * request share the chunk hash and differ in {@code kvRank}, so each rank's chunk has its own content.
     *
     * @param kvRank LMCache's packed kv_rank ({@link #kvRank(int, int)})
     */
    static ObjectKey key(String reqId, int index, long length, int kvRank) {
        byte[] req = reqId.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(HEADER + req.length).order(ByteOrder.BIG_ENDIAN);
        b.putLong(length).putInt(index).put(req);
        return ObjectKey.of(b.array(), MODEL, kvRank);
    }

    /**
     * LMCache's packed kv_rank of TP rank {@code rank} of {@code tp} on one host:
     * {@code (world_size << 24) | (global_rank << 16) | (local_world_size << 8) | local_rank}; the adapter routes
     * a key by its global rank byte.
     */
    static int kvRank(int rank, int tp) {
        if (tp < 1 || tp > 255 || rank < 0 || rank >= tp) {
            throw new IllegalArgumentException(
                    "TP rank " + rank + " of " + tp + " is not in 0..tp-1 with tp in 1..255");
        }
        return (tp << 24) | (rank << 16) | (tp << 8) | rank;
    }

    /** The request, position and length a workload key carries, or {@code null} for any other key. */
    static Meta meta(ObjectKey key) {
        if (!MODEL.equals(key.modelName())) {
            return null;
        }
        byte[] h = key.chunkHash();
        if (h.length < HEADER) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(h).order(ByteOrder.BIG_ENDIAN);
        long length = b.getLong();
        int index = b.getInt();
        if (length < 0 || index < 0) {
            return null;
        }
        return new Meta(new String(h, HEADER, h.length - HEADER, StandardCharsets.UTF_8), index, length);
    }

    /** Writes the key's content into {@code dst[0, length)}. */
    static void fill(ObjectKey key, MemorySegment dst, long length) {
        SplittableRandom random = new SplittableRandom(seed(key));
        long longs = length >>> 3;
        for (long i = 0; i < longs; i++) {
            dst.set(LONG_LE, i << 3, random.nextLong());
        }
        for (long off = longs << 3; off < length; off++) {
            dst.set(ValueLayout.JAVA_BYTE, off, (byte) random.nextInt());
        }
    }

    /** CRC32C of {@code src[0, length)}. */
    static int crc32c(MemorySegment src, long length) {
        CRC32C crc = new CRC32C();
        long off = 0;
        while (off < length) {
            int n = (int) Math.min(length - off, 1 << 30);
            crc.update(src.asSlice(off, n).asByteBuffer());
            off += n;
        }
        return (int) crc.getValue();
    }

    private static long seed(ObjectKey key) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest(key.toCanonicalString().getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(d).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
