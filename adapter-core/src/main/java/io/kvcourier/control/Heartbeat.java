package io.kvcourier.control;

import org.zeromq.ZMQ;

import java.time.Duration;

/**
 * ZMTP heartbeats on the control sockets ({@code heartbeat_interval_sec}, {@code heartbeat_timeout_sec}): every
 * {@code interval} a socket sends a PING on an otherwise idle connection, and a connection that has carried nothing
 * for {@code timeout} is closed, which its socket monitor reports as a disconnect. A peer that vanishes without
 * FIN or RST (a silent partition, a frozen host) is therefore noticed within about {@code timeout}. The TTL sent
 * with each PING asks the peer to drop the connection after {@code timeout} of silence from this side too.
 *
 * @param interval time between PINGs; zero disables heartbeats
 * @param timeout  silence after which the connection is closed; more than {@code interval} when enabled
 */
public record Heartbeat(Duration interval, Duration timeout) {
    /** No heartbeats (jeromq's default). */
    public static final Heartbeat NONE = new Heartbeat(Duration.ZERO, Duration.ZERO);

    public Heartbeat {
        if (interval.isNegative() || timeout.isNegative()) {
            throw new IllegalArgumentException("heartbeat interval and timeout must be >= 0");
        }
        if (!interval.isZero() && timeout.compareTo(interval) <= 0) {
            throw new IllegalArgumentException("heartbeat timeout (" + timeout + ") must exceed the interval ("
                    + interval + ")");
        }
    }

    public boolean enabled() {
        return !interval.isZero();
    }

    /**
     * Applies the options to a connecting socket before it connects. Never to a server socket: only one end of a
     * connection may send PINGs (docs/TRAPS.md#trap-36).
     */
    void apply(ZMQ.Socket socket) {
        if (!enabled()) {
            return;
        }
        socket.setHeartbeatIvl(millis(interval));
        socket.setHeartbeatTimeout(millis(timeout));
        // ZMTP carries the TTL in deciseconds (at most 6553.5 s).
        socket.setHeartbeatTtl(Math.min(millis(timeout), 6_553_000));
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }
}
