package io.kvcourier.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.List;

import io.kvcourier.l2.ObjectKey;

import org.junit.jupiter.api.Test;

/**
 * Hot-path encoding allocates nothing per message once the encoder is warm (docs/ARCHITECTURE.md#decision-21).
 * Measured with the thread's allocated-bytes counter over many iterations; the bound allows for a
 * few stray bytes of JIT/runtime noise, not for one object per message.
 */
class WireEncoderAllocationTest {
    private static final int ITERATIONS = 200_000;

    /** Bytes the current thread allocates while running {@code r}. */
    static long allocatedBy(Runnable r) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        r.run();
        return mx.getCurrentThreadAllocatedBytes() - before;
    }

    @Test
    void proxyNotifAndAllocRequestEncodeWithoutAllocating() {
        WireEncoder encoder = new WireEncoder();
        ProxyNotif notif = new ProxyNotif("cmpl-0123456789abcdef-ünï");
        AllocRequest request = new AllocRequest(List.of("llama@00010001@0@deadbeefcafe", "llama@00010001@0@feedface"),
                1, new long[] {2, 32, 256, 1024}, "bfloat16", 100, "cmpl-0123456789abcdef", true, 12);
        long[] sink = new long[1];
        Runnable loop = () -> {
            for (int i = 0; i < ITERATIONS; i++) {
                sink[0] += encoder.encode(notif).remaining();
                sink[0] += encoder.encode(request).remaining();
            }
        };
        for (int warm = 0; warm < 5; warm++) {
            loop.run();
        }
        long bytes = allocatedBy(loop);
        System.out.printf("WireEncoder: %d bytes allocated over %d ProxyNotif + %d AllocRequest encodes%n", bytes,
                ITERATIONS, ITERATIONS);
        assertThat(sink[0]).isPositive();
        assertThat(bytes).as("bytes allocated for %d encodes", 2 * ITERATIONS).isLessThan(ITERATIONS / 10);
    }

    @Test
    void longStringsTakeTheBulkPathWithoutAllocating() {
        WireEncoder encoder = new WireEncoder();
        ProxyNotif ascii = new ProxyNotif("cmpl-" + "0123456789abcdef".repeat(6));
        ProxyNotif mixed = new ProxyNotif("cmpl-" + "0123456789abcdef".repeat(4) + "-\u00fcn\u00ef-\uD834\uDD1E");
        AllocRequest request = new AllocRequest(List.of("meta-llama/Llama-3.1-8B@00010001@0@" + "ab".repeat(32),
                "mod\u00e8le@00010001@0@" + "cd".repeat(32) + "@salt"), 1, new long[] {2, 32, 256, 1024}, "bfloat16", 100,
                "cmpl-0123456789abcdef", true, 12);
        List<String> keys = new java.util.ArrayList<>();
        for (int i = 0; i < 64; i++) { // ASCII keys: one bulk run for the whole list
            keys.add("meta-llama/Llama-3.1-8B@00010001@0@" + String.format("%064x", i));
        }
        AllocRequest many = new AllocRequest(keys, 1, new long[] {2, 32, 256, 1024}, "bfloat16", 100, "r", true, 64);
        long[] sink = new long[1];
        Runnable loop = () -> {
            for (int i = 0; i < ITERATIONS / 2; i++) {
                sink[0] += encoder.encode(ascii).remaining();
                sink[0] += encoder.encode(mixed).remaining();
                sink[0] += encoder.encode(request).remaining();
                sink[0] += encoder.encode(many).remaining();
            }
        };
        for (int warm = 0; warm < 5; warm++) {
            loop.run();
        }
        long bytes = allocatedBy(loop);
        System.out.printf("WireEncoder: %d bytes allocated over %d long-string encodes%n", bytes, 2 * ITERATIONS);
        assertThat(sink[0]).isPositive();
        assertThat(bytes).as("bytes allocated for %d encodes", 2 * ITERATIONS).isLessThan(ITERATIONS / 10);
    }

    @Test
    void allocRequestFromObjectKeysEncodesWithoutAllocating() {
        WireEncoder encoder = new WireEncoder();
        ObjectKey[] keys = new ObjectKey[64];
        for (int i = 0; i < keys.length; i++) {
            byte[] hash = new byte[32];
            hash[0] = (byte) i;
            keys[i] = new ObjectKey(hash, i % 2 == 0 ? "meta-llama/Llama-3.1-8B" : "mod\u00e8le", 0x01000000, 0,
                    i % 3 == 0 ? "salt" : "");
        }
        long[] shape = {2, 32, 256, 1024};
        long[] sink = new long[1];
        Runnable loop = () -> {
            for (int i = 0; i < ITERATIONS / 10; i++) {
                sink[0] += encoder.encodeAllocRequest(keys, i % 8, 8 + i % 49, 1, shape, "bfloat16", 256,
                        "cmpl-0123456789abcdef", i % 2 == 0, 64).remaining();
            }
        };
        for (int warm = 0; warm < 5; warm++) {
            loop.run();
        }
        long bytes = allocatedBy(loop);
        System.out.printf("WireEncoder: %d bytes allocated over %d AllocRequest encodes from ObjectKeys%n", bytes,
                ITERATIONS / 10);
        assertThat(sink[0]).isPositive();
        assertThat(bytes).as("bytes allocated for %d encodes", ITERATIONS / 10).isLessThan(ITERATIONS / 100);
    }
}
