package io.kvcourier.bench;

import io.kvcourier.bench.Metric.Anchor;
import io.kvcourier.bench.Metric.Better;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The table and JSON code on synthetic results (no benchmark runs, no timing). */
class ReportTest {

    private static Report sample() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("jdk", "OpenJDK 25");
        env.put("kernel", "Linux 6.1 \"test\"");
        env.put("cpu", "Test CPU");
        env.put("cores", "2");
        Report r = new Report(env);
        r.add(new Metric("copy", "2 MiB", "MemorySegment.copy", "GB/s", Better.HIGHER, 5.0, "libc memcpy", 10.0));
        r.add(new Metric("copy", "2 MiB", "MemorySegment.copy alloc", "B/op", Better.LOWER, 0.0, "memcpy alloc", 0.0));
        r.add(new Metric("signal", "RTT p50", "EventFd", "us", Better.LOWER, 4.0, "raw", 2.0));
        r.add(new Metric("channel", "tcp 64 KiB x 1", "tcp channel", "GB/s", Better.HIGHER, Double.NaN, "raw pump", 3.0));
        r.skip(new Skip("verbs", "verbs channel vs ib_write_bw", "no RDMA device: ENOSYS"));
        r.note("signal", "round trip");
        return r;
    }

    @Test
    void ratioIsTheFractionOfTheCeilingWhicheverWayTheUnitPoints() {
        assertThat(new Metric("s", "c", "n", "GB/s", Better.HIGHER, 5, "x", 10).ratio()).isEqualTo(0.5);
        assertThat(new Metric("s", "c", "n", "us", Better.LOWER, 4, "x", 2).ratio()).isEqualTo(0.5);
        assertThat(new Metric("s", "c", "n", "B/op", Better.LOWER, 0, "x", 0).ratio()).isEqualTo(1.0);
        assertThat(new Metric("s", "c", "n", "B/op", Better.LOWER, 0, "x", 16).ratio()).isNull();
        assertThat(new Metric("s", "c", "n", "GB/s", Better.HIGHER, Double.NaN, "x", 3).ratio()).isNull();
        assertThat(new Metric("s", "c", "n", "GB/s", Better.HIGHER, 3, "x", Double.NaN).ratio()).isNull();
    }

    @Test
    void tablePutsTheCeilingRowFirstAndShowsTheRatio() {
        String table = sample().table("copy");
        String[] lines = table.split("\n");
        assertThat(lines[0]).isEqualTo("== copy ==");
        assertThat(lines[1]).contains("case", "implementation", "value", "unit", "ratio");
        assertThat(lines[2]).contains("2 MiB", "ceiling: libc memcpy", "10.0", "GB/s", "1.00");
        assertThat(lines[3]).contains("MemorySegment.copy", "5.00", "0.50");
        assertThat(lines[4]).contains("ceiling: memcpy alloc");
        assertThat(lines[5]).contains("MemorySegment.copy alloc", "1.00");
    }

    @Test
    void missingValuesAndSkipsAreShownNotDropped() {
        Report r = sample();
        assertThat(r.table("channel")).contains("tcp channel", " - ");
        assertThat(r.table("verbs")).contains("verbs channel vs ib_write_bw: skipped (no RDMA device: ENOSYS)");
        assertThat(r.toTables()).contains("jdk:", "OpenJDK 25", "kernel:", "cpu:", "cores:", "== signal ==",
                "note: round trip");
        assertThat(r.suites()).containsExactly("copy", "signal", "channel", "verbs");
    }

    @Test
    void jsonHasEveryMetricWithItsCeilingAndRatio() throws IOException {
        StringWriter w = new StringWriter();
        sample().writeJson(w);
        String json = w.toString();
        assertThat(json).contains("\"kernel\": \"Linux 6.1 \\\"test\\\"\"");
        assertThat(json).contains("\"name\": \"copy/2 MiB/MemorySegment.copy\"", "\"unit\": \"GB/s\"", "\"value\": 5",
                "\"ceiling_name\": \"libc memcpy\"", "\"ceiling_value\": 10", "\"ratio\": 0.5");
        assertThat(json).contains("\"value\": null", "\"ratio\": null");
        assertThat(json).contains("\"reason\": \"no RDMA device: ENOSYS\"");
        assertThat(json).contains("\"anchor\": \"ceiling\"");
        assertThat(count(json, "\"ceiling_name\"")).isEqualTo(4);
        assertThat(count(json, "{")).isEqualTo(count(json, "}"));
        assertThat(count(json, "[")).isEqualTo(count(json, "]"));
        assertThat(json.strip()).startsWith("{").endsWith("}");
    }

    @Test
    void eachAnchorRowIsLabelledWithItsKind() {
        Report r = sample();
        r.add(new Metric("e2e", "@ 50/s p50", "kvcourier tcp", "us", Better.LOWER, 2000, "Python path", 3000,
                Anchor.PEER));
        r.add(new Metric("e2e", "@ 50/s p50", "kvcourier tcp", "us", Better.LOWER, 2000, "raw pump + RTT", 500,
                Anchor.FLOOR));
        r.add(new Metric("e2e", "alloc", "store path", "B/task", Better.LOWER, 4096, "2 KB per task", 2048,
                Anchor.BUDGET));
        String e2e = r.table("e2e");
        assertThat(e2e).contains("peer: Python path", "floor: raw pump + RTT", "budget: 2 KB per task")
                .doesNotContain("ceiling:");
        assertThat(e2e.split("\n")).filteredOn(l -> l.contains("kvcourier tcp")).hasSize(2);
        assertThat(e2e).contains("1.50", "0.25", "0.50");
        assertThat(r.table("copy")).contains("ceiling: libc memcpy");
    }

    @Test
    void consecutiveMetricsWithTheSameAnchorShareOneAnchorRow() {
        Report r = new Report(Map.of());
        r.add(new Metric("e2e", "p50", "kvcourier mock_memory", "us", Better.LOWER, 1000, "Python", 3000, Anchor.PEER));
        r.add(new Metric("e2e", "p50", "kvcourier tcp (2 JVMs)", "us", Better.LOWER, 1500, "Python", 3000, Anchor.PEER));
        r.add(new Metric("e2e", "p50", "kvcourier tcp (2 JVMs)", "us", Better.LOWER, 1500, "Python", 3000,
                Anchor.FLOOR));
        String[] lines = r.table("e2e").split("\n");
        assertThat(lines).hasSize(7);
        assertThat(lines[2]).contains("peer: Python", "3,000", "1.00");
        assertThat(lines[3]).contains("kvcourier mock_memory", "3.00");
        assertThat(lines[4]).contains("kvcourier tcp (2 JVMs)", "2.00");
        assertThat(lines[5]).contains("floor: Python");
        assertThat(lines[6]).contains("kvcourier tcp (2 JVMs)", "2.00");
    }

    @Test
    void numbersAreReadable() {
        assertThat(Report.number(1234.5)).isEqualTo("1,235");
        assertThat(Report.number(12.34)).isEqualTo("12.3");
        assertThat(Report.number(1.234)).isEqualTo("1.23");
        assertThat(Report.number(0.1234)).isEqualTo("0.123");
        assertThat(Report.number(0)).isEqualTo("0");
        assertThat(Report.number(Double.NaN)).isEqualTo("-");
        assertThat(Settings.bytes(64 * 1024)).isEqualTo("64 KiB");
        assertThat(Settings.bytes(32L << 20)).isEqualTo("32 MiB");
        assertThat(Settings.bytes(1000)).isEqualTo("1000 B");
    }

    @Test
    void pythonPeerOutputBecomesOneHistogramPerRate() {
        String json = "{\"python\": \"3.11.7\", \"msgspec\": \"0.22.0\", \"pyzmq\": \"27.2.0\", \"failed_allocs\": 0, "
                + "\"rates\": [{\"rate\": 50, \"sent\": 3, \"notified\": 3, \"latencies_ns\": [1000000, 2000000, 3000000]}, "
                + "{\"rate\": 200, \"sent\": 2, \"notified\": 0, \"latencies_ns\": []}]}";
        Map<Integer, Histogram> h = PythonPath.parsePython(json);
        assertThat(h).containsOnlyKeys(50, 200);
        assertThat(h.get(50).getTotalCount()).isEqualTo(3);
        assertThat(h.get(50).getValueAtPercentile(50) / 1e6).isCloseTo(2.0, org.assertj.core.data.Offset.offset(0.01));
        assertThat(h.get(200).getTotalCount()).isZero();
        assertThatThrownBy(() -> PythonPath.parsePython("Traceback ...")).hasMessageContaining("no results");
    }

    @Test
    void helpNamesEverySuite() {
        for (String s : List.of("copy", "submit", "signal", "wire", "channel", "verbs", "e2e")) {
            assertThat(BenchMain.help()).contains(s);
            assertThat(BenchMain.SUITES).contains(s);
        }
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
