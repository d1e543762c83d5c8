package io.kvcourier.notify;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A snapshot of a {@link ProxyNotifier}'s counters, all monotonically increasing over its life.
 *
 * @param offered  notifications accepted into the queue
 * @param sent     notifications handed to the PUSH socket
 * @param retried  notifications that needed more than one send attempt (the proxy was absent or slow)
 * @param dropped  notifications refused by {@code offer} (queue full, closed, or a null req_id)
 * @param expired  notifications given up after the send deadline (or the shutdown deadline)
 * @param failed   notifications lost to an unexpected send error (logged with the req_id)
 */
public record NotifierCounters(long offered, long sent, long retried, long dropped, long expired, long failed) {

    /** {@return the counters as an ordered map with snake_case keys, for {@code reportStatus()}} */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("proxy_notif_offered", offered);
        m.put("proxy_notif_sent", sent);
        m.put("proxy_notif_retried", retried);
        m.put("proxy_notif_dropped", dropped);
        m.put("proxy_notif_expired", expired);
        m.put("proxy_notif_failed", failed);
        return m;
    }
}
