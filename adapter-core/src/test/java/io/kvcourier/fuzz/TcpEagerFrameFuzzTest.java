package io.kvcourier.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kvcourier.channel.tcp.TcpFrames;
import org.junit.jupiter.api.AfterAll;

import java.util.Arrays;

/**
 * Coverage-guided fuzzing of the tcp data port at data version 4 (eager stores: EAGER frames behind CONTROL frames
 * flagged to announce them), as {@link TcpControlFrameFuzzTest} does for version 3: a real tcp receiver whose control
 * handler answers each request with its own bytes and, by the request's length modulo 3, grants nothing at once (0:
 * the reply comes later from another thread), page 1 to a request of one key (1), or pages 1 and 2 to one of two
 * keys (2; the allocation model admits page 1 only, so such an EAGER frame must close its connection), and whose
 * allocation model admits only sender {@code fuzz}, batch 1, page 1. Per input: a fresh handshake asking for version
 * 4, a valid HELLO, then the fuzzer's bytes. Properties: no byte lands outside page 1, the receiver keeps answering
 * handshakes, and the connection always ends. Harness: {@link TcpFuzzReceiver}.
 * Corpus: {@code src/test/resources/io/kvcourier/fuzz/TcpEagerFrameFuzzTestInputs/eagerFrames/}.
 */
class TcpEagerFrameFuzzTest {
    private static final TcpFuzzReceiver.Shared HARNESS = new TcpFuzzReceiver.Shared(
            (senderId, bytes, offset, length, replier) -> {
                byte[] copy = Arrays.copyOfRange(bytes, offset, offset + length);
                switch (length % 3) {
                    case 1 -> replier.replyAllocated(copy, 0, copy.length, new int[] {1});
                    case 2 -> replier.replyAllocated(copy, 0, copy.length, new int[] {1, 2});
                    default -> Thread.ofVirtual().start(() -> replier.reply(copy, 0, copy.length));
                }
            });

    @AfterAll
    static void close() {
        HARNESS.close();
    }

    @FuzzTest(maxDuration = "60s")
    void eagerFrames(byte[] input) throws Exception {
        HARNESS.exchange(TcpFrames.VERSION_EAGER, input);
    }
}
