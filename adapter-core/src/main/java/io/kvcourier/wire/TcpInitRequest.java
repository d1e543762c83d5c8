package io.kvcourier.wire;

/**
 * Sender → receiver init server: open a tcp data channel.
 *
 * @param version  protocol version the sender speaks
 * @param senderId the sender's identity (unique per sender process)
 */
public record TcpInitRequest(int version, String senderId) implements HandshakeMessage {

    /** The wire tag. */
    public static final String TAG = "TcpInitRequest";

    /** @throws IllegalArgumentException naming the field that is null */
    public TcpInitRequest {
        Checks.notNull(senderId, "sender_id");
    }

    @Override
    public String tag() {
        return TAG;
    }
}
