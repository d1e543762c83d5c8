package io.kvcourier.wire;

/**
 * A message of the PD wire protocol: one msgspec tagged struct ({@code tag=True}), encoded by
 * {@link WireCodec} as a msgpack map whose {@code "type"} key holds the class name.
 *
 * <p>LMCache's messages ({@link AllocRequest}, {@link AllocResponse}, {@link ProxyNotif},
 * {@link CancelNotif}) are byte-compatible with upstream; the channel handshakes
 * ({@link HandshakeMessage}) are kvcourier's own, in the same style. All implementations are
 * immutable and safe to share between threads.
 */
public sealed interface PdMessage
        permits AllocRequest, AllocResponse, ProxyNotif, CancelNotif, HandshakeMessage {

    /** @return the wire tag: the msgspec class name, for example {@code "ProxyNotif"} */
    String tag();
}
