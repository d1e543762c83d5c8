package io.kvcourier.channel.tcp;

import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.WriteBatch;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The memory a tcp sender's batches may read from: region {@link WriteBatch#STAGING} (its staging buffer) and
 * the caller regions registered with {@code registerRegion}. A copy-on-write table sorted by id, so that the
 * lookups on the writing and progress threads take no lock and allocate nothing; registration is rare and
 * takes this object's monitor.
 */
final class LocalRegions {

    /**
     * One readable block of native memory. {@code slot} is small and unique among the live regions (0 for
     * staging), so that a connection can keep its views of a region in an array; a region registered again gets
     * a new object, which the connection tells apart by identity.
     */
    static final class Region {
        final int id;
        final int slot;
        final MemorySegment memory;

        Region(int id, int slot, MemorySegment memory) {
            this.id = id;
            this.slot = slot;
            this.memory = memory;
        }

        long byteSize() {
            return memory.byteSize();
        }
    }

    /** Why {@code reader} cannot read {@code segment} through a socket, or null when it can. Allocates nothing. */
    static String unreadable(MemorySegment segment, Thread reader) {
        if (!segment.isNative()) {
            return "is not native memory (a heap segment has no address a socket can read)";
        }
        if (!segment.scope().isAlive()) {
            return "is no longer alive (its arena was closed)";
        }
        if (!segment.isAccessibleBy(reader)) {
            return "belongs to a confined arena the tcp progress thread cannot read (docs/TRAPS.md#trap-19)";
        }
        return null;
    }

    /** An immutable snapshot: ids ascending, regions in the same order. */
    private record Table(int[] ids, Region[] regions) {
    }

    private volatile Table table;

    LocalRegions(MemorySegment staging) {
        this.table = new Table(new int[] {WriteBatch.STAGING},
                new Region[] {new Region(WriteBatch.STAGING, 0, staging)});
    }

    /** The region with that id, or null. Any thread; allocates nothing. */
    Region find(int id) {
        Table t = table;
        int at = Arrays.binarySearch(t.ids, id);
        return at >= 0 ? t.regions[at] : null;
    }

    /**
     * Adds a region.
     *
     * @throws ChannelException naming the rule the id or the segment breaks
     */
    synchronized Region register(int id, MemorySegment segment, Thread reader) throws ChannelException {
        if (id <= WriteBatch.STAGING) {
            throw new ChannelException("region id must be > 0 (0 is the staging buffer), got " + id);
        }
        if (!segment.isNative()) {
            throw new ChannelException("region " + id + " must be native memory (a heap segment has no address "
                    + "a socket can read)");
        }
        if (segment.byteSize() == 0) {
            throw new ChannelException("region " + id + " is empty");
        }
        if (!segment.isAccessibleBy(reader)) {
            throw new ChannelException("region " + id + " belongs to a confined arena: the tcp progress thread "
                    + "cannot read it (use a shared or global arena, docs/TRAPS.md#trap-19)");
        }
        int[] ids = table.ids;
        Region[] regions = table.regions;
        int at = Arrays.binarySearch(ids, id);
        if (at >= 0) {
            throw new ChannelException("region id " + id + " is already registered");
        }
        Region r = new Region(id, freeSlot(), segment);
        int insert = -at - 1;
        int n = ids.length;
        int[] newIds = new int[n + 1];
        Region[] newRegions = new Region[n + 1];
        System.arraycopy(ids, 0, newIds, 0, insert);
        System.arraycopy(regions, 0, newRegions, 0, insert);
        newIds[insert] = id;
        newRegions[insert] = r;
        System.arraycopy(ids, insert, newIds, insert + 1, n - insert);
        System.arraycopy(regions, insert, newRegions, insert + 1, n - insert);
        table = new Table(newIds, newRegions);
        return r;
    }

    /** Removes a region; returns it, or null when no region has that id (staging cannot be removed). */
    synchronized Region unregister(int id) {
        int[] ids = table.ids;
        Region[] regions = table.regions;
        int at = Arrays.binarySearch(ids, id);
        if (id == WriteBatch.STAGING || at < 0) {
            return null;
        }
        Region r = regions[at];
        int n = ids.length;
        int[] newIds = new int[n - 1];
        Region[] newRegions = new Region[n - 1];
        System.arraycopy(ids, 0, newIds, 0, at);
        System.arraycopy(regions, 0, newRegions, 0, at);
        System.arraycopy(ids, at + 1, newIds, at, n - at - 1);
        System.arraycopy(regions, at + 1, newRegions, at, n - at - 1);
        table = new Table(newIds, newRegions);
        return r;
    }

    private int freeSlot() {
        Region[] regions = table.regions;
        boolean[] used = new boolean[regions.length + 1];
        for (Region r : regions) {
            if (r.slot < used.length) {
                used[r.slot] = true;
            }
        }
        int s = 0;
        while (used[s]) {
            s++;
        }
        return s;
    }
}
