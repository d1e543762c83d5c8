package io.kvcourier.channel.tcp;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tcp receiver's unused session tokens: minted by a handshake (on an init server's thread), redeemed once by
 * the HELLO of a data connection (on the progress thread), revoked by a fence, dropped when they expire.
 */
final class SessionGrants {
    /** Most handshakes answered but not yet used. */
    static final int MAX_GRANTS = 4096;

    /** An unused session token: whose it is, until when, and the data version its connection talks. */
    record Grant(String senderId, long expiresAtNanos, int dataVersion) {
    }

    private final SecureRandom random = new SecureRandom();
    private final Map<ByteBuffer, Grant> grants = new ConcurrentHashMap<>();
    private final long lifetimeNanos;

    /** @param lifetimeNanos how long a token stays valid after its handshake, in nanoseconds */
    SessionGrants(long lifetimeNanos) {
        this.lifetimeNanos = lifetimeNanos;
    }

    /**
     * A fresh single-use token for {@code senderId} talking {@code dataVersion}, or null when
     * {@value #MAX_GRANTS} are already waiting for their connection.
     */
    byte[] mint(String senderId, int dataVersion) {
        long now = System.nanoTime();
        purge(now);
        if (grants.size() >= MAX_GRANTS) {
            return null;
        }
        byte[] token = new byte[TcpFrames.TOKEN_BYTES];
        random.nextBytes(token);
        grants.put(ByteBuffer.wrap(token), new Grant(senderId, now + lifetimeNanos, dataVersion));
        return token;
    }

    /** Takes the live grant of {@code token} if it belongs to {@code claimed}; null (and nothing taken) if not. */
    Grant redeem(byte[] token, String claimed) {
        ByteBuffer tokenKey = ByteBuffer.wrap(token);
        Grant g = grants.get(tokenKey);
        if (g == null || System.nanoTime() - g.expiresAtNanos > 0 || !g.senderId.equals(claimed)
                || !grants.remove(tokenKey, g)) {
            return null;
        }
        return g;
    }

    /** Revokes every unused token of {@code senderId}. */
    void revoke(String senderId) {
        grants.values().removeIf(g -> g.senderId.equals(senderId));
    }

    /** Tokens held right now, expired ones included (for a refusal's message). */
    int size() {
        return grants.size();
    }

    void clear() {
        grants.clear();
    }

    /** Tokens not used yet and not expired. */
    int pending() {
        purge(System.nanoTime());
        return grants.size();
    }

    private void purge(long now) {
        grants.values().removeIf(g -> now - g.expiresAtNanos > 0);
    }
}
