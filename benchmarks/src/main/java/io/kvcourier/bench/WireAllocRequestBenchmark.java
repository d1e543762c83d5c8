package io.kvcourier.bench;

import io.kvcourier.l2.ObjectKey;
import io.kvcourier.wire.AllocRequest;
import io.kvcourier.wire.WireCodec;
import io.kvcourier.wire.WireEncoder;
import io.kvcourier.wire.WireFormatException;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.core.buffer.ArrayBufferInput;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Suite <b>wire</b>, AllocRequest with 1, 8 or 64 keys: kvcourier's {@link WireEncoder} (one reused encoder, as
 * the sender keeps per thread) and {@link WireCodec#decode(byte[], Class)}, beside msgpack-core's generic
 * {@link MessageBufferPacker} / {@link MessageUnpacker} (both reused) writing and reading the same map.
 * {@link #encodeKvcourierObjectKeys} writes the same bytes straight from {@link ObjectKey}s (each key's UTF-8
 * form cached in the key, as when a sender sends the keys it was given).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class WireAllocRequestBenchmark {

    @Param({"1", "8", "64"})
    public int keys;

    private AllocRequest message;
    private ObjectKey[] objectKeys;
    private long[] shape;
    private byte[] bytes;
    private WireEncoder encoder;
    private MessageBufferPacker packer;
    private MessageUnpacker unpacker;
    private ArrayBufferInput input;

    @Setup
    public void setup() {
        message = WireMessages.allocRequest(keys);
        objectKeys = message.keys().stream().map(ObjectKey::parse).toArray(ObjectKey[]::new);
        shape = message.shape();
        bytes = WireCodec.encode(message);
        encoder = new WireEncoder();
        encodeKvcourierObjectKeys();
        if (!Arrays.equals(encoder.toByteArray(), bytes)) {
            throw new IllegalStateException("the ObjectKey path encodes other bytes than the record");
        }
        packer = MessagePack.newDefaultBufferPacker();
        input = new ArrayBufferInput(bytes);
        unpacker = MessagePack.newDefaultUnpacker(input);
    }

    @Benchmark
    public int encodeKvcourier() {
        encoder.encode(message);
        return encoder.length();
    }

    @Benchmark
    public int encodeKvcourierObjectKeys() {
        encoder.encodeAllocRequest(objectKeys, 0, objectKeys.length, message.fmt(), shape, message.dtype(),
                message.lastChunkToks(), message.reqId(), message.isLastBatch(), message.totalChunks());
        return encoder.length();
    }

    @Benchmark
    public AllocRequest decodeKvcourier() throws WireFormatException {
        return WireCodec.decode(bytes, AllocRequest.class);
    }

    @Benchmark
    public int encodeMsgpackCore() throws IOException {
        packer.clear();
        WireMessages.pack(packer, message);
        return packer.getBufferSize();
    }

    @Benchmark
    public AllocRequest decodeMsgpackCore() throws IOException {
        input.reset(bytes);
        unpacker.reset(input);
        return WireMessages.unpackAllocRequest(unpacker);
    }
}
