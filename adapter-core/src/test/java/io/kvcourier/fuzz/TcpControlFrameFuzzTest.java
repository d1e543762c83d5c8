package io.kvcourier.fuzz;

import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kvcourier.channel.tcp.TcpFrames;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.TcpInitRequest;
import io.kvcourier.wire.TcpInitResponse;
import io.kvcourier.wire.WireCodec;
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
        try (SilentCloseable _ = TcpFuzzReceiver.allowLoopback()) {
            exchange(input);
        }
    }

    private static void exchange(byte[] input) throws Exception {
        TcpFuzzReceiver h = HARNESS.get();
        PdMessage reply = h.receiver().handshake(new TcpInitRequest(WireCodec.PROTOCOL_VERSION,
                TcpFuzzReceiver.SENDER, TcpFrames.VERSION_CONTROL));
        if (!(reply instanceof TcpInitResponse init) || init.dataVersion() != TcpFrames.VERSION_CONTROL) {
            throw new AssertionError("the receiver stopped answering version-3 handshakes: " + reply);
        }
        h.exchange(init, TcpFrames.VERSION_CONTROL, input);
    }
}
