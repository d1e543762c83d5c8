package io.kvcourier.wire;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** The interop samples; must match {@code CASES} in {@code src/test/python/wire_interop.py} field for field. */
final class WireSamples {
    private WireSamples() {
    }

    record Sample(PdMessage message, Schema schema) {
    }

    static final long[] SHAPE = {2, 32, 256, 1024};

    static final Map<String, Sample> CASES = cases();

    private static Map<String, Sample> cases() {
        byte[] gid = new byte[16];
        for (int i = 0; i < 16; i++) {
            gid[i] = (byte) (0xF0 + i);
        }
        byte[] token = new byte[32];
        for (int i = 0; i < 32; i++) {
            token[i] = (byte) i;
        }
        List<String> bigKeys = IntStream.range(0, 20).mapToObj(i -> String.format("key-%03d-", i) + "x".repeat(i * 13))
                .toList();
        Map<String, Sample> c = new LinkedHashMap<>();
        c.put("proxy_short", async(new ProxyNotif("1")));
        c.put("proxy_unicode", async(new ProxyNotif("cmpl-\u00fcn\u00ef-\uD834\uDD1E")));
        c.put("proxy_empty", async(new ProxyNotif("")));
        c.put("alloc_req_defaults", async(new AllocRequest(List.of("k0", "k1"), 1, SHAPE, "bfloat16", 100)));
        c.put("alloc_req_full", async(new AllocRequest(List.of("k0"), 1, SHAPE, "bfloat16", 256, "r1", true, 3)));
        c.put("alloc_req_big", async(new AllocRequest(bigKeys, 6,
                new long[] {1L << 40, -5, 0, Long.MAX_VALUE, Long.MIN_VALUE}, "fp8_e4m3fn", 65536, "r".repeat(40),
                false, 70000)));
        c.put("alloc_resp", async(new AllocResponse(new int[] {5, -1})));
        c.put("alloc_resp_widths", async(new AllocResponse(
                new int[] {127, 128, 255, 256, 65535, 65536, -32, -33, -129, Integer.MAX_VALUE, Integer.MIN_VALUE})));
        c.put("alloc_resp_sync_meaning", async(new AllocResponse(new int[] {7}, new int[] {0})));
        c.put("alloc_resp_dedup", async(new AllocResponse(new int[] {9, 12}, new int[] {0, 2})));
        c.put("alloc_resp_all_sent", async(new AllocResponse(new int[0], new int[] {0, 1, 2})));
        c.put("alloc_resp_cancel_ack", async(new AllocResponse(new int[0])));
        c.put("cancel", async(new CancelNotif("r1", List.of("k0"))));
        c.put("cancel_empty", async(new CancelNotif("r2", List.of())));
        c.put("sync_alloc_req", new Sample(new AllocRequest(List.of("k0"), 1, SHAPE, "bfloat16", 256), Schema.SYNC));
        c.put("sync_alloc_resp", new Sample(new AllocResponse(new int[] {7}, new int[] {0}), Schema.SYNC));
        c.put("mock_init_req", async(new MockInitRequest(1, "sender-pid42-abcd")));
        c.put("mock_init_resp", async(new MockInitResponse(1, "chan-0", 32L << 20)));
        c.put("tcp_init_req", async(new TcpInitRequest(1, "s")));
        c.put("tcp_init_resp", async(new TcpInitResponse(1, "10.0.0.2", 40123, token, 5L << 30)));
        c.put("verbs_init_req", async(new VerbsInitRequest(1, "s", new int[] {0x11, 0xFFFF_FFFF},
                new int[] {0xFFFFFF, 0}, gid, 65535, 5)));
        c.put("verbs_init_resp", async(new VerbsInitResponse(1, new int[] {7}, new int[] {0x800000}, gid, 0, 3, -1L,
                0xDEAD_BEEF, 4096)));
        c.put("init_error", async(new InitError(1, "protocol version mismatch: \u00e9")));
        return c;
    }

    private static Sample async(PdMessage m) {
        return new Sample(m, Schema.ASYNC);
    }
}
