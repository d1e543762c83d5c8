package io.kvcourier.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a run ran on: JDK, kernel, CPU model, core count, load, date. */
final class Environment {
    private Environment() {
    }

    static Map<String, String> describe(String mode) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        m.put("mode", mode);
        m.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (" + System.getProperty("java.vendor") + ")");
        m.put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        m.put("cpu", cpuModel());
        m.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        m.put("loadavg", firstLine(Path.of("/proc/loadavg")) + " (at start)");
        return m;
    }

    private static String cpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            for (String l : lines) {
                if (l.startsWith("model name")) {
                    return l.substring(l.indexOf(':') + 1).trim();
                }
            }
            return "unknown (no 'model name' in /proc/cpuinfo)";
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    static String firstLine(Path p) {
        try {
            List<String> lines = Files.readAllLines(p);
            return lines.isEmpty() ? "" : lines.get(0).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
