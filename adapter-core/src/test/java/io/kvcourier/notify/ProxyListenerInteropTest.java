package io.kvcourier.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kvcourier.wire.PythonPeer;

/**
 * The listener against libzmq: LMCache's senders push their {@code ProxyNotif}s with pyzmq, whose ZMTP (version 3.1,
 * a greeting sent in two parts) the listener must take as it takes kvcourier's and jeromq's.
 */
@Timeout(120)
class ProxyListenerInteropTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void notificationsPushedByPyzmqArrive() throws Exception {
        PythonPeer.interpreter();
        int count = 50;
        try (ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0);
             PythonPeer push = PythonPeer.start("proxy_push.py", Integer.toString(proxy.port()),
                     Integer.toString(count), Long.toString(WAIT.toSeconds()))) {
            for (int i = 0; i < count; i++) {
                assertThat(proxy.awaitReady("py-" + i, 1, WAIT)).as("py-%d; stderr: %s", i, push.stderr()).isTrue();
            }
            assertThat(push.nextLine(WAIT)).isEqualTo("SENT " + count);
            assertThat(push.waitFor(WAIT)).as("python exit; stderr: %s", push.stderr()).isZero();
            assertThat(proxy.receivedCount()).isEqualTo(count);
            assertThat(proxy.malformedCount()).as("the two-frame message, skipped").isEqualTo(1);
            assertThat(proxy.count("two-frames")).isZero();
        }
    }
}
