package io.kvcourier.channel;

import java.time.Duration;
import java.util.Objects;

/**
 * The values a transfer channel reads, and only those: the adapter fills them from its configuration and passes
 * them to {@link TransferChannelFactory}, so channels know nothing of how the adapter is configured. Each
 * implementation reads the components it needs (tcp: the hosts and deadlines; verbs: the deadlines, the queue
 * pairs and the device; mock_memory: none). Immutable.
 *
 * @param bindHost         the local address a receiver's data listener binds to, a host name or IP address
 *                         ({@code 0.0.0.0} or {@code ::} = every interface); non-empty
 * @param peerHost         the host announced to senders when {@code bindHost} is a wildcard address (a receiver's
 *                         configured peer host); non-empty
 * @param handshakeTimeout the bound on one set-up step: a sender's tcp connect or QP creation and connection, a
 *                         receiver's QP accept, a tcp connection's wait for its token (a grant lives twice as
 *                         long), registering caller memory (verbs); positive
 * @param shutdownTimeout  the bound on one closing step: closing a connection or QPs, fencing a sender, stopping
 *                         a progress thread; positive
 * @param numQps           RDMA queue pairs per sender–receiver connection (verbs), 1..16
 * @param rdmaDevice       the RDMA device name, e.g. {@code mlx5_0} or {@code rxe0}; {@code ""} = the first
 *                         active one (verbs)
 * @param rdmaPort         the port number on that device, 1..255 (verbs)
 * @param gidIndex         the GID table index for RoCE, 0..65535, or -1 to pick one automatically (verbs)
 */
public record ChannelSettings(String bindHost, String peerHost, Duration handshakeTimeout, Duration shutdownTimeout,
                              int numQps, String rdmaDevice, int rdmaPort, int gidIndex) {

    /** The most queue pairs per connection. */
    public static final int MAX_QPS = 16;

    /**
     * Checks every component.
     *
     * @throws NullPointerException     for a null component, naming it
     * @throws IllegalArgumentException for a value out of its range, naming the component and the range
     */
    public ChannelSettings {
        Objects.requireNonNull(bindHost, "bindHost");
        Objects.requireNonNull(peerHost, "peerHost");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
        Objects.requireNonNull(rdmaDevice, "rdmaDevice");
        if (bindHost.isEmpty()) {
            throw new IllegalArgumentException("bindHost must be a non-empty host name or address");
        }
        if (peerHost.isEmpty()) {
            throw new IllegalArgumentException("peerHost must be a non-empty host name or address");
        }
        requirePositive("handshakeTimeout", handshakeTimeout);
        requirePositive("shutdownTimeout", shutdownTimeout);
        requireRange("numQps", numQps, 1, MAX_QPS);
        requireRange("rdmaPort", rdmaPort, 1, 255);
        requireRange("gidIndex", gidIndex, -1, 65_535);
    }

    private static void requirePositive(String component, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(component + " must be positive, got " + d);
        }
    }

    private static void requireRange(String component, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(component + " must be in " + min + ".." + max + ", got " + value);
        }
    }
}
