package io.kvcourier.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.kvcourier.wire.PythonPeer;

/**
 * The Java notifier against the real Python stack: a pyzmq PULL socket bound on an ephemeral port
 * decodes every notification strictly with msgspec against LMCache's {@code ProxyNotif} struct.
 */
class ProxyNotifierInteropTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void pythonProxyDecodesJavaNotificationsStrictly() throws Exception {
        PythonPeer.interpreter();
        int ranks = 2;
        List<String> requests = List.of("cmpl-1", "cmpl-\u00fcn\u00ef\u2603-\uD834\uDD1E", "failed-req");
        try (PythonPeer proxy = PythonPeer.start("proxy_pull.py", Integer.toString(ranks * requests.size()),
                Long.toString(WAIT.toSeconds()))) {
            String first = proxy.nextLine(WAIT);
            assertThat(first).startsWith("PORT ");
            int port = Integer.parseInt(first.substring(5).trim());
            try (ProxyNotifier notifier = ProxyNotifier.create("127.0.0.1", port, WAIT, Duration.ofSeconds(5), 64)) {
                NotificationTracker tracker = new NotificationTracker(ranks, WAIT, System::nanoTime, notifier::offer);
                tracker.onBatchDone("cmpl-1", true, 2, 2, true);
                tracker.onBatchDone(requests.get(1), false, 3, 1, true);
                tracker.onBatchDone(requests.get(1), true, 3, 2, true);
                tracker.onBatchDone("failed-req", true, 1, 1, false); // a failed transfer still notifies
                tracker.onBatchDone("", true, 1, 1, true); // two-argument store: nothing sent
                List<String> lines = proxy.remainingLines(WAIT);
                assertThat(proxy.waitFor(WAIT)).as("python exit; stderr: %s", proxy.stderr()).isZero();
                List<String> expected = new ArrayList<>();
                for (String r : requests) {
                    for (int i = 0; i < ranks; i++) {
                        expected.add("NOTIF " + json(r));
                    }
                }
                assertThat(lines).containsExactlyInAnyOrderElementsOf(expected);
                assertThat(ProxyNotifierTest.awaitSent(notifier, 6)).as("sent: %s", notifier.counters()).isTrue();
            }
        }
    }

    /** Python's json.dumps of a str (ensure_ascii: non-ASCII as \\uXXXX, astral chars as surrogate pairs). */
    private static String json(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
