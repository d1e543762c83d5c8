package io.kvcourier.cli;

import io.kvcourier.verbs.Verbs;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DoctorTest {

    @Test
    void reportsJdkNativeAccessRdmaAndMemlock() throws Exception {
        CliRun r = CliRun.of("doctor");
        assertEquals(Main.EXIT_OK, r.exitCode(), r.err());
        assertTrue(r.row("java").startsWith(Runtime.version().toString()), r.out());
        assertTrue(r.row("java").contains(System.getProperty("java.vendor")), r.out());
        // surefire runs with --enable-native-access=ALL-UNNAMED
        assertEquals("enabled; FFM downcall getpid() works", r.row("native access"));
        if (Verbs.libibverbsPresent()) {
            assertEquals("libibverbs.so.1 loads", r.row("libibverbs"));
        } else {
            assertTrue(r.row("libibverbs").startsWith("absent: "), r.out());
        }
        String devices = r.row("rdma devices");
        if (Verbs.isAvailable()) {
            assertTrue(devices.matches("\\d+ found"), devices);
            assertTrue(r.out().contains(" port 1 "), r.out());
        } else {
            assertTrue(devices.startsWith("none"), devices);
            if (Verbs.unavailabilityCause().contains("ENOSYS")) {
                assertEquals("none: this kernel has no RDMA subsystem (ENOSYS) — run the verbs tests in the "
                        + "soft-RoCE VM: .ci/rxe", devices);
            }
        }
        String memlock = r.row("memlock");
        String soft = null;
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max locked memory")) {
                String v = line.substring(17).trim().split("\\s+")[0];
                soft = v.equals("unlimited") ? "unlimited" : Doctor.human(Long.parseLong(v));
            }
        }
        assertTrue(memlock.startsWith("soft " + soft + ", hard "), memlock);
        assertTrue(memlock.contains("ibv_reg_mr"), memlock);
        assertTrue(r.row("channels").startsWith("mock_memory: usable"), r.out());
    }

    @Test
    void humanUnits() {
        assertEquals("8 MiB", Doctor.human(8 << 20));
        assertEquals("1.5 GiB", Doctor.human(3L << 29));
        assertEquals("100 bytes", Doctor.human(100));
        assertEquals("unlimited", Doctor.human(Long.MAX_VALUE));
    }

    @Test
    void receiverConfigPortsInUseAreReported() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = taken.getLocalPort();
            CliRun r = CliRun.of("doctor", "--config", "{\"role\":\"receiver\",\"peer_host\":\"127.0.0.1\","
                    + "\"bind_host\":\"127.0.0.1\",\"peer_init_port\":[" + port + "],\"peer_alloc_port\":[0]}");
            assertEquals(Main.EXIT_OK, r.exitCode(), r.err());
            assertTrue(r.row("config").startsWith("receiver, transfer_channel nixl"), r.out());
            assertTrue(r.row("init port[0]").startsWith(port + " on 127.0.0.1: NOT free ("), r.out());
            assertEquals("0: ephemeral, picked when the receiver starts", r.row("alloc port[0]"));
        }
    }

    @Test
    void senderConfigChecksThatPeerPortsAnswer() throws Exception {
        try (ServerSocket listening = new ServerSocket()) {
            listening.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = listening.getLocalPort();
            CliRun r = CliRun.of("doctor", "--config", "{\"role\":\"sender\",\"peer_host\":\"127.0.0.1\","
                    + "\"peer_init_port\":[" + port + "],\"peer_alloc_port\":[" + port + "],\"proxy_port\":0}");
            assertEquals(Main.EXIT_OK, r.exitCode(), r.err());
            assertEquals("127.0.0.1:" + port + ": something listens", r.row("peer init[0]"));
            assertEquals("disabled (proxy_port 0)", r.row("proxy"));
        }
    }

    @Test
    void badConfigIsOneLineNamingTheKeyAndExit2() {
        CliRun r = CliRun.of("doctor", "--config", "{\"role\":\"receiver\",\"peer_host\":\"h\","
                + "\"peer_init_port\":[0],\"peer_alloc_port\":[0],\"num_qps\":99}");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        String line = r.oneErrorLine();
        assertTrue(line.startsWith("kvcourier doctor: --config (key num_qps): "), line);
        assertTrue(r.row("config").startsWith("INVALID: "), r.out());
    }

    @Test
    void missingConfigFileIsNamed() {
        CliRun r = CliRun.of("doctor", "--config", "/nonexistent/kv.json");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.oneErrorLine().contains("no such file '/nonexistent/kv.json'"), r.err());
    }
}
