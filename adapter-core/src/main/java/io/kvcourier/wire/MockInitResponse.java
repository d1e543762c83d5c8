package io.kvcourier.wire;

/**
 * Receiver init server → sender: the in-process channel to write into.
 *
 * @param version   protocol version the receiver speaks
 * @param channelId name of the receiver's in-process channel
 * @param pageSize  receiver page size, in bytes
 */
public record MockInitResponse(int version, String channelId, long pageSize) implements HandshakeMessage {

    /** The wire tag. */
    public static final String TAG = "MockInitResponse";

    /** @throws IllegalArgumentException naming the field that is null or negative */
    public MockInitResponse {
        Checks.notNull(channelId, "channel_id");
        Checks.nonNegative(pageSize, "page_size");
    }

    @Override
    public String tag() {
        return TAG;
    }
}
