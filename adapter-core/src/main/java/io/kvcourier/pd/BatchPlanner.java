package io.kvcourier.pd;

import io.kvcourier.l2.MemoryObj;
import io.kvcourier.staging.StagingBuffer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            return startBatches(task, ranks[0], all, perRankTotal);
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
        List<int[]> batches = splitIntoBatches(task.objects, positions);
        if (batches == null) {
            return false;
        }
        for (int b = 0; b < batches.size(); b++) {
            SenderBatch batch = new SenderBatch(engine, task, peer, batches.get(b), b == batches.size() - 1,
                    perRankTotal);
            task.batchStarted();
            peer.owner.openBatches.incrementAndGet();
            engine.admission.admit(batch, System.nanoTime() + allocTimeoutNanos);
        }
        return true;
    }

    /**
     * Splits positions into batches the receiver can describe with one AllocRequest: full chunks (exactly one
     * staging page of data) of one shape, dtype and format, optionally ended by one shorter chunk (only the
     * last key of an AllocRequest may be partial), at most one staging buffer's worth. Returns null (and logs)
     * when an object cannot be sent at all.
     */
    private List<int[]> splitIntoBatches(MemoryObj[] objects, int[] positions) {
        long pageSize = pageSizeFor(objects[positions[0]]);
        if (pageSize <= 0) {
            return null;
        }
        int maxPerBatch = Math.min(staging.pageCount(), ReceiverStore.MAX_KEYS_PER_REQUEST);
        List<int[]> batches = new ArrayList<>(1);
        int start = 0;
        MemoryObj head = null;
        for (int k = 0; k < positions.length; k++) {
            MemoryObj o = objects[positions[k]];
            long bytes = o.shapeBytes();
            if (bytes <= 0 || bytes > pageSize || bytes > o.byteSize()) {
                LOG.log(System.Logger.Level.WARNING, "object at position {0} has {1} bytes of data in a {2}-byte "
                        + "segment; a staging page holds {3} (set chunk_bytes to the full chunk size)",
                        positions[k], bytes, o.byteSize(), pageSize);
                return null;
            }
            boolean joins = head != null && k - start < maxPerBatch && sameShape(head, o);
            if (!joins && k > start) {
                batches.add(Arrays.copyOfRange(positions, start, k));
                start = k;
            }
            if (!joins) {
                head = o;
            }
            if (bytes < pageSize) {
                batches.add(Arrays.copyOfRange(positions, start, k + 1));
                start = k + 1;
                head = null;
            }
        }
        if (start < positions.length) {
            batches.add(start == 0 ? positions : Arrays.copyOfRange(positions, start, positions.length));
        }
        return batches;
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
