package io.kvcourier.channel;

import java.util.Arrays;

/**
 * One batch of chunk writes from a sender's staging buffer into a receiver's pages, committed on the
 * receiver as a unit. Entry {@code i} copies {@code lengths[i]} bytes from byte offset
 * {@code localOffsets[i]} of the sender's staging buffer to the start of remote page
 * {@code remotePages[i]} (remote byte offset {@code remotePages[i] * remotePageSize}).
 *
 * <p>{@link #batchId()} identifies the batch on the wire (the tcp commit frame, the verbs immediate); it is
 * the first remote page of the batch, which the receiver's allocation owns until the batch commits or is
 * fenced and reclaimed.
 *
 * @param localOffsets   byte offsets into the sender's staging buffer
 * @param remotePages    receiver page indexes, in the order the receiver allocated them
 * @param lengths        bytes per entry, each at most {@code remotePageSize}
 * @param remotePageSize the receiver's page size in bytes (one full KV chunk)
 */
public record WriteBatch(long[] localOffsets, int[] remotePages, long[] lengths, long remotePageSize) {

    public WriteBatch {
        if (localOffsets.length == 0 || localOffsets.length != remotePages.length
                || remotePages.length != lengths.length) {
            throw new IllegalArgumentException("a write batch needs 1+ entries with matching offsets, pages and lengths");
        }
        if (remotePageSize <= 0) {
            throw new IllegalArgumentException("remotePageSize must be > 0, got " + remotePageSize);
        }
        for (int i = 0; i < lengths.length; i++) {
            if (lengths[i] <= 0 || lengths[i] > remotePageSize || remotePages[i] < 0 || localOffsets[i] < 0) {
                throw new IllegalArgumentException("bad write batch entry " + i + ": page " + remotePages[i]
                        + ", length " + lengths[i] + ", local offset " + localOffsets[i]);
            }
        }
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
        return o instanceof WriteBatch w && Arrays.equals(localOffsets, w.localOffsets)
                && Arrays.equals(remotePages, w.remotePages) && Arrays.equals(lengths, w.lengths)
                && remotePageSize == w.remotePageSize;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(remotePages) + Arrays.hashCode(lengths);
    }

    @Override
    public String toString() {
        return "WriteBatch[id=" + batchId() + ", pages=" + Arrays.toString(remotePages) + ", bytes=" + totalBytes() + "]";
    }
}
