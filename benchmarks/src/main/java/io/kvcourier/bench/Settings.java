package io.kvcourier.bench;

import java.util.List;

/**
 * How long and how widely a run measures. {@link #quick()} fits the whole run in under ten minutes on two
 * cores; {@link #full()} takes longer and sweeps more sizes.
 *
 * @param name             {@code quick} or {@code full}
 * @param forks            JMH forks per benchmark
 * @param warmups          JMH warm-up iterations
 * @param warmupSeconds    seconds per warm-up iteration
 * @param iterations       JMH measurement iterations
 * @param iterationSeconds seconds per measurement iteration
 * @param copySizes        chunk sizes of the copy suite, bytes
 * @param channelSizes     chunk sizes of the channel suites, bytes
 * @param channelBatches   chunks per batch of the channel suites
 * @param maxBatchBytes    channel cases above this many bytes per batch are left out (memory on small machines)
 * @param e2eRates         end-to-end request rates, requests per second
 * @param e2eShapes        chunks per end-to-end request, one open-loop shape each
 * @param e2eChunkBytes    bytes per end-to-end chunk
 * @param e2eWarmupSeconds end-to-end warm-up per rate, seconds
 * @param e2eSeconds       end-to-end measurement per rate, seconds
 * @param e2eWarmupRequests closed-loop requests per shape before the first rate
 * @param e2eJitWarmupRequests closed-loop requests of a pair's first shape instead (brings the JIT of both adapters
 *                          to steady state: on 2 cores 500 left most of the per-request code in C1, 20,000 take
 *                          about 5 s for 1 x 256 KiB)
 * @param stream           the request-streaming row
 * @param chunkCount       the chunk-count rows
 */
record Settings(String name, int forks, int warmups, int warmupSeconds, int iterations, int iterationSeconds,
                List<Long> copySizes, List<Long> channelSizes, List<Integer> channelBatches, long maxBatchBytes,
                List<Integer> e2eRates, List<Integer> e2eShapes, long e2eChunkBytes, int e2eWarmupSeconds,
                int e2eSeconds, int e2eWarmupRequests, int e2eJitWarmupRequests, Stream stream, ChunkCount chunkCount) {

    static final long KIB = 1024;
    static final long MIB = 1024 * KIB;

    /**
     * Request streaming over tcp between two JVMs: requests of {@code chunks × chunkBytes}, {@code window} in
     * flight, beside the raw pump with as many batches in flight.
     *
     * @param seconds warm-up and measurement per implementation, each (the measurement in alternating slices)
     */
    record Stream(int chunks, long chunkBytes, int window, int warmupSeconds, int seconds) {
        String label() {
            return chunks + " x " + bytes(chunkBytes) + ", " + window + " in flight";
        }
    }

    /**
     * The cost of many small chunks: one request of {@code requestBytes} cut into chunks of each of
     * {@code chunkBytes} (the first is the baseline the others are compared with), one request at a time over tcp
     * between two JVMs.
     */
    record ChunkCount(long requestBytes, List<Long> chunkBytes, int warmupSeconds, int seconds) {
        int chunks(long chunk) {
            return (int) (requestBytes / chunk);
        }

        String label(long chunk) {
            return chunks(chunk) + " x " + bytes(chunk);
        }
    }

    static Settings quick() {
        return new Settings("quick", 1, 1, 1, 3, 1,
                List.of(256 * KIB, 2 * MIB, 32 * MIB),
                List.of(64 * KIB, 2 * MIB, 32 * MIB), List.of(1, 32), 256 * MIB,
                List.of(50, 200), List.of(1, 16), 256 * KIB, 1, 3, 500, 20_000,
                new Stream(8, 2 * MIB, 4, 1, 3),
                new ChunkCount(4 * MIB, List.of(512 * KIB, 8 * KIB), 2, 3));
    }

    static Settings full() {
        return new Settings("full", 2, 3, 2, 5, 2,
                List.of(256 * KIB, 2 * MIB, 32 * MIB),
                List.of(64 * KIB, 256 * KIB, 1 * MIB, 2 * MIB, 8 * MIB, 32 * MIB), List.of(1, 4, 8, 16, 32), 512 * MIB,
                List.of(50, 100, 200, 400), List.of(1, 16), 256 * KIB, 3, 10, 1000, 20_000,
                new Stream(8, 2 * MIB, 4, 3, 10),
                new ChunkCount(4 * MIB, List.of(512 * KIB, 8 * KIB), 3, 10));
    }

    /** {@code 16 x 256 KiB}: an e2e request shape. */
    String e2eShape(int chunks) {
        return chunks + " x " + bytes(e2eChunkBytes);
    }

    /** A size as people say it: {@code 64 KiB}, {@code 2 MiB}. */
    static String bytes(long n) {
        if (n >= MIB && n % MIB == 0) {
            return n / MIB + " MiB";
        }
        if (n >= KIB && n % KIB == 0) {
            return n / KIB + " KiB";
        }
        return n + " B";
    }
}
