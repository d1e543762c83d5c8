package io.kvcourier.pd;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The keys of a {@link PdL2AdapterConfig}: their names, the order {@link PdL2AdapterConfig#toMap()} and
 * {@link PdL2AdapterConfig#help()} list them in, the LMCache base keys that are accepted and ignored, and the
 * {@code --help-config} table that describes each one.
 */
final class ConfigKeys {

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
    static final String SENDER_ZERO_COPY = "sender_zero_copy";

    /** LMCache's {@code L2AdapterConfigBase} keys: accepted and ignored. */
    static final Set<String> IGNORED_KEYS = Set.of("type", "eviction", "persist_enabled", "serde");

    /** Every key a {@link PdL2AdapterConfig} reads, in {@link PdL2AdapterConfig#toMap()} and {@link #HELP} order. */
    static final List<String> KNOWN_KEYS = List.of(ROLE, PEER_HOST, PEER_INIT_PORT, PEER_ALLOC_PORT,
            PROXY_HOST, PROXY_PORT, BUFFER_SIZE, BUFFER_DEVICE, TRANSFER_CHANNEL, NIXL_BACKENDS,
            ALLOCATION_TIMEOUT_SEC, HANDSHAKE_TIMEOUT_SEC, TRANSFER_TIMEOUT_SEC, SHUTDOWN_TIMEOUT_SEC,
            COMMITTED_TTL_SEC, NOTIFY_TIMEOUT_SEC, REQUEST_TIMEOUT_SEC, CHUNK_BYTES, NUM_QPS, BIND_HOST,
            MAX_INFLIGHT_BATCHES, RDMA_DEVICE, RDMA_PORT, GID_INDEX, CURVE_SERVER_KEY, CURVE_SECRET_KEY,
            CURVE_PUBLIC_KEY, HEARTBEAT_INTERVAL_SEC, HEARTBEAT_TIMEOUT_SEC, RESULT_TTL_SEC, MAX_PEERS,
            PEER_IDLE_TIMEOUT_SEC, PEER_RETRY_BACKOFF_SEC, PEER_STAGING_SHARE, SENDER_ZERO_COPY);

    /** One line per key: name, type, default, meaning with units ({@link PdL2AdapterConfig#help()}). */
    static final String HELP = """
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
                - heartbeat_interval_sec (float): seconds between ZMTP heartbeats on the control sockets, \
                [0, 604800]; 0 disables heartbeats (default: 0.5)
                - heartbeat_timeout_sec (float): seconds of silence after which a control connection is declared \
                dead (its receiver's pending allocations and in-flight stores fail then), (0, 604800], more than \
                heartbeat_interval_sec while heartbeats are on (default: 2)
                - result_ttl_sec (float): seconds a completed lookup or load result waits to be collected before \
                it is dropped (a lookup's locks are released), (0, 604800] (default: 60)
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
                - sender_zero_copy (bool): a tcp or mock_memory sender writes a store whose chunks are all native \
                segments (on tcp of more than 16 KiB) straight from them, with no registration and no staging copy; \
                false copies every store outside a region registered with registerMemory into staging (default: true)
                LMCache base keys 'type', 'eviction', 'persist_enabled' and 'serde' are accepted and ignored; \
                any other key is an error.
                """;

    private ConfigKeys() {
    }

    /** {@return {@code c}'s values under their keys: {@link PdL2AdapterConfig#toMap()} documents the form} */
    static Map<String, Object> toMap(PdL2AdapterConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "pd");
        m.put(ROLE, c.role().wireName());
        m.put(PEER_HOST, c.peerHost());
        m.put(PEER_INIT_PORT, new ArrayList<>(c.peerInitPort()));
        m.put(PEER_ALLOC_PORT, new ArrayList<>(c.peerAllocPort()));
        m.put(PROXY_HOST, c.proxyHost());
        m.put(PROXY_PORT, c.proxyPort());
        m.put(BUFFER_SIZE, c.bufferSize());
        m.put(BUFFER_DEVICE, c.bufferDevice());
        m.put(TRANSFER_CHANNEL, c.transferChannel());
        m.put(NIXL_BACKENDS, new ArrayList<>(c.nixlBackends()));
        m.put(ALLOCATION_TIMEOUT_SEC, ConfigParser.seconds(c.allocationTimeout()));
        m.put(HANDSHAKE_TIMEOUT_SEC, ConfigParser.seconds(c.handshakeTimeout()));
        m.put(TRANSFER_TIMEOUT_SEC, ConfigParser.seconds(c.transferTimeout()));
        m.put(SHUTDOWN_TIMEOUT_SEC, ConfigParser.seconds(c.shutdownTimeout()));
        m.put(COMMITTED_TTL_SEC, ConfigParser.seconds(c.committedTtl()));
        m.put(NOTIFY_TIMEOUT_SEC, ConfigParser.seconds(c.notifyTimeout()));
        m.put(REQUEST_TIMEOUT_SEC, ConfigParser.seconds(c.requestTimeout()));
        m.put(CHUNK_BYTES, c.chunkBytes());
        m.put(NUM_QPS, c.numQps());
        m.put(BIND_HOST, c.bindHost());
        m.put(MAX_INFLIGHT_BATCHES, c.maxInflightBatches());
        m.put(RDMA_DEVICE, c.rdmaDevice());
        m.put(RDMA_PORT, c.rdmaPort());
        m.put(GID_INDEX, c.gidIndex());
        m.put(CURVE_SERVER_KEY, c.curveServerKey());
        m.put(CURVE_SECRET_KEY, c.curveSecretKey());
        m.put(CURVE_PUBLIC_KEY, c.curvePublicKey());
        m.put(HEARTBEAT_INTERVAL_SEC, ConfigParser.seconds(c.heartbeatInterval()));
        m.put(HEARTBEAT_TIMEOUT_SEC, ConfigParser.seconds(c.heartbeatTimeout()));
        m.put(RESULT_TTL_SEC, ConfigParser.seconds(c.resultTtl()));
        m.put(MAX_PEERS, c.maxPeers());
        m.put(PEER_IDLE_TIMEOUT_SEC, ConfigParser.seconds(c.peerIdleTimeout()));
        m.put(PEER_RETRY_BACKOFF_SEC, ConfigParser.seconds(c.peerRetryBackoff()));
        m.put(PEER_STAGING_SHARE, c.peerStagingShareExact());
        m.put(SENDER_ZERO_COPY, c.senderZeroCopy());
        return m;
    }
}
