package io.kvcourier.pd;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvcourier.l2.ObjectKey;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A request's repeated keys are exactly those a set of the keys seen so far would report, request after request. */
@Timeout(30)
class RepeatedKeysTest {

    private static ObjectKey key(int a, int b) {
        return ObjectKey.of(new byte[] {(byte) a, (byte) b}, "m", 0);
    }

    @Test
    void repeatsAreThoseASetReportsAcrossManyRequests() {
        RepeatedKeys repeated = new RepeatedKeys();
        Random random = new Random(21);
        for (int request = 0; request < 2_000; request++) {
            int n = 1 + random.nextInt(request % 10 == 0 ? 3_000 : 40); // tables grow, and are reused smaller
            List<ObjectKey> keys = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                keys.add(random.nextInt(4) == 0 && i > 0 ? keys.get(random.nextInt(i)) // a repeat
                        : key(random.nextInt(256), random.nextInt(256)));
            }
            Set<ObjectKey> seen = new HashSet<>();
            repeated.begin(keys);
            for (int i = 0; i < n; i++) {
                assertThat(repeated.repeats(i)).as("request %d, position %d", request, i)
                        .isEqualTo(!seen.add(keys.get(i)));
            }
            repeated.end();
        }
    }

    @Test
    void keysWithTheSameHashCodeAreToldApart() {
        ObjectKey a = key(1, 40);
        ObjectKey b = key(2, 9); // 31 * (31 + 1) + 40 == 31 * (31 + 2) + 9
        assertThat(a.hashCode()).isEqualTo(b.hashCode());
        assertThat(a).isNotEqualTo(b);
        RepeatedKeys repeated = new RepeatedKeys();
        List<ObjectKey> keys = List.of(a, b, b, a);
        repeated.begin(keys);
        assertThat(new boolean[] {repeated.repeats(0), repeated.repeats(1), repeated.repeats(2), repeated.repeats(3)})
                .containsExactly(false, false, true, true);
        repeated.end();
    }

    @Test
    void aNewRequestStartsEmpty() {
        RepeatedKeys repeated = new RepeatedKeys();
        List<ObjectKey> first = List.of(key(1, 1), key(1, 2));
        repeated.begin(first);
        assertThat(repeated.repeats(0)).isFalse();
        assertThat(repeated.repeats(1)).isFalse();
        repeated.end();
        List<ObjectKey> second = List.of(key(1, 2), key(1, 1));
        repeated.begin(second);
        assertThat(repeated.repeats(0)).as("seen only by the request before").isFalse();
        assertThat(repeated.repeats(1)).isFalse();
        repeated.end();
    }
}
