package io.kvcourier.verbs;

import java.util.List;

/**
 * An RDMA device found by {@link Verbs#listDevices()}.
 *
 * @param name the kernel device name, e.g. {@code "rxe0"} or {@code "mlx5_0"}
 * @param ports its ports (empty if the device could not be opened or queried)
 * @param error why it could not be opened or queried, or {@code null}
 */
public record RdmaDevice(String name, List<RdmaPort> ports, String error) {
    /**
     * Copies {@code ports}.
     */
    public RdmaDevice {
        ports = List.copyOf(ports);
    }
}
