package io.kvcourier.wire;

/**
 * The one error every decoder in this package throws for bytes that are not a valid message:
 * truncation, malformed msgpack, a header over a {@link WireLimits} cap, a wrong value type,
 * a missing required field, an unknown tag, invalid UTF-8, trailing bytes.
 *
 * <p>It is a checked exception on purpose: every caller that decodes bytes from the network must
 * decide what a hostile or broken peer means for it. The message follows msgspec's wording where
 * msgspec has one (for example {@code Object missing required field `req_id`} or
 * {@code Invalid value 'Bogus' - at `$.type`}), so logs read the same on both sides of the wire.
 */
public final class WireFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong and where ({@code - at `$.field`}) */
    public WireFormatException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong and where
     * @param cause   the lower-level failure (for example a UTF-8 decoding error)
     */
    public WireFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
