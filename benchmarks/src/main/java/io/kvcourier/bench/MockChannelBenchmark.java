package io.kvcourier.bench;

import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.MockMemoryChannel;
import io.kvcourier.channel.WriteBatch;
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

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * Suite <b>channel</b>, mock_memory: one {@link WriteBatch} of {@code batch} chunks of {@code size} bytes through
 * the in-process channel (receiver admission check per chunk, copy into the receiver's staging pages, commit
 * callback, completed future), beside libc {@code memcpy} of the same chunks between the same two buffers.
 * One operation is one batch.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class MockChannelBenchmark {

    @Param({"65536", "2097152", "33554432"})
    public long size;

    @Param({"1", "32"})
    public int batch;

    private StagingBuffer local;
    private StagingBuffer remote;
    private ChannelSender sender;
    private ChannelReceiver receiver;
    private ChannelConnection connection;
    private WriteBatch writes;
    private MemorySegment[] src;
    private MemorySegment[] dst;

    @Setup
    public void setup() throws ChannelException {
        local = new StagingBuffer(size * batch);
        remote = new StagingBuffer(size * batch);
        local.fixPageSize(size);
        remote.fixPageSize(size);
        local.segment().fill((byte) 7);
        receiver = MockMemoryChannel.FACTORY.openReceiver(null, remote, AdmitAll.INSTANCE);
        sender = MockMemoryChannel.FACTORY.openSender(null, local);
        ChannelSender.Handshake hs = sender.beginConnect("bench-sender");
        connection = hs.complete(receiver.handshake(hs.request()));
        long[] offsets = new long[batch];
        int[] pages = new int[batch];
        long[] lengths = new long[batch];
        src = new MemorySegment[batch];
        dst = new MemorySegment[batch];
        for (int i = 0; i < batch; i++) {
            offsets[i] = local.pageOffset(i);
            pages[i] = batch - 1 - i; // not the identity: a real allocation is not
            lengths[i] = size;
            src[i] = local.page(i, size);
            dst[i] = remote.page(pages[i], size);
        }
        writes = new WriteBatch(offsets, pages, lengths, size);
    }

    @TearDown
    public void tearDown() {
        connection.close();
        sender.close();
        receiver.close();
        local.close();
        remote.close();
    }

    /** kvcourier: one batch through the mock_memory channel, to its commit. */
    @Benchmark
    public void mockMemoryWrite() {
        connection.write(writes).join();
    }

    /** Ceiling: memcpy of the same chunks. */
    @Benchmark
    public void memcpy() {
        for (int i = 0; i < dst.length; i++) {
            RawLibc.memcpy(dst[i], src[i], size);
        }
    }
}
