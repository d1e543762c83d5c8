package io.kvcourier.verbs;

import java.util.List;

/**
 * One port of an RDMA device, as {@code ibv_query_port} reports it.
 *
 * @param portNum the port number (1-based)
 * @param state {@code IBV_PORT_*} state, e.g. {@code IBV_PORT_ACTIVE} = 4
 * @param stateName {@code ibv_port_state_str}'s text, e.g. "active"
 * @param activeMtuBytes the active MTU in bytes (256..4096), 0 if unknown
 * @param linkLayer {@code IBV_LINK_LAYER_*}
 * @param linkLayerName "InfiniBand", "Ethernet" or "unspecified"
 * @param gids the populated GID table entries (empty if they could not be read)
 */
public record RdmaPort(int portNum, int state, String stateName, int activeMtuBytes, int linkLayer,
                       String linkLayerName, List<GidEntry> gids) {
    /**
     * Copies {@code gids}.
     */
    public RdmaPort {
        gids = List.copyOf(gids);
    }
}
