package io.kvcourier.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Hot-path encoding allocates nothing per message once the encoder is warm (ARCHITECTURE decision 21).
 * Measured with the thread's allocated-bytes counter over many iterations; the bound allows for a
 * few stray bytes of JIT/runtime noise, not for one object per message.
 */
class WireEncoderAllocationTest {
    private static final int ITERATIONS = 200_000;

    private static long allocatedBy(Runnable r) {
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
}
