package io.kvcourier.wire;

/**
 * A transfer-channel handshake message (docs/ARCHITECTURE.md#decision-11). Each carries the protocol
 * {@link #version()} as its first field, so a server can refuse a peer that speaks another version
 * with a clear error ({@link WireCodec#requireVersion(HandshakeMessage)}) and reply
 * {@link InitError}.
 */
public sealed interface HandshakeMessage extends PdMessage
        permits MockInitRequest, MockInitResponse, TcpInitRequest, TcpInitResponse,
                VerbsInitRequest, VerbsInitResponse, InitError {

    /** @return the protocol version the sender speaks ({@link WireCodec#PROTOCOL_VERSION} for us) */
    int version();
}
