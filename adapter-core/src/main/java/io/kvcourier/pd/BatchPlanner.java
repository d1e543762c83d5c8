package io.kvcourier.pd;

import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.staging.StagingBuffer;

import java.util.Arrays;

/**
 * Plans a store task into batches on the sender's control thread: splits its keys by TP rank, and each rank's
 * part into batches the receiver can describe with one AllocRequest, then hands every batch to admission.
 */
final class BatchPlanner {
    private static final System.Logger LOG = System.getLogger(SenderEngine.class.getName());

    private final SenderEngine engine;
    private final StagingBuffer staging;
    /** {@code chunk_bytes}: the staging page size, or 0 to take the first store's chunk size. */
    private final long chunkBytes;
    private final long allocTimeoutNanos;
    /** Arrays shared by many batches (control thread). */
    final SharedArrays shared = new SharedArrays();
    /** Scratch: where each batch of the rank part being split ends (control thread). */
    private int[] cuts = new int[4];

    BatchPlanner(SenderEngine engine) {
        this.engine = engine;
        this.staging = engine.staging;
        this.chunkBytes = engine.config.chunkBytes();
        this.allocTimeoutNanos = engine.allocTimeoutNanos;
    }

    /** Starts the task's batches; false when (some of) the task cannot be sent at all. */
    boolean plan(StoreTask task, RankPeer[] ranks) {
        int n = task.keys.length;
        if (n == 0) {
            return true;
        }
        int perRankTotal = task.spec.totalChunks();
        if (ranks.length == 1) {
            return startBatches(task, ranks[0], shared.identity(n), perRankTotal);
        }
        if (perRankTotal % ranks.length == 0) {
            perRankTotal /= ranks.length;
        }
        int[] rankOf = new int[n];
        int[] perRank = new int[ranks.length];
        for (int i = 0; i < n; i++) {
            int rank = task.keys[i].tpRank();
            if (rank >= ranks.length) {
                LOG.log(System.Logger.Level.WARNING, "key {0} has TP rank {1} but only {2} ranks have ports",
                        task.keys[i], rank, ranks.length);
                return false;
            }
            rankOf[i] = rank;
            perRank[rank]++;
        }
        for (int r = 0; r < ranks.length; r++) {
            if (perRank[r] == 0) {
                continue;
            }
            int[] positions = new int[perRank[r]];
            for (int i = 0, j = 0; i < n; i++) {
                if (rankOf[i] == r) {
                    positions[j++] = i;
                }
            }
            if (!startBatches(task, ranks[r], positions, perRankTotal)) {
                return false;
            }
        }
        return true;
    }

    /** Splits one rank's share of a task into batches and admits each; false when it cannot be sent at all. */
    private boolean startBatches(StoreTask task, RankPeer peer, int[] positions, int perRankTotal) {
        int batches = splitIntoBatches(task.objects, positions, keysPerBatch(peer));
        if (batches < 0) {
            return false;
        }
        for (int b = 0, start = 0; b < batches; b++) {
            int end = cuts[b];
            int[] part = start == 0 && end == positions.length ? positions
                    : Arrays.copyOfRange(positions, start, end);
            start = end;
            SenderBatch batch = new SenderBatch(engine, task, peer, part, lengths(task.objects, part),
                    b == batches - 1, perRankTotal);
            task.batchStarted();
            peer.owner.openBatches.incrementAndGet();
            engine.admission.admit(batch, System.nanoTime() + allocTimeoutNanos);
        }
        return true;
    }

    /** The data bytes of each object at {@code positions}: a shared array when they are all equal. */
    private long[] lengths(MemoryObj[] objects, int[] positions) {
        long first = objects[positions[0]].shapeBytes();
        int n = positions.length;
        int i = 1;
        while (i < n && objects[positions[i]].shapeBytes() == first) {
            i++;
        }
        if (i == n) {
            return shared.filled(n, first);
        }
        long[] out = new long[n];
        for (int k = 0; k < n; k++) {
            out[k] = objects[positions[k]].shapeBytes();
        }
        return out;
    }

