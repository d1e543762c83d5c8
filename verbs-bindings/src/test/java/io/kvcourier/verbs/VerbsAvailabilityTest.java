package io.kvcourier.verbs;

import io.kvcourier.verbs.gen.ibv_gid;
import io.kvcourier.verbs.gen.verbs_h;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class VerbsAvailabilityTest {
    /** The kernel exposes uverbs devices here when RDMA is compiled in (rdma_rxe, mlx5, ...). */
    private static final Path UVERBS = Path.of("/sys/class/infiniband_verbs");

    @Test
    void probeMatchesWhatTheKernelOffersAndNeverThrows() {
        NativeTestSupport.requireOrSkip(Verbs.libibverbsPresent(), "libibverbs.so.1 not found (install libibverbs1)");
        List<RdmaDevice> devices = Verbs.listDevices();
        if (!Files.isDirectory(UVERBS)) {
            // this project's hosts: no RDMA subsystem at all
            assertThat(Verbs.isAvailable()).isFalse();
            assertThat(Verbs.unavailabilityCause())
                    .isEqualTo("ibv_get_device_list: no RDMA subsystem in this kernel (ENOSYS)");
            assertThat(devices).isEmpty();
        } else if (Verbs.isAvailable()) {
            assertThat(Verbs.unavailabilityCause()).isNull();
            assertThat(devices).isNotEmpty();
            for (RdmaDevice d : devices) {
                assertThat(d.name()).isNotBlank();
                assertThat(d.error()).as(d.name()).isNull();
                assertThat(d.ports()).as(d.name()).isNotEmpty();
            }
        } else {
            assertThat(Verbs.unavailabilityCause()).isNotBlank();
            assertThat(devices).isEmpty();
        }
        assertThat(Verbs.unavailabilityCause()).as("computed once").isSameAs(Verbs.unavailabilityCause());
        assertThat(Verbs.listDevices()).as("asking again is harmless").hasSameSizeAs(devices);
    }

    @Test
    void exportedStringVerbsWorkWithoutADevice() {
        NativeTestSupport.requireOrSkip(Verbs.libibverbsPresent(), "libibverbs.so.1 not found (install libibverbs1)");
        assertThat(cString(verbs_h.ibv_wc_status_str(verbs_h.IBV_WC_RETRY_EXC_ERR())))
                .isEqualTo("transport retry counter exceeded");
        assertThat(cString(verbs_h.ibv_wc_status_str(verbs_h.IBV_WC_SUCCESS()))).isEqualTo("success");
        assertThat(cString(verbs_h.ibv_port_state_str(verbs_h.IBV_PORT_ACTIVE()))).isEqualTo("active");
        assertThat(cString(verbs_h.ibv_event_type_str(verbs_h.IBV_EVENT_QP_FATAL()))).isEqualTo("local work queue catastrophic error");
    }

    private static String cString(MemorySegment s) {
        return s.reinterpret(256).getString(0);
    }

    @Test
    void gidsAreFormattedAsEightHexGroups() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment gid = ibv_gid.allocate(arena);
            byte[] v4mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1};
            MemorySegment.copy(v4mapped, 0, gid, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, 16);
            assertThat(Verbs.formatGid(gid)).isEqualTo("0000:0000:0000:0000:0000:ffff:7f00:0001");
            assertThat(ibv_gid.global.interface_id(ibv_gid.global(gid)))
                    .as("global.interface_id overlays raw[8..16]").isEqualTo(0x0100007fffff0000L);
        }
        assertThat(Verbs.gidTypeName(io.kvcourier.verbs.gen.verbs_h.IBV_GID_TYPE_ROCE_V2())).isEqualTo("RoCE v2");
        assertThat(Verbs.linkLayerName(io.kvcourier.verbs.gen.verbs_h.IBV_LINK_LAYER_ETHERNET())).isEqualTo("Ethernet");
    }
}
