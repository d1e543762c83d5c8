package io.kvcourier.wire;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Sender → receiver: allocate one receiver page per key (LMCache {@code AllocRequest}, async schema).
 *
 * <p>Wire fields in order: {@code keys: list[str], fmt: int, shape: list[int], dtype: str,
 * last_chunk_toks: int, req_id: str = "", is_last_batch: bool = False, total_chunks: int = 0}. The
 * sync schema ({@link Schema#SYNC}) has only the first five; decoding it yields the defaults.
 *
 * @param keys          the chunk keys, one page each ({@code len(keys)} is the number of chunks)
 * @param fmt           LMCache {@code MemoryFormat} value (1 = KV_2LTD)
 * @param shape         full-chunk shape of the first object; copied in and out
 * @param dtype         dtype string, for example {@code "bfloat16"}
 * @param lastChunkToks tokens in the last chunk of this batch
 * @param reqId         request id; {@code ""} when the store carries none (no proxy notification)
 * @param isLastBatch   whether this is the request's last batch
 * @param totalChunks   chunks of the whole request ({@code 0} = unknown/legacy)
 */
public record AllocRequest(List<String> keys, int fmt, long[] shape, String dtype, int lastChunkToks,
                           String reqId, boolean isLastBatch, int totalChunks) implements PdMessage {

    /** The wire tag. */
    public static final String TAG = "AllocRequest";

    /** @throws IllegalArgumentException naming the field that is null or negative */
    public AllocRequest {
        keys = Checks.strings(keys, "keys");
        shape = Checks.notNull(shape, "shape").clone();
        Checks.notNull(dtype, "dtype");
        Checks.notNull(reqId, "req_id");
        Checks.nonNegative(lastChunkToks, "last_chunk_toks");
        Checks.nonNegative(totalChunks, "total_chunks");
    }

    /**
     * A request with the async-only fields at their defaults ({@code req_id=""},
     * {@code is_last_batch=false}, {@code total_chunks=0}): what the sync schema carries.
     */
    public AllocRequest(List<String> keys, int fmt, long[] shape, String dtype, int lastChunkToks) {
        this(keys, fmt, shape, dtype, lastChunkToks, "", false, 0);
    }

    @Override
    public String tag() {
        return TAG;
    }

    /** @return a copy of the chunk shape */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The record's own array, for the encoder; never handed out. */
    long[] shapeArray() {
        return shape;
    }

    /** @return whether the async-only fields hold their defaults, so the sync schema can carry it */
    public boolean fitsSyncSchema() {
        return reqId.isEmpty() && !isLastBatch && totalChunks == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AllocRequest r
                && fmt == r.fmt && lastChunkToks == r.lastChunkToks && isLastBatch == r.isLastBatch
                && totalChunks == r.totalChunks && keys.equals(r.keys) && Arrays.equals(shape, r.shape)
                && dtype.equals(r.dtype) && reqId.equals(r.reqId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(keys, fmt, Arrays.hashCode(shape), dtype, lastChunkToks, reqId, isLastBatch, totalChunks);
    }

    @Override
    public String toString() {
        return "AllocRequest[keys=" + keys + ", fmt=" + fmt + ", shape=" + Arrays.toString(shape) + ", dtype=" + dtype
                + ", lastChunkToks=" + lastChunkToks + ", reqId=" + reqId + ", isLastBatch=" + isLastBatch
                + ", totalChunks=" + totalChunks + "]";
    }
}
