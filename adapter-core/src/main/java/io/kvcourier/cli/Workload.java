package io.kvcourier.cli;

/**
 * What a sender stores: {@code requests} requests of {@code chunks} chunks of {@code chunkBytes} bytes each,
 * request ids {@code reqIdPrefix + "-" + n}; at most {@code window} requests in flight.
 *
 * @param keepGoing  whether to go on submitting after a request failed (else stop submitting and finish)
 * @param warmup     the first {@code warmup} requests warm the JVMs and connections up: they are stored and verified
 *                   like the others, the rest is submitted only after they all finished, and they are not timed
 * @param registered whether the chunk memory is registered with the adapter ({@code registerMemory}), so that
 *                   stores are written straight from it (zero-copy), as a runtime that registers its KV pool
 */
record Workload(int requests, int chunks, long chunkBytes, String reqIdPrefix, int window, boolean keepGoing,
                int warmup, boolean registered) {
    static final int DEFAULT_REQUESTS = 64;
    static final int DEFAULT_CHUNKS = 8;
    static final long DEFAULT_CHUNK_BYTES = 2L << 20;
    static final int DEFAULT_WINDOW = 4;

    long totalBytes() {
        return (long) requests * chunks * chunkBytes;
    }

    /** Bytes of the requests after the warm-up. */
    long timedBytes() {
        return (long) (requests - warmup) * chunks * chunkBytes;
    }

    /** Whether request {@code n} is one of the warm-up requests. */
    boolean isWarmup(int n) {
        return n < warmup;
    }

    String reqId(int n) {
        return reqIdPrefix + "-" + n;
    }

    /** A request-id prefix unique to this process and moment. */
    static String uniquePrefix(String what) {
        return what + "-" + ProcessHandle.current().pid() + "-"
                + Long.toString(System.currentTimeMillis() % 100_000_000L, 36);
    }
}
