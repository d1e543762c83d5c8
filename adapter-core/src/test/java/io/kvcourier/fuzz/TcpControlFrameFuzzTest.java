package io.kvcourier.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kvcourier.channel.tcp.TcpFrames;
import org.junit.jupiter.api.AfterAll;

import java.util.Arrays;

/**
 * Coverage-guided fuzzing of the tcp data port at data version 3 (CONTROL frames beside DATA frames), as {@link
 * TcpFrameFuzzTest} does for version 2: a real tcp receiver whose control handler answers each request with its own
 * bytes — at once when its length is odd, later from another thread when even — and whose allocation model admits
 * only sender {@code fuzz}, batch 1, page 1. Per input: a fresh handshake asking for version 3, a valid HELLO, then
 * the fuzzer's bytes. Properties: no byte lands outside page 1, the receiver keeps answering handshakes, and the
 * connection always ends. Harness: {@link TcpFuzzReceiver}.
 * Corpus: {@code src/test/resources/io/kvcourier/fuzz/TcpControlFrameFuzzTestInputs/controlFrames/}.
 */
class TcpControlFrameFuzzTest {
    private static final TcpFuzzReceiver.Shared HARNESS = new TcpFuzzReceiver.Shared(
            (senderId, bytes, offset, length, replier) -> {
                byte[] copy = Arrays.copyOfRange(bytes, offset, offset + length);
                if (length % 2 == 1) {
                    replier.reply(copy, 0, copy.length);
                } else {
                    Thread.ofVirtual().start(() -> replier.reply(copy, 0, copy.length));
                }
            });

    @AfterAll
    static void close() {
        HARNESS.close();
    }

    @FuzzTest(maxDuration = "60s")
    void controlFrames(byte[] input) throws Exception {
        HARNESS.exchange(TcpFrames.VERSION_CONTROL, input);
    }
}
