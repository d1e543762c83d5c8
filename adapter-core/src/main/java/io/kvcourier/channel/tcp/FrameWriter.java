package io.kvcourier.channel.tcp;

import io.kvcourier.channel.BatchCompletion;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.WriteBatch;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The frames of the batch a {@link TcpConnection} is sending, cut into the pieces its socket writes are made of.
 * Used under the connection's send lock only; allocates nothing once its arrays have grown to the batches.
 *
 * <p>Socket calls are single-buffer (see {@link RegionViews} for why). A frame's first piece is one bounce
 * buffer: the descriptor block and up to {@value #LEAD_BYTES} bytes of payload copied behind it, so
 * that a small batch arrives with one write and the receiver never wakes up for a descriptor whose payload is
 * still on its way (measured: that second wake-up halved the rate of 64 KiB batches on a busy 2-core machine).
 * Then each larger entry (above {@value #SMALL_ENTRY_BYTES} bytes) goes straight from its page or
 * region view (large entries that lie next to each other in local memory in one write), and runs of smaller ones
 * are packed into the bounce buffer again, unless they lie right behind each other in local memory (neighbouring
 * staging pages) for more than {@value #SMALL_ENTRY_BYTES} bytes: such a run goes out in one write from its memory
 * too. No write asks for more than {@value #MAX_WRITE_BYTES} bytes: a longer run, or a longer entry, goes out in
 * pieces of that size. With room in the socket buffer, a batch costs one write per run of neighbouring entries (per
 * {@value #MAX_WRITE_BYTES} bytes of it), plus one.
 *
 * <p>The cap is measured, not derived: requests of 8 x 2 MiB from one registered block, which went out as one write
 * of almost 16 MiB each, streamed at 0.68 of the raw pump on average without it and at 0.74 with it, where the same
 * requests from separate allocations (2 MiB per write either way) stayed at 0.69 (BENCHMARKS.md, "A cap on the size
 * of one socket write").
 */
final class FrameWriter {
    /** Entries of at most this many bytes are copied into the bounce buffer instead of written on their own. */
    static final int SMALL_ENTRY_BYTES = 16 << 10;
    /** Payload bytes copied behind a frame's descriptor block, so that both arrive with one write. */
    static final int LEAD_BYTES = 64 << 10;
    /** The most bytes one socket write is asked to take. */
    static final int MAX_WRITE_BYTES = 2 << 20;
    /** The bounce buffer: a full descriptor block and the lead payload. */
    private static final int BOUNCE_BYTES = TcpFrames.MAX_DESCRIPTOR_BYTES + LEAD_BYTES;
    /** Caller segments whose views are kept: {@value #CALLER_WAYS}-way sets of a table this long (a power of two). */
    static final int CALLER_VIEWS = 256;
    static final int CALLER_WAYS = 4;

    private final TcpSender sender;
    private final ByteBuffer bounce = ByteBuffer.allocateDirect(BOUNCE_BYTES);
    private final MemorySegment bounceMemory = MemorySegment.ofBuffer(bounce);
    private RegionViews[] views = new RegionViews[2];
    /** Views of caller segments sent lately, by identity ({@link #callerViews}). */
    private final MemorySegment[] callerSegments = new MemorySegment[CALLER_VIEWS];
    private final RegionViews[] callerViews = new RegionViews[CALLER_VIEWS];
    /** The way of a set the next miss replaces (round robin over all sets: cheap, and fair enough). */
    private int nextVictim;
    /**
     * The batch being sent, its completion, and for each of its entries its registered region (null for a caller
     * segment) and the views it is read through.
     */
    private WriteBatch current;
    private BatchCompletion currentDone;
    private LocalRegions.Region[] currentRegions = new LocalRegions.Region[16];
    private RegionViews[] currentViews = new RegionViews[16];
    /** Entries below {@code frameEnd} belong to the frame being sent; {@code entry} is the next to go out. */
    private int frameEnd;
    private int entry;
    /** Bytes of {@code entry} already handed to a view piece. */
    private long entrySent;
    /** The region the last piece reads from; null for the bounce buffer or when it was written. */
    private LocalRegions.Region pieceRegion;

    FrameWriter(TcpSender sender) {
        this.sender = sender;
    }

    /** The batch being sent, or null. */
    WriteBatch current() {
        return current;
    }

    BatchCompletion currentDone() {
        return currentDone;
    }

    /** Looks up each entry's region again: it may have been unregistered since the write was queued. */
    ChannelException resolveRegions(WriteBatch b) {
        int n = b.size();
        if (currentRegions.length < n) {
            currentRegions = new LocalRegions.Region[Math.max(n, 2 * currentRegions.length)];
            currentViews = new RegionViews[currentRegions.length];
        }
        int[] ids = b.localRegions();
        for (int i = 0; i < n; i++) {
            if (ids[i] == WriteBatch.CALLER_SEGMENT) { // checked when the write was handed over (TcpSender#validate)
                currentRegions[i] = null;
                currentViews[i] = callerViews(b.localSegments()[i]);
                continue;
            }
            LocalRegions.Region r = sender.regions.find(ids[i]);
            if (r == null || b.localOffsets()[i] > r.byteSize() - b.lengths()[i]) {
                Arrays.fill(currentRegions, 0, i, null);
                Arrays.fill(currentViews, 0, i, null);
                return new ChannelException("local region " + ids[i] + " of write batch entry " + i
                        + " was unregistered before the batch was sent");
            }
            currentRegions[i] = r;
            currentViews[i] = viewsOf(r);
        }
        return null;
    }

    /** Starts sending {@code b} (its regions resolved); returns its first piece. */
    ByteBuffer start(WriteBatch b, BatchCompletion c) {
        current = b;
        currentDone = c;
        return beginFrame(0);
    }

    /** The next piece of the batch being sent; null once every byte of it was handed out. */
    ByteBuffer nextPiece() {
        if (entry < frameEnd) {
            return nextPayloadPiece();
        }
        if (frameEnd < current.size()) {
            return beginFrame(frameEnd);
        }
        return null;
    }

    /** Forgets the batch being sent (every byte of it is in the socket, or it failed). */
    void finish() {
        Arrays.fill(currentRegions, 0, current.size(), null);
        Arrays.fill(currentViews, 0, current.size(), null);
        current = null;
        currentDone = null;
    }

    /** The last piece was written whole. */
    void pieceWritten() {
        pieceRegion = null;
    }

    /** Why the batch being sent cannot go on when it still reads from {@code region} (unregistered), or null. */
    String stillReading(LocalRegions.Region region) {
        boolean reads = pieceRegion == region;
        for (int i = entry; i < current.size() && !reads; i++) {
            reads = currentRegions[i] == region;
        }
        return reads ? "local region " + region.id + " was unregistered while batch " + current.batchId()
                + " was being sent from it" : null;
    }

    /** The connection closed: fails the batch being sent, if any, into {@code failed}. */
    void fail(Completions failed, ChannelException why) {
        pieceRegion = null;
        if (current != null) {
            failed.add(current, currentDone, why);
            current = null;
            currentDone = null;
            Arrays.fill(currentRegions, null);
            Arrays.fill(currentViews, null);
        }
    }

    /** The descriptor block of the frame starting at entry {@code first}, and the lead payload behind it. */
    private ByteBuffer beginFrame(int first) {
        int n = current.size();
        frameEnd = Math.min(n, first + sender.maxEntriesPerFrame);
        bounce.clear();
        if (currentDone instanceof EagerWrite e) { // one frame (TcpConnection#sendEager); pages: the keys' indexes
            TcpFrames.putEagerHead(bounce, n, e.exchangeId());
        } else {
            TcpFrames.putHead(bounce, frameEnd == n, frameEnd - first, current.batchId());
        }
        int[] pages = current.remotePages();
        long[] lengths = current.lengths();
        for (int i = first; i < frameEnd; i++) {
            TcpFrames.putEntry(bounce, pages[i], lengths[i]);
        }
        entry = first;
        entrySent = 0;
        bounce.limit(bounce.position() + LEAD_BYTES);
        pack(true);
        bounce.flip();
        return bounce;
    }

    /**
     * Copies payload behind what the bounce buffer holds, as much as fits: whole small entries, and for the
     * frame's first piece ({@code lead}) also the first bytes of a large entry, which then continues from its view.
     */
    private void pack(boolean lead) {
        long[] lengths = current.lengths();
        long[] offsets = current.localOffsets();
        while (entry < frameEnd && bounce.hasRemaining()) {
            long length = lengths[entry];
            boolean small = length <= SMALL_ENTRY_BYTES;
            long left = length - entrySent;
            if (small ? left > bounce.remaining() : !lead) {
                return;
            }
            int n = (int) Math.min(left, bounce.remaining());
            int at = bounce.position();
            MemorySegment.copy(currentViews[entry].memory(), offsets[entry] + entrySent, bounceMemory, at, n);
            bounce.position(at + n);
            entrySent += n;
            if (entrySent == length) {
                entry++;
                entrySent = 0;
            }
            if (!small) {
                return; // a large entry's first bytes end the lead piece
            }
        }
    }

    /**
     * The next payload piece: packed small entries, or one view over the rest of a large entry and the large
     * entries right behind it in the same region (a run of neighbouring pages goes out in one write), at most
     * {@value #MAX_WRITE_BYTES} bytes and at most to the end of the view's window.
     */
    private ByteBuffer nextPayloadPiece() {
        long[] lengths = current.lengths();
        long[] offsets = current.localOffsets();
        long length = lengths[entry];
        if (length <= SMALL_ENTRY_BYTES && !runAbove(entry, SMALL_ENTRY_BYTES)) {
            bounce.clear();
            pack(false);
            bounce.flip();
            return bounce;
        }
        RegionViews v = currentViews[entry];
        long at = offsets[entry] + entrySent;
        long limit = Math.min(MAX_WRITE_BYTES, v.spanInWindow(at, Long.MAX_VALUE));
        long left = length - entrySent;
        pieceRegion = currentRegions[entry];
        if (left >= limit) {
            entrySent += limit;
            if (entrySent == length) {
                entry++;
                entrySent = 0;
            }
            return v.view(at, (int) limit);
        }
        long span = left;
        int next = entry + 1;
        while (next < frameEnd && followsInMemory(next) && span + lengths[next] <= limit) {
            span += lengths[next];
            next++;
        }
        entry = next;
        entrySent = 0;
        return v.view(at, (int) span);
    }

    /**
     * Whether the entries of this frame from {@code first} on that lie right behind each other in one region (as
     * neighbouring staging pages do) hold more than {@code bytes}: small entries in such a run go out in one write
     * from their memory, like large ones, instead of being copied into the bounce buffer.
     */
    private boolean runAbove(int first, long bytes) {
        long[] lengths = current.lengths();
        long run = lengths[first] - entrySent;
        for (int k = first + 1; k < frameEnd && run <= bytes && followsInMemory(k); k++) {
            run += lengths[k];
        }
        return run > bytes;
    }

    /** Whether entry {@code k} starts where entry {@code k - 1} ends, in the same local region or segment. */
    private boolean followsInMemory(int k) {
        long[] lengths = current.lengths();
        long[] offsets = current.localOffsets();
        return currentViews[k] == currentViews[k - 1] && offsets[k] == offsets[k - 1] + lengths[k - 1];
    }

    /**
     * The views of a caller segment: kept per segment (by identity, in a set-associative table of {@value
     * #CALLER_VIEWS}), so that a runtime storing from the same pool objects again allocates nothing; a segment not
     * seen lately costs one view. The table holds at most that many segments of this connection until they are
     * displaced or the connection closes: a {@code MemorySegment} reference does not keep a shared or global arena
     * open, only an automatic arena's memory from being reclaimed that long.
     */
    private RegionViews callerViews(MemorySegment segment) {
        int set = System.identityHashCode(segment) & (CALLER_VIEWS - CALLER_WAYS);
        for (int i = set; i < set + CALLER_WAYS; i++) {
            if (callerSegments[i] == segment) {
                return callerViews[i];
            }
            if (callerSegments[i] == null) {
                return remember(i, segment);
            }
        }
        return remember(set + (nextVictim++ & (CALLER_WAYS - 1)), segment);
    }

    private RegionViews remember(int slot, MemorySegment segment) {
        callerSegments[slot] = segment;
        callerViews[slot] = new RegionViews(segment);
        return callerViews[slot];
    }

    /** The connection closed: lets go of the caller segments it kept views of. */
    void forgetCallerViews() {
        Arrays.fill(callerSegments, null);
        Arrays.fill(callerViews, null);
    }

    private RegionViews viewsOf(LocalRegions.Region r) {
        if (r.slot >= views.length) {
            views = Arrays.copyOf(views, r.slot + 2);
        }
        RegionViews v = views[r.slot];
        if (v == null || v.memory() != r.memory) {
            v = new RegionViews(r.memory);
            views[r.slot] = v;
        }
        return v;
    }
}
