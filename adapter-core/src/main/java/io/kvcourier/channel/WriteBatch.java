package io.kvcourier.channel;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One batch of chunk writes from a sender's local memory into a receiver's pages, committed on the
 * receiver as a unit. Entry {@code i} copies {@code lengths[i]} bytes from byte offset
 * {@code localOffsets[i]} of local region {@code localRegions[i]} to the start of remote page
 * {@code remotePages[i]} (remote byte offset {@code remotePages[i] * remotePageSize}). Region
 * {@link #STAGING} is the sender's staging buffer; other regions are caller memory registered with
 * {@link ChannelSender#registerRegion} (zero-copy stores). An entry of region {@link #CALLER_SEGMENT} reads
 * {@code localSegments[i]} itself, on channels that {@linkplain ChannelSender#callerSegmentMinBytes() read caller
 * segments} without registration (zero-copy stores from any memory).
 *
 * <p>{@link #batchId()} identifies the batch on the wire (the tcp commit frame, the verbs immediate); it is
 * the first remote page of the batch, which the receiver's allocation owns until the batch commits or is
 * fenced and reclaimed.
 *
 * @param localRegions   the local region of each entry ({@link #STAGING}, a registered region id, or {@link
 *                       #CALLER_SEGMENT})
 * @param localOffsets   byte offsets into each entry's local region (or segment)
 * @param remotePages    receiver page indexes, in the order the receiver allocated them
 * @param lengths        bytes per entry, each at most {@code remotePageSize}
 * @param remotePageSize the receiver's page size in bytes (one full KV chunk)
 * @param localSegments  null, or per entry the caller segment a {@link #CALLER_SEGMENT} entry reads (native, any
 *                       thread may read it; the caller keeps it alive and unchanged until the batch completes)
 */
public record WriteBatch(int[] localRegions, long[] localOffsets, int[] remotePages, long[] lengths,
                         long remotePageSize, MemorySegment[] localSegments) {

    /** The local region id of the sender's staging buffer. */
    public static final int STAGING = 0;
    /** The region id of an entry that reads its own caller segment ({@code localSegments[i]}). */
    public static final int CALLER_SEGMENT = -1;

    public WriteBatch {
        if (localOffsets.length == 0 || localOffsets.length != remotePages.length
                || remotePages.length != lengths.length || localRegions.length != lengths.length) {
            throw new IllegalArgumentException("a write batch needs 1+ entries with matching regions, offsets, pages "
                    + "and lengths");
        }
        if (remotePageSize <= 0) {
            throw new IllegalArgumentException("remotePageSize must be > 0, got " + remotePageSize);
        }
        if (localSegments != null && localSegments.length != lengths.length) {
            throw new IllegalArgumentException("a write batch needs one local segment slot per entry");
        }
        for (int i = 0; i < lengths.length; i++) {
            if (lengths[i] <= 0 || lengths[i] > remotePageSize || remotePages[i] < 0 || localOffsets[i] < 0
                    || localRegions[i] < CALLER_SEGMENT) {
                throw new IllegalArgumentException("bad write batch entry " + i + ": page " + remotePages[i]
                        + ", length " + lengths[i] + ", local offset " + localOffsets[i]);
            }
            if (localRegions[i] == CALLER_SEGMENT && (localSegments == null || localSegments[i] == null
                    || localOffsets[i] > localSegments[i].byteSize() - lengths[i])) {
                throw new IllegalArgumentException("write batch entry " + i + " reads a caller segment: it needs "
                        + "one that holds its " + lengths[i] + " bytes from offset " + localOffsets[i]);
            }
        }
    }

    /** A batch that reads the staging buffer and registered regions only. */
    public WriteBatch(int[] localRegions, long[] localOffsets, int[] remotePages, long[] lengths,
                      long remotePageSize) {
        this(localRegions, localOffsets, remotePages, lengths, remotePageSize, null);
    }

    /** A batch whose every entry reads from the sender's staging buffer. */
    public WriteBatch(long[] localOffsets, int[] remotePages, long[] lengths, long remotePageSize) {
        this(new int[localOffsets.length], localOffsets, remotePages, lengths, remotePageSize, null);
    }

    /** Whether every entry reads from the staging buffer. */
    public boolean stagingOnly() {
        for (int r : localRegions) {
            if (r != STAGING) {
                return false;
            }
        }
        return true;
    }

    /** The batch's identity on the wire: its first remote page. */
    public int batchId() {
        return remotePages[0];
    }

    /** Number of chunk writes. */
    public int size() {
        return remotePages.length;
    }

    /** Total bytes of the batch. */
    public long totalBytes() {
        long sum = 0;
        for (long l : lengths) {
            sum += l;
        }
        return sum;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WriteBatch w && Arrays.equals(localRegions, w.localRegions)
                && Arrays.equals(localOffsets, w.localOffsets)
                && Arrays.equals(remotePages, w.remotePages) && Arrays.equals(lengths, w.lengths)
                && remotePageSize == w.remotePageSize && Arrays.equals(localSegments, w.localSegments);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(remotePages) + Arrays.hashCode(lengths);
    }

    @Override
    public String toString() {
        return "WriteBatch[id=" + batchId() + ", pages=" + Arrays.toString(remotePages) + ", bytes=" + totalBytes()
                + "]";
    }
}
