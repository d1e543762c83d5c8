package org.example.kvconsumer;

import io.kvcourier.l2.DType;
import io.kvcourier.l2.MemoryFormat;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What both processes agree on without talking: the requests, their chunk keys (a runtime would hash the tokens;
 * here the request and chunk index), the KV chunk shape, and each chunk's bytes (a pattern decode checks).
 */
final class Workload {
    static final String MODEL = "example-model";
    /** One chunk: K and V for 4 layers of 16 tokens of 256 bf16 values (64 KiB). */
    static final long[] SHAPE = {2, 4, 16, 256};
    static final long CHUNK_BYTES = 2L * 4 * 16 * 256 * 2;

    final String api;
    final int requests;
    final int chunks;
    final Map<String, String> args;

    private Workload(Map<String, String> args) {
        this.args = args;
        this.api = args.getOrDefault("api", "eventfd");
        if (!api.equals("eventfd") && !api.equals("async")) {
            throw new IllegalArgumentException("--api must be eventfd or async, got " + api);
        }
        this.requests = Integer.parseInt(args.getOrDefault("requests", "2"));
        this.chunks = Integer.parseInt(args.getOrDefault("chunks", "8"));
    }

    /** {@code --name value} pairs. */
    static Workload parse(String[] argv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            if (!argv[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value, got " + argv[i]);
            }
            m.put(argv[i].substring(2), argv[i + 1]);
        }
        return new Workload(m);
    }

    String arg(String name) {
        String v = args.get(name);
        if (v == null) {
            throw new IllegalArgumentException("missing --" + name);
        }
        return v;
    }

    static String requestId(int r) {
        return "example-req-" + r;
    }

    /** The chunk keys of request {@code r}, in order. */
    List<ObjectKey> keys(int r) {
        List<ObjectKey> keys = new ArrayList<>(chunks);
        for (int i = 0; i < chunks; i++) {
            keys.add(ObjectKey.of((requestId(r) + "/chunk-" + i).getBytes(StandardCharsets.UTF_8), MODEL, 0));
        }
        return keys;
    }

    /** A chunk view of {@code segment} (caller-owned native memory of {@link #CHUNK_BYTES}). */
    static MemoryObj chunk(MemorySegment segment) {
        return new MemoryObj(segment, SHAPE.clone(), DType.BFLOAT16, MemoryFormat.KV_2LTD);
    }

    private static byte expected(int r, int i, long j) {
        return (byte) (r * 131 + i * 31 + j * 7 + (j >>> 8));
    }

    /** Writes chunk {@code i} of request {@code r} into {@code dst}. */
    static void fill(MemorySegment dst, int r, int i) {
        for (long j = 0; j < CHUNK_BYTES; j++) {
            dst.set(ValueLayout.JAVA_BYTE, j, expected(r, i, j));
        }
    }

    /** Whether {@code src} holds chunk {@code i} of request {@code r}. */
    static boolean holds(MemorySegment src, int r, int i) {
        for (long j = 0; j < CHUNK_BYTES; j++) {
            if (src.get(ValueLayout.JAVA_BYTE, j) != expected(r, i, j)) {
                return false;
            }
        }
        return true;
    }

    /** LMCache's JSON for one side, loopback tcp. */
    static String config(String role, String ports) {
        return """
                {"type": "pd", "role": "%s", "peer_host": "127.0.0.1", %s,
                 "bind_host": "127.0.0.1", "transfer_channel": "tcp", "buffer_size": %d,
                 "chunk_bytes": %d, "proxy_port": 0}""".formatted(role, ports, 64 * CHUNK_BYTES, CHUNK_BYTES);
    }
}
