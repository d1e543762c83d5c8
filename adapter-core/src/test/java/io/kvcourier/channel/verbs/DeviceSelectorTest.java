package io.kvcourier.channel.verbs;

import io.kvcourier.channel.ChannelException;
import io.kvcourier.verbs.GidEntry;
import io.kvcourier.verbs.RdmaDevice;
import io.kvcourier.verbs.RdmaPort;
import io.kvcourier.verbs.gen.verbs_h;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Device, port and GID choice from config over an inventory, and the error when nothing matches. */
class DeviceSelectorTest {
    private static final int V2 = verbs_h.IBV_GID_TYPE_ROCE_V2();
    private static final int V1 = verbs_h.IBV_GID_TYPE_ROCE_V1();
    private static final String LINK_LOCAL = "fe80:0000:0000:0000:5054:00ff:fe12:3456";
    private static final String LOOPBACK4 = "0000:0000:0000:0000:0000:ffff:7f00:0001";

    private static RdmaPort port(int num, int state, GidEntry... gids) {
        return new RdmaPort(num, state, state == verbs_h.IBV_PORT_ACTIVE() ? "active" : "down", 1024,
                verbs_h.IBV_LINK_LAYER_ETHERNET(), "Ethernet", List.of(gids));
    }

    private static final List<RdmaDevice> RXE = List.of(new RdmaDevice("rxe0", List.of(port(1, verbs_h.IBV_PORT_ACTIVE(),
            new GidEntry(0, LINK_LOCAL, V2, "RoCE v2"), new GidEntry(1, LOOPBACK4, V2, "RoCE v2"))), null));

    @Test
    void autoPicksTheRoceV2GidOfAnIpv4Address() throws ChannelException {
        DeviceChoice c = DeviceSelector.choose(RXE, "", 1, -1);
        assertThat(c).isEqualTo(new DeviceChoice("rxe0", 1, 1, LOOPBACK4));
    }

    @Test
    void autoFallsBackToAnyRoceV2ThenTheFirstGid() throws ChannelException {
        List<RdmaDevice> v1AndV2 = List.of(new RdmaDevice("mlx5_0", List.of(port(1, verbs_h.IBV_PORT_ACTIVE(),
                new GidEntry(0, LINK_LOCAL, V1, "RoCE v1"), new GidEntry(1, LINK_LOCAL, V2, "RoCE v2"))), null));
        assertThat(DeviceSelector.choose(v1AndV2, "", 1, -1).gidIndex()).isEqualTo(1);
        List<RdmaDevice> ib = List.of(new RdmaDevice("mlx5_1", List.of(port(1, verbs_h.IBV_PORT_ACTIVE(),
                new GidEntry(0, LINK_LOCAL, verbs_h.IBV_GID_TYPE_IB(), "IB"))), null));
        assertThat(DeviceSelector.choose(ib, "", 1, -1).gidIndex()).isZero();
    }

    @Test
    void honoursAnExplicitDeviceAndGidIndexAndSkipsDownPorts() throws ChannelException {
        List<RdmaDevice> two = List.of(
                new RdmaDevice("mlx5_0", List.of(port(1, verbs_h.IBV_PORT_DOWN(), new GidEntry(0, LINK_LOCAL, V2, "RoCE v2"))), null),
                RXE.get(0));
        assertThat(DeviceSelector.choose(two, "", 1, -1).device()).isEqualTo("rxe0");
        assertThat(DeviceSelector.choose(two, "rxe0", 1, 0)).isEqualTo(new DeviceChoice("rxe0", 1, 0, LINK_LOCAL));
    }

    @Test
    void aRequestThatCannotBeMetListsWhatExists() {
        assertThatThrownBy(() -> DeviceSelector.choose(RXE, "mlx5_0", 1, -1))
                .isInstanceOf(ChannelException.class)
                .hasMessageContaining("rdma_device='mlx5_0'")
                .hasMessageContaining("no RDMA device named 'mlx5_0'")
                .hasMessageContaining("rxe0 port 1 [active, Ethernet, MTU 1024, GIDs 0=" + LINK_LOCAL)
                .hasMessageContaining("1=" + LOOPBACK4 + " (RoCE v2)");
        assertThatThrownBy(() -> DeviceSelector.choose(RXE, "rxe0", 2, -1))
                .hasMessageContaining("device rxe0 has no port 2");
        assertThatThrownBy(() -> DeviceSelector.choose(RXE, "", 1, 7))
                .hasMessageContaining("rxe0 port 1 has no populated GID at gid_index 7");
        assertThatThrownBy(() -> DeviceSelector.choose(List.of(), "", 1, -1))
                .hasMessageContaining("no RDMA device found").hasMessageContaining("available: none");
    }
}