    /**
     * The most keys one batch to {@code peer} may carry. A receiver reached in-band handles a connection's
     * allocations in the order they were sent (docs/ARCHITECTURE.md#decision-27), so a large part goes as several
     * batches of at most {@link SenderEngine#inBandBatchKeys} keys: the receiver allocates the next while the bytes
     * of the one before are written (the per-key work of an allocation no longer comes before every byte). Over ZMQ
     * an upstream receiver may handle a request's batches in any order, and one that sees {@code is_last_batch}
     * first drops the request's reservation before the others come; those parts stay whole.
     */
    private int keysPerBatch(RankPeer peer) {
        ChannelConnection via = peer.connection;
        int split = engine.inBandBatchKeys;
        return split > 0 && engine.inBandControl && via != null && via.carriesControl() ? split : Integer.MAX_VALUE;
    }

    /**
     * Splits positions into batches the receiver can describe with one AllocRequest: full chunks (exactly one
     * staging page of data) of one shape, dtype and format, optionally ended by one shorter chunk (only the
     * last key of an AllocRequest may be partial), at most {@code keyCap} keys and one staging buffer's worth.
     * Leaves each batch's end (exclusive index into {@code positions}) in {@link #cuts} and returns how many there
     * are; returns -1 (and logs) when an object cannot be sent at all. Nothing is admitted before every object was
     * checked.
     */
    private int splitIntoBatches(MemoryObj[] objects, int[] positions, int keyCap) {
        long pageSize = pageSizeFor(objects[positions[0]]);
        if (pageSize <= 0) {
            return -1;
        }
        int maxPerBatch = Math.min(keyCap, Math.min(staging.pageCount(), ReceiverStore.MAX_KEYS_PER_REQUEST));
        int batches = 0;
        int start = 0;
        MemoryObj head = null;
        for (int k = 0; k < positions.length; k++) {
            MemoryObj o = objects[positions[k]];
            long bytes = o.shapeBytes();
            if (bytes <= 0 || bytes > pageSize || bytes > o.byteSize()) {
                LOG.log(System.Logger.Level.WARNING, "object at position {0} has {1} bytes of data in a {2}-byte "
                        + "segment; a staging page holds {3} (set chunk_bytes to the full chunk size)",
                        positions[k], bytes, o.byteSize(), pageSize);
                return -1;
            }
            boolean joins = head != null && k - start < maxPerBatch && sameShape(head, o);
            if (!joins && k > start) {
                batches = cut(batches, k);
                start = k;
            }
            if (!joins) {
                head = o;
            }
            if (bytes < pageSize) {
                batches = cut(batches, k + 1);
                start = k + 1;
                head = null;
            }
        }
        if (start < positions.length) {
            batches = cut(batches, positions.length);
        }
        return batches;
    }

    /** Records a batch ending at {@code end}; returns the new batch count. */
    private int cut(int batches, int end) {
        if (batches == cuts.length) {
            cuts = Arrays.copyOf(cuts, 2 * batches);
        }
        cuts[batches] = end;
        return batches + 1;
    }

    /**
     * The full-chunk shape an AllocRequest carries: the batch head's shape, with a partial head's token
     * dimension scaled up to one staging page (the receiver sizes pages by the full chunk and the partial
     * length by {@code last_chunk_toks}).
     */
    long[] fullShape(MemoryObj head) {
        long[] shape = head.shape();
        long bytes = head.shapeBytes();
        long page = staging.pageSize();
        int td = head.fmt().tokenDim();
        if (bytes == page || td >= shape.length || shape[td] <= 0) {
            return shape;
        }
        long perToken = bytes / shape[td];
        if (perToken > 0 && bytes % shape[td] == 0 && page % perToken == 0) {
            shape[td] = page / perToken;
        }
        return shape;
    }

    /** Same dtype and format, and the same shape except possibly a shorter token dimension. */
    private static boolean sameShape(MemoryObj head, MemoryObj o) {
        if (head.dtype() != o.dtype() || head.fmt() != o.fmt()) {
            return false;
        }
        int dims = head.dims(); // per chunk: compared in place, no shape copies
        if (o.dims() != dims) {
            return false;
        }
        int td = head.fmt().tokenDim();
        for (int i = 0; i < dims; i++) {
            long a = head.dim(i);
            long b = o.dim(i);
            if (i == td ? b > a : a != b) {
                return false;
            }
        }
        return true;
    }

    private long pageSizeFor(MemoryObj first) {
        long want = chunkBytes > 0 ? chunkBytes : first.shapeBytes();
        try {
            staging.fixPageSize(want);
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot stage chunks of {0} bytes: {1}", want, e.getMessage());
            return -1;
        }
        return staging.pageSize();
    }
}
