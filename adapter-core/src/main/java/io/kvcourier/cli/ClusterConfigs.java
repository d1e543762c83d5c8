package io.kvcourier.cli;

import java.time.Duration;
import java.util.Collections;
import java.util.Map;

/** The adapter configs {@code kvcourier cluster} gives its decode and prefill nodes. */
final class ClusterConfigs {
    /**
     * The adapters' allocation, handshake, transfer and notify deadlines. Generous: a node that dies is seen by its
     * exit at once, so these only bound a stall, and a busy machine running several JVMs per core must not fail a
     * healthy run (the whole run is bounded by --timeout).
     */
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SHUTDOWN = Duration.ofSeconds(3);
    private static final long RECEIVER_BUFFER_CAP = 512L << 20;

    private ClusterConfigs() {
    }

    private static Map<String, Object> base(ClusterPlan plan, String role, String peerHost) {
        return Adapters.pdConfig(role, peerHost, "tcp", plan.chunkBytes(), STEP_TIMEOUT, SHUTDOWN);
    }

    /** {@return the config of a decode node that binds {@code address}} */
    static Map<String, Object> receiver(ClusterPlan plan, String address) {
        Map<String, Object> m = base(plan, "receiver", address);
        m.put("peer_init_port", Collections.nCopies(plan.tp(), 0));
        m.put("peer_alloc_port", Collections.nCopies(plan.tp(), 0));
        m.put("bind_host", address);
        m.put("proxy_port", 0);
        // Room for what every prefill node may have in flight to this node twice over, and for its whole share up to
        // a cap, so that admission rarely needs to evict a committed batch before the decode side locks it.
        long inFlight = 2L * plan.prefill() * plan.window() * plan.bytesPerRequest();
        long share = (long) plan.requestsOfDecode(0) * plan.bytesPerRequest();
        m.put("buffer_size", Math.max(inFlight, Math.min(share, RECEIVER_BUFFER_CAP)));
        return m;
    }

    /** {@return the config of a prefill node that notifies the proxy at {@code proxyHost:proxyPort}} */
    static Map<String, Object> sender(ClusterPlan plan, String proxyHost, int proxyPort) {
        Map<String, Object> m = base(plan, "sender", "127.0.0.1"); // unused: each request names its decode node
        m.put("peer_init_port", Collections.nCopies(plan.tp(), 1));
        m.put("peer_alloc_port", Collections.nCopies(plan.tp(), 1));
        m.put("proxy_host", proxyHost);
        m.put("proxy_port", proxyPort);
        m.put("buffer_size", (long) plan.window() * plan.bytesPerRequest());
        return m;
    }
}
