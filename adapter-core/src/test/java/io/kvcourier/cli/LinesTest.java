package io.kvcourier.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class LinesTest {

    @Test
    void roundTripsValuesWithSpacesAndQuotes() {
        String line = Lines.format("VERIFIED", "req", "r-1", "ok", false, "problem", "checksum \"x\" a=b \\ end");
        assertEquals("VERIFIED req=r-1 ok=false problem=\"checksum \\\"x\\\" a=b \\\\ end\"", line);
        Lines.Event e = Lines.parse(line);
        assertEquals("VERIFIED", e.word());
        assertEquals("r-1", e.get("req"));
        assertEquals("false", e.get("ok"));
        assertEquals("checksum \"x\" a=b \\ end", e.get("problem"));
    }

    @Test
    void otherLinesAreNotEvents() {
        assertNull(Lines.parse("Nov 21, 2026 10:13:17 AM io.kvcourier.pd.PdL2Adapter <init>"));
        assertNull(Lines.parse("INFO: Initializing"));
        assertEquals("DONE", Lines.parse("DONE").word());
    }

    @Test
    void percentilesAreNearestRank() {
        long[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(5, DemoStats.percentile(v, 50));
        assertEquals(10, DemoStats.percentile(v, 99));
        assertEquals(1, DemoStats.percentile(v, 0));
        assertEquals(-1, DemoStats.percentile(new long[0], 50));
    }
}
