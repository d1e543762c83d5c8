package io.kvcourier.wire;

/**
 * Init server → client: the handshake request was refused (malformed, wrong protocol version,
 * wrong channel kind, resources exhausted). An init server always replies, so a REQ client is
 * never wedged (docs/TRAPS.md#trap-2).
 *
 * @param version protocol version the server speaks
 * @param message why the request was refused, for the client's log and exception
 */
public record InitError(int version, String message) implements HandshakeMessage {

    /** The wire tag. */
    public static final String TAG = "InitError";

    /** @throws IllegalArgumentException when {@code message} is null */
    public InitError {
        Checks.notNull(message, "message");
    }

    @Override
    public String tag() {
        return TAG;
    }
}
