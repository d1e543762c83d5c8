package io.kvcourier.verbs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the native tests share: the CI rule (with {@code -Dkvcourier.requireNative=true} a missing
 * gcc, header or library FAILS the test instead of skipping it, docs/TRAPS.md#trap-27), gcc, and paths.
 */
final class NativeTestSupport {
    static final Path VERBS_HEADER = Path.of("/usr/include/infiniband/verbs.h");

    private NativeTestSupport() {
    }

    static boolean requireNative() {
        return Boolean.getBoolean("kvcourier.requireNative");
    }

    /** Skips (locally) or fails (CI) when {@code ok} is false. */
    static void requireOrSkip(boolean ok, String reason) {
        if (!ok && requireNative()) {
            fail(reason + " (kvcourier.requireNative=true: missing native prerequisites fail instead of skipping)");
        }
        assumeTrue(ok, reason);
    }

    static Path gcc() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, "gcc");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Skips/fails unless gcc and the libibverbs headers are installed. */
    static Path requireGccAndHeaders() {
        Path gcc = gcc();
        requireOrSkip(gcc != null, "gcc not found on PATH");
        requireOrSkip(Files.isRegularFile(VERBS_HEADER), VERBS_HEADER + " not found (install libibverbs-dev)");
        return gcc;
    }

    /** The repository root: {@code -Dkvcourier.repoRoot}, else the nearest parent holding {@code jextract/}. */
    static Path repoRoot() {
        String prop = System.getProperty("kvcourier.repoRoot", "");
        if (!prop.isBlank() && Files.isDirectory(Path.of(prop, "jextract"))) {
            return Path.of(prop).toAbsolutePath();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("jextract")) && Files.isDirectory(p.resolve("verbs-bindings"))) {
                return p;
            }
        }
        throw new IllegalStateException("repository root not found; set -Dkvcourier.repoRoot");
    }

    /** A scratch directory for native build outputs: verbs-bindings/target/native. */
    static Path nativeBuildDir() throws IOException {
        Path dir = repoRoot().resolve("verbs-bindings/target/native");
        Files.createDirectories(dir);
        return dir;
    }

    /** Runs a command (bounded), asserts exit 0, returns stdout+stderr. */
    static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out;
        try (var in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + command);
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), () -> String.join(" ", command) + " failed:\n" + text);
        return text;
    }

    /** Compiles C sources with gcc; {@code extra} are flags such as -shared -fPIC. */
    static Path compile(Path gcc, Path source, Path output, String... extra)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(gcc.toString(), "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O2"));
        cmd.addAll(List.of(extra));
        cmd.addAll(List.of("-o", output.toString(), source.toString()));
        run(cmd);
        return output;
    }

    /**
     * Runs {@code body} {@code iterations} times per round, for up to {@code maxRounds} rounds, and
     * returns the smallest number of bytes the current thread allocated in one round. Early rounds
     * run interpreted (and allocate); once C2 has compiled the path, a path that allocates nothing
     * per call shows 0. A path that allocates per call never does.
     */
    static long leastBytesAllocatedPerRound(Runnable body, int iterations, int maxRounds) {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long least = Long.MAX_VALUE;
        for (int round = 0; round < maxRounds && least > 0; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < iterations; i++) {
                body.run();
            }
            least = Math.min(least, mx.getCurrentThreadAllocatedBytes() - before);
        }
        return least;
    }

    /** Simple names of the top-level classes of {@code io.kvcourier.verbs.gen} (directory or jar). */
    static List<String> genClassNames() {
        String pkg = "io/kvcourier/verbs/gen/";
        try {
            Path location = Path.of(io.kvcourier.verbs.gen.verbs_h.class.getProtectionDomain()
                    .getCodeSource().getLocation().toURI());
            List<String> names = new ArrayList<>();
            if (Files.isDirectory(location)) {
                try (var files = Files.list(location.resolve(pkg))) {
                    files.map(f -> f.getFileName().toString())
                            .filter(n -> n.endsWith(".class") && !n.contains("$") && !n.startsWith("package-info"))
                            .forEach(n -> names.add(n.substring(0, n.length() - 6)));
                }
            } else {
                try (JarFile jar = new JarFile(location.toFile())) {
                    jar.stream().map(e -> e.getName())
                            .filter(n -> n.startsWith(pkg) && n.endsWith(".class") && !n.contains("$")
                                    && n.indexOf('/', pkg.length()) < 0 && !n.endsWith("package-info.class"))
                            .forEach(n -> names.add(n.substring(pkg.length(), n.length() - 6)));
                }
            }
            names.sort(null);
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
