package io.kvcourier.channel.verbs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * How the verbs throughput test reads {@code ib_write_bw}'s result and its device arguments, and takes its medians
 * (no device needed).
 */
@Timeout(30)
class IbWriteBwTest {
    /** The end of a client's output as perftest 4.5 printed it in the rxe guest (tabs and all). */
    private static final String CLIENT = """
             GID: 00:00:00:00:00:00:00:00:00:00:255:255:127:00:00:01
            ---------------------------------------------------------------------------------------
             #bytes     #iterations    BW peak[MB/sec]    BW average[MB/sec]   MsgRate[Mpps]
             1048576    200              139.99             126.19 		   0.000126
            ---------------------------------------------------------------------------------------
            """;

    @Test
    void theAverageColumnOfTheLineForTheMessageSizeIsTheResult() throws IOException {
        assertThat(IbWriteBw.average(CLIENT, 1048576)).isEqualTo(126.19);
    }

    @Test
    void outputWithoutAResultLineForTheSizeIsAnErrorThatQuotesIt() {
        assertThatThrownBy(() -> IbWriteBw.average(CLIENT, 65536))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no result line for 65536 B")
                .hasMessageContaining("BW average");
    }

    @Test
    void theThroughputMedianLeavesOutRoundsWhereTheReferenceGaveNoResultAndAveragesTheMiddleTwo() {
        assertThat(VerbsRxeTest.median(new double[] {Double.NaN, 105.1, Double.NaN, Double.NaN})).isEqualTo(105.1);
        assertThat(VerbsRxeTest.median(new double[] {140.0, Double.NaN, 105.1, 131.2})).isEqualTo(131.2);
        assertThat(VerbsRxeTest.median(new double[] {88.9, 63.5, 100.6, 120.0})).isCloseTo(94.75, within(1e-9));
        assertThat(VerbsRxeTest.median(new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN})).isNaN();
    }

    @Test
    void deviceArgumentsAreCommaSeparatedAndAbsentWhenUnset() {
        String before = System.getProperty("kvcourier.rxe.ibWriteBw");
        try {
            System.clearProperty("kvcourier.rxe.ibWriteBw");
            assertThat(IbWriteBw.deviceArgs()).isEmpty();
            System.setProperty("kvcourier.rxe.ibWriteBw", "-d,rxe0,-x,1");
            assertThat(IbWriteBw.deviceArgs()).isEqualTo(List.of("-d", "rxe0", "-x", "1"));
        } finally {
            if (before == null) {
                System.clearProperty("kvcourier.rxe.ibWriteBw");
            } else {
                System.setProperty("kvcourier.rxe.ibWriteBw", before);
            }
        }
    }
}
