package io.kvcourier.cli;

import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;
import io.kvcourier.pd.Role;

/** Starts the adapter a command needs, turning its startup errors into the command's exit codes. */
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
}
