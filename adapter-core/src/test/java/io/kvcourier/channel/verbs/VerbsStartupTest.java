package io.kvcourier.channel.verbs;

import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelKind;
import io.kvcourier.channel.ChannelSettings;
import io.kvcourier.channel.TransferChannels;
import io.kvcourier.channel.tcp.TcpChannel;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.verbs.Verbs;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Asking for verbs where it cannot run is a clear startup error, never a silent fallback; a configured
 * {@code ["rdma","tcp"]} preference falls back to tcp only where tcp exists. Runs everywhere: on a machine
 * without RDMA the cause is the missing device, on one with RDMA a device name that does not exist.
 */
class VerbsStartupTest {

    static Map<String, Object> config(String role) {
        Map<String, Object> m = new HashMap<>();
        m.put("type", "pd");
        m.put("role", role);
        m.put("peer_host", "127.0.0.1");
        int port = role.equals("sender") ? 1 : 0; // a sender is never connected in these tests
        m.put("peer_init_port", List.of(port));
        m.put("peer_alloc_port", List.of(port));
        m.put("transfer_channel", "verbs");
        m.put("buffer_size", 8 * 256 * 1024);
        m.put("chunk_bytes", 256 * 1024);
        m.put("proxy_port", 0);
        m.put("bind_host", "127.0.0.1");
        return m;
    }

    @Test
    void verbsWithoutADeviceIsAClearStartupErrorWithoutFallback() {
        assumeFalse(Verbs.isAvailable(), "this machine has an RDMA device");
        for (String role : List.of("sender", "receiver")) {
            PdL2AdapterConfig config = PdL2AdapterConfig.fromMap(config(role));
            assertThatThrownBy(() -> PdL2Adapter.create(config))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("transfer_channel 'verbs'")
                    .hasMessageContaining("RDMA verbs unavailable: " + Verbs.unavailabilityCause())
                    .hasMessageNotContaining("tcp")
                    .hasMessageNotContaining("mock_memory");
        }
        assertThat(TransferChannels.unsupportedReason(ChannelKind.VERBS)).startsWith("RDMA verbs unavailable");
    }

    @Test
    void theFactoryItselfRefusesWithTheCause() {
        assumeFalse(Verbs.isAvailable(), "this machine has an RDMA device");
        ChannelSettings settings = new ChannelSettings("127.0.0.1", "127.0.0.1", Duration.ofSeconds(10),
                Duration.ofSeconds(5), 2, "", 1, -1);
        try (StagingBuffer staging = new StagingBuffer(1 << 20)) {
            assertThatThrownBy(() -> VerbsChannel.FACTORY.openSender(settings, staging))
                    .isInstanceOf(ChannelException.class)
                    .hasMessage("RDMA verbs unavailable: " + Verbs.unavailabilityCause());
        }
    }

    @Test
    @Tag("rdma")
    void anUnknownDeviceIsAStartupErrorListingTheDevicesThatExist() {
        assumeTrue(Verbs.isAvailable(), () -> "no RDMA device: " + Verbs.unavailabilityCause());
        Map<String, Object> m = config("receiver");
        m.put("rdma_device", "nosuchdev9");
        assertThatThrownBy(() -> PdL2Adapter.create(PdL2AdapterConfig.fromMap(m)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot open the verbs channel")
                .hasMessageContaining("no RDMA device named 'nosuchdev9'")
                .hasMessageContaining("available: " + Verbs.listDevices().get(0).name());
    }

    @Test
    void rdmaThenTcpFallsBackToTcpOnlyWhereTcpExists() {
        assumeFalse(Verbs.isAvailable(), "this machine has an RDMA device");
        assumeTrue(TransferChannels.unsupportedReason(ChannelKind.TCP) == null,
                () -> "tcp channel not in this build: " + TransferChannels.unsupportedReason(ChannelKind.TCP));
        Map<String, Object> m = config("receiver");
        m.put("transfer_channel", "nixl");
        m.put("nixl_backends", List.of("rdma", "tcp"));
        PdL2AdapterConfig config = PdL2AdapterConfig.fromMap(m);
        assertThat(TransferChannels.factoryFor(config.channelPreferences(), config.transferChannel()))
                .isSameAs(TcpChannel.FACTORY);
        try (PdL2Adapter a = PdL2Adapter.create(config)) {
            assertThat(a.reportStatus()).containsEntry("is_healthy", true);
        }
    }
}
