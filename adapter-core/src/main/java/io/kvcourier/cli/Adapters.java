package io.kvcourier.cli;

import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;
import io.kvcourier.pd.Role;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Starts the adapter a command needs, turning its startup errors into the command's exit codes; the config keys
 * every command-built adapter shares.
 */
final class Adapters {
    private Adapters() {
    }

    /** Checks that {@code config} is for {@code role} ({@code command} runs that role). */
    static void requireRole(PdL2AdapterConfig config, Role role, String command) throws UsageException {
        if (config.role() != role) {
            throw new UsageException("--config (key role): kvcourier " + command + " needs role '" + role.wireName()
                    + "', got '" + config.role().wireName() + "'");
        }
    }

    /**
     * @throws UsageException  when this machine cannot serve the config (e.g. no usable transfer channel)
     * @throws CommandFailure  when it could but did not start (e.g. a port is taken)
     */
    static PdL2Adapter create(PdL2AdapterConfig config) throws UsageException, CommandFailure {
        try {
            return PdL2Adapter.create(config);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--config: " + e.getMessage());
        } catch (IllegalStateException e) {
            throw new CommandFailure("cannot start the " + config.role().wireName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The keys of a pd adapter a command starts for itself: its role and peer, its channel and chunk size, and every
     * step timeout set to {@code step} (seconds on the wire), shutdown to {@code shutdown}. A mutable map in key
     * order; the caller adds the ports.
     */
    static Map<String, Object> pdConfig(String role, String peerHost, String channel, long chunkBytes, Duration step,
                                        Duration shutdown) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "pd");
        m.put("role", role);
        m.put("peer_host", peerHost);
        m.put("transfer_channel", channel);
        m.put("chunk_bytes", chunkBytes);
        m.put("allocation_timeout_sec", step.toSeconds());
        m.put("transfer_timeout_sec", step.toSeconds());
        m.put("handshake_timeout_sec", step.toSeconds());
        m.put("shutdown_timeout_sec", shutdown.toSeconds());
        m.put("notify_timeout_sec", step.toSeconds());
        return m;
    }
}
