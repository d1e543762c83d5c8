package io.kvcourier.verbs;

import io.kvcourier.verbs.gen.ibv_wc;
import io.kvcourier.verbs.gen.verbs_h;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * On a machine without libibverbs the classes still load: a child JVM runs in a private mount
 * namespace where {@code libibverbs.so.1} is /dev/null (so dlopen fails) and reports what it saw.
 * Needs root and {@code unshare}; skipped otherwise (this is not a missing install).
 */
class LibraryAbsentTest {

    @Test
    void classesLoadAndTheProbeExplainsWhenLibibverbsCannotBeLoaded() throws Exception {
        Path lib = Path.of("/usr/lib/x86_64-linux-gnu/libibverbs.so.1");
        assumeTrue(Files.exists(lib), "no " + lib + " to hide");
        assumeTrue(canUnshare(), "unshare -m not permitted here (needs root)");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String command = "mount --bind /dev/null " + lib.toRealPath() + " && exec " + java
                + " --enable-native-access=ALL-UNNAMED -cp " + System.getProperty("java.class.path")
                + " '" + Child.class.getName() + "'";
        String out = run(List.of("unshare", "-m", "sh", "-c", command));
        assertThat(out).contains("IBV_QPT_RC=2 sizeof(ibv_wc)=48")
                .contains("present=false available=false cause=libibverbs.so.1 not found (install libibverbs1)")
                .contains("devices=[]")
                .contains("call -> java.lang.UnsatisfiedLinkError: unresolved symbol: ibv_get_device_list")
                .contains("eventfd drain=1");
    }

    private static boolean canUnshare() {
        try {
            Process p = new ProcessBuilder("unshare", "-m", "true").redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    private static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out;
        try (var in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(text).isZero();
        return text;
    }

    /** Runs in the child JVM. */
    public static final class Child {
        public static void main(String[] args) {
            System.out.println("IBV_QPT_RC=" + verbs_h.IBV_QPT_RC() + " sizeof(ibv_wc)=" + ibv_wc.sizeof());
            System.out.println("present=" + Verbs.libibverbsPresent() + " available=" + Verbs.isAvailable()
                    + " cause=" + Verbs.unavailabilityCause());
            System.out.println("devices=" + Verbs.listDevices());
            try {
                verbs_h.ibv_get_device_list(MemorySegment.NULL);
                System.out.println("call -> returned");
            } catch (Throwable t) {
                System.out.println("call -> " + t);
            }
            try (EventFd e = EventFd.create()) {
                e.signal();
                System.out.println("eventfd drain=" + e.drain());
            }
        }
    }
}
