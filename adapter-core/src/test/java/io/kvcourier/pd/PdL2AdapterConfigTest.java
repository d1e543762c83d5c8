package io.kvcourier.pd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvcourier.channel.ChannelKind;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PdL2AdapterConfigTest {

    private static final Map<String, Object> MINIMAL_SENDER = Map.of(
            "role", "sender",
            "peer_host", "192.168.1.10",
            "peer_init_port", List.of(9000),
            "peer_alloc_port", List.of(9001));

    private static final Map<String, Object> MINIMAL_RECEIVER = Map.of(
            "role", "receiver",
            "peer_host", "192.168.1.20",
            "peer_init_port", List.of(9100, 9101),
            "peer_alloc_port", List.of(9200, 9201));

    private static final String KEY_A = "rq:A?kY=ME5=pFE&wOV&l^R7!bL-2kxrS7jm1c*<";
    private static final String KEY_B = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
    private static final String KEY_SECRET = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";

    private static Map<String, Object> with(Map<String, Object> base, Object... kv) {
        Map<String, Object> m = new HashMap<>(base);
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static Map<String, Object> without(Map<String, Object> base, String key) {
        Map<String, Object> m = new HashMap<>(base);
        m.remove(key);
        return m;
    }

    private static void assertRejected(Map<String, Object> d, String field, String messagePart) {
        assertThatThrownBy(() -> PdL2AdapterConfig.fromMap(d))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.field()).isEqualTo(field))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(messagePart);
    }

    // ---- docs/PROTOCOL.md#E.1 ----

    @Test
    void parseMinimalSenderConfig() {
        PdL2AdapterConfig cfg = PdL2AdapterConfig.fromMap(MINIMAL_SENDER);
        assertThat(cfg.role()).isEqualTo(Role.SENDER);
        assertThat(cfg.role().wireName()).isEqualTo("sender");
        assertThat(cfg.peerHost()).isEqualTo("192.168.1.10");
        assertThat(cfg.peerInitPort()).containsExactly(9000);
        assertThat(cfg.peerAllocPort()).containsExactly(9001);
    }

    @Test
    void parseMinimalReceiverConfig() {
        PdL2AdapterConfig cfg = PdL2AdapterConfig.fromMap(MINIMAL_RECEIVER);
        assertThat(cfg.role()).isEqualTo(Role.RECEIVER);
        assertThat(cfg.peerHost()).isEqualTo("192.168.1.20");
        assertThat(cfg.peerInitPort()).containsExactly(9100, 9101);
        assertThat(cfg.peerAllocPort()).containsExactly(9200, 9201);
        assertThatThrownBy(() -> cfg.peerInitPort().add(1)).isInstanceOf(UnsupportedOperationException.class);
    }

    @ParameterizedTest
    @CsvSource({
        "peer_host, peer_host must be a non-empty string",
        "peer_init_port, peer_init_port is required",
        "peer_alloc_port, peer_alloc_port is required",
    })
    void failOnMissingRequired(String missing, String message) {
        assertThatThrownBy(() -> PdL2AdapterConfig.fromMap(without(MINIMAL_SENDER, missing)))
                .isInstanceOf(ConfigException.class).hasMessage(message)
                .extracting(e -> ((ConfigException) e).field()).isEqualTo(missing);
    }

    @Test
    void failOnInvalidRole() {
        assertThatThrownBy(() -> PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "role", "invalid")))
                .isInstanceOf(ConfigException.class).hasMessage("role must be 'sender' or 'receiver', got 'invalid'");
        assertThatThrownBy(() -> PdL2AdapterConfig.fromMap(without(MINIMAL_SENDER, "role")))
                .hasMessage("role must be 'sender' or 'receiver', got None");
        assertThatThrownBy(() -> PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "role", "Sender")))
                .hasMessage("role must be 'sender' or 'receiver', got 'Sender'");
        assertThatThrownBy(() -> PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "role", 1L)))
                .hasMessage("role must be 'sender' or 'receiver', got 1");
    }

    @Test
    void roleIsCheckedFirst() {
        assertThatThrownBy(() -> PdL2AdapterConfig.fromMap(Map.of("bogus", 1)))
                .hasMessage("role must be 'sender' or 'receiver', got None");
    }

    @Test
    void upstreamValidationOrder() {
        Map<String, Object> d = new HashMap<>(Map.of("role", "sender"));
        d.put("buffer_device", "gpu");
        d.put("transfer_channel", "bad");
        d.put("proxy_host", "");
        assertRejected(d, "peer_host", "peer_host must be a non-empty string");
        d.put("peer_host", "h");
        assertRejected(d, "peer_init_port", "peer_init_port is required");
        d.put("peer_init_port", List.of(1));
        assertRejected(d, "peer_alloc_port", "peer_alloc_port is required");
        d.put("peer_alloc_port", List.of(2));
        assertRejected(d, "buffer_device", "buffer_device must be");
        d.put("buffer_device", "cpu");
        assertRejected(d, "transfer_channel", "transfer_channel must be");
        d.put("transfer_channel", "tcp");
        assertRejected(d, "proxy_host", "proxy_host must be a non-empty string");
        d.put("proxy_host", "p");
        assertThat(PdL2AdapterConfig.fromMap(d).proxyHost()).isEqualTo("p");
    }

    @Test
    void helpContainsAllFieldNames() {
        String help = PdL2AdapterConfig.help();
        for (String field : List.of("role", "peer_host", "peer_init_port", "peer_alloc_port", "proxy_host",
                "proxy_port", "buffer_size", "buffer_device", "transfer_channel", "nixl_backends",
                "allocation_timeout_sec", "handshake_timeout_sec", "transfer_timeout_sec", "shutdown_timeout_sec",
                "committed_ttl_sec", "notify_timeout_sec", "request_timeout_sec", "chunk_bytes", "num_qps",
                "bind_host", "max_inflight_batches", "rdma_device", "rdma_port", "gid_index", "curve_server_key",
                "curve_secret_key", "curve_public_key", "heartbeat_interval_sec", "heartbeat_timeout_sec",
                "result_ttl_sec", "max_peers", "peer_idle_timeout_sec", "peer_retry_backoff_sec",
                "peer_staging_share", "sender_zero_copy")) {
            assertThat(help).as(field).contains("- " + field + " (");
        }
        // a key's text wraps with a trailing backslash in the source; a lost one leaves a run of spaces
        assertThat(help.lines().filter(l -> l.contains("  "))).as("lines with a run of spaces").isEmpty();
        assertThat(help.lines().filter(l -> l.startsWith("- ")).count())
                .isEqualTo(PdL2AdapterConfig.builder().role(Role.SENDER).peerHost("h").peerInitPort(1)
                        .peerAllocPort(2).build().toMap().size() - 1); // every toMap key except "type"
    }

    @Test
    void allFieldsRoundTrip() {
        Map<String, Object> d = new HashMap<>();
        d.put("role", "sender");
        d.put("peer_host", "10.0.0.1");
        d.put("peer_init_port", List.of(8000, 8001));
        d.put("peer_alloc_port", List.of(8100, 8101));
        d.put("proxy_host", "proxy.example.com");
        d.put("proxy_port", 7000);
        d.put("buffer_size", 134217728);
        d.put("buffer_device", "cuda");
        d.put("transfer_channel", "mock_memory");
        d.put("nixl_backends", List.of("tcp", "rdma"));
        PdL2AdapterConfig cfg = PdL2AdapterConfig.fromMap(d);
        assertThat(cfg.role()).isEqualTo(Role.SENDER);
        assertThat(cfg.peerHost()).isEqualTo("10.0.0.1");
        assertThat(cfg.peerInitPort()).containsExactly(8000, 8001);
        assertThat(cfg.peerAllocPort()).containsExactly(8100, 8101);
        assertThat(cfg.proxyHost()).isEqualTo("proxy.example.com");
        assertThat(cfg.proxyPort()).isEqualTo(7000);
        assertThat(cfg.bufferSize()).isEqualTo(134217728L);
        assertThat(cfg.bufferDevice()).isEqualTo("cuda");
        assertThat(cfg.transferChannel()).isEqualTo("mock_memory");
        assertThat(cfg.nixlBackends()).containsExactly("tcp", "rdma");
        assertThat(cfg.channelPreferences()).containsExactly(ChannelKind.MOCK_MEMORY);
    }

    @Test
    void defaultsApplied() {
        PdL2AdapterConfig cfg = PdL2AdapterConfig.fromMap(MINIMAL_SENDER);
        assertThat(cfg.proxyHost()).isEqualTo("127.0.0.1");
        assertThat(cfg.proxyPort()).isEqualTo(6688);
        assertThat(cfg.proxyEnabled()).isTrue();
        assertThat(cfg.bufferSize()).isEqualTo(1073741824L);
        assertThat(cfg.bufferDevice()).isEqualTo("cpu");
        assertThat(cfg.transferChannel()).isEqualTo("nixl");
        assertThat(cfg.nixlBackends()).containsExactly("tcp");
        assertThat(cfg.channelPreferences()).containsExactly(ChannelKind.TCP);
        assertThat(cfg.allocationTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(cfg.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(cfg.transferTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(cfg.shutdownTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(cfg.committedTtl()).isEqualTo(Duration.ofSeconds(60));
        assertThat(cfg.notifyTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(cfg.requestTimeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(cfg.chunkBytes()).isZero();
        assertThat(cfg.numQps()).isEqualTo(2);
        assertThat(cfg.bindHost()).isEqualTo("0.0.0.0");
        assertThat(cfg.maxInflightBatches()).isEqualTo(8);
        assertThat(cfg.rdmaDevice()).isEmpty();
        assertThat(cfg.rdmaPort()).isEqualTo(1);
        assertThat(cfg.gidIndex()).isEqualTo(-1);
        assertThat(cfg.curveServerKey()).isEmpty();
        assertThat(cfg.curveSecretKey()).isEmpty();
        assertThat(cfg.curvePublicKey()).isEmpty();
        assertThat(cfg.heartbeatInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(cfg.heartbeatTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(cfg.resultTtl()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void heartbeatKeysAreValidatedNamingTheField() {
        PdL2AdapterConfig off = PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "heartbeat_interval_sec", 0));
        assertThat(off.heartbeatInterval()).as("0 disables heartbeats").isZero();
        assertThat(PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "heartbeat_interval_sec", "0.0")).heartbeatInterval())
                .isZero();
        PdL2AdapterConfig fast = PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "heartbeat_interval_sec", 0.1,
                "heartbeat_timeout_sec", "0.3"));
        assertThat(fast.heartbeatInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(fast.heartbeatTimeout()).isEqualTo(Duration.ofMillis(300));
        assertThat(PdL2AdapterConfig.fromMap(fast.toMap())).isEqualTo(fast);
        assertRejected(with(MINIMAL_SENDER, "heartbeat_interval_sec", 2, "heartbeat_timeout_sec", 2),
                "heartbeat_timeout_sec", "must exceed heartbeat_interval_sec");
        assertRejected(with(MINIMAL_SENDER, "heartbeat_interval_sec", -1), "heartbeat_interval_sec", "heartbeat_interval_sec");
        assertRejected(with(MINIMAL_SENDER, "heartbeat_timeout_sec", 0), "heartbeat_timeout_sec", "heartbeat_timeout_sec");
        assertRejected(with(MINIMAL_SENDER, "result_ttl_sec", "soon"), "result_ttl_sec", "result_ttl_sec");
        assertThat(PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "heartbeat_interval_sec", 0,
                "heartbeat_timeout_sec", 0.1)).heartbeatTimeout()).as("any timeout while heartbeats are off")
                .isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void failOnInvalidBufferDevice() {
        assertThatThrownBy(() -> PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "buffer_device", "gpu")))
                .isInstanceOf(ConfigException.class).hasMessage("buffer_device must be 'cpu' or 'cuda', got 'gpu'");
    }

    @Test
    void cudaParses() {
        assertThat(PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "buffer_device", "cuda")).bufferDevice())
                .isEqualTo("cuda");
    }

    @Test
    void failOnInvalidTransferChannel() {
        assertThatThrownBy(() -> PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "transfer_channel", "invalid")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("transfer_channel must be 'nixl', 'mock_memory', 'tcp' or 'verbs', got 'invalid'");
    }

    // ---- JSON ----

    @Test
    void lmcacheJsonWithBaseKeysIsAccepted() {
        PdL2AdapterConfig cfg = PdL2AdapterConfig.fromJson("""
                {"type": "pd", "role": "receiver", "peer_host": "0.0.0.0",
                 "peer_init_port": [7300], "peer_alloc_port": [7400],
                 "eviction": {"eviction_policy": "LRU", "trigger_watermark": 0.8, "eviction_ratio": 0.2},
                 "persist_enabled": false, "serde": {"type": "naive"},
                 "transfer_channel": "nixl", "nixl_backends": ["UCX"], "buffer_size": 67108864}
                """);
        assertThat(cfg.role()).isEqualTo(Role.RECEIVER);
        assertThat(cfg.bufferSize()).isEqualTo(64L << 20);
        assertThat(cfg.channelPreferences()).containsExactly(ChannelKind.VERBS);
    }

    @Test
    void malformedJsonIsAConfigErrorWithPosition() {
        assertThatThrownBy(() -> PdL2AdapterConfig.fromJson("{\"role\": \"sender\", "))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.field()).isEmpty())
                .hasMessageContaining("invalid JSON at offset 19").hasMessageContaining("end of input");
        assertThatThrownBy(() -> PdL2AdapterConfig.fromJson("{\"role\": \"sender\"} {}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("after the JSON value");
        assertThatThrownBy(() -> PdL2AdapterConfig.fromJson("[\"role\"]"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("expected a JSON object");
        assertThatThrownBy(() -> PdL2AdapterConfig.fromJson("{\"a\":".repeat(1000)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("nesting deeper than 64");
    }

    @Test
    void jsonFloatsAndStringsInIntFields() {
        PdL2AdapterConfig cfg = PdL2AdapterConfig.fromJson("""
                {"role": "sender", "peer_host": "h", "peer_init_port": ["9000", 9001.9],
                 "peer_alloc_port": [" +9_002 ", 9003], "proxy_port": 7000.7, "buffer_size": "1_048_576",
                 "num_qps": "4", "allocation_timeout_sec": 0.25, "shutdown_timeout_sec": "1.5",
                 "committed_ttl_sec": "1_0", "notify_timeout_sec": 2}
                """);
        assertThat(cfg.peerInitPort()).containsExactly(9000, 9001);
        assertThat(cfg.peerAllocPort()).containsExactly(9002, 9003);
        assertThat(cfg.proxyPort()).isEqualTo(7000);
        assertThat(cfg.bufferSize()).isEqualTo(1L << 20);
        assertThat(cfg.numQps()).isEqualTo(4);
        assertThat(cfg.allocationTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(cfg.shutdownTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(cfg.committedTtl()).isEqualTo(Duration.ofSeconds(10));
        assertThat(cfg.notifyTimeout()).isEqualTo(Duration.ofSeconds(2));
    }

    // ---- keys ----

    @Test
    void unknownKeyIsRejectedByName() {
        assertRejected(with(MINIMAL_SENDER, "proxy_prot", 1), "proxy_prot", "'proxy_prot'");
        assertThatThrownBy(() -> PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "b", 1, "a", 2)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown PD L2 adapter config keys")
                .hasMessageContaining("'a'").hasMessageContaining("'b'").hasMessageContaining("known keys: role");
    }

    @ParameterizedTest
    @ValueSource(strings = {"type", "eviction", "persist_enabled", "serde"})
    void lmcacheBaseKeysAreIgnored(String key) {
        assertThat(PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, key, Map.of("x", 1))))
                .isEqualTo(PdL2AdapterConfig.fromMap(MINIMAL_SENDER));
    }

    @Test
    void stringIntegersAreCoercedLikePythonInt() {
        for (Object[] c : new Object[][] {{"7000", 7000}, {" 7000\n", 7000}, {"+7_000", 7000}, {"007", 7},
            {"0", 0}}) {
            assertThat(PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "proxy_port", c[0])).proxyPort())
                    .as("%s", c[0]).isEqualTo(c[1]);
        }
        for (String bad : new String[] {"1.5", "", " ", "7_", "_7", "7__0", "0x10", "1e3", "seven", "+", "٣"}) {
            assertRejected(with(MINIMAL_SENDER, "proxy_port", bad), "proxy_port", "Python's int()");
        }
        assertThat(PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "gid_index", "-1")).gidIndex()).isEqualTo(-1);
        assertThat(PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "chunk_bytes", "4096")).chunkBytes()).isEqualTo(4096);
    }

    @Test
    void booleansAreNotIntegersAndNullIsNotADefault() {
        assertRejected(with(MINIMAL_SENDER, "proxy_port", true), "proxy_port", "got True");
        assertRejected(with(MINIMAL_SENDER, "num_qps", false), "num_qps", "got False");
        assertRejected(with(MINIMAL_SENDER, "peer_init_port", List.of(true)), "peer_init_port", "peer_init_port[0]");
        assertRejected(with(MINIMAL_SENDER, "allocation_timeout_sec", true), "allocation_timeout_sec", "got True");
        assertRejected(with(MINIMAL_SENDER, "proxy_port", null), "proxy_port", "got None");
        assertRejected(with(MINIMAL_SENDER, "proxy_host", null), "proxy_host", "proxy_host must be a non-empty string");
        assertRejected(with(MINIMAL_SENDER, "bind_host", null), "bind_host", "got None");
        assertRejected(with(MINIMAL_SENDER, "nixl_backends", null), "nixl_backends", "got None");
    }

    @Test
    void floatsTruncateOnlyForUpstreamIntFields() {
        assertThat(PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "buffer_size", 4096.9)).bufferSize()).isEqualTo(4096);
        assertRejected(with(MINIMAL_SENDER, "num_qps", 2.0), "num_qps", "num_qps must be an integer, got 2.0");
        assertRejected(with(MINIMAL_SENDER, "chunk_bytes", 1.5), "chunk_bytes", "must be an integer");
        assertRejected(with(MINIMAL_SENDER, "proxy_port", Double.NaN), "proxy_port", "finite");
    }

    @Test
    void outOfRangeValuesNameFieldAndRange() {
        assertRejected(with(MINIMAL_SENDER, "proxy_port", 65536), "proxy_port", "proxy_port must be in 0..65535, got 65536");
        assertRejected(with(MINIMAL_SENDER, "proxy_port", -1), "proxy_port", "0..65535");
        assertRejected(with(MINIMAL_SENDER, "buffer_size", 0), "buffer_size", "buffer_size must be in 1..");
        assertRejected(with(MINIMAL_SENDER, "buffer_size", "99999999999999999999"), "buffer_size", "got 99999999999999999999");
        assertRejected(with(MINIMAL_SENDER, "num_qps", 0), "num_qps", "num_qps must be in 1..16, got 0");
        assertRejected(with(MINIMAL_SENDER, "num_qps", 17), "num_qps", "1..16");
        assertRejected(with(MINIMAL_SENDER, "max_inflight_batches", 0), "max_inflight_batches", "1..");
        assertRejected(with(MINIMAL_SENDER, "rdma_port", 0), "rdma_port", "1..255");
        assertRejected(with(MINIMAL_SENDER, "rdma_port", 256), "rdma_port", "1..255");
        assertRejected(with(MINIMAL_SENDER, "gid_index", -2), "gid_index", "-1..65535");
        assertRejected(with(MINIMAL_SENDER, "chunk_bytes", -1), "chunk_bytes", "chunk_bytes must be in 0..");
        assertRejected(with(MINIMAL_SENDER, "buffer_size", 4096, "chunk_bytes", 8192), "chunk_bytes",
                "chunk_bytes must be in 0..buffer_size (4096): a page must fit the staging buffer, got 8192");
        assertThat(PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "buffer_size", 4096, "chunk_bytes", 4096))
                .chunkBytes()).isEqualTo(4096);
        assertRejected(with(MINIMAL_SENDER, "peer_init_port", List.of(70000)), "peer_init_port",
                "peer_init_port[0] must be in 1..65535 for a sender, got 70000");
        assertRejected(with(MINIMAL_SENDER, "bind_host", ""), "bind_host", "non-empty string");
    }

    @Test
    void durationsArePositiveBoundedSeconds() {
        for (String key : List.of("allocation_timeout_sec", "handshake_timeout_sec", "transfer_timeout_sec",
                "shutdown_timeout_sec", "committed_ttl_sec", "notify_timeout_sec", "request_timeout_sec")) {
            assertRejected(with(MINIMAL_SENDER, key, 0), key, key + " must be in (0, 604800] seconds, got 0");
            assertRejected(with(MINIMAL_SENDER, key, -1.5), key, "(0, 604800]");
            assertRejected(with(MINIMAL_SENDER, key, 604801), key, "(0, 604800]");
            assertRejected(with(MINIMAL_SENDER, key, Double.POSITIVE_INFINITY), key, "got inf");
            assertRejected(with(MINIMAL_SENDER, key, "inf"), key, "number of seconds");
            assertRejected(with(MINIMAL_SENDER, key, "soon"), key, "number of seconds");
            assertRejected(with(MINIMAL_SENDER, key, 1e-12), key, "at least 1 nanosecond");
            assertRejected(with(MINIMAL_SENDER, key, List.of(1)), key, "number of seconds");
        }
        PdL2AdapterConfig cfg = PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "request_timeout_sec", 604800,
                "transfer_timeout_sec", 1e-9, "handshake_timeout_sec", 0.1));
        assertThat(cfg.requestTimeout()).isEqualTo(Duration.ofDays(7));
        assertThat(cfg.transferTimeout()).isEqualTo(Duration.ofNanos(1));
        assertThat(cfg.handshakeTimeout()).isEqualTo(Duration.ofMillis(100));
    }

    // ---- ports ----

    @Test
    void singlePortIsWrapped() {
        PdL2AdapterConfig cfg = PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "peer_init_port", 9000,
                "peer_alloc_port", "9001"));
        assertThat(cfg.peerInitPort()).containsExactly(9000);
        assertThat(cfg.peerAllocPort()).containsExactly(9001);
    }

    @Test
    void emptyOrZeroPortsAreMissingAsInPython() {
        assertRejected(with(MINIMAL_SENDER, "peer_init_port", List.of()), "peer_init_port", "peer_init_port is required");
        assertRejected(with(MINIMAL_SENDER, "peer_alloc_port", 0), "peer_alloc_port", "peer_alloc_port is required");
        assertRejected(with(MINIMAL_SENDER, "peer_alloc_port", ""), "peer_alloc_port", "peer_alloc_port is required");
    }

    @Test
    void receiverMayBindEphemeralPortsButSenderMayNot() {
        PdL2AdapterConfig r = PdL2AdapterConfig.fromMap(with(MINIMAL_RECEIVER, "peer_init_port", List.of(0, 0),
                "peer_alloc_port", List.of(0, 0)));
        assertThat(r.peerInitPort()).containsExactly(0, 0);
        assertRejected(with(MINIMAL_SENDER, "peer_alloc_port", List.of(0)), "peer_alloc_port",
                "peer_alloc_port[0] must be in 1..65535 for a sender, got 0");
        assertRejected(with(MINIMAL_RECEIVER, "peer_alloc_port", List.of(1, -1)), "peer_alloc_port",
                "peer_alloc_port[1] must be in 0..65535");
    }

    @Test
    void portListsMustPairUpAndStayBounded() {
        assertRejected(with(MINIMAL_RECEIVER, "peer_alloc_port", List.of(9200)), "peer_alloc_port",
                "one port per peer_init_port entry (2), got 1");
        List<Integer> many = java.util.Collections.nCopies(257, 1);
        assertRejected(with(MINIMAL_SENDER, "peer_init_port", many), "peer_init_port", "at most 256");
        assertRejected(with(MINIMAL_SENDER, "peer_init_port", Map.of("a", 1)), "peer_init_port", "list of port numbers");
    }

    // ---- channels ----

    @Test
    void nixlBackendsMapToChannels() {
        assertThat(prefs("nixl", List.of("rdma", "tcp"))).containsExactly(ChannelKind.VERBS, ChannelKind.TCP);
        assertThat(prefs("nixl", List.of("UCX"))).containsExactly(ChannelKind.VERBS);
        assertThat(prefs("nixl", List.of("ucx", "verbs", "rdma"))).containsExactly(ChannelKind.VERBS);
        assertThat(prefs("nixl", List.of())).containsExactly(ChannelKind.TCP);
        assertThat(prefs("tcp", List.of("rdma"))).containsExactly(ChannelKind.TCP);
        assertThat(prefs("verbs", List.of("tcp"))).containsExactly(ChannelKind.VERBS);
        assertThat(prefs("mock_memory", List.of("GDS"))).containsExactly(ChannelKind.MOCK_MEMORY);
        assertThatThrownBy(() -> prefs("nixl", List.of("tcp", "GDS"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("nixl_backends").hasMessageContaining("'GDS'")
                .hasMessageContaining("tcp, rdma, ucx, UCX, verbs");
        assertRejected(with(MINIMAL_SENDER, "nixl_backends", "tcp"), "nixl_backends", "list of strings");
        assertRejected(with(MINIMAL_SENDER, "nixl_backends", List.of(1)), "nixl_backends", "non-empty strings");
    }

    private static List<ChannelKind> prefs(String channel, List<String> backends) {
        return PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "transfer_channel", channel, "nixl_backends", backends))
                .channelPreferences();
    }

    @Test
    void proxyPortZeroDisablesProxy() {
        PdL2AdapterConfig cfg = PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "proxy_port", 0));
        assertThat(cfg.proxyEnabled()).isFalse();
        assertRejected(with(MINIMAL_SENDER, "proxy_host", ""), "proxy_host", "proxy_host must be a non-empty string");
    }

    // ---- CURVE ----

    @Test
    void curveKeysAreZ85OfFortyCharacters() {
        PdL2AdapterConfig cfg = PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "curve_server_key", KEY_A,
                "curve_public_key", KEY_B, "curve_secret_key", KEY_SECRET));
        assertThat(cfg.curveServerKey()).isEqualTo(KEY_A);
        assertThat(cfg.curvePublicKey()).isEqualTo(KEY_B);
        assertThat(cfg.curveSecretKey()).isEqualTo(KEY_SECRET);
        assertThat(cfg.toString()).doesNotContain(KEY_SECRET).contains("<redacted>").contains(KEY_A).contains(KEY_B);
        assertRejected(with(MINIMAL_SENDER, "curve_server_key", KEY_A.substring(1)), "curve_server_key",
                "40 characters, or empty; got 39");
        assertRejected(with(MINIMAL_SENDER, "curve_secret_key", KEY_A.substring(1) + "~"), "curve_secret_key",
                "outside the Z85 alphabet at index 39");
        assertThatThrownBy(() -> PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "curve_secret_key",
                KEY_A.substring(1) + "~"))).message().doesNotContain(KEY_A.substring(1));
    }

    // ---- round trips ----

    @Test
    void toMapRoundTripsThroughFromMapAndJson() {
        PdL2AdapterConfig cfg = PdL2AdapterConfig.builder()
                .role(Role.RECEIVER).peerHost("10.1.2.3").peerInitPort(0, 7301).peerAllocPort(0, 7401)
                .proxyHost("proxy").proxyPort(0).bufferSize(1L << 33).bufferDevice("cpu").transferChannel("nixl")
                .nixlBackends(List.of("rdma", "tcp")).allocationTimeout(Duration.ofMillis(1500))
                .handshakeTimeout(Duration.ofNanos(123_456_789)).transferTimeout(Duration.ofSeconds(7))
                .shutdownTimeout(Duration.ofSeconds(1)).committedTtl(Duration.ofMinutes(5))
                .notifyTimeout(Duration.ofSeconds(3)).requestTimeout(Duration.ofSeconds(200)).chunkBytes(1 << 20)
                .numQps(4).bindHost("127.0.0.1").maxInflightBatches(3).rdmaDevice("rxe0").rdmaPort(2).gidIndex(1)
                .curveServerKey(KEY_A).curveSecretKey(KEY_B).curvePublicKey(KEY_A).senderZeroCopy(false).build();
        Map<String, Object> map = cfg.toMap();
        assertThat(map).containsEntry("sender_zero_copy", false);
        assertThat(map.get("type")).isEqualTo("pd");
        assertThat(PdL2AdapterConfig.fromMap(map)).isEqualTo(cfg).hasSameHashCodeAs(cfg);
        assertThat(cfg.toBuilder().build()).isEqualTo(cfg);
        assertThat(cfg.handshakeTimeout()).isEqualTo(Duration.ofNanos(123_456_789));
        assertThat(cfg.channelPreferences()).containsExactly(ChannelKind.VERBS, ChannelKind.TCP);
        assertThat(cfg.toBuilder().numQps(5).build().numQps()).isEqualTo(5);
        assertThat(cfg.toBuilder().numQps(5).build()).isNotEqualTo(cfg);

        // the same document written as JSON by hand parses to the same config
        StringBuilder json = new StringBuilder("{");
        for (Map.Entry<String, Object> e : map.entrySet()) {
            json.append(json.length() > 1 ? "," : "").append('"').append(e.getKey()).append("\":");
            Object v = e.getValue();
            if (v instanceof String s) {
                json.append('"').append(s).append('"');
            } else if (v instanceof List<?> l) {
                json.append('[');
                for (int i = 0; i < l.size(); i++) {
                    Object x = l.get(i);
                    json.append(i > 0 ? "," : "").append(x instanceof String ? "\"" + x + "\"" : x);
                }
                json.append(']');
            } else {
                json.append(v);
            }
        }
        json.append('}');
        assertThat(PdL2AdapterConfig.fromJson(json.toString())).isEqualTo(cfg);
    }

    @Test
    void senderZeroCopyIsABooleanThatDefaultsToTrue() {
        assertThat(PdL2AdapterConfig.fromMap(MINIMAL_SENDER).senderZeroCopy()).isTrue();
        assertThat(PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "sender_zero_copy", false)).senderZeroCopy())
                .isFalse();
        assertThat(PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "sender_zero_copy", "FALSE")).senderZeroCopy())
                .isFalse();
        assertThat(PdL2AdapterConfig.fromJson("{\"role\": \"sender\", \"peer_host\": \"h\", \"peer_init_port\": 1, "
                + "\"peer_alloc_port\": 2, \"sender_zero_copy\": false}").senderZeroCopy()).isFalse();
        assertRejected(with(MINIMAL_SENDER, "sender_zero_copy", 0), "sender_zero_copy",
                "sender_zero_copy must be true or false, got 0");
        assertRejected(with(MINIMAL_SENDER, "sender_zero_copy", "yes"), "sender_zero_copy",
                "sender_zero_copy must be true or false, got 'yes'");
    }

    @Test
    void builderValidatesLikeFromMap() {
        assertThatThrownBy(() -> PdL2AdapterConfig.builder().build())
                .hasMessage("role must be 'sender' or 'receiver', got None");
        assertThatThrownBy(() -> PdL2AdapterConfig.builder().role(Role.SENDER).peerHost("h").build())
                .hasMessage("peer_init_port is required");
        assertThatThrownBy(() -> PdL2AdapterConfig.builder().role(Role.SENDER).peerHost("h").peerInitPort(1)
                .peerAllocPort(2).numQps(99).build()).isInstanceOf(ConfigException.class).hasMessageContaining("1..16");
        assertThatThrownBy(() -> PdL2AdapterConfig.builder().role(Role.SENDER).peerHost("h").peerInitPort(1)
                .peerAllocPort(2).shutdownTimeout(Duration.ofSeconds(-1)).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("shutdown_timeout_sec");
        PdL2AdapterConfig cfg = PdL2AdapterConfig.builder().role(Role.SENDER).peerHost("h").peerInitPort(1)
                .peerAllocPort(2).build();
        assertThat(cfg).isEqualTo(PdL2AdapterConfig.fromMap(Map.of("role", "sender", "peer_host", "h",
                "peer_init_port", List.of(1), "peer_alloc_port", List.of(2))));
    }

    @Test
    void fromMapDoesNotRetainTheCallersCollections() {
        List<Integer> ports = new java.util.ArrayList<>(List.of(9000));
        Map<String, Object> d = new LinkedHashMap<>(with(MINIMAL_SENDER, "peer_init_port", ports));
        PdL2AdapterConfig cfg = PdL2AdapterConfig.fromMap(d);
        ports.set(0, 1);
        d.put("peer_host", "other");
        assertThat(cfg.peerInitPort()).containsExactly(9000);
        assertThat(cfg.peerHost()).isEqualTo("192.168.1.10");
    }

    @Test
    void pythonReprInMessages() {
        assertThatThrownBy(() -> PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "role", "it's")))
                .hasMessage("role must be 'sender' or 'receiver', got \"it's\"");
        assertThatThrownBy(() -> PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "role", List.of("a", 1))))
                .hasMessage("role must be 'sender' or 'receiver', got ['a', 1]");
        assertThatThrownBy(() -> PdL2AdapterConfig.fromMap(with(MINIMAL_SENDER, "buffer_device", "a\nb")))
                .hasMessage("buffer_device must be 'cpu' or 'cuda', got 'a\\nb'");
    }
}
