package io.kvcourier.cli;

import io.kvcourier.notify.ProxyListener;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Receiver and sender as two real JVMs (the built jar) on loopback over tcp, with the proxy listener in this JVM:
 * every chunk is verified byte-exact by the receiver, and every request is notified.
 */
class TwoProcessIT {
    static final Duration WAIT = Duration.ofSeconds(90);
    static final int REQUESTS = 12;
    static final int CHUNKS = 4; // REQUESTS * CHUNKS <= RECEIVER_PAGES
    static final int CHUNK = 64 * 1024;
    /**
     * Room for this test's whole workload: admission never evicts, so no committed chunk can be lost in the moment
     * before the receiver's decode loop locks it (the sender is not paced by the receiver's verification).
     */
    static final int RECEIVER_PAGES = 64;

    static String receiverConfig(int initPort, int allocPort, double deadlineSec) {
        return "{\"type\":\"pd\",\"role\":\"receiver\",\"peer_host\":\"127.0.0.1\",\"bind_host\":\"127.0.0.1\","
                + "\"peer_init_port\":[" + initPort + "],\"peer_alloc_port\":[" + allocPort + "],"
                + "\"transfer_channel\":\"tcp\",\"buffer_size\":" + RECEIVER_PAGES * CHUNK + ",\"chunk_bytes\":" + CHUNK + ","
                + "\"proxy_port\":0,\"allocation_timeout_sec\":" + deadlineSec + ",\"transfer_timeout_sec\":"
                + deadlineSec + ",\"handshake_timeout_sec\":" + deadlineSec + ",\"shutdown_timeout_sec\":1}";
    }

    static String senderConfig(Lines.Event ready, int proxyPort, double deadlineSec) {
        return "{\"type\":\"pd\",\"role\":\"sender\",\"peer_host\":\"127.0.0.1\",\"peer_init_port\":["
                + ready.get("init") + "],\"peer_alloc_port\":[" + ready.get("alloc") + "],\"transfer_channel\":\"tcp\","
                + "\"buffer_size\":" + 16 * CHUNK + ",\"chunk_bytes\":" + CHUNK + ",\"proxy_host\":\"127.0.0.1\","
                + "\"proxy_port\":" + proxyPort + ",\"allocation_timeout_sec\":" + deadlineSec
                + ",\"transfer_timeout_sec\":" + deadlineSec + ",\"handshake_timeout_sec\":" + deadlineSec
                + ",\"shutdown_timeout_sec\":1,\"notify_timeout_sec\":5}";
    }

    @Test
    void everyByteVerifiedAndEveryRequestNotified() throws Exception {
        try (ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0);
             JarProcess receiver = JarProcess.start("receiver", "receiver", "--config", receiverConfig(0, 0, 10),
                     "--stop-on-stdin-eof")) {
            Lines.Event ready = Lines.parse(receiver.out.await("READY ", WAIT));
            try (JarProcess sender = JarProcess.start("sender", "sender", "--config",
                    senderConfig(ready, proxy.port(), 10), "--requests", String.valueOf(REQUESTS), "--chunks",
                    String.valueOf(CHUNKS), "--chunk-bytes", String.valueOf(CHUNK), "--req-id-prefix", "two", "--window", "3")) {
                assertEquals(Main.EXIT_OK, sender.awaitExit(WAIT), sender.stderr());
                List<String> stored = sender.out.all().stream().filter(l -> l.startsWith("STORED ")).toList();
                assertEquals(REQUESTS, stored.size(), stored.toString());
                assertTrue(stored.stream().allMatch(l -> l.contains(" ok=true ")), stored.toString());
            }
            for (int i = 0; i < REQUESTS; i++) {
                assertTrue(proxy.awaitReady("two-" + i, 1, WAIT), "notification for two-" + i);
            }
            assertEquals(REQUESTS, proxy.receivedCount());

            Set<String> requests = new HashSet<>();
            long bytes = 0;
            while (bytes < (long) REQUESTS * CHUNKS * CHUNK) {
                Lines.Event v = Lines.parse(receiver.out.await("VERIFIED ", WAIT));
                assertEquals("true", v.get("ok"), v.toString());
                requests.add(v.get("req"));
                bytes += v.longValue("bytes");
            }
            assertEquals((long) REQUESTS * CHUNKS * CHUNK, bytes);
            assertEquals(REQUESTS, requests.size());

            receiver.closeStdin();
            assertEquals(Main.EXIT_OK, receiver.awaitExit(WAIT), receiver.stderr());
            Lines.Event done = Lines.parse(receiver.out.await("DONE ", Duration.ofSeconds(5)));
            assertEquals(String.valueOf(REQUESTS * CHUNKS), done.get("verified_chunks"));
            assertEquals("0", done.get("failed_chunks"));
        }
    }
}
