package io.kvcourier.channel;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(10)
class ChannelSettingsTest {
    private static final Duration TEN = Duration.ofSeconds(10);
    private static final Duration FIVE = Duration.ofSeconds(5);

    @Test
    void keepsValuesAtTheEdgesOfTheirRanges() {
        ChannelSettings s = new ChannelSettings("0.0.0.0", "10.0.0.2", Duration.ofNanos(1), FIVE, 16, "", 255,
                65_535);
        assertThat(s.numQps()).isEqualTo(16);
        assertThat(s.rdmaPort()).isEqualTo(255);
        assertThat(s.gidIndex()).isEqualTo(65_535);
        assertThat(new ChannelSettings("::", "h", TEN, FIVE, 1, "rxe0", 1, -1).gidIndex()).isEqualTo(-1);
    }

    @Test
    void aValueOutOfRangeIsRefusedNamingItsComponent() {
        assertRefused(() -> new ChannelSettings("", "h", TEN, FIVE, 2, "", 1, -1), "bindHost must be a non-empty");
        assertRefused(() -> new ChannelSettings("h", "", TEN, FIVE, 2, "", 1, -1), "peerHost must be a non-empty");
        assertRefused(() -> new ChannelSettings("h", "h", Duration.ZERO, FIVE, 2, "", 1, -1),
                "handshakeTimeout must be positive, got PT0S");
        assertRefused(() -> new ChannelSettings("h", "h", TEN, Duration.ofSeconds(-1), 2, "", 1, -1),
                "shutdownTimeout must be positive, got PT-1S");
        assertRefused(() -> new ChannelSettings("h", "h", TEN, FIVE, 0, "", 1, -1), "numQps must be in 1..16, got 0");
        assertRefused(() -> new ChannelSettings("h", "h", TEN, FIVE, 17, "", 1, -1), "numQps must be in 1..16, got 17");
        assertRefused(() -> new ChannelSettings("h", "h", TEN, FIVE, 2, "", 0, -1), "rdmaPort must be in 1..255, got 0");
        assertRefused(() -> new ChannelSettings("h", "h", TEN, FIVE, 2, "", 256, -1),
                "rdmaPort must be in 1..255, got 256");
        assertRefused(() -> new ChannelSettings("h", "h", TEN, FIVE, 2, "", 1, -2),
                "gidIndex must be in -1..65535, got -2");
        assertRefused(() -> new ChannelSettings("h", "h", TEN, FIVE, 2, "", 1, 65_536),
                "gidIndex must be in -1..65535, got 65536");
    }

    @Test
    void aMissingValueIsRefusedNamingItsComponent() {
        assertThatThrownBy(() -> new ChannelSettings(null, "h", TEN, FIVE, 2, "", 1, -1))
                .isInstanceOf(NullPointerException.class).hasMessage("bindHost");
        assertThatThrownBy(() -> new ChannelSettings("h", null, TEN, FIVE, 2, "", 1, -1))
                .isInstanceOf(NullPointerException.class).hasMessage("peerHost");
        assertThatThrownBy(() -> new ChannelSettings("h", "h", null, FIVE, 2, "", 1, -1))
                .isInstanceOf(NullPointerException.class).hasMessage("handshakeTimeout");
        assertThatThrownBy(() -> new ChannelSettings("h", "h", TEN, null, 2, "", 1, -1))
                .isInstanceOf(NullPointerException.class).hasMessage("shutdownTimeout");
        assertThatThrownBy(() -> new ChannelSettings("h", "h", TEN, FIVE, 2, null, 1, -1))
                .isInstanceOf(NullPointerException.class).hasMessage("rdmaDevice");
    }

    private static void assertRefused(ThrowingCallable call, String message) {
        assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message);
    }
}
