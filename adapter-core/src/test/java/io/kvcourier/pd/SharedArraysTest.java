package io.kvcourier.pd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/** Shared read-only batch arrays have the asked contents, are reused while they fit, and are fresh when large. */
@Timeout(10)
class SharedArraysTest {
    @Test
    void contentsAndSharing() {
        SharedArrays s = new SharedArrays();
        assertThat(s.identity(4)).containsExactly(0, 1, 2, 3).isSameAs(s.identity(4));
        assertThat(s.zeros(3)).containsExactly(0, 0, 0).isSameAs(s.zeros(3));
        long[] a = s.filled(2, 262_144);
        assertThat(a).containsExactly(262_144, 262_144).isSameAs(s.filled(2, 262_144));
        long[] b = s.filled(2, 8_192);
        assertThat(b).containsExactly(8_192, 8_192);
        assertThat(a).as("an array handed out earlier never changes").containsExactly(262_144, 262_144);
        int big = SharedArrays.MAX_SHARED + 1;
        assertThat(s.identity(big)).hasSize(big).isNotSameAs(s.identity(big));
        assertThat(s.zeros(big)).isNotSameAs(s.zeros(big));
        assertThat(s.filled(big, 1)).isNotSameAs(s.filled(big, 1));
        assertThat(s.identity(big)[big - 1]).isEqualTo(big - 1);
    }
}
