package io.kvcourier.pd;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A mutable builder of a {@link PdL2AdapterConfig}, from {@link PdL2AdapterConfig#builder()} or
 * {@link PdL2AdapterConfig#toBuilder()}; {@link #build()} validates exactly as
 * {@link PdL2AdapterConfig#fromMap(Map)} does. Not thread-safe.
 */
public final class PdL2AdapterConfigBuilder {

    private final Map<String, Object> values = new LinkedHashMap<>();

    /** A builder holding {@code initial}'s keys and values (copied), in their order. */
    PdL2AdapterConfigBuilder(Map<String, ?> initial) {
        values.putAll(initial);
    }

    private PdL2AdapterConfigBuilder put(String key, Object value) {
        values.put(key, value);
        return this;
    }

    /**
     * Sets {@code role}.
     *
     * @param role the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder role(Role role) {
        return put(ConfigKeys.ROLE, role == null ? null : role.wireName());
    }

    /**
     * Sets {@code peer_host}.
     *
     * @param host the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder peerHost(String host) {
        return put(ConfigKeys.PEER_HOST, host);
    }

    /**
     * Sets {@code peer_init_port}, one per TP rank.
     *
     * @param ports the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder peerInitPort(List<Integer> ports) {
        return put(ConfigKeys.PEER_INIT_PORT, ports == null ? null : new ArrayList<>(ports));
    }

    /**
     * Sets {@code peer_init_port}, one per TP rank.
     *
     * @param ports the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder peerInitPort(int... ports) {
        return peerInitPort(boxed(ports));
    }

    /**
     * Sets {@code peer_alloc_port}, one per TP rank.
     *
     * @param ports the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder peerAllocPort(List<Integer> ports) {
        return put(ConfigKeys.PEER_ALLOC_PORT, ports == null ? null : new ArrayList<>(ports));
    }

    /**
     * Sets {@code peer_alloc_port}, one per TP rank.
     *
     * @param ports the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder peerAllocPort(int... ports) {
        return peerAllocPort(boxed(ports));
    }

    /**
     * Sets {@code proxy_host}.
     *
     * @param host the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder proxyHost(String host) {
        return put(ConfigKeys.PROXY_HOST, host);
    }

    /**
     * Sets {@code proxy_port}; 0 disables notifications.
     *
     * @param port the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder proxyPort(int port) {
        return put(ConfigKeys.PROXY_PORT, port);
    }

    /**
     * Sets {@code buffer_size} in bytes.
     *
     * @param bytes the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder bufferSize(long bytes) {
        return put(ConfigKeys.BUFFER_SIZE, bytes);
    }

    /**
     * Sets {@code buffer_device}: "cpu" or "cuda".
     *
     * @param device the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder bufferDevice(String device) {
        return put(ConfigKeys.BUFFER_DEVICE, device);
    }

    /**
     * Sets {@code transfer_channel}: "nixl", "mock_memory", "tcp" or "verbs".
     *
     * @param channel the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder transferChannel(String channel) {
        return put(ConfigKeys.TRANSFER_CHANNEL, channel);
    }

    /**
     * Sets {@code nixl_backends}.
     *
     * @param backends the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder nixlBackends(List<String> backends) {
        return put(ConfigKeys.NIXL_BACKENDS, backends == null ? null : new ArrayList<>(backends));
    }

    /**
     * Sets {@code allocation_timeout_sec}.
     *
     * @param d the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder allocationTimeout(Duration d) {
        return put(ConfigKeys.ALLOCATION_TIMEOUT_SEC, secondsOf(d));
    }

    /**
     * Sets {@code handshake_timeout_sec}.
     *
     * @param d the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder handshakeTimeout(Duration d) {
        return put(ConfigKeys.HANDSHAKE_TIMEOUT_SEC, secondsOf(d));
    }

    /**
     * Sets {@code transfer_timeout_sec}.
     *
     * @param d the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder transferTimeout(Duration d) {
        return put(ConfigKeys.TRANSFER_TIMEOUT_SEC, secondsOf(d));
    }

    /**
     * Sets {@code shutdown_timeout_sec}.
     *
     * @param d the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder shutdownTimeout(Duration d) {
        return put(ConfigKeys.SHUTDOWN_TIMEOUT_SEC, secondsOf(d));
    }

    /**
     * Sets {@code committed_ttl_sec}.
     *
     * @param d the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder committedTtl(Duration d) {
        return put(ConfigKeys.COMMITTED_TTL_SEC, secondsOf(d));
    }

    /**
     * Sets {@code notify_timeout_sec}.
     *
     * @param d the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder notifyTimeout(Duration d) {
        return put(ConfigKeys.NOTIFY_TIMEOUT_SEC, secondsOf(d));
    }

    /**
     * Sets {@code request_timeout_sec}.
     *
     * @param d the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder requestTimeout(Duration d) {
        return put(ConfigKeys.REQUEST_TIMEOUT_SEC, secondsOf(d));
    }

    /**
     * Sets {@code chunk_bytes}; 0 = from the first request.
     *
     * @param bytes the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder chunkBytes(long bytes) {
        return put(ConfigKeys.CHUNK_BYTES, bytes);
    }

    /**
     * Sets {@code num_qps}.
     *
     * @param n the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder numQps(int n) {
        return put(ConfigKeys.NUM_QPS, n);
    }

    /**
     * Sets {@code bind_host}.
     *
     * @param host the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder bindHost(String host) {
        return put(ConfigKeys.BIND_HOST, host);
    }

    /**
     * Sets {@code max_inflight_batches}.
     *
     * @param n the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder maxInflightBatches(int n) {
        return put(ConfigKeys.MAX_INFLIGHT_BATCHES, n);
    }

    /**
     * Sets {@code rdma_device}; "" = automatic.
     *
     * @param device the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder rdmaDevice(String device) {
        return put(ConfigKeys.RDMA_DEVICE, device);
    }

    /**
     * Sets {@code rdma_port}.
     *
     * @param port the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder rdmaPort(int port) {
        return put(ConfigKeys.RDMA_PORT, port);
    }

    /**
     * Sets {@code gid_index}; -1 = automatic.
     *
     * @param index the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder gidIndex(int index) {
        return put(ConfigKeys.GID_INDEX, index);
    }

    /**
     * Sets {@code curve_server_key} (Z85) or "".
     *
     * @param key the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder curveServerKey(String key) {
        return put(ConfigKeys.CURVE_SERVER_KEY, key);
    }

    /**
     * Sets {@code curve_secret_key} (Z85) or "".
     *
     * @param key the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder curveSecretKey(String key) {
        return put(ConfigKeys.CURVE_SECRET_KEY, key);
    }

    /**
     * Sets {@code curve_public_key} (Z85) or "".
     *
     * @param key the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder curvePublicKey(String key) {
        return put(ConfigKeys.CURVE_PUBLIC_KEY, key);
    }

    /**
     * Sets {@code heartbeat_interval_sec}.
     *
     * @param d time between heartbeats (millisecond resolution); {@link Duration#ZERO} disables heartbeats
     * @return this builder
     */
    public PdL2AdapterConfigBuilder heartbeatInterval(Duration d) {
        return put(ConfigKeys.HEARTBEAT_INTERVAL_SEC, secondsOf(d));
    }

    /**
     * Sets {@code heartbeat_timeout_sec}.
     *
     * @param d silence after which a control connection is declared dead; must exceed the interval
     * @return this builder
     */
    public PdL2AdapterConfigBuilder heartbeatTimeout(Duration d) {
        return put(ConfigKeys.HEARTBEAT_TIMEOUT_SEC, secondsOf(d));
    }

    /**
     * Sets {@code result_ttl_sec}.
     *
     * @param d how long an uncollected lookup or load result is kept before its locks are released
     * @return this builder
     */
    public PdL2AdapterConfigBuilder resultTtl(Duration d) {
        return put(ConfigKeys.RESULT_TTL_SEC, secondsOf(d));
    }

    /**
     * Sets {@code max_peers}.
     *
     * @param n the value ({@link PdL2AdapterConfig#help()} says what it accepts)
     * @return this builder
     */
    public PdL2AdapterConfigBuilder maxPeers(int n) {
        return put(ConfigKeys.MAX_PEERS, n);
    }

    /**
     * Sets {@code peer_idle_timeout_sec}.
     *
     * @param d how long a per-request receiver's connections stay open with nothing in flight
     * @return this builder
     */
    public PdL2AdapterConfigBuilder peerIdleTimeout(Duration d) {
        return put(ConfigKeys.PEER_IDLE_TIMEOUT_SEC, secondsOf(d));
    }

    /**
     * Sets {@code peer_retry_backoff_sec}.
     *
     * @param d the first back-off after a per-request receiver failed
     * @return this builder
     */
    public PdL2AdapterConfigBuilder peerRetryBackoff(Duration d) {
        return put(ConfigKeys.PEER_RETRY_BACKOFF_SEC, secondsOf(d));
    }

    /**
     * Sets {@code peer_staging_share}.
     *
     * @param share the fraction of staging pages one receiver may hold, in (0, 1]
     * @return this builder
     */
    public PdL2AdapterConfigBuilder peerStagingShare(double share) {
        return put(ConfigKeys.PEER_STAGING_SHARE, share);
    }

    /**
     * Sets {@code sender_zero_copy}.
     *
     * @param zeroCopy false: copy every store outside a registered region into staging, even on tcp
     * @return this builder
     */
    public PdL2AdapterConfigBuilder senderZeroCopy(boolean zeroCopy) {
        return put(ConfigKeys.SENDER_ZERO_COPY, zeroCopy);
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
