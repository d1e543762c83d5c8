package io.kvcourier.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.channel.tcp.TcpFrames;
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
    private static final TcpFuzzReceiver.Shared HARNESS = new TcpFuzzReceiver.Shared(null);

    @AfterAll
    static void close() {
        HARNESS.close();
    }

    @FuzzTest(maxDuration = "60s")
    void frames(byte[] input) throws Exception {
        HARNESS.exchange(TcpFrames.VERSION, input);
    }
}
