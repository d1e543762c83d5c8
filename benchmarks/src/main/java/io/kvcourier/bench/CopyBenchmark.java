package io.kvcourier.bench;

import io.kvcourier.staging.StagingBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * Suite <b>copy</b>: the sender's L1 → staging page copy ({@code MemorySegment.copy} from a caller's shared
 * segment into a {@link StagingBuffer} page, what {@code SenderEngine} does per chunk) beside libc
 * {@code memcpy} of the same bytes through a bare FFM downcall. One operation copies one chunk.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CopyBenchmark {

    /** Chunk size in bytes. */
    @Param({"262144", "2097152", "33554432"})
    public long size;

    private Arena arena;
    private StagingBuffer staging;
    private MemorySegment l1;
    private MemorySegment page;

    @Setup
    public void setup() {
        arena = Arena.ofShared();
        l1 = arena.allocate(size, StagingBuffer.ALIGNMENT);
        for (long i = 0; i < size; i += 4096) {
            l1.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) i);
        }
        staging = new StagingBuffer(size);
        staging.fixPageSize(size);
        page = staging.page(0, size);
    }

    @TearDown
    public void tearDown() {
        staging.close();
        arena.close();
    }

    /** kvcourier: {@code MemorySegment.copy} into the staging page. */
    @Benchmark
    public void segmentCopy() {
        MemorySegment.copy(l1, 0, page, 0, size);
    }

    /** Ceiling: libc {@code memcpy} of the same bytes. */
    @Benchmark
    public void libcMemcpy() {
        RawLibc.memcpy(page, l1, size);
    }
}
