package io.kvcourier.fuzz;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.channel.tcp.TcpFrames;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.TcpInitRequest;
import io.kvcourier.wire.TcpInitResponse;
import io.kvcourier.wire.WireCodec;
import org.junit.jupiter.api.AfterAll;

/**
 * Coverage-guided fuzzing of the tcp data port's frame parser through its public face: a real tcp
 * {@link ChannelReceiver} over a small staging buffer, whose allocation model admits exactly one range (sender
 * {@code fuzz}, batch 1, page 1). Per input: a fresh handshake (single-use session token), a valid HELLO, then
 * the fuzzer's bytes as frames. Properties: no byte ever lands outside page 1, the receiver never dies (it
 * answers the next handshake), and the connection always ends (the receiver closes it or reads our EOF).
 * Harness: {@link TcpFuzzReceiver}. Corpus: {@code src/test/resources/io/kvcourier/fuzz/TcpFrameFuzzTestInputs/frames/}.
 */
class TcpFrameFuzzTest {
    private static TcpFuzzReceiver harness;

    private static synchronized TcpFuzzReceiver harness() throws Exception {
        if (harness == null) {
            harness = new TcpFuzzReceiver(null);
        }
        return harness;
    }

    @AfterAll
    static synchronized void close() {
        if (harness != null) {
            harness.close();
            harness = null;
        }
    }

    @FuzzTest(maxDuration = "60s")
    void frames(byte[] input) throws Exception {
        // Jazzer's SSRF detector: connecting to the receiver under test on loopback is the point of this target.
        try (SilentCloseable _ = BugDetectors.allowNetworkConnections(
                (host, port) -> host.equals("127.0.0.1") || host.equals("localhost"))) {
            exchange(input);
        }
    }

    private static void exchange(byte[] input) throws Exception {
        TcpFuzzReceiver h = harness();
        PdMessage reply = h.receiver().handshake(new TcpInitRequest(WireCodec.PROTOCOL_VERSION,
                TcpFuzzReceiver.SENDER));
        if (!(reply instanceof TcpInitResponse init)) {
            throw new AssertionError("the receiver stopped answering handshakes: " + reply);
        }
        h.exchange(init, TcpFrames.VERSION, input);
    }
}
