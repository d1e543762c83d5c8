package io.kvcourier.bench;

import io.kvcourier.wire.AllocResponse;
import io.kvcourier.wire.ProxyNotif;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Suite <b>wire</b>, AllocResponse (8 page indexes) and ProxyNotif: kvcourier's codec beside msgpack-core's
 * generic packer/unpacker, both reused across calls.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class WireSmallBenchmark {
    private AllocResponse response;
    private ProxyNotif notif;
    private byte[] responseBytes;
    private byte[] notifBytes;
    private WireEncoder encoder;
    private MessageBufferPacker packer;
    private MessageUnpacker unpacker;
    private ArrayBufferInput input;

    @Setup
    public void setup() {
        response = WireMessages.allocResponse(8);
        notif = WireMessages.proxyNotif();
        responseBytes = WireCodec.encode(response);
        notifBytes = WireCodec.encode(notif);
        encoder = new WireEncoder();
        packer = MessagePack.newDefaultBufferPacker();
        input = new ArrayBufferInput(notifBytes);
        unpacker = MessagePack.newDefaultUnpacker(input);
    }

    @Benchmark
    public int allocResponseEncodeKvcourier() {
        encoder.encode(response);
        return encoder.length();
    }

    @Benchmark
    public AllocResponse allocResponseDecodeKvcourier() throws WireFormatException {
        return WireCodec.decode(responseBytes, AllocResponse.class);
    }

    @Benchmark
    public int allocResponseEncodeMsgpackCore() throws IOException {
        packer.clear();
        WireMessages.pack(packer, response);
        return packer.getBufferSize();
    }

    @Benchmark
    public AllocResponse allocResponseDecodeMsgpackCore() throws IOException {
        input.reset(responseBytes);
        unpacker.reset(input);
        return WireMessages.unpackAllocResponse(unpacker);
    }

    @Benchmark
    public int proxyNotifEncodeKvcourier() {
        encoder.encode(notif);
        return encoder.length();
    }

    @Benchmark
    public ProxyNotif proxyNotifDecodeKvcourier() throws WireFormatException {
        return WireCodec.decode(notifBytes, ProxyNotif.class);
    }

    @Benchmark
    public int proxyNotifEncodeMsgpackCore() throws IOException {
        packer.clear();
        WireMessages.pack(packer, notif);
        return packer.getBufferSize();
    }

    @Benchmark
    public ProxyNotif proxyNotifDecodeMsgpackCore() throws IOException {
        input.reset(notifBytes);
        unpacker.reset(input);
        return WireMessages.unpackProxyNotif(unpacker);
    }
}
