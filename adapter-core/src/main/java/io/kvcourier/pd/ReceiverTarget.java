package io.kvcourier.pd;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The decode node one store goes to, named per request (xPyD: the proxy picks a decode instance per request and
 * passes it in the request's {@code disagg_spec = {req_id, receiver_host, receiver_init_port[],
 * receiver_alloc_port[]}}). Given to {@link PdL2Adapter#submitStoreTask(List, List, io.kvcourier.l2.TransferSpec,
 * ReceiverTarget)} or {@link AsyncPdAdapter#store(List, List, io.kvcourier.l2.TransferSpec, ReceiverTarget)}; a store
 * without one goes to the configuration's {@code peer_host}/{@code peer_*_port}.
 *
 * <p>As for the configured peer, a key's TP rank ({@code (kv_rank >> 16) & 0xFF}) selects entry {@code rank} of
 * both port lists, and the proxy is sent one {@code ProxyNotif} per entry. The sender connects to a target the
 * first time a store names it and reuses the connection for later stores naming the same {@link #peerName()
 * host and init ports} (upstream's {@code receiver_host + str(init_port)}); the alloc ports and CURVE key of the
 * store that opened that connection apply until it is closed (idle for {@code peer_idle_timeout_sec}).
 *
 * @param host           the receiver's hostname or IP address (non-empty, no whitespace)
 * @param initPorts      the receiver's channel handshake ports, one per decode TP rank, each 1..65535, at most
 *                       {@link PdL2AdapterConfig#MAX_PORTS}
 * @param allocPorts     the receiver's allocation ports, as many as {@code initPorts}, each 1..65535
 * @param curveServerKey the receiver's CURVE public key (32 raw bytes) to authenticate its control plane against,
 *                       or {@code null} for the configuration's {@code curve_server_key} setting (none when that is
 *                       empty). The sender's own key pair is the configuration's ({@code curve_public_key},
 *                       {@code curve_secret_key}), or a fresh one. Copied; never logged.
 */
public record ReceiverTarget(String host, List<Integer> initPorts, List<Integer> allocPorts, byte[] curveServerKey) {

    /** Length of a raw CURVE public key, in bytes. */
    public static final int CURVE_KEY_BYTES = 32;

    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException naming the field at fault ({@code host}, {@code initPorts[i]},
     *                                  {@code allocPorts}, {@code curveServerKey})
     * @throws NullPointerException     when {@code host} or a port list is null
     */
    public ReceiverTarget {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(initPorts, "initPorts");
        Objects.requireNonNull(allocPorts, "allocPorts");
        if (host.isBlank() || host.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("host must be a non-empty hostname or IP address without whitespace, "
                    + "got '" + host + "'");
        }
        initPorts = ports("initPorts", initPorts);
        allocPorts = ports("allocPorts", allocPorts);
        if (initPorts.size() != allocPorts.size()) {
            throw new IllegalArgumentException("allocPorts must have one port per initPorts entry (" + initPorts.size()
                    + "), got " + allocPorts.size());
        }
        if (curveServerKey != null) {
            if (curveServerKey.length != CURVE_KEY_BYTES) {
                throw new IllegalArgumentException("curveServerKey must be a raw " + CURVE_KEY_BYTES
                        + "-byte CURVE public key or null, got " + curveServerKey.length + " bytes");
            }
            curveServerKey = curveServerKey.clone();
        }
    }

    /**
     * A target without a CURVE key of its own (the configuration's security setting applies).
     *
     * @param host       the receiver's host
     * @param initPorts  handshake ports, one per decode TP rank
     * @param allocPorts allocation ports, one per decode TP rank
     * @return the target
     * @throws IllegalArgumentException as the canonical constructor
     */
    public static ReceiverTarget of(String host, List<Integer> initPorts, List<Integer> allocPorts) {
        return new ReceiverTarget(host, initPorts, allocPorts, null);
    }

    /**
     * The target of an upstream {@code disagg_spec} map: {@code receiver_host} (str), {@code receiver_init_port}
     * and {@code receiver_alloc_port} (lists of ints, or one int for a single rank); other keys ({@code req_id},
     * ...) are ignored.
     *
     * @param disaggSpec the map as a JSON/msgpack decoder gives it
     * @return the target
     * @throws IllegalArgumentException naming the missing or malformed key
     */
    public static ReceiverTarget fromDisaggSpec(Map<String, ?> disaggSpec) {
        Objects.requireNonNull(disaggSpec, "disaggSpec");
        if (!(disaggSpec.get("receiver_host") instanceof String host)) {
            throw new IllegalArgumentException("disagg_spec.receiver_host must be a string, got "
                    + disaggSpec.get("receiver_host"));
        }
        return of(host, specPorts(disaggSpec, "receiver_init_port"), specPorts(disaggSpec, "receiver_alloc_port"));
    }

    private static List<Integer> specPorts(Map<String, ?> spec, String key) {
        Object v = spec.get(key);
        List<?> items = v instanceof List<?> l ? l : v == null ? null : List.of(v);
        if (items == null) {
            throw new IllegalArgumentException("disagg_spec." + key + " is missing");
        }
        List<Integer> out = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            Object p = items.get(i);
            if (!(p instanceof Integer || p instanceof Long || p instanceof Short)) {
                throw new IllegalArgumentException("disagg_spec." + key + "[" + i + "] must be an integer, got " + p);
            }
            long port = ((Number) p).longValue();
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("disagg_spec." + key + "[" + i + "] must be in 1..65535, got "
                        + port);
            }
            out.add((int) port);
        }
        return out;
    }

    private static List<Integer> ports(String field, List<Integer> ports) {
        if (ports.isEmpty() || ports.size() > PdL2AdapterConfig.MAX_PORTS) {
            throw new IllegalArgumentException(field + " must have 1.." + PdL2AdapterConfig.MAX_PORTS
                    + " ports (one per decode TP rank), got " + ports.size());
        }
        for (int i = 0; i < ports.size(); i++) {
            Integer p = ports.get(i);
            if (p == null || p < 1 || p > 65_535) {
                throw new IllegalArgumentException(field + "[" + i + "] must be a port in 1..65535, got " + p);
            }
        }
        return List.copyOf(ports);
    }

    /** {@return the receiver's CURVE public key (a copy), or {@code null}} */
    @Override
    public byte[] curveServerKey() {
        return curveServerKey == null ? null : curveServerKey.clone();
    }

    /** {@return the number of decode TP ranks (port pairs): one proxy notification each} */
    public int ranks() {
        return initPorts.size();
    }

    /**
     * {@return the name the sender's peer for this target has: the host followed by its init ports, as upstream's
     * {@code receiver_host + str(init_port)}, e.g. {@code 10.0.0.3:[7100, 7101]}} Stores to targets with the same name
     * share one connection.
     */
    public String peerName() {
        return host + ":" + initPorts;
    }

    /** Compares the host, the port lists and the key bytes. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ReceiverTarget t && host.equals(t.host) && initPorts.equals(t.initPorts)
                && allocPorts.equals(t.allocPorts) && Arrays.equals(curveServerKey, t.curveServerKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(host, initPorts, allocPorts, Arrays.hashCode(curveServerKey));
    }

    /** The host and ports; the key only as whether one is set. */
    @Override
    public String toString() {
        return "ReceiverTarget[host=" + host + ", initPorts=" + initPorts + ", allocPorts=" + allocPorts
                + (curveServerKey == null ? "" : ", curveServerKey=<set>") + "]";
    }
}
