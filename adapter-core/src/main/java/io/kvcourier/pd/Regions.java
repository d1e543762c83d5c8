package io.kvcourier.pd;

import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelSender;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The caller memory registered with a sender for zero-copy stores ({@code PdL2Adapter.registerMemory}): each
 * region gets an id ({@code > 0}; 0 is the staging buffer) that write batches name. Lookups run on the control
 * thread against an immutable snapshot; registration is rare and serialized.
 */
final class Regions {
    private record Region(int id, MemorySegment segment, long start, long end) {
    }

    private volatile Region[] regions = new Region[0];
    private int nextId = 1;

    /** Registers {@code segment} with the channel and returns its region id. */
    synchronized int register(MemorySegment segment, ChannelSender channel) throws ChannelException {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("only native memory can be registered (got a heap segment)");
        }
        if (segment.byteSize() == 0) {
            throw new IllegalArgumentException("cannot register an empty segment");
        }
        long start = segment.address();
        long end = start + segment.byteSize();
        for (Region r : regions) {
            if (start < r.end && r.start < end) {
                throw new IllegalArgumentException("segment [0x" + Long.toHexString(start) + ", 0x"
                        + Long.toHexString(end) + ") overlaps registered region " + r.id);
            }
        }
        int id = nextId++;
        channel.registerRegion(id, segment);
        Region[] next = Arrays.copyOf(regions, regions.length + 1);
        next[regions.length] = new Region(id, segment, start, end);
        regions = next;
        return id;
    }

    /** Forgets the region registered for exactly this memory; false when there is none. */
    synchronized boolean unregister(MemorySegment segment, ChannelSender channel) {
        Region[] rs = regions;
        for (int i = 0; i < rs.length; i++) {
            if (rs[i].start == segment.address() && rs[i].end == segment.address() + segment.byteSize()) {
                Region[] next = new Region[rs.length - 1];
                System.arraycopy(rs, 0, next, 0, i);
                System.arraycopy(rs, i + 1, next, i, rs.length - i - 1);
                regions = next;
                channel.unregisterRegion(rs[i].id);
                return true;
            }
        }
        return false;
    }

    int count() {
        return regions.length;
    }

    /**
     * Fills each chunk's region id and offset when every object of the batch lies in one registered region;
     * returns false (filling nothing meaningful) otherwise.
     */
    boolean resolve(SenderBatch batch, int[] ids, long[] offsets) {
        Region[] rs = regions;
        if (rs.length == 0) {
            return false;
        }
        for (int i = 0; i < batch.size(); i++) {
            MemorySegment s = batch.object(i).segment();
            if (!s.isNative()) {
                return false;
            }
            long start = s.address();
            long end = start + batch.lengths[i];
            Region found = null;
            for (Region r : rs) {
                if (start >= r.start && end <= r.end) {
                    found = r;
                    break;
                }
            }
            if (found == null) {
                return false;
            }
            ids[i] = found.id;
            offsets[i] = start - found.start;
        }
        return true;
    }
}
