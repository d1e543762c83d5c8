package io.kvcourier.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {

    @Test
    void helpListsCommandsAndExits0() {
        CliRun r = CliRun.of("--help");
        assertEquals(Main.EXIT_OK, r.exitCode());
        assertTrue(r.out().contains("doctor"), r.out());
    }

    @Test
    void noCommandPrintsUsageAndExits2() {
        CliRun r = CliRun.of();
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.err().startsWith("usage: kvcourier"), r.err());
    }

    @Test
    void unknownCommandIsOneLineAndExit2() {
        CliRun r = CliRun.of("frobnicate");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertTrue(r.oneErrorLine().startsWith("kvcourier: unknown command 'frobnicate'"), r.err());
    }

    @Test
    void commandHelpExits0() {
        CliRun r = CliRun.of("doctor", "--help");
        assertEquals(Main.EXIT_OK, r.exitCode());
        assertTrue(r.out().startsWith("usage: kvcourier doctor"), r.out());
    }

    @Test
    void helpConfigPrintsTheKeyTableAndExits0() {
        for (String command : new String[] {"receiver", "sender"}) {
            CliRun r = CliRun.of(command, "--help-config");
            assertEquals(Main.EXIT_OK, r.exitCode(), r.err());
            assertTrue(r.out().startsWith("PD L2 adapter config fields"), r.out());
            assertTrue(r.out().contains("\n- role (str): "), r.out());
            assertTrue(r.out().contains("\n- peer_staging_share (float): "), r.out());
            assertTrue(r.out().contains("any other key is an error."), r.out());
        }
    }

    @Test
    void unknownOptionIsNamed() {
        CliRun r = CliRun.of("doctor", "--frob", "1");
        assertEquals(Main.EXIT_USAGE, r.exitCode());
        assertEquals("kvcourier doctor: unknown option --frob (see kvcourier doctor --help)",
                r.oneErrorLine());
    }
}
