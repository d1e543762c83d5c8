package io.kvcourier.pd;

import io.kvcourier.channel.ChannelKind;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The configuration of a PD L2 adapter: LMCache's {@code PdL2AdapterConfig} (docs/PROTOCOL.md#D.1) plus kvcourier's
 * own keys (docs/ARCHITECTURE.md#decision-18). Immutable and thread-safe.
 *
 * <p>Build one with {@link #fromJson(String)} (LMCache's {@code --l2-adapter} JSON as is, e.g.
 * {@code {"type":"pd","role":"sender","peer_host":"10.0.0.2","peer_init_port":[7300],"peer_alloc_port":[7400]}}),
 * {@link #fromMap(Map)}, or {@link #builder()}. All three validate the same way and throw
 * {@link ConfigException} naming the key. {@link #help()} lists every key.
 *
 * <p><b>Validation.</b> Upstream's checks run first, in upstream's order and with upstream's messages:
 * role, peer_host, peer_init_port, peer_alloc_port, buffer_device, transfer_channel, proxy_host. Then unknown
 * keys are rejected (LMCache's base keys {@code type}, {@code eviction}, {@code persist_enabled} and
 * {@code serde} are accepted and ignored), then every other key is checked for type and range. A key given
 * as JSON {@code null} is an error (Python's {@code d.get(k, default)} would pass {@code None} on, which
 * upstream also rejects).
 *
 * <p><b>Integers.</b> An integer key accepts a JSON integer, or a string read the way Python's {@code int()}
 * reads it: surrounding whitespace, an optional sign, ASCII digits with single underscores between them
 * ({@code " 1_024 "} is 1024; {@code "1.5"} and {@code "0x10"} are errors). A JSON number with a fraction or an
 * exponent is truncated toward zero, like {@code int(7.9) == 7}, for the keys upstream passes through
 * {@code int()} ({@code proxy_port}, {@code buffer_size}) and for the entries of the port lists; for
 * kvcourier's own integer keys it is an error. Booleans are never integers.
 *
 * <p><b>Durations</b> ({@code *_timeout_sec}, {@code committed_ttl_sec}) accept a positive JSON number or a
 * numeric string, in seconds, at most {@value #MAX_DURATION_SEC} s, with nanosecond resolution.
 */
public final class PdL2AdapterConfig {

    /** The largest accepted value of a {@code *_sec} key, in seconds (one week). */
    public static final long MAX_DURATION_SEC = 604_800;
    /** The most entries a port list may have: one per TP rank, and a rank is 8 bits. */
    public static final int MAX_PORTS = 256;

    private final Role role;
    private final String peerHost;
    private final List<Integer> peerInitPort;
    private final List<Integer> peerAllocPort;
    private final String proxyHost;
    private final int proxyPort;
    private final long bufferSize;
    private final String bufferDevice;
    private final String transferChannel;
    private final List<String> nixlBackends;
    private final List<ChannelKind> channelPreferences;
    private final Duration allocationTimeout;
    private final Duration handshakeTimeout;
    private final Duration transferTimeout;
    private final Duration shutdownTimeout;
    private final Duration committedTtl;
    private final Duration notifyTimeout;
    private final Duration requestTimeout;
    private final long chunkBytes;
    private final int numQps;
    private final String bindHost;
    private final int maxInflightBatches;
    private final String rdmaDevice;
    private final int rdmaPort;
    private final int gidIndex;
    private final String curveServerKey;
    private final String curveSecretKey;
    private final String curvePublicKey;
    private final Duration heartbeatInterval;
    private final Duration heartbeatTimeout;
    private final Duration resultTtl;
    private final int maxPeers;
    private final Duration peerIdleTimeout;
    private final Duration peerRetryBackoff;
    private final BigDecimal peerStagingShare;
    private final boolean senderZeroCopy;

    /** Reads and validates {@code d}, which is not retained: {@link #fromMap}, JSON and the builder all end here. */
    PdL2AdapterConfig(Map<String, ?> d) {
        ConfigParser p = new ConfigParser(d);
        // Upstream's checks, in upstream's order, with upstream's messages.
        role = p.role();
        peerHost = p.peerHost();
        peerInitPort = p.portList(ConfigKeys.PEER_INIT_PORT, role);
        peerAllocPort = p.portList(ConfigKeys.PEER_ALLOC_PORT, role);
        bufferDevice = p.bufferDevice();
        transferChannel = p.transferChannel();
        proxyHost = p.proxyHost();

        p.rejectUnknownKeys();

        ConfigParser.requireOnePortEach(peerInitPort, peerAllocPort);
        proxyPort = (int) p.integer(ConfigKeys.PROXY_PORT, 6688, 0, 65_535, true);
        bufferSize = p.integer(ConfigKeys.BUFFER_SIZE, 1L << 30, 1, Long.MAX_VALUE, true);
        nixlBackends = p.nixlBackends();
        channelPreferences = ConfigParser.preferences(transferChannel, nixlBackends);
        allocationTimeout = p.duration(ConfigKeys.ALLOCATION_TIMEOUT_SEC, 30);
        handshakeTimeout = p.duration(ConfigKeys.HANDSHAKE_TIMEOUT_SEC, 10);
        transferTimeout = p.duration(ConfigKeys.TRANSFER_TIMEOUT_SEC, 30);
        shutdownTimeout = p.duration(ConfigKeys.SHUTDOWN_TIMEOUT_SEC, 5);
        committedTtl = p.duration(ConfigKeys.COMMITTED_TTL_SEC, 60);
        notifyTimeout = p.duration(ConfigKeys.NOTIFY_TIMEOUT_SEC, 30);
        requestTimeout = p.duration(ConfigKeys.REQUEST_TIMEOUT_SEC, 120);
        chunkBytes = p.integer(ConfigKeys.CHUNK_BYTES, 0, 0, Long.MAX_VALUE, false);
        ConfigParser.requireChunkFits(chunkBytes, bufferSize);
        numQps = (int) p.integer(ConfigKeys.NUM_QPS, 2, 1, 16, false);
        bindHost = p.string(ConfigKeys.BIND_HOST, "0.0.0.0", false);
        maxInflightBatches = (int) p.integer(ConfigKeys.MAX_INFLIGHT_BATCHES, 8, 1, Integer.MAX_VALUE, false);
        rdmaDevice = p.string(ConfigKeys.RDMA_DEVICE, "", true);
        rdmaPort = (int) p.integer(ConfigKeys.RDMA_PORT, 1, 1, 255, false);
        gidIndex = (int) p.integer(ConfigKeys.GID_INDEX, -1, -1, 65_535, false);
        curveServerKey = p.z85Key(ConfigKeys.CURVE_SERVER_KEY);
        curveSecretKey = p.z85Key(ConfigKeys.CURVE_SECRET_KEY);
        curvePublicKey = p.z85Key(ConfigKeys.CURVE_PUBLIC_KEY);
        heartbeatInterval = p.heartbeatInterval();
        heartbeatTimeout = p.durationMillis(ConfigKeys.HEARTBEAT_TIMEOUT_SEC, 2000);
        ConfigParser.requireTimeoutExceedsInterval(heartbeatTimeout, heartbeatInterval);
        resultTtl = p.duration(ConfigKeys.RESULT_TTL_SEC, 60);
        maxPeers = (int) p.integer(ConfigKeys.MAX_PEERS, 64, 1, 65_536, false);
        peerIdleTimeout = p.duration(ConfigKeys.PEER_IDLE_TIMEOUT_SEC, 300);
        peerRetryBackoff = p.duration(ConfigKeys.PEER_RETRY_BACKOFF_SEC, 1);
        peerStagingShare = p.fraction(ConfigKeys.PEER_STAGING_SHARE, new BigDecimal("0.5"));
        senderZeroCopy = p.bool(ConfigKeys.SENDER_ZERO_COPY, true);
    }

    /**
     * Reads a configuration from a map with LMCache's key names (for example a parsed JSON object).
     * Values may be {@link String}, {@link Boolean}, any {@link Number}, or a {@link Collection} for the list
     * keys. The map is not retained.
     *
     * @param map the keys and values
     * @return the configuration
     * @throws ConfigException naming the key that is missing, malformed, out of range or unknown
     */
    public static PdL2AdapterConfig fromMap(Map<String, ?> map) {
        Objects.requireNonNull(map, "map");
        for (Object key : map.keySet()) {
            if (!(key instanceof String)) {
                throw new ConfigException("", "config keys must be strings, got " + PyRepr.of(key));
            }
        }
        return new PdL2AdapterConfig(map);
    }

    /**
     * Reads a configuration from a JSON object (RFC 8259, parsed strictly by {@link JsonReader}).
     *
     * @param json a JSON object with LMCache's keys
     * @return the configuration
     * @throws ConfigException for malformed JSON (with {@code field() == ""} and the position in the message), a
     *                         top level that is not an object, or any error {@link #fromMap(Map)} reports
     */
    public static PdL2AdapterConfig fromJson(String json) {
        Objects.requireNonNull(json, "json");
        Map<String, Object> map;
        try {
            map = JsonReader.parseObject(json);
        } catch (JsonReader.ParseException e) {
            throw new ConfigException("", "PD L2 adapter config: " + e.getMessage(), e);
        }
        return fromMap(map);
    }

    /** {@return a builder with every optional key at its default and the required keys unset} */
    public static PdL2AdapterConfigBuilder builder() {
        return new PdL2AdapterConfigBuilder(Map.of());
    }

    /** {@return a builder holding this configuration's values} */
    public PdL2AdapterConfigBuilder toBuilder() {
        return new PdL2AdapterConfigBuilder(toMap());
    }

    /**
     * Every key with its value, in {@link #help()} order, starting with {@code "type": "pd"}: strings, integers
     * ({@link Integer} or {@link Long}), lists, and durations as seconds ({@link Long} when whole, else
     * {@link BigDecimal}, exact to the nanosecond). {@code fromMap(c.toMap())} equals {@code c}. The map contains
     * {@code curve_secret_key} in clear: treat it as a secret. The result is a new, modifiable map.
     *
     * @return a new map of every key and value
     */
    public Map<String, Object> toMap() {
        return ConfigKeys.toMap(this);
    }

    /** {@return one line per key: name, type, default, meaning with units} */
    public static String help() {
        return ConfigKeys.HELP;
    }

    // ---- accessors ----

    /** {@return whether this adapter sends (prefill) or receives (decode)} */
    public Role role() {
        return role;
    }

    /** {@return the peer's hostname or IP address} */
    public String peerHost() {
        return peerHost;
    }

    /** {@return per-TP-rank channel handshake ports (unmodifiable); 0 = ephemeral bind, receiver only} */
    public List<Integer> peerInitPort() {
        return peerInitPort;
    }

    /**
     * {@return per-TP-rank allocation ports (unmodifiable), as many as {@link #peerInitPort()}; 0 = ephemeral,
     * receiver only}
     */
    public List<Integer> peerAllocPort() {
        return peerAllocPort;
    }

    /** {@return the proxy's host} */
    public String proxyHost() {
        return proxyHost;
    }

    /** {@return the proxy's port; 0 disables notifications} */
    public int proxyPort() {
        return proxyPort;
    }

    /** {@return whether proxy notifications are sent ({@code proxyPort() != 0})} */
    public boolean proxyEnabled() {
        return proxyPort != 0;
    }

    /** {@return the staging buffer size in bytes} */
    public long bufferSize() {
        return bufferSize;
    }

    /** {@return {@code "cpu"} or {@code "cuda"}} */
    public String bufferDevice() {
        return bufferDevice;
    }

    /**
     * {@return the configured channel name as given: {@code nixl}, {@code mock_memory}, {@code tcp} or
     * {@code verbs}}
     */
    public String transferChannel() {
        return transferChannel;
    }

    /** {@return the NIXL backend names as given (unmodifiable); {@code ["tcp"]} when absent or empty} */
    public List<String> nixlBackends() {
        return nixlBackends;
    }

    /**
     * The channels to try, in order, without duplicates (unmodifiable): {@code mock_memory}, {@code tcp} and
     * {@code verbs} give themselves; {@code nixl} maps each {@link #nixlBackends()} entry ({@code tcp} → TCP;
     * {@code rdma}, {@code ucx}, {@code UCX}, {@code verbs} → VERBS). The adapter uses the first one the
     * machine supports.
     *
     * @return the channels to try, in order
     */
    @SuppressWarnings("exports") // ChannelKind belongs to the internal channel package: the adapter and CLI read it
    public List<ChannelKind> channelPreferences() {
        return channelPreferences;
    }

    /** {@return how long a sender waits for an AllocResponse, and a receiver keeps an uncommitted allocation} */
    public Duration allocationTimeout() {
        return allocationTimeout;
    }

    /** {@return how long a transfer-channel handshake may take} */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** {@return how long one batch may take to land and be acknowledged} */
    public Duration transferTimeout() {
        return transferTimeout;
    }

    /** {@return how long {@code close()} waits for in-flight work} */
    public Duration shutdownTimeout() {
        return shutdownTimeout;
    }

    /** {@return how long a receiver keeps a committed chunk that is never loaded} */
    public Duration committedTtl() {
        return committedTtl;
    }

    /** {@return how long a proxy notification may wait for delivery before it is dropped and counted} */
    public Duration notifyTimeout() {
        return notifyTimeout;
    }

    /** {@return how long after its first batch a request whose last-prefill batch never came is notified anyway} */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** {@return the bytes per KV chunk (receiver page); 0 = from the first AllocRequest / first store} */
    public long chunkBytes() {
        return chunkBytes;
    }

    /** {@return the number of RDMA queue pairs per peer, 1..16} */
    public int numQps() {
        return numQps;
    }

    /** {@return the local address a receiver's servers bind to} */
    public String bindHost() {
        return bindHost;
    }

    /** {@return the most store batches in flight per peer, {@code >= 1}} */
    public int maxInflightBatches() {
        return maxInflightBatches;
    }

    /** {@return the RDMA device name; {@code ""} = the first active one} */
    public String rdmaDevice() {
        return rdmaDevice;
    }

    /** {@return the RDMA port number, 1..255} */
    public int rdmaPort() {
        return rdmaPort;
    }

    /** {@return the RoCE GID index; -1 = automatic} */
    public int gidIndex() {
        return gidIndex;
    }

    /** {@return the receiver's CURVE public key (Z85, 40 chars), or {@code ""}} */
    public String curveServerKey() {
        return curveServerKey;
    }

    /** {@return this node's CURVE secret key (Z85, 40 chars), or {@code ""}. A secret: never logged by this class} */
    public String curveSecretKey() {
        return curveSecretKey;
    }

    /** {@return this node's CURVE public key (Z85, 40 chars), or {@code ""}} */
    public String curvePublicKey() {
        return curvePublicKey;
    }

    /** {@return {@code heartbeat_interval_sec}: time between ZMTP heartbeats on control sockets; zero = off} */
    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /** {@return {@code heartbeat_timeout_sec}: silence after which a control connection is declared dead} */
    public Duration heartbeatTimeout() {
        return heartbeatTimeout;
    }

    /** {@return {@code result_ttl_sec}: how long an uncollected lookup or load result is kept} */
    public Duration resultTtl() {
        return resultTtl;
    }

    /** {@return {@code max_peers}: per-request receivers a sender keeps open at once} */
    public int maxPeers() {
        return maxPeers;
    }

    /** {@return {@code peer_idle_timeout_sec}: how long a per-request receiver's connections stay open unused} */
    public Duration peerIdleTimeout() {
        return peerIdleTimeout;
    }

    /** {@return {@code peer_retry_backoff_sec}: the first back-off after a per-request receiver failed} */
    public Duration peerRetryBackoff() {
        return peerRetryBackoff;
    }

    /** {@return {@code peer_staging_share}: the fraction of staging pages one receiver may hold, in (0, 1]} */
    public double peerStagingShare() {
        return peerStagingShare.doubleValue();
    }

    /** {@return {@code peer_staging_share} exactly as read, for {@link #toMap()}} */
    BigDecimal peerStagingShareExact() {
        return peerStagingShare;
    }

    /**
     * {@return {@code sender_zero_copy}: whether a sender on a channel that reads caller segments (tcp, mock_memory)
     * writes native chunks straight from them instead of copying them into staging}
     */
    public boolean senderZeroCopy() {
        return senderZeroCopy;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PdL2AdapterConfig c && toMap().equals(c.toMap());
    }

    @Override
    public int hashCode() {
        return toMap().hashCode();
    }

    /** All keys and values, with {@code curve_secret_key} redacted when set. */
    @Override
    public String toString() {
        Map<String, Object> m = toMap();
        m.remove("type");
        if (!curveSecretKey.isEmpty()) {
            m.put(ConfigKeys.CURVE_SECRET_KEY, "<redacted>");
        }
        return "PdL2AdapterConfig" + m;
    }
}
