package io.kvcourier.pd;

import io.kvcourier.channel.ChannelKind;
import static io.kvcourier.pd.ConfigKeys.BUFFER_DEVICE;
import static io.kvcourier.pd.ConfigKeys.CHUNK_BYTES;
import static io.kvcourier.pd.ConfigKeys.HEARTBEAT_INTERVAL_SEC;
import static io.kvcourier.pd.ConfigKeys.HEARTBEAT_TIMEOUT_SEC;
import static io.kvcourier.pd.ConfigKeys.IGNORED_KEYS;
import static io.kvcourier.pd.ConfigKeys.KNOWN_KEYS;
import static io.kvcourier.pd.ConfigKeys.NIXL_BACKENDS;
import static io.kvcourier.pd.ConfigKeys.PEER_ALLOC_PORT;
import static io.kvcourier.pd.ConfigKeys.PEER_HOST;
import static io.kvcourier.pd.ConfigKeys.PROXY_HOST;
import static io.kvcourier.pd.ConfigKeys.ROLE;
import static io.kvcourier.pd.ConfigKeys.TRANSFER_CHANNEL;
import static io.kvcourier.pd.PdL2AdapterConfig.MAX_DURATION_SEC;
import static io.kvcourier.pd.PdL2AdapterConfig.MAX_PORTS;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the values of a {@link PdL2AdapterConfig} from a map with LMCache's key names, one key at a time, and
 * checks each one's type and range ({@link PdL2AdapterConfig} documents the rules). Every method throws
 * {@link ConfigException} naming the key at fault; the caller decides the order in which keys are read, and
 * so which error is reported first. The map is read, never retained beyond this parser.
 */
final class ConfigParser {

    private static final List<String> NIXL_BACKEND_NAMES = List.of("tcp", "rdma", "ucx", "UCX", "verbs");
    private static final String Z85_ALPHABET =
            "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
    private static final int Z85_KEY_LENGTH = 40;

    private final Map<String, ?> d;

    ConfigParser(Map<String, ?> d) {
        this.d = d;
    }

    // ---- upstream's checks: upstream's messages, and a caller that keeps upstream's order ----

    /** {@return {@code role}: required, {@code "sender"} or {@code "receiver"}} */
    Role role() {
        Object roleValue = d.get(ROLE);
        if ("sender".equals(roleValue)) {
            return Role.SENDER;
        } else if ("receiver".equals(roleValue)) {
            return Role.RECEIVER;
        }
        throw new ConfigException(ROLE, "role must be 'sender' or 'receiver', got " + PyRepr.of(roleValue));
    }

    /** {@return {@code peer_host}: a required non-empty string} */
    String peerHost() {
        if (!(d.get(PEER_HOST) instanceof String host) || host.isEmpty()) {
            throw new ConfigException(PEER_HOST, "peer_host must be a non-empty string");
        }
        return host;
    }

    /** {@return {@code buffer_device}: {@code "cpu"} (the default) or {@code "cuda"}} */
    String bufferDevice() {
        Object device = d.containsKey(BUFFER_DEVICE) ? d.get(BUFFER_DEVICE) : "cpu";
        if (!"cpu".equals(device) && !"cuda".equals(device)) {
            throw new ConfigException(BUFFER_DEVICE,
                    "buffer_device must be 'cpu' or 'cuda', got " + PyRepr.of(device));
        }
        return (String) device;
    }

    /**
     * {@return {@code transfer_channel}: {@code "nixl"} (the default), {@code "mock_memory"}, {@code "tcp"} or
     * {@code "verbs"}}
     */
    String transferChannel() {
        Object channel = d.containsKey(TRANSFER_CHANNEL) ? d.get(TRANSFER_CHANNEL) : "nixl";
        if (!"nixl".equals(channel) && !"mock_memory".equals(channel) && !"tcp".equals(channel)
                && !"verbs".equals(channel)) {
            throw new ConfigException(TRANSFER_CHANNEL,
                    "transfer_channel must be 'nixl', 'mock_memory', 'tcp' or 'verbs', got " + PyRepr.of(channel));
        }
        return (String) channel;
    }

    /** {@return {@code proxy_host}: a non-empty string, {@code "127.0.0.1"} by default} */
    String proxyHost() {
        Object proxy = d.containsKey(PROXY_HOST) ? d.get(PROXY_HOST) : "127.0.0.1";
        if (!(proxy instanceof String proxyText) || proxyText.isEmpty()) {
            throw new ConfigException(PROXY_HOST, "proxy_host must be a non-empty string");
        }
        return proxyText;
    }

