package io.kvcourier.pd;

import io.kvcourier.channel.ChannelKind;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

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

    static final String ROLE = "role";
    static final String PEER_HOST = "peer_host";
    static final String PEER_INIT_PORT = "peer_init_port";
    static final String PEER_ALLOC_PORT = "peer_alloc_port";
    static final String PROXY_HOST = "proxy_host";
    static final String PROXY_PORT = "proxy_port";
    static final String BUFFER_SIZE = "buffer_size";
    static final String BUFFER_DEVICE = "buffer_device";
    static final String TRANSFER_CHANNEL = "transfer_channel";
    static final String NIXL_BACKENDS = "nixl_backends";
    static final String ALLOCATION_TIMEOUT_SEC = "allocation_timeout_sec";
    static final String HANDSHAKE_TIMEOUT_SEC = "handshake_timeout_sec";
    static final String TRANSFER_TIMEOUT_SEC = "transfer_timeout_sec";
    static final String SHUTDOWN_TIMEOUT_SEC = "shutdown_timeout_sec";
    static final String COMMITTED_TTL_SEC = "committed_ttl_sec";
    static final String NOTIFY_TIMEOUT_SEC = "notify_timeout_sec";
    static final String REQUEST_TIMEOUT_SEC = "request_timeout_sec";
    static final String CHUNK_BYTES = "chunk_bytes";
    static final String NUM_QPS = "num_qps";
    static final String BIND_HOST = "bind_host";
    static final String MAX_INFLIGHT_BATCHES = "max_inflight_batches";
    static final String RDMA_DEVICE = "rdma_device";
    static final String RDMA_PORT = "rdma_port";
    static final String GID_INDEX = "gid_index";
    static final String CURVE_SERVER_KEY = "curve_server_key";
    static final String CURVE_SECRET_KEY = "curve_secret_key";
    static final String CURVE_PUBLIC_KEY = "curve_public_key";
    static final String HEARTBEAT_INTERVAL_SEC = "heartbeat_interval_sec";
    static final String HEARTBEAT_TIMEOUT_SEC = "heartbeat_timeout_sec";
    static final String RESULT_TTL_SEC = "result_ttl_sec";
    static final String MAX_PEERS = "max_peers";
    static final String PEER_IDLE_TIMEOUT_SEC = "peer_idle_timeout_sec";
    static final String PEER_RETRY_BACKOFF_SEC = "peer_retry_backoff_sec";
    static final String PEER_STAGING_SHARE = "peer_staging_share";

    /** LMCache's {@code L2AdapterConfigBase} keys: accepted and ignored. */
    private static final Set<String> IGNORED_KEYS = Set.of("type", "eviction", "persist_enabled", "serde");

    /** Every key this class reads, in {@link #toMap()} and {@link #help()} order. */
    private static final List<String> KNOWN_KEYS = List.of(ROLE, PEER_HOST, PEER_INIT_PORT, PEER_ALLOC_PORT,
            PROXY_HOST, PROXY_PORT, BUFFER_SIZE, BUFFER_DEVICE, TRANSFER_CHANNEL, NIXL_BACKENDS,
            ALLOCATION_TIMEOUT_SEC, HANDSHAKE_TIMEOUT_SEC, TRANSFER_TIMEOUT_SEC, SHUTDOWN_TIMEOUT_SEC,
            COMMITTED_TTL_SEC, NOTIFY_TIMEOUT_SEC, REQUEST_TIMEOUT_SEC, CHUNK_BYTES, NUM_QPS, BIND_HOST,
            MAX_INFLIGHT_BATCHES, RDMA_DEVICE, RDMA_PORT, GID_INDEX, CURVE_SERVER_KEY, CURVE_SECRET_KEY,
            CURVE_PUBLIC_KEY, HEARTBEAT_INTERVAL_SEC, HEARTBEAT_TIMEOUT_SEC, RESULT_TTL_SEC, MAX_PEERS,
            PEER_IDLE_TIMEOUT_SEC, PEER_RETRY_BACKOFF_SEC, PEER_STAGING_SHARE);

    private static final List<String> NIXL_BACKEND_NAMES = List.of("tcp", "rdma", "ucx", "UCX", "verbs");
    private static final String Z85_ALPHABET =
            "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
    private static final int Z85_KEY_LENGTH = 40;

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

    private PdL2AdapterConfig(Map<String, ?> d) {
        // Upstream's checks, in upstream's order, with upstream's messages.
        Object roleValue = d.get(ROLE);
        if ("sender".equals(roleValue)) {
            role = Role.SENDER;
        } else if ("receiver".equals(roleValue)) {
            role = Role.RECEIVER;
        } else {
            throw new ConfigException(ROLE, "role must be 'sender' or 'receiver', got " + PyRepr.of(roleValue));
        }
        if (!(d.get(PEER_HOST) instanceof String host) || host.isEmpty()) {
            throw new ConfigException(PEER_HOST, "peer_host must be a non-empty string");
        }
        peerHost = host;
        peerInitPort = portList(PEER_INIT_PORT, d.get(PEER_INIT_PORT), role);
        peerAllocPort = portList(PEER_ALLOC_PORT, d.get(PEER_ALLOC_PORT), role);
        Object device = d.containsKey(BUFFER_DEVICE) ? d.get(BUFFER_DEVICE) : "cpu";
        if (!"cpu".equals(device) && !"cuda".equals(device)) {
            throw new ConfigException(BUFFER_DEVICE,
                    "buffer_device must be 'cpu' or 'cuda', got " + PyRepr.of(device));
        }
        bufferDevice = (String) device;
        Object channel = d.containsKey(TRANSFER_CHANNEL) ? d.get(TRANSFER_CHANNEL) : "nixl";
        if (!"nixl".equals(channel) && !"mock_memory".equals(channel) && !"tcp".equals(channel)
                && !"verbs".equals(channel)) {
            throw new ConfigException(TRANSFER_CHANNEL,
                    "transfer_channel must be 'nixl', 'mock_memory', 'tcp' or 'verbs', got " + PyRepr.of(channel));
        }
        transferChannel = (String) channel;
        Object proxy = d.containsKey(PROXY_HOST) ? d.get(PROXY_HOST) : "127.0.0.1";
        if (!(proxy instanceof String proxyText) || proxyText.isEmpty()) {
            throw new ConfigException(PROXY_HOST, "proxy_host must be a non-empty string");
        }
        proxyHost = proxyText;

        rejectUnknownKeys(d);

        if (peerInitPort.size() != peerAllocPort.size()) {
            throw new ConfigException(PEER_ALLOC_PORT, "peer_alloc_port must have one port per peer_init_port entry ("
                    + peerInitPort.size() + "), got " + peerAllocPort.size());
        }
        proxyPort = (int) integer(d, PROXY_PORT, 6688, 0, 65_535, true);
        bufferSize = integer(d, BUFFER_SIZE, 1L << 30, 1, Long.MAX_VALUE, true);
        nixlBackends = nixlBackends(d);
        channelPreferences = preferences(transferChannel, nixlBackends);
        allocationTimeout = duration(d, ALLOCATION_TIMEOUT_SEC, 30);
        handshakeTimeout = duration(d, HANDSHAKE_TIMEOUT_SEC, 10);
        transferTimeout = duration(d, TRANSFER_TIMEOUT_SEC, 30);
        shutdownTimeout = duration(d, SHUTDOWN_TIMEOUT_SEC, 5);
        committedTtl = duration(d, COMMITTED_TTL_SEC, 60);
        notifyTimeout = duration(d, NOTIFY_TIMEOUT_SEC, 30);
        requestTimeout = duration(d, REQUEST_TIMEOUT_SEC, 120);
        chunkBytes = integer(d, CHUNK_BYTES, 0, 0, Long.MAX_VALUE, false);
        if (chunkBytes > bufferSize) {
            throw new ConfigException(CHUNK_BYTES, "chunk_bytes must be in 0..buffer_size (" + bufferSize
                    + "): a page must fit the staging buffer, got " + chunkBytes);
        }
        numQps = (int) integer(d, NUM_QPS, 2, 1, 16, false);
        bindHost = string(d, BIND_HOST, "0.0.0.0", false);
        maxInflightBatches = (int) integer(d, MAX_INFLIGHT_BATCHES, 8, 1, Integer.MAX_VALUE, false);
        rdmaDevice = string(d, RDMA_DEVICE, "", true);
        rdmaPort = (int) integer(d, RDMA_PORT, 1, 1, 255, false);
        gidIndex = (int) integer(d, GID_INDEX, -1, -1, 65_535, false);
        curveServerKey = z85Key(d, CURVE_SERVER_KEY);
        curveSecretKey = z85Key(d, CURVE_SECRET_KEY);
        curvePublicKey = z85Key(d, CURVE_PUBLIC_KEY);
        heartbeatInterval = d.containsKey(HEARTBEAT_INTERVAL_SEC) && isZero(d.get(HEARTBEAT_INTERVAL_SEC))
                ? Duration.ZERO : durationMillis(d, HEARTBEAT_INTERVAL_SEC, 500);
        heartbeatTimeout = durationMillis(d, HEARTBEAT_TIMEOUT_SEC, 2000);
        if (!heartbeatInterval.isZero() && heartbeatTimeout.compareTo(heartbeatInterval) <= 0) {
            throw new ConfigException(HEARTBEAT_TIMEOUT_SEC, "heartbeat_timeout_sec must exceed heartbeat_interval_sec ("
                    + seconds(heartbeatInterval) + ") while heartbeats are on, got " + seconds(heartbeatTimeout));
        }
        resultTtl = duration(d, RESULT_TTL_SEC, 60);
        maxPeers = (int) integer(d, MAX_PEERS, 64, 1, 65_536, false);
        peerIdleTimeout = duration(d, PEER_IDLE_TIMEOUT_SEC, 300);
        peerRetryBackoff = duration(d, PEER_RETRY_BACKOFF_SEC, 1);
        peerStagingShare = fraction(d, PEER_STAGING_SHARE, new BigDecimal("0.5"));
    }

    /** A number in (0, 1], as Python's {@code float()} reads it. */
    private static BigDecimal fraction(Map<String, ?> d, String field, BigDecimal dflt) {
        if (!d.containsKey(field)) {
            return dflt;
        }
        Object value = d.get(field);
        BigDecimal x = null;
        if (value instanceof Double || value instanceof Float) {
            double v = ((Number) value).doubleValue();
            x = Double.isFinite(v) ? new BigDecimal(Double.toString(v)) : null;
        } else if (value instanceof BigDecimal b) {
            x = b;
        } else if (value instanceof BigInteger b) {
            x = new BigDecimal(b);
        } else if (value instanceof Number n && !(value instanceof Boolean)) {
            x = BigDecimal.valueOf(n.longValue());
        } else if (value instanceof String str) {
            x = PyInt.parseDecimal(str);
        }
        if (x == null || x.signum() <= 0 || x.compareTo(BigDecimal.ONE) > 0) {
            throw new ConfigException(field, field + " must be a number in (0, 1], got " + PyRepr.of(value));
        }
        return x.stripTrailingZeros();
    }

    /** Whether a config value means zero (0, 0.0, "0"): heartbeats off. */
    private static boolean isZero(Object v) {
        if (v instanceof Number n && !(v instanceof Double d && !Double.isFinite(d))) {
            return new BigDecimal(n.toString()).signum() == 0;
        }
        if (v instanceof String str) {
            BigDecimal b = PyInt.parseDecimal(str);
            return b != null && b.signum() == 0;
        }
        return false;
    }

    /** A positive duration with a default given in milliseconds. */
    private static Duration durationMillis(Map<String, ?> d, String field, long dfltMillis) {
        return d.containsKey(field) ? duration(d, field, 1) : Duration.ofMillis(dfltMillis);
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
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder holding this configuration's values} */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.values.putAll(toMap());
        return b;
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
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "pd");
        m.put(ROLE, role.wireName());
        m.put(PEER_HOST, peerHost);
        m.put(PEER_INIT_PORT, new ArrayList<>(peerInitPort));
        m.put(PEER_ALLOC_PORT, new ArrayList<>(peerAllocPort));
        m.put(PROXY_HOST, proxyHost);
        m.put(PROXY_PORT, proxyPort);
        m.put(BUFFER_SIZE, bufferSize);
        m.put(BUFFER_DEVICE, bufferDevice);
        m.put(TRANSFER_CHANNEL, transferChannel);
        m.put(NIXL_BACKENDS, new ArrayList<>(nixlBackends));
        m.put(ALLOCATION_TIMEOUT_SEC, seconds(allocationTimeout));
        m.put(HANDSHAKE_TIMEOUT_SEC, seconds(handshakeTimeout));
        m.put(TRANSFER_TIMEOUT_SEC, seconds(transferTimeout));
        m.put(SHUTDOWN_TIMEOUT_SEC, seconds(shutdownTimeout));
        m.put(COMMITTED_TTL_SEC, seconds(committedTtl));
        m.put(NOTIFY_TIMEOUT_SEC, seconds(notifyTimeout));
        m.put(REQUEST_TIMEOUT_SEC, seconds(requestTimeout));
        m.put(CHUNK_BYTES, chunkBytes);
        m.put(NUM_QPS, numQps);
        m.put(BIND_HOST, bindHost);
        m.put(MAX_INFLIGHT_BATCHES, maxInflightBatches);
        m.put(RDMA_DEVICE, rdmaDevice);
        m.put(RDMA_PORT, rdmaPort);
        m.put(GID_INDEX, gidIndex);
        m.put(CURVE_SERVER_KEY, curveServerKey);
        m.put(CURVE_SECRET_KEY, curveSecretKey);
        m.put(CURVE_PUBLIC_KEY, curvePublicKey);
        m.put(HEARTBEAT_INTERVAL_SEC, seconds(heartbeatInterval));
        m.put(HEARTBEAT_TIMEOUT_SEC, seconds(heartbeatTimeout));
        m.put(RESULT_TTL_SEC, seconds(resultTtl));
        m.put(MAX_PEERS, maxPeers);
        m.put(PEER_IDLE_TIMEOUT_SEC, seconds(peerIdleTimeout));
        m.put(PEER_RETRY_BACKOFF_SEC, seconds(peerRetryBackoff));
        m.put(PEER_STAGING_SHARE, peerStagingShare);
        return m;
    }

    /** {@return one line per key: name, type, default, meaning with units} */
    public static String help() {
        return """
                PD L2 adapter config fields (JSON: {"type": "pd", ...}):
                - role (str): 'sender' (prefill node) or 'receiver' (decode node) (required)
                - peer_host (str): the remote peer's hostname or IP; a sender connects to it (required)
                - peer_init_port (list[int] or int): per-TP-rank channel handshake ports, 0..65535; a receiver binds \
                them (0 = ephemeral), a sender needs 1..65535 (required)
                - peer_alloc_port (list[int] or int): per-TP-rank allocation ports, one per peer_init_port entry, \
                same ranges (required)
                - proxy_host (str): host of the proxy that is notified when a request's KV has landed \
                (default: '127.0.0.1')
                - proxy_port (int): that proxy's ZMQ PULL port, 0..65535; 0 disables notifications (default: 6688)
                - buffer_size (int): staging buffer size in bytes, >= 1, rounded down to whole chunk pages \
                (default: 1073741824)
                - buffer_device (str): 'cpu' or 'cuda' (cuda is not supported yet) (default: 'cpu')
                - transfer_channel (str): 'nixl' (alias: maps nixl_backends to our channels, no NIXL interop), \
                'mock_memory' (in-process), 'tcp' or 'verbs' (RDMA) (default: 'nixl')
                - nixl_backends (list[str]): for transfer_channel 'nixl', channels to try in order: 'tcp' -> tcp; \
                'rdma', 'ucx', 'UCX', 'verbs' -> verbs; the first the machine supports is used (default: ['tcp'])
                - allocation_timeout_sec (float): seconds a sender waits for an AllocResponse; also how long a \
                receiver keeps an uncommitted allocation, (0, 604800] (default: 30)
                - handshake_timeout_sec (float): seconds for a transfer-channel handshake, (0, 604800] (default: 10)
                - transfer_timeout_sec (float): seconds for one batch's data to land and be acknowledged, \
                (0, 604800] (default: 30)
                - shutdown_timeout_sec (float): seconds close() waits for in-flight work before failing it, \
                (0, 604800] (default: 5)
                - committed_ttl_sec (float): seconds a receiver keeps a committed chunk that is never loaded, \
                (0, 604800] (default: 60)
                - notify_timeout_sec (float): seconds a proxy notification may wait for delivery before it is \
                dropped and counted, (0, 604800] (default: 30)
                - request_timeout_sec (float): seconds after which a request whose last-prefill batch never \
                arrived is notified anyway, (0, 604800] (default: 120)
                - chunk_bytes (int): bytes per KV chunk (one receiver page), 0..buffer_size; 0 = take it from the \
                first AllocRequest / first store (default: 0)
                - num_qps (int): RDMA queue pairs per peer, 1..16 (default: 2)
                - bind_host (str): local address a receiver's servers bind to (default: '0.0.0.0')
                - max_inflight_batches (int): store batches in flight per peer, >= 1 (default: 8)
                - rdma_device (str): RDMA device name, e.g. 'mlx5_0' or 'rxe0'; '' = the first active one \
                (default: '')
                - rdma_port (int): RDMA port number on that device, 1..255 (default: 1)
                - gid_index (int): GID table index for RoCE, -1..65535; -1 = pick automatically (default: -1)
                - curve_server_key (str): the receiver's CURVE public key (Z85, 40 chars) a sender authenticates \
                against; '' = no CURVE (default: '')
                - curve_secret_key (str): this node's CURVE secret key (Z85, 40 chars); '' = none (default: '')
                - curve_public_key (str): this node's CURVE public key (Z85, 40 chars); '' = none (default: '')
                - heartbeat_interval_sec (float): seconds between ZMTP heartbeats on the control sockets, [0, 604800];                 0 disables heartbeats (default: 0.5)
                - heartbeat_timeout_sec (float): seconds of silence after which a control connection is declared dead                 (its receiver's pending allocations and in-flight stores fail then), (0, 604800], more than                 heartbeat_interval_sec while heartbeats are on (default: 2)
                - result_ttl_sec (float): seconds a completed lookup or load result waits to be collected before it                 is dropped (a lookup's locks are released), (0, 604800] (default: 60)
                - max_peers (int): receivers a sender keeps connections to at once for per-request targets \
                (ReceiverTarget; the configured peer is not counted), 1..65536; a store to a new receiver when that \
                many are open and none is idle fails at once (default: 64)
                - peer_idle_timeout_sec (float): seconds a per-request target's connections stay open with nothing \
                in flight before they are closed, (0, 604800] (default: 300)
                - peer_retry_backoff_sec (float): after a per-request target's connect fails or it is lost, stores \
                to it fail at once for this many seconds, doubling per further failure up to 30 (or this value if \
                larger); a committed store resets it, (0, 604800] (default: 1)
                - peer_staging_share (float): while a sender has more than one receiver open, the most of its \
                staging pages one receiver may hold (a receiver's batch beyond it waits for that receiver's own \
                pages), (0, 1] (default: 0.5)
                LMCache base keys 'type', 'eviction', 'persist_enabled' and 'serde' are accepted and ignored; \
                any other key is an error.
                """;
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
            m.put(CURVE_SECRET_KEY, "<redacted>");
        }
        return "PdL2AdapterConfig" + m;
    }

    // ---- validation helpers ----

    private static List<Integer> portList(String field, Object value, Role role) {
        if (isFalsy(value)) {
            throw new ConfigException(field, field + " is required");
        }
        List<?> items;
        if (value instanceof Collection<?> c) {
            items = new ArrayList<>(c);
        } else if (value instanceof Number || value instanceof String) {
            items = List.of(value);
        } else {
            throw new ConfigException(field, field + " must be a list of port numbers, got " + PyRepr.of(value));
        }
        if (items.size() > MAX_PORTS) {
            throw new ConfigException(field, field + " may list at most " + MAX_PORTS
                    + " ports (one per TP rank), got " + items.size());
        }
        int low = role == Role.SENDER ? 1 : 0;
        List<Integer> ports = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            String name = field + "[" + i + "]";
            BigInteger v = PyInt.coerce(field, name, items.get(i), true);
            if (v.compareTo(BigInteger.valueOf(low)) < 0 || v.compareTo(BigInteger.valueOf(65_535)) > 0) {
                throw new ConfigException(field, name + " must be in " + low + "..65535"
                        + (role == Role.SENDER ? " for a sender" : " (0 = ephemeral)") + ", got " + v);
            }
            ports.add(v.intValue());
        }
        return List.copyOf(ports);
    }

    /** Python truthiness of a JSON-ish value: {@code not value}. */
    private static boolean isFalsy(Object value) {
        return value == null
                || Boolean.FALSE.equals(value)
                || (value instanceof String s && s.isEmpty())
                || (value instanceof Collection<?> c && c.isEmpty())
                || (value instanceof Map<?, ?> m && m.isEmpty())
                || (value instanceof Number n && !(n instanceof BigDecimal) && !(n instanceof BigInteger)
                        && n.doubleValue() == 0.0)
                || (value instanceof BigInteger b && b.signum() == 0)
                || (value instanceof BigDecimal b && b.signum() == 0);
    }

    private static void rejectUnknownKeys(Map<String, ?> d) {
        List<String> unknown = new ArrayList<>();
        for (String key : d.keySet()) {
            if (!KNOWN_KEYS.contains(key) && !IGNORED_KEYS.contains(key)) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            StringBuilder names = new StringBuilder();
            for (String key : unknown) {
                names.append(names.isEmpty() ? "" : ", ").append(PyRepr.of(key));
            }
            throw new ConfigException(String.join(", ", unknown), "unknown PD L2 adapter config key"
                    + (unknown.size() > 1 ? "s " : " ") + names + "; known keys: " + String.join(", ", KNOWN_KEYS)
                    + " (ignored: type, eviction, persist_enabled, serde)");
        }
    }

    private static long integer(Map<String, ?> d, String field, long dflt, long min, long max, boolean truncateFloats) {
        if (!d.containsKey(field)) {
            return dflt;
        }
        BigInteger v = PyInt.coerce(field, field, d.get(field), truncateFloats);
        if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new ConfigException(field, field + " must be in " + min + ".." + max + ", got " + v);
        }
        return v.longValue();
    }

    private static Duration duration(Map<String, ?> d, String field, long dfltSeconds) {
        if (!d.containsKey(field)) {
            return Duration.ofSeconds(dfltSeconds);
        }
        Object value = d.get(field);
        BigDecimal seconds;
        if (value instanceof Boolean || value == null) {
            throw new ConfigException(field, field + " must be a number of seconds, got " + PyRepr.of(value));
        } else if (value instanceof Double || value instanceof Float) {
            double x = ((Number) value).doubleValue();
            if (!Double.isFinite(x)) {
                throw new ConfigException(field, field + " must be in (0, " + MAX_DURATION_SEC + "] seconds, got "
                        + PyRepr.of(value));
            }
            seconds = new BigDecimal(Double.toString(x));
        } else if (value instanceof BigDecimal b) {
            seconds = b;
        } else if (value instanceof BigInteger b) {
            seconds = new BigDecimal(b);
        } else if (value instanceof Number n) {
            seconds = BigDecimal.valueOf(n.longValue());
        } else if (value instanceof String s) {
            seconds = PyInt.parseDecimal(s);
            if (seconds == null) {
                throw new ConfigException(field, field + " must be a number of seconds, got " + PyRepr.of(value));
            }
        } else {
            throw new ConfigException(field, field + " must be a number of seconds, got " + PyRepr.of(value));
        }
        if (seconds.signum() <= 0 || seconds.compareTo(BigDecimal.valueOf(MAX_DURATION_SEC)) > 0) {
            throw new ConfigException(field, field + " must be in (0, " + MAX_DURATION_SEC + "] seconds, got "
                    + seconds.stripTrailingZeros().toPlainString());
        }
        long nanos = seconds.movePointRight(9).setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
        if (nanos == 0) {
            throw new ConfigException(field, field + " must be at least 1 nanosecond, got "
                    + seconds.toPlainString());
        }
        return Duration.ofNanos(nanos);
    }

    private static Object seconds(Duration d) {
        if (d.getNano() == 0) {
            return d.getSeconds();
        }
        return BigDecimal.valueOf(d.toNanos(), 9).stripTrailingZeros();
    }

    private static String string(Map<String, ?> d, String field, String dflt, boolean mayBeEmpty) {
        if (!d.containsKey(field)) {
            return dflt;
        }
        if (!(d.get(field) instanceof String s) || (!mayBeEmpty && s.isEmpty())) {
            throw new ConfigException(field, field + " must be a " + (mayBeEmpty ? "" : "non-empty ") + "string, got "
                    + PyRepr.of(d.get(field)));
        }
        return s;
    }

    private static List<String> nixlBackends(Map<String, ?> d) {
        if (!d.containsKey(NIXL_BACKENDS)) {
            return List.of("tcp");
        }
        Object value = d.get(NIXL_BACKENDS);
        if (!(value instanceof Collection<?> c)) {
            throw new ConfigException(NIXL_BACKENDS, "nixl_backends must be a list of strings, got "
                    + PyRepr.of(value));
        }
        List<String> names = new ArrayList<>(c.size());
        for (Object o : c) {
            if (!(o instanceof String s) || s.isEmpty()) {
                throw new ConfigException(NIXL_BACKENDS, "nixl_backends entries must be non-empty strings, got "
                        + PyRepr.of(o));
            }
            names.add(s);
        }
        return names.isEmpty() ? List.of("tcp") : List.copyOf(names); // upstream: nixl_backends or ["tcp"]
    }

    private static List<ChannelKind> preferences(String channel, List<String> backends) {
        return switch (channel) {
            case "mock_memory" -> List.of(ChannelKind.MOCK_MEMORY);
            case "tcp" -> List.of(ChannelKind.TCP);
            case "verbs" -> List.of(ChannelKind.VERBS);
            default -> {
                Set<ChannelKind> kinds = new LinkedHashSet<>();
                for (String b : backends) {
                    switch (b) {
                        case "tcp" -> kinds.add(ChannelKind.TCP);
                        case "rdma", "ucx", "UCX", "verbs" -> kinds.add(ChannelKind.VERBS);
                        default -> throw new ConfigException(NIXL_BACKENDS, "nixl_backends entry " + PyRepr.of(b)
                                + " is not supported with transfer_channel 'nixl'; accepted: "
                                + String.join(", ", NIXL_BACKEND_NAMES));
                    }
                }
                yield List.copyOf(kinds);
            }
        };
    }

    private static String z85Key(Map<String, ?> d, String field) {
        String key = string(d, field, "", true);
        if (key.isEmpty()) {
            return key;
        }
        if (key.length() != Z85_KEY_LENGTH) {
            throw new ConfigException(field, field + " must be a Z85-encoded 32-byte key of " + Z85_KEY_LENGTH
                    + " characters, or empty; got " + key.length() + " characters");
        }
        for (int i = 0; i < key.length(); i++) {
            if (Z85_ALPHABET.indexOf(key.charAt(i)) < 0) {
                // the key may be secret: name the position, not the character
                throw new ConfigException(field, field + " has a character outside the Z85 alphabet at index " + i);
            }
        }
        return key;
    }

    /**
     * A mutable builder; {@link #build()} validates exactly as {@link PdL2AdapterConfig#fromMap(Map)} does. Not
     * thread-safe.
     */
    public static final class Builder {

        private final Map<String, Object> values = new LinkedHashMap<>();

        private Builder() {
        }

        private Builder put(String key, Object value) {
            values.put(key, value);
            return this;
        }

        /**
         * Sets {@code role}.
         *
         * @param role the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder role(Role role) {
            return put(ROLE, role == null ? null : role.wireName());
        }

        /**
         * Sets {@code peer_host}.
         *
         * @param host the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder peerHost(String host) {
            return put(PEER_HOST, host);
        }

        /**
         * Sets {@code peer_init_port}, one per TP rank.
         *
         * @param ports the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder peerInitPort(List<Integer> ports) {
            return put(PEER_INIT_PORT, ports == null ? null : new ArrayList<>(ports));
        }

        /**
         * Sets {@code peer_init_port}, one per TP rank.
         *
         * @param ports the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder peerInitPort(int... ports) {
            return peerInitPort(boxed(ports));
        }

        /**
         * Sets {@code peer_alloc_port}, one per TP rank.
         *
         * @param ports the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder peerAllocPort(List<Integer> ports) {
            return put(PEER_ALLOC_PORT, ports == null ? null : new ArrayList<>(ports));
        }

        /**
         * Sets {@code peer_alloc_port}, one per TP rank.
         *
         * @param ports the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder peerAllocPort(int... ports) {
            return peerAllocPort(boxed(ports));
        }

        /**
         * Sets {@code proxy_host}.
         *
         * @param host the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder proxyHost(String host) {
            return put(PROXY_HOST, host);
        }

        /**
         * Sets {@code proxy_port}; 0 disables notifications.
         *
         * @param port the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder proxyPort(int port) {
            return put(PROXY_PORT, port);
        }

        /**
         * Sets {@code buffer_size} in bytes.
         *
         * @param bytes the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder bufferSize(long bytes) {
            return put(BUFFER_SIZE, bytes);
        }

        /**
         * Sets {@code buffer_device}: "cpu" or "cuda".
         *
         * @param device the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder bufferDevice(String device) {
            return put(BUFFER_DEVICE, device);
        }

        /**
         * Sets {@code transfer_channel}: "nixl", "mock_memory", "tcp" or "verbs".
         *
         * @param channel the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder transferChannel(String channel) {
            return put(TRANSFER_CHANNEL, channel);
        }

        /**
         * Sets {@code nixl_backends}.
         *
         * @param backends the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder nixlBackends(List<String> backends) {
            return put(NIXL_BACKENDS, backends == null ? null : new ArrayList<>(backends));
        }

        /**
         * Sets {@code allocation_timeout_sec}.
         *
         * @param d the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder allocationTimeout(Duration d) {
            return put(ALLOCATION_TIMEOUT_SEC, secondsOf(d));
        }

        /**
         * Sets {@code handshake_timeout_sec}.
         *
         * @param d the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder handshakeTimeout(Duration d) {
            return put(HANDSHAKE_TIMEOUT_SEC, secondsOf(d));
        }

        /**
         * Sets {@code transfer_timeout_sec}.
         *
         * @param d the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder transferTimeout(Duration d) {
            return put(TRANSFER_TIMEOUT_SEC, secondsOf(d));
        }

        /**
         * Sets {@code shutdown_timeout_sec}.
         *
         * @param d the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder shutdownTimeout(Duration d) {
            return put(SHUTDOWN_TIMEOUT_SEC, secondsOf(d));
        }

        /**
         * Sets {@code committed_ttl_sec}.
         *
         * @param d the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder committedTtl(Duration d) {
            return put(COMMITTED_TTL_SEC, secondsOf(d));
        }

        /**
         * Sets {@code notify_timeout_sec}.
         *
         * @param d the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder notifyTimeout(Duration d) {
            return put(NOTIFY_TIMEOUT_SEC, secondsOf(d));
        }

        /**
         * Sets {@code request_timeout_sec}.
         *
         * @param d the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder requestTimeout(Duration d) {
            return put(REQUEST_TIMEOUT_SEC, secondsOf(d));
        }

        /**
         * Sets {@code chunk_bytes}; 0 = from the first request.
         *
         * @param bytes the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder chunkBytes(long bytes) {
            return put(CHUNK_BYTES, bytes);
        }

        /**
         * Sets {@code num_qps}.
         *
         * @param n the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder numQps(int n) {
            return put(NUM_QPS, n);
        }

        /**
         * Sets {@code bind_host}.
         *
         * @param host the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder bindHost(String host) {
            return put(BIND_HOST, host);
        }

        /**
         * Sets {@code max_inflight_batches}.
         *
         * @param n the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder maxInflightBatches(int n) {
            return put(MAX_INFLIGHT_BATCHES, n);
        }

        /**
         * Sets {@code rdma_device}; "" = automatic.
         *
         * @param device the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder rdmaDevice(String device) {
            return put(RDMA_DEVICE, device);
        }

        /**
         * Sets {@code rdma_port}.
         *
         * @param port the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder rdmaPort(int port) {
            return put(RDMA_PORT, port);
        }

        /**
         * Sets {@code gid_index}; -1 = automatic.
         *
         * @param index the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder gidIndex(int index) {
            return put(GID_INDEX, index);
        }

        /**
         * Sets {@code curve_server_key} (Z85) or "".
         *
         * @param key the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder curveServerKey(String key) {
            return put(CURVE_SERVER_KEY, key);
        }

        /**
         * Sets {@code curve_secret_key} (Z85) or "".
         *
         * @param key the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder curveSecretKey(String key) {
            return put(CURVE_SECRET_KEY, key);
        }

        /**
         * Sets {@code curve_public_key} (Z85) or "".
         *
         * @param key the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder curvePublicKey(String key) {
            return put(CURVE_PUBLIC_KEY, key);
        }

        /**
         * Sets {@code heartbeat_interval_sec}.
         *
         * @param d time between heartbeats (millisecond resolution); {@link Duration#ZERO} disables heartbeats
         * @return this builder
         */
        public Builder heartbeatInterval(Duration d) {
            return put(HEARTBEAT_INTERVAL_SEC, secondsOf(d));
        }

        /**
         * Sets {@code heartbeat_timeout_sec}.
         *
         * @param d silence after which a control connection is declared dead; must exceed the interval
         * @return this builder
         */
        public Builder heartbeatTimeout(Duration d) {
            return put(HEARTBEAT_TIMEOUT_SEC, secondsOf(d));
        }

        /**
         * Sets {@code result_ttl_sec}.
         *
         * @param d how long an uncollected lookup or load result is kept before its locks are released
         * @return this builder
         */
        public Builder resultTtl(Duration d) {
            return put(RESULT_TTL_SEC, secondsOf(d));
        }

        /**
         * Sets {@code max_peers}.
         *
         * @param n the value ({@link PdL2AdapterConfig#help()} says what it accepts)
         * @return this builder
         */
        public Builder maxPeers(int n) {
            return put(MAX_PEERS, n);
        }

        /**
         * Sets {@code peer_idle_timeout_sec}.
         *
         * @param d how long a per-request receiver's connections stay open with nothing in flight
         * @return this builder
         */
        public Builder peerIdleTimeout(Duration d) {
            return put(PEER_IDLE_TIMEOUT_SEC, secondsOf(d));
        }

        /**
         * Sets {@code peer_retry_backoff_sec}.
         *
         * @param d the first back-off after a per-request receiver failed
         * @return this builder
         */
        public Builder peerRetryBackoff(Duration d) {
            return put(PEER_RETRY_BACKOFF_SEC, secondsOf(d));
        }

        /**
         * Sets {@code peer_staging_share}.
         *
         * @param share the fraction of staging pages one receiver may hold, in (0, 1]
         * @return this builder
         */
        public Builder peerStagingShare(double share) {
            return put(PEER_STAGING_SHARE, share);
        }

        /**
         * Validates and builds.
         *
         * @return the configuration
         * @throws ConfigException naming the first key at fault
         */
        public PdL2AdapterConfig build() {
            return new PdL2AdapterConfig(values);
        }

        private static List<Integer> boxed(int[] ports) {
            if (ports == null) {
                return null;
            }
            List<Integer> list = new ArrayList<>(ports.length);
            for (int p : ports) {
                list.add(p);
            }
            return list;
        }

        private static Object secondsOf(Duration d) {
            return d == null ? null : BigDecimal.valueOf(d.getSeconds()).add(BigDecimal.valueOf(d.getNano(), 9));
        }
    }
    /** Python's {@code int()} and {@code float()} on config values, and nothing more. */
    private static final class PyInt {

        private static final java.util.regex.Pattern INT =
                java.util.regex.Pattern.compile("[+-]?[0-9](_?[0-9])*");
        private static final java.util.regex.Pattern DECIMAL = java.util.regex.Pattern.compile(
                "[+-]?([0-9](_?[0-9])*(\\.([0-9](_?[0-9])*)?)?|\\.[0-9](_?[0-9])*)([eE][+-]?[0-9](_?[0-9])*)?");

        private PyInt() {
        }

        /**
         * {@code int(value)} for a config value: integers as they are, strings by Python's rules (ASCII digits
         * only), floats truncated toward zero when {@code truncateFloats}, else rejected; booleans rejected.
         *
         * @param field the key, for {@link ConfigException#field()}
         * @param name  the name used in the message ({@code field} or {@code field[i]})
         */
        static BigInteger coerce(String field, String name, Object value, boolean truncateFloats) {
            if (value instanceof Byte || value instanceof Short || value instanceof Integer || value instanceof Long
                    || value instanceof java.util.concurrent.atomic.AtomicInteger
                    || value instanceof java.util.concurrent.atomic.AtomicLong) {
                return BigInteger.valueOf(((Number) value).longValue());
            }
            if (value instanceof BigInteger b) {
                return b;
            }
            if (value instanceof Double || value instanceof Float || value instanceof BigDecimal) {
                if (!truncateFloats) {
                    throw new ConfigException(field, name + " must be an integer, got " + PyRepr.of(value));
                }
                if (value instanceof BigDecimal b) {
                    return b.toBigInteger();
                }
                double x = ((Number) value).doubleValue();
                if (!Double.isFinite(x)) {
                    throw new ConfigException(field, name + " must be a finite number, got " + PyRepr.of(value));
                }
                return new BigDecimal(x).toBigInteger();
            }
            if (value instanceof String s) {
                String t = s.strip();
                if (INT.matcher(t).matches()) {
                    return new BigInteger(t.replace("_", ""));
                }
                throw new ConfigException(field, name + " must be an integer (as Python's int() reads it), got "
                        + PyRepr.of(value));
            }
            throw new ConfigException(field, name + " must be an integer, got " + PyRepr.of(value));
        }

        /** {@code float(s)} for finite values (ASCII only), or {@code null} when Python would not read it. */
        static BigDecimal parseDecimal(String s) {
            String t = s.strip();
            if (!DECIMAL.matcher(t).matches()) {
                return null;
            }
            return new BigDecimal(t.replace("_", ""));
        }
    }

    /** Python's {@code repr()} of config values, for messages that match upstream's {@code %r}. */
    private static final class PyRepr {

        private PyRepr() {
        }

        static String of(Object v) {
            if (v == null) {
                return "None";
            }
            if (v instanceof Boolean b) {
                return b ? "True" : "False";
            }
            if (v instanceof String s) {
                return string(s);
            }
            if (v instanceof Double || v instanceof Float) {
                double x = ((Number) v).doubleValue();
                if (Double.isNaN(x)) {
                    return "nan";
                }
                if (Double.isInfinite(x)) {
                    return x > 0 ? "inf" : "-inf";
                }
                return Double.toString(x);
            }
            if (v instanceof BigDecimal b) {
                return b.toString();
            }
            if (v instanceof Collection<?> c) {
                StringBuilder sb = new StringBuilder("[");
                for (Object o : c) {
                    sb.append(sb.length() > 1 ? ", " : "").append(of(o));
                }
                return sb.append(']').toString();
            }
            if (v instanceof Map<?, ?> m) {
                StringBuilder sb = new StringBuilder("{");
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    sb.append(sb.length() > 1 ? ", " : "").append(of(e.getKey())).append(": ").append(of(e.getValue()));
                }
                return sb.append('}').toString();
            }
            return String.valueOf(v);
        }

        private static String string(String s) {
            char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
            StringBuilder sb = new StringBuilder(s.length() + 2).append(quote);
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    default -> {
                        if (c == quote) {
                            sb.append('\\').append(c);
                        } else if (c < 0x20 || c == 0x7f) {
                            sb.append(String.format("\\x%02x", (int) c));
                        } else {
                            sb.append(c);
                        }
                    }
                }
            }
            return sb.append(quote).toString();
        }
    }
}
