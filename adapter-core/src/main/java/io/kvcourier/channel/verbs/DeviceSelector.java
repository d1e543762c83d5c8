package io.kvcourier.channel.verbs;

import io.kvcourier.channel.ChannelException;
import io.kvcourier.verbs.GidEntry;
import io.kvcourier.verbs.RdmaDevice;
import io.kvcourier.verbs.RdmaPort;
import io.kvcourier.verbs.gen.verbs_h;

import java.util.List;

/**
 * Picks the device, port and GID from the config keys {@code rdma_device} ("" = any), {@code rdma_port} and
 * {@code gid_index} (-1 = automatic) over an inventory from {@code Verbs.listDevices()}. Pure logic, so it is
 * tested without a device.
 *
 * <p>Automatic GID choice, best first: a RoCE v2 GID holding an IPv4-mapped address (on rxe over {@code lo}
 * that is {@code ::ffff:127.0.0.1}, usually index 1), any RoCE v2 GID, then the lowest populated index.
 */
final class DeviceSelector {
    private DeviceSelector() {
    }

    /**
     * @throws ChannelException listing every device, port and GID that exists when nothing matches
     */
    static DeviceChoice choose(List<RdmaDevice> devices, String name, int port, int gidIndex) throws ChannelException {
        String reason = null;
        for (RdmaDevice d : devices) {
            if (!name.isEmpty() && !name.equals(d.name())) {
                continue;
            }
            RdmaPort p = d.ports().stream().filter(x -> x.portNum() == port).findFirst().orElse(null);
            if (p == null) {
                reason = reason != null ? reason : "device " + d.name() + " has no port " + port
                        + (d.error() == null ? "" : " (" + d.error() + ")");
                continue;
            }
            if (p.state() != verbs_h.IBV_PORT_ACTIVE()) {
                reason = reason != null ? reason : d.name() + " port " + port + " is " + p.stateName() + ", not active";
                continue;
            }
            GidEntry gid = pickGid(p.gids(), gidIndex);
            if (gid == null) {
                reason = reason != null ? reason : gidIndex >= 0
                        ? d.name() + " port " + port + " has no populated GID at gid_index " + gidIndex
                        : d.name() + " port " + port + " has no populated GID";
                continue;
            }
            return new DeviceChoice(d.name(), port, gid.index(), gid.gid());
        }
        if (reason == null) {
            reason = name.isEmpty() ? "no RDMA device found" : "no RDMA device named '" + name + "'";
        }
        throw new ChannelException("cannot use RDMA device for rdma_device='" + name + "', rdma_port=" + port
                + ", gid_index=" + gidIndex + ": " + reason + "; available: " + describe(devices));
    }

    private static GidEntry pickGid(List<GidEntry> gids, int gidIndex) {
        if (gidIndex >= 0) {
            return gids.stream().filter(g -> g.index() == gidIndex).findFirst().orElse(null);
        }
        GidEntry anyV2 = null;
        for (GidEntry g : gids) {
            if (g.type() == verbs_h.IBV_GID_TYPE_ROCE_V2()) {
                if (g.gid().startsWith("0000:0000:0000:0000:0000:ffff:")) {
                    return g;
                }
                anyV2 = anyV2 != null ? anyV2 : g;
            }
        }
        if (anyV2 != null) {
            return anyV2;
        }
        return gids.isEmpty() ? null : gids.get(0);
    }

    /** Every device, port and GID, for error messages. */
    static String describe(List<RdmaDevice> devices) {
        if (devices.isEmpty()) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        for (RdmaDevice d : devices) {
            if (!sb.isEmpty()) {
                sb.append("; ");
            }
            sb.append(d.name());
            if (d.error() != null) {
                sb.append(" (").append(d.error()).append(')');
            }
            for (RdmaPort p : d.ports()) {
                sb.append(" port ").append(p.portNum()).append(" [").append(p.stateName()).append(", ")
                        .append(p.linkLayerName()).append(", MTU ").append(p.activeMtuBytes()).append(", GIDs");
                if (p.gids().isEmpty()) {
                    sb.append(" none");
                }
                for (GidEntry g : p.gids()) {
                    sb.append(' ').append(g.index()).append('=').append(g.gid())
                            .append(" (").append(g.typeName()).append(')');
                }
                sb.append(']');
            }
        }
        return sb.toString();
    }
}
