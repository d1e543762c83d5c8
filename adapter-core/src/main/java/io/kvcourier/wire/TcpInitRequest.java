package io.kvcourier.wire;

/**
 * Sender → receiver init server: open a tcp data channel.
 *
 * @param version     protocol version the sender speaks
 * @param senderId    the sender's identity (unique per sender process)
 * @param dataVersion the highest tcp data-connection version the sender speaks ({@link #DEFAULT_DATA_VERSION} when
 *                    absent: a sender from before the field, which speaks only that one)
 */
public record TcpInitRequest(int version, String senderId, int dataVersion) implements HandshakeMessage {

    /** The wire tag. */
    public static final String TAG = "TcpInitRequest";
    /** The tcp data version of a peer that does not send {@code data_version}. */
    public static final int DEFAULT_DATA_VERSION = 2;

    /** @throws IllegalArgumentException naming the field that is null */
    public TcpInitRequest {
        Checks.notNull(senderId, "sender_id");
    }

    /** A request from a sender that speaks tcp data version {@link #DEFAULT_DATA_VERSION} only. */
    public TcpInitRequest(int version, String senderId) {
        this(version, senderId, DEFAULT_DATA_VERSION);
    }

    @Override
    public String tag() {
        return TAG;
    }
}
