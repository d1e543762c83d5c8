package io.kvcourier.control;

import org.zeromq.ZMQ;

import java.util.Objects;

/**
 * How the ZMQ control plane (alloc and init ports) is secured: not at all ({@link #NONE}), or with CURVE
 * (RFC 26, CurveZMQ): the receiver's servers hold a long-term secret key and every sender must know the
 * receiver's public key to complete the handshake. A peer that does not know it — or speaks plain ZMQ —
 * never gets a message through, so it cannot allocate, cancel or handshake. Traffic is encrypted.
 *
 * <p>What CURVE does not do here: it does not tell senders apart (there is no client allow-list; anyone
 * given the server's public key may connect), and it does not cover the data plane (tcp data connections
 * carry a per-handshake session token; RDMA peers are trusted after the handshake: docs/ARCHITECTURE.md#decision-20).
 *
 * <p>Keys are Z85 strings of 40 characters (32 bytes), as {@code zmq_curve_keypair} and
 * {@link ZMQ.Curve#generateKeyPair()} make them. Immutable and thread-safe.
 */
public final class ControlSecurity {
    /** Plain ZMQ (the NULL mechanism): no authentication, no encryption. */
    public static final ControlSecurity NONE = new ControlSecurity(null, null, null, null);

    private final byte[] serverSecret;
    private final byte[] serverPublic;
    private final byte[] clientPublic;
    private final byte[] clientSecret;

    private ControlSecurity(byte[] serverSecret, byte[] serverPublic, byte[] clientPublic, byte[] clientSecret) {
        this.serverSecret = serverSecret;
        this.serverPublic = serverPublic;
        this.clientPublic = clientPublic;
        this.clientSecret = clientSecret;
    }

    /**
     * A CURVE server (the receiver's alloc and init ports) with its long-term secret key.
     *
     * @throws IllegalArgumentException if the key is not 40 Z85 characters, naming {@code curve_secret_key}
     */
    public static ControlSecurity server(String secretKeyZ85) {
        return new ControlSecurity(decode(secretKeyZ85, "curve_secret_key"), null, null, null);
    }

    /**
     * A CURVE client (a sender) that authenticates the server by {@code serverPublicZ85}. Its own key pair is
     * {@code publicZ85}/{@code secretZ85} when both are given, else a fresh one made now (the server does not
     * check client keys).
     *
     * @throws IllegalArgumentException if a key is malformed or only one half of the client pair is given,
     *                                  naming the config key
     */
    public static ControlSecurity client(String serverPublicZ85, String publicZ85, String secretZ85) {
        byte[] server = decode(serverPublicZ85, "curve_server_key");
        boolean hasPublic = publicZ85 != null && !publicZ85.isEmpty();
        boolean hasSecret = secretZ85 != null && !secretZ85.isEmpty();
        if (hasPublic != hasSecret) {
            throw new IllegalArgumentException("curve_public_key and curve_secret_key must be given together "
                    + "(a sender's own CURVE key pair), or neither (a fresh pair is made)");
        }
        if (!hasPublic) {
            ZMQ.Curve.KeyPair pair = ZMQ.Curve.generateKeyPair();
            publicZ85 = pair.publicKey;
            secretZ85 = pair.secretKey;
        }
        return new ControlSecurity(null, server, decode(publicZ85, "curve_public_key"),
                decode(secretZ85, "curve_secret_key"));
    }

    private static byte[] decode(String z85, String field) {
        Objects.requireNonNull(z85, field);
        if (z85.length() != ZMQ.Curve.KEY_SIZE_Z85) {
            throw new IllegalArgumentException(field + " must be a Z85 CURVE key of " + ZMQ.Curve.KEY_SIZE_Z85
                    + " characters, got " + z85.length());
        }
        byte[] key;
        try {
            key = ZMQ.Curve.z85Decode(z85);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(field + " is not valid Z85: " + e.getMessage(), e);
        }
        if (key == null || key.length != ZMQ.Curve.KEY_SIZE) {
            throw new IllegalArgumentException(field + " is not valid Z85");
        }
        return key;
    }

    /** Whether CURVE is on. */
    public boolean enabled() {
        return serverSecret != null || serverPublic != null;
    }

    /** Whether this is the server side (receiver). */
    public boolean isServer() {
        return serverSecret != null;
    }

    /** Applies the server side to a socket before it binds; does nothing for {@link #NONE} or a client. */
    void applyServer(ZMQ.Socket socket) {
        if (serverSecret != null) {
            socket.setCurveServer(true);
            socket.setCurveSecretKey(serverSecret);
        }
    }

    /** Applies the client side to a socket before it connects; does nothing for {@link #NONE} or a server. */
    void applyClient(ZMQ.Socket socket) {
        if (serverPublic != null) {
            socket.setCurveServerKey(serverPublic);
            socket.setCurvePublicKey(clientPublic);
            socket.setCurveSecretKey(clientSecret);
        }
    }

    @Override
    public String toString() {
        return serverSecret != null ? "CURVE server" : serverPublic != null ? "CURVE client" : "no CURVE";
    }
}
