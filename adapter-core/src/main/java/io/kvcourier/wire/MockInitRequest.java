package io.kvcourier.wire;

/**
 * Sender → receiver init server: open an in-process ({@code mock_memory}) channel.
 *
 * @param version  protocol version the sender speaks
 * @param senderId the sender's identity (unique per sender process)
 */
public record MockInitRequest(int version, String senderId) implements HandshakeMessage {

    /** The wire tag. */
    public static final String TAG = "MockInitRequest";

    /** @throws IllegalArgumentException naming the field that is null */
    public MockInitRequest {
        Checks.notNull(senderId, "sender_id");
    }

    @Override
    public String tag() {
        return TAG;
    }
}
