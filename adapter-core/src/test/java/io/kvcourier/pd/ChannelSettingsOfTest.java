package io.kvcourier.pd;

import io.kvcourier.channel.ChannelSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The channel reads the configured values, and an unset key gives the configuration's default. */
@Timeout(10)
class ChannelSettingsOfTest {
    private static final Map<String, Object> RECEIVER = Map.of("role", "receiver", "peer_host", "10.0.0.2",
            "peer_init_port", List.of(7300), "peer_alloc_port", List.of(7400));

    @Test
    void everyChannelKeyReachesTheChannel() {
        Map<String, Object> m = new HashMap<>(RECEIVER);
        m.putAll(Map.of("bind_host", "10.0.0.3", "handshake_timeout_sec", 2.5, "shutdown_timeout_sec", 7,
                "num_qps", 4, "rdma_device", "rxe0", "rdma_port", 2, "gid_index", 3));
        PdL2AdapterConfig config = PdL2AdapterConfig.fromMap(m);
        assertThat(ChannelSettingsOf.config(config)).isEqualTo(new ChannelSettings("10.0.0.3", "10.0.0.2",
                Duration.ofMillis(2_500), Duration.ofSeconds(7), 4, "rxe0", 2, 3));
    }

    @Test
    void unsetKeysGiveTheConfigurationDefaults() {
        assertThat(ChannelSettingsOf.config(PdL2AdapterConfig.fromMap(RECEIVER))).isEqualTo(new ChannelSettings(
                "0.0.0.0", "10.0.0.2", Duration.ofSeconds(10), Duration.ofSeconds(5), 2, "", 1, -1));
    }
}
