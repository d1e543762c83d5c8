import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The rxe harness's own test ({@code .ci/rxe --self-test}): compiled on the host against the JUnit
 * console launcher, run in the VM exactly like the modules' {@code @Tag("rdma")} tests. It proves
 * the plumbing (boot, rxe0, classpath, tag filter, system properties, XML report, counts, exit
 * codes) without any product code. {@code RXE_SELFTEST_MODE=fail} or {@code =skip} turns one test
 * into a failure or a skip, to check that .ci/rxe then exits non-zero.
 */
class RxeHarnessSelfTest {
    private static final String MODE = System.getenv().getOrDefault("RXE_SELFTEST_MODE", "");

    @Test
    @Tag("rdma")
    void ibvDevinfoListsAnActiveRxe0() throws Exception {
        Path out = Files.createTempFile("ibv_devinfo", ".txt");
        Process p = new ProcessBuilder("ibv_devinfo", "-d", "rxe0")
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        long limit = 60L * Long.getLong("kvcourier.deadlineScale", 1);
        assertTrue(p.waitFor(limit, TimeUnit.SECONDS), "ibv_devinfo did not finish in " + limit + " s");
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "ibv_devinfo -d rxe0 failed:\n" + text);
        assertTrue(text.contains("hca_id:\trxe0"), "rxe0 not listed:\n" + text);
        assertTrue(text.contains("PORT_ACTIVE"), "rxe0's port is not active:\n" + text);
        Files.delete(out);
    }

    @Test
    @Tag("rdma")
    void runsInTheVmWithTheHarnessProperties() {
        assertEquals("1", System.getenv("RXE_VM"), "not inside the rxe VM");
        assertTrue(Long.getLong("kvcourier.deadlineScale", 1) > 1, "kvcourier.deadlineScale not raised");
        assertEquals("true", System.getProperty("kvcourier.requireNative"));
    }

    @Test
    @Tag("rdma")
    void reachesTheThroughputFile() throws Exception {
        Path file = Path.of(System.getProperty("kvcourier.rxe.throughputFile"));
        assertTrue(file.isAbsolute(), file.toString());
        Files.writeString(file, "harness self-test: throughput file reached (not a measurement)\n",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
    }

    @Test
    @Tag("rdma")
    void failsWhenAsked() {
        if (MODE.equals("fail")) {
            fail("failure requested by RXE_SELFTEST_MODE=fail");
        }
    }

    @Test
    @Tag("rdma")
    void skipsWhenAsked() {
        assumeFalse(MODE.equals("skip"), "skip requested by RXE_SELFTEST_MODE=skip");
    }

    @Test
    void untaggedTestsDoNotRun() {
        fail("the tag filter let a test without @Tag(\"rdma\") run");
    }
}
