package io.kvcourier.wire;

import java.util.List;

/**
 * Sender → receiver over the alloc socket: free these keys of an abandoned request (LMCache
 * {@code CancelNotif}). The receiver answers with an empty {@link AllocResponse}.
 *
 * @param reqId the abandoned request
 * @param keys  the keys already allocated for it; copied, unmodifiable
 */
public record CancelNotif(String reqId, List<String> keys) implements PdMessage {

    /** The wire tag. */
    public static final String TAG = "CancelNotif";

    /** @throws IllegalArgumentException naming the field that is null */
    public CancelNotif {
        Checks.notNull(reqId, "req_id");
        keys = Checks.strings(keys, "keys");
    }

    @Override
    public String tag() {
        return TAG;
    }
}