    /**
     * Reads a required port list ({@code peer_init_port} or {@code peer_alloc_port}): a list, or one port.
     *
     * @param field the key
     * @param role  the ports' range: 1..65535 for a sender, 0..65535 (0 = ephemeral) for a receiver
     * @return the ports (unmodifiable), at most {@link PdL2AdapterConfig#MAX_PORTS}
     */
    List<Integer> portList(String field, Role role) {
        Object value = d.get(field);
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

    // ---- checks across keys ----

    /** Checks that {@code peer_alloc_port} has as many entries as {@code peer_init_port}. */
    static void requireOnePortEach(List<Integer> initPorts, List<Integer> allocPorts) {
        if (initPorts.size() != allocPorts.size()) {
            throw new ConfigException(PEER_ALLOC_PORT, "peer_alloc_port must have one port per peer_init_port entry ("
                    + initPorts.size() + "), got " + allocPorts.size());
        }
    }

    /** Checks that a page of {@code chunk_bytes} fits a staging buffer of {@code buffer_size}. */
    static void requireChunkFits(long chunkBytes, long bufferSize) {
        if (chunkBytes > bufferSize) {
            throw new ConfigException(CHUNK_BYTES, "chunk_bytes must be in 0..buffer_size (" + bufferSize
                    + "): a page must fit the staging buffer, got " + chunkBytes);
        }
    }

    /** Checks that, while heartbeats are on, {@code heartbeat_timeout_sec} exceeds the interval. */
    static void requireTimeoutExceedsInterval(Duration heartbeatTimeout, Duration heartbeatInterval) {
        if (!heartbeatInterval.isZero() && heartbeatTimeout.compareTo(heartbeatInterval) <= 0) {
            throw new ConfigException(HEARTBEAT_TIMEOUT_SEC,
                    "heartbeat_timeout_sec must exceed heartbeat_interval_sec (" + seconds(heartbeatInterval)
                            + ") while heartbeats are on, got " + seconds(heartbeatTimeout));
        }
    }

    // ---- one key at a time: type and range ----

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

    /** Rejects every key that is neither read nor one of LMCache's ignored base keys, naming them all. */
    void rejectUnknownKeys() {
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

    /**
     * {@return an integer key in {@code min..max} as Python's {@code int()} reads it, {@code dflt} when absent}
     * A number with a fraction is truncated toward zero when {@code truncateFloats}, else an error.
     */
    long integer(String field, long dflt, long min, long max, boolean truncateFloats) {
        if (!d.containsKey(field)) {
            return dflt;
        }
        BigInteger v = PyInt.coerce(field, field, d.get(field), truncateFloats);
        if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new ConfigException(field, field + " must be in " + min + ".." + max + ", got " + v);
        }
        return v.longValue();
    }

    /**
     * {@return a positive duration of at most {@value PdL2AdapterConfig#MAX_DURATION_SEC} s, to the nanosecond;
     * {@code dfltSeconds} when absent}
     */
    Duration duration(String field, long dfltSeconds) {
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
        long nanos = seconds.movePointRight(9).setScale(0, RoundingMode.HALF_UP).longValueExact();
        if (nanos == 0) {
            throw new ConfigException(field, field + " must be at least 1 nanosecond, got "
                    + seconds.toPlainString());
        }
        return Duration.ofNanos(nanos);
    }

    /** {@return a duration as {@code toMap()} gives it: {@link Long} seconds when whole, else {@link BigDecimal}} */
    static Object seconds(Duration value) {
        if (value.getNano() == 0) {
            return value.getSeconds();
        }
        return BigDecimal.valueOf(value.toNanos(), 9).stripTrailingZeros();
    }

    /** {@return a string key, {@code dflt} when absent; empty only when {@code mayBeEmpty}} */
    String string(String field, String dflt, boolean mayBeEmpty) {
        if (!d.containsKey(field)) {
            return dflt;
        }
        if (!(d.get(field) instanceof String s) || (!mayBeEmpty && s.isEmpty())) {
            throw new ConfigException(field, field + " must be a " + (mayBeEmpty ? "" : "non-empty ") + "string, got "
                    + PyRepr.of(d.get(field)));
        }
        return s;
    }

    /** {@return {@code nixl_backends} as given; {@code ["tcp"]} when absent or empty, as upstream} */
    List<String> nixlBackends() {
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

    /** {@return the channels to try ({@link PdL2AdapterConfig#channelPreferences()})} */
    static List<ChannelKind> preferences(String channel, List<String> backends) {
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

    /** {@return a CURVE key: {@code ""}, or 40 characters of the Z85 alphabet} */
    String z85Key(String field) {
        String key = string(field, "", true);
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

    /** A number in (0, 1], as Python's {@code float()} reads it. */
    BigDecimal fraction(String field, BigDecimal dflt) {
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

    /** {@return a boolean key: {@code true}/{@code false}, or those words as strings in any case; dflt when absent} */
    boolean bool(String field, boolean dflt) {
        if (!d.containsKey(field)) {
            return dflt;
        }
        Object value = d.get(field);
        if (value instanceof Boolean b) {
            return b;
        }
        if (value instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
            return Boolean.parseBoolean(s);
        }
        throw new ConfigException(field, field + " must be true or false, got " + PyRepr.of(value));
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
    Duration durationMillis(String field, long dfltMillis) {
        return d.containsKey(field) ? duration(field, 1) : Duration.ofMillis(dfltMillis);
    }

    /** {@return {@code heartbeat_interval_sec}: zero (0, 0.0, "0") turns heartbeats off, else a positive duration} */
    Duration heartbeatInterval() {
        return d.containsKey(HEARTBEAT_INTERVAL_SEC) && isZero(d.get(HEARTBEAT_INTERVAL_SEC))
                ? Duration.ZERO : durationMillis(HEARTBEAT_INTERVAL_SEC, 500);
    }
}
