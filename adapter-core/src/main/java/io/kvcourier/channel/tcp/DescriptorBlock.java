package io.kvcourier.channel.tcp;

import java.nio.ByteBuffer;

/**
 * The descriptor block of the frame an inbound data connection is reading ({@link TcpFrames}): its entries' pages
 * and lengths, each checked as it is read. Progress thread only; allocates nothing.
 */
final class DescriptorBlock {
    /** Page and length of each entry of the frame being read. */
    final int[] pages = new int[TcpFrames.MAX_ENTRIES];
    final long[] lengths = new long[TcpFrames.MAX_ENTRIES];

    /** Why a DATA frame's head is unacceptable, or null ({@code openBatch}: the unfinished batch, if any). */
    static String headProblem(byte type, byte flags, int count, int batch, int reserved, boolean batchOpen,
                              int openBatch) {
        if (type != TcpFrames.DATA) {
            return "unknown frame type " + type;
        }
        if ((flags & ~TcpFrames.FLAG_COMMIT) != 0 || reserved != 0) {
            return "frame with non-zero reserved bits or bytes (flags " + flags + ", reserved " + reserved + ")";
        }
        if (count < 1 || count > TcpFrames.MAX_ENTRIES) {
            return "frame with " + count + " entries (1.." + TcpFrames.MAX_ENTRIES + ")";
        }
        if (batchOpen && batch != openBatch) {
            return "frame of batch " + batch + " while batch " + openBatch + " is unfinished";
        }
        return null;
    }

    /**
     * Reads the {@code count} entries of a DATA frame of {@code batch} whose block starts at {@code at} in {@code
     * in}; why one lies outside the {@code pageCount} staging pages of {@code pageSize} bytes, or null.
     */
    String read(ByteBuffer in, int at, int count, int batch, long pageSize, int pageCount) {
        for (int i = 0; i < count; i++) {
            int page = in.getInt(at + TcpFrames.HEAD_BYTES + i * TcpFrames.ENTRY_BYTES);
            long length = in.getLong(at + TcpFrames.HEAD_BYTES + i * TcpFrames.ENTRY_BYTES + 4);
            if (page < 0 || page >= pageCount || length <= 0 || length > pageSize) {
                return "entry " + i + " of batch " + batch + " (page " + page + ", " + length + " bytes) is outside "
                        + "the staging pages (" + pageCount + " of " + pageSize + " bytes)";
            }
            pages[i] = page;
            lengths[i] = length;
        }
        return null;
    }

    /**
     * Reads the {@code count} entries of an EAGER frame for {@code exchange} (entry i names key i) and puts the
     * page {@code granted} gave each key in its place, or page 0 when nothing was granted ({@code granted} null: the
     * frame is discarded); why the block is unacceptable, or null. Admission checks the lengths against the keys'.
     */
    String readEager(ByteBuffer in, int at, int count, int exchange, int[] granted) {
        if (granted != null && granted.length != count) {
            return "eager frame of " + count + " entries for a request of " + granted.length + " keys";
        }
        for (int i = 0; i < count; i++) {
            int key = in.getInt(at + TcpFrames.HEAD_BYTES + i * TcpFrames.ENTRY_BYTES);
            long length = in.getLong(at + TcpFrames.HEAD_BYTES + i * TcpFrames.ENTRY_BYTES + 4);
            if (key != i || length <= 0 || length > TcpFrames.MAX_EAGER_ENTRY_BYTES) {
                return "entry " + i + " of eager frame " + exchange + " (key " + key + ", " + length + " bytes): keys "
                        + "go in request order, 1.." + TcpFrames.MAX_EAGER_ENTRY_BYTES + " bytes each";
            }
            pages[i] = granted == null ? 0 : granted[i];
            lengths[i] = length;
        }
        return null;
    }
}
