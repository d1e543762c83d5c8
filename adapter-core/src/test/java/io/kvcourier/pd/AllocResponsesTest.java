package io.kvcourier.pd;

import io.kvcourier.wire.AllocResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.kvcourier.pd.AllocResponses.ALREADY_SENT;
import static io.kvcourier.pd.AllocResponses.FAILED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How a sender reads an AllocResponse (docs/INTEROP.md): the current form, the older form, and what it refuses. */
@Timeout(10)
class AllocResponsesTest {

    private static int[] read(int[] remote, int[] already, int n) {
        return AllocResponses.remotePagesFor(new AllocResponse(remote, already), n);
    }

    @Test
    void currentFormListsPagesOnlyForKeysNotAlreadySentInRequestOrder() {
        assertThat(read(new int[] {7, 9}, new int[] {1, 3}, 4)).containsExactly(7, ALREADY_SENT, 9, ALREADY_SENT);
        assertThat(read(new int[] {}, new int[] {0, 1, 2}, 3)).as("every key already there")
                .containsExactly(ALREADY_SENT, ALREADY_SENT, ALREADY_SENT);
        assertThat(read(new int[] {4}, new int[] {2, 0}, 3)).as("already_sent_indexes in any order")
                .containsExactly(ALREADY_SENT, 4, ALREADY_SENT);
    }

    @Test
    void olderFormHasOneEntryPerKey() {
        assertThat(read(new int[] {5, 6, 7}, new int[] {}, 3)).containsExactly(5, 6, 7);
        // kvcourier before issue 11: -1 at the positions it also listed as already sent
        assertThat(read(new int[] {-1, 6, -1}, new int[] {0, 2}, 3)).containsExactly(ALREADY_SENT, 6, ALREADY_SENT);
    }

    @Test
    void failuresAreReportedPerKeyInBothForms() {
        assertThat(read(new int[] {-1, -1, -1}, new int[] {}, 3)).containsExactly(FAILED, FAILED, FAILED);
        assertThat(read(new int[] {3, -1}, new int[] {1}, 3)).containsExactly(3, ALREADY_SENT, FAILED);
    }

    @Test
    void aLengthThatFitsNeitherFormIsRefusedNamingTheRule() {
        assertThatThrownBy(() -> read(new int[] {1, 2, 3}, new int[] {1, 3}, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("AllocResponse inconsistency: total_keys=4, already_sent=2, remote_indexes=3, expected=2");
        assertThatThrownBy(() -> read(new int[] {1}, new int[] {}, 3))
                .hasMessageContaining("AllocResponse inconsistency");
        assertThatThrownBy(() -> read(new int[] {-1}, new int[] {}, 0)).as("upstream's [-1] for an empty request")
                .hasMessageContaining("AllocResponse inconsistency");
    }

    @Test
    void alreadySentIndexesOutsideTheRequestOrRepeatedAreRefused() {
        assertThatThrownBy(() -> read(new int[] {}, new int[] {3}, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Invalid already_sent_indexes: entry 3 outside [0, 3)");
        assertThatThrownBy(() -> read(new int[] {1, 2}, new int[] {-1}, 3))
                .hasMessageContaining("Invalid already_sent_indexes: entry -1 outside [0, 3)");
        assertThatThrownBy(() -> read(new int[] {1}, new int[] {0, 0}, 3))
                .hasMessageContaining("Invalid already_sent_indexes: entry 0 repeated");
    }

    @Test
    void negativePagesOtherThanMinusOneAreRefused() {
        assertThatThrownBy(() -> read(new int[] {1, -2}, new int[] {}, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Invalid remote_indexes: entry -2 is negative and not -1");
        assertThatThrownBy(() -> read(new int[] {Integer.MIN_VALUE, 0, 0}, new int[] {0}, 3))
                .hasMessageContaining("Invalid remote_indexes");
    }

    @Test
    void theReceiversFailureReplyFitsBothForms() {
        AllocResponse failed = AllocResponses.failed(3);
        assertThat(failed.alreadySentIndexes()).isEmpty();
        assertThat(AllocResponses.remotePagesFor(failed, 3)).containsExactly(FAILED, FAILED, FAILED);
    }
}
