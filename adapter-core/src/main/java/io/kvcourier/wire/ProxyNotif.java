package io.kvcourier.wire;

/**
 * Sender → proxy: the transfer attempt for {@code req_id} is finished (LMCache {@code ProxyNotif}).
 * One is sent per TP rank.
 *
 * @param reqId the request id the proxy assigned
 */
public record ProxyNotif(String reqId) implements PdMessage {

    /** The wire tag. */
    public static final String TAG = "ProxyNotif";

    /** @throws IllegalArgumentException when {@code reqId} is null */
    public ProxyNotif {
        Checks.notNull(reqId, "req_id");
    }

    @Override
    public String tag() {
        return TAG;
    }
}
