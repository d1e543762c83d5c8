package io.kvcourier.cli;

import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * How a prefill node sends a request to the decode node the proxy chose for it. Owns the sender adapter(s) it
 * stores through; {@link #close()} closes them (idempotent).
 */
interface DecodeRouter extends AutoCloseable {
    /** How many decode nodes requests can be sent to (indices {@code 0..decodeNodes()-1}). */
    int decodeNodes();

    /**
     * Stores one request's chunks on decode node {@code decode}, as {@code PdL2Adapter.submitStoreTask} with
     * {@code spec} does (the adapter notifies the proxy once per rank of that node when the request is finished).
     *
     * @param objects caller-owned chunk memory, unchanged until the stage completes
     * @return completes with whether every chunk was committed on the decode node; exceptionally when a deadline
     *         passed or the router was closed
     */
    CompletionStage<Boolean> store(List<ObjectKey> keys, List<MemoryObj> objects, TransferSpec spec, int decode);

    @Override
    void close();
}
