package io.kvcourier.fuzz;

import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kvcourier.notify.ProxyListener;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;

/**
 * Coverage-guided fuzzing of {@link ProxyListener}'s ZMTP reader, the one socket of the product that any host may
 * connect to without a handshake of ours first. Per input: a connection to one shared listener (frames of at most 1
 * KiB); when the input's first byte is odd, a valid PUSH greeting and READY go first, so the fuzzer reaches the frame
 * parser; then the rest of the input and our EOF. Properties: the listener answers every connection with its own
 * greeting, the connection always ends (the listener hangs up or reads our EOF), and the listener keeps serving.
 * Corpus: {@code src/test/resources/io/kvcourier/fuzz/ZmtpPullFuzzTestInputs/pushedBytes/}.
 */
class ZmtpPullFuzzTest {
    /** A PUSH peer's ZMTP 3.0 greeting (NULL mechanism) and READY ({@code Socket-Type: PUSH}). */
    private static final byte[] PUSH_HANDSHAKE = pushHandshake();
    private static final int GREETING_AND_READY = 64 + 2 + 26;
    private static final AtomicLong NOTIFIED = new AtomicLong();
    private static ProxyListener listener;

    private static synchronized ProxyListener listener() {
        if (listener == null) {
            listener = ProxyListener.bind("127.0.0.1", 0, 1024, (reqId, nanos, at) -> NOTIFIED.incrementAndGet());
        }
        return listener;
    }

    @AfterAll
    static synchronized void close() {
        if (listener != null) {
            listener.close();
        }
    }

    @FuzzTest(maxDuration = "60s")
    void pushedBytes(byte[] input) throws Exception {
        try (SilentCloseable _ = TcpFuzzReceiver.allowLoopback();
             Socket s = new Socket("127.0.0.1", listener().port())) {
            s.setSoTimeout(20_000);
            InputStream in = s.getInputStream();
            if (in.readNBytes(GREETING_AND_READY).length != GREETING_AND_READY) {
                throw new AssertionError("the listener stopped greeting new connections");
            }
            boolean handshake = input.length > 0 && (input[0] & 1) == 1;
            try {
                if (handshake) {
                    s.getOutputStream().write(PUSH_HANDSHAKE);
                }
                s.getOutputStream().write(input, input.length > 0 ? 1 : 0, Math.max(0, input.length - 1));
                s.shutdownOutput();
            } catch (java.io.IOException hungUp) {
                return; // the listener dropped the connection before it had all the bytes: it ended
            }
            try {
                while (in.read() >= 0) {
                    // PONGs, if the input pinged
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the connection did not end within 20 s of our EOF", e);
            } catch (java.io.IOException reset) {
                // reset by the listener: ended
            }
        }
    }

    private static byte[] pushHandshake() {
        byte[] b = new byte[GREETING_AND_READY];
        b[0] = (byte) 0xFF;
        b[8] = 1;
        b[9] = 0x7F;
        b[10] = 3;
        System.arraycopy("NULL".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, b, 12, 4);
        byte[] ready = {4, 26, 5, 'R', 'E', 'A', 'D', 'Y', 11, 'S', 'o', 'c', 'k', 'e', 't', '-', 'T', 'y', 'p', 'e',
            0, 0, 0, 4, 'P', 'U', 'S', 'H'};
        System.arraycopy(ready, 0, b, 64, ready.length);
        return b;
    }
}
