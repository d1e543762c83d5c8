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

/**
 * The synthetic workload of {@code demo}, {@code sender} and {@code receiver}: keys that say what their chunk
 * must contain, so that the decode side can verify every byte without talking to the sender.
 *
 * <p>A key's model name is {@value #MODEL}; its chunk hash is {@code [length: 8 bytes BE][index: 4 bytes BE]
 * [req_id: UTF-8]}, so the receiver learns the request, the chunk's position and its exact length from the key.
 *
 * <p>A chunk's bytes are blocks of {@value #BLOCK} bytes (the last one shorter). The first block is a
 * {@link SplittableRandom} stream seeded with the first 8 bytes of SHA-256 of the key's canonical string,
 * little-endian longs then single bytes; every later block repeats it with its first 8 bytes XORed with a mix of
 * the block's index, so a block in the wrong place is caught too. Filling and checking a chunk then cost about a
 * memory copy, not a random number per 8 bytes: the demo measures the transfer, not its workload generator.
 * {@link #mismatch} compares received bytes with the key's content without writing them out.
 *
 * <p>Stateless and thread-safe.
 */
final class KeyedChunks {
    /** The model name of every workload key. */
    static final String MODEL = "kvcourier-demo";
    private static final int HEADER = 12;
    /** Bytes of random stream per chunk; the rest of the chunk repeats them, each block tagged with its index. */
    static final int BLOCK = 64 << 10;
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
        long first = Math.min(length, BLOCK);
        random(seed(key), dst, first);
        long head = first >= Long.BYTES ? dst.get(LONG_LE, 0) : 0;
        for (long off = BLOCK, block = 1; off < length; off += BLOCK, block++) {
            long n = Math.min(BLOCK, length - off);
            MemorySegment.copy(dst, 0, dst, off, n);
            if (n >= Long.BYTES) {
                dst.set(LONG_LE, off, head ^ tag(block));
            }
        }
    }

    /**
     * {@return the offset of the first byte of {@code got[0, length)} that differs from the key's content, or -1
     * when all of them match}
     *
     * @param scratch at least {@code min(length, }{@value #BLOCK}{@code )} bytes, overwritten
     */
    static long mismatch(ObjectKey key, MemorySegment got, long length, MemorySegment scratch) {
        long first = Math.min(length, BLOCK);
        random(seed(key), scratch, first);
        long head = first >= Long.BYTES ? scratch.get(LONG_LE, 0) : 0;
        for (long off = 0, block = 0; off < length; off += BLOCK, block++) {
            long n = Math.min(BLOCK, length - off);
            long from = 0;
            if (n >= Long.BYTES) {
                long want = head ^ tag(block);
                long have = got.get(LONG_LE, off);
                if (want != have) {
                    return off + Long.numberOfTrailingZeros(want ^ have) / Byte.SIZE;
                }
                from = Long.BYTES;
            }
            long at = MemorySegment.mismatch(got, off + from, off + n, scratch, from, n);
            if (at >= 0) {
                return off + from + at;
            }
        }
        return -1;
    }

    /** {@code 0} for block 0, so the first block is the plain stream. */
    private static long tag(long block) {
        return block * 0x9E3779B97F4A7C15L;
    }

    private static void random(long seed, MemorySegment dst, long length) {
        SplittableRandom random = new SplittableRandom(seed);
        long longs = length >>> 3;
        for (long i = 0; i < longs; i++) {
            dst.set(LONG_LE, i << 3, random.nextLong());
        }
        for (long off = longs << 3; off < length; off++) {
            dst.set(ValueLayout.JAVA_BYTE, off, (byte) random.nextInt());
        }
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
