package io.kvcourier.channel.verbs;

/**
 * The RDMA device, port and GID a verbs channel uses, picked by {@link DeviceSelector}.
 *
 * @param device   device name, e.g. {@code "rxe0"}
 * @param port     port number (1-based)
 * @param gidIndex GID table index used as the source GID of every QP (RoCE needs the GRH)
 * @param gid      that GID as text
 */
record DeviceChoice(String device, int port, int gidIndex, String gid) {
}
