package io.kvcourier.cli;

import io.kvcourier.verbs.Verbs;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** Bad arguments and configs: exit 2 and exactly one stderr line that names the problem. */
class CliArgumentsTest {
    private static final String RECEIVER = "{\"role\":\"receiver\",\"peer_host\":\"127.0.0.1\",\"bind_host\":\"127.0.0.1\","
            + "\"peer_init_port\":[0],\"peer_alloc_port\":[0],\"transfer_channel\":\"mock_memory\",\"buffer_size\":1048576}";
    private static final String SENDER = "{\"role\":\"sender\",\"peer_host\":\"127.0.0.1\",\"peer_init_port\":[1],"
            + "\"peer_alloc_port\":[2],\"transfer_channel\":\"mock_memory\",\"proxy_port\":0}";

    private static void assertUsage(String expectedLine, String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.out() + r.err());
        assertEquals(expectedLine, r.oneErrorLine());
    }

    private static void assertUsageStartsWith(String prefix, String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.out() + r.err());
        String line = r.oneErrorLine();
        assertTrue(line.startsWith(prefix), line);
    }

    @Test
    void senderNeedsConfig() {
        assertUsage("kvcourier sender: --config is required (see kvcourier sender --help)", "sender");
    }

    @Test
    void numbersAreCheckedAndNamed() {
        assertUsage("kvcourier sender: --requests must be an integer in 1..10000000, got '0'",
                "sender", "--config", SENDER, "--requests", "0");
        assertUsage("kvcourier sender: --chunks must be an integer in 1..65536, got 'many'",
                "sender", "--config", SENDER, "--chunks", "many");
        assertUsage("kvcourier sender: --chunk-bytes must be a byte count (e.g. 4096, 64K, 2MiB) in 1..1073741824, "
                + "got '2XB'", "sender", "--config", SENDER, "--chunk-bytes", "2XB");
        assertUsage("kvcourier sender: --timeout must be a number of seconds in (0, 86400], got '-1'",
                "sender", "--config", SENDER, "--timeout", "-1");
        assertUsage("kvcourier proxy: --port must be an integer in 0..65535, got '70000'", "proxy", "--port", "70000");
        assertUsage("kvcourier receiver: --decode-delay-ms must be an integer in 0..60000, got '-5'",
                "receiver", "--config", RECEIVER, "--decode-delay-ms", "-5");
    }

    @Test
    void optionsAreChecked() {
        assertUsage("kvcourier sender: unknown option --frob (see kvcourier sender --help)", "sender", "--frob=1");
        assertUsage("kvcourier receiver: --config needs a value", "receiver", "--config");
        assertUsage("kvcourier demo: unexpected argument 'fast' (options start with --; see kvcourier demo --help)",
                "demo", "fast");
        assertUsage("kvcourier demo: --requests is given more than once", "demo", "--requests", "1", "--requests", "2");
        assertUsage("kvcourier demo: --in-process takes no value", "demo", "--in-process=yes");
        assertUsage("kvcourier sender: --req-id-prefix must be 1..200 characters without spaces or control "
                + "characters, got 'a b'", "sender", "--config", SENDER, "--req-id-prefix", "a b");
    }

    @Test
    void configErrorsNameTheKey() {
        assertUsage("kvcourier receiver: --config (key role): kvcourier receiver needs role 'receiver', got 'sender'",
                "receiver", "--config", SENDER);
        assertUsage("kvcourier sender: --config (key role): kvcourier sender needs role 'sender', got 'receiver'",
                "sender", "--config", RECEIVER);
        assertUsageStartsWith("kvcourier receiver: --config (key peer_host): peer_host must be a non-empty string",
                "receiver", "--config", "{\"role\":\"receiver\"}");
        assertUsageStartsWith("kvcourier receiver: --config: PD L2 adapter config: ", "receiver", "--config", "{\"role\":");
        assertUsageStartsWith("kvcourier sender: --config (key num_qps): ", "sender", "--config",
                SENDER.replace("}", ",\"num_qps\":0}"));
    }

    @Test
    void aChannelThisMachineCannotServeIsAConfigError() {
        assumeFalse(Verbs.isAvailable(), "this machine has RDMA");
        assertUsageStartsWith("kvcourier receiver: --config: no usable transfer channel for transfer_channel 'verbs'",
                "receiver", "--config", RECEIVER.replace("mock_memory", "verbs"));
    }

    @Test
    void demoOverVerbsWithoutADeviceSaysWhy() {
        assumeFalse(Verbs.isAvailable(), "this machine has RDMA");
        assertUsageStartsWith("kvcourier demo: --channel verbs: RDMA verbs unavailable: ", "demo", "--channel", "verbs");
    }

    @Test
    void aTakenPortFailsWithExit1AndTheReason() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            CliRun r = CliRun.of("receiver", "--config", RECEIVER.replace("\"peer_alloc_port\":[0]",
                    "\"peer_alloc_port\":[" + taken.getLocalPort() + "]"));
            assertEquals(Main.EXIT_FAILURE, r.exitCode(), r.err());
            assertTrue(r.oneErrorLine().startsWith("kvcourier receiver: cannot start the receiver: "), r.err());
        }
    }

    @Test
    void demoChecksItsOptions() {
        assertUsage("kvcourier demo: --channel mock_memory works only within one JVM: add --in-process",
                "demo", "--channel", "mock_memory");
        assertUsage("kvcourier demo: --channel must be tcp, verbs or mock_memory, got 'carrier-pigeon'",
                "demo", "--channel", "carrier-pigeon");
        assertUsage("kvcourier demo: --proxy-host needs --proxy-port", "demo", "--proxy-host", "10.0.0.1");
    }

    @Test
    void byteCounts() {
        assertEquals(2L << 20, Args.parseBytes("2MiB"));
        assertEquals(64L << 10, Args.parseBytes("64k"));
        assertEquals(1L << 30, Args.parseBytes("1G"));
        assertEquals(4096, Args.parseBytes("4096"));
        assertEquals(Long.MIN_VALUE, Args.parseBytes("-1"));
        assertEquals(Long.MIN_VALUE, Args.parseBytes("1.5M"));
        assertEquals(Long.MIN_VALUE, Args.parseBytes("9223372036854775807K"));
    }
}
