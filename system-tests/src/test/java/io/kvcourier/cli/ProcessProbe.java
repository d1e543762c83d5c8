package io.kvcourier.cli;

import javax.management.ObjectName;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a JVM holds, for leak checks across a soak: open file descriptors ({@code /proc/PID/fd}), platform threads
 * by name (digits folded, JDK-managed pools left out) and Native Memory Tracking's {@code Other} category
 * (where {@code Arena}/{@code Unsafe} and direct-buffer memory is counted) plus its thread count. Works on this
 * JVM (the DiagnosticCommand MBean) or another one ({@code jcmd}); NMT needs {@code
 * -XX:NativeMemoryTracking=summary} on the measured JVM.
 *
 * @param fds           open file descriptors
 * @param threads       live platform threads by name pattern (compiler threads, ForkJoinPool carriers, the
 *                      attach listener and process reapers left out: the JDK starts and retires those on its own)
 * @param nmtOtherKiB   NMT committed KiB of category Other, or -1 when NMT is off
 * @param nmtThreads    NMT's thread count, or -1 when NMT is off
 */
record ProcessProbe(long fds, Map<String, Integer> threads, long nmtOtherKiB, long nmtThreads) {
    private static final Pattern OTHER = Pattern.compile("-\\s+Other \\(reserved=\\d+KB, committed=(\\d+)KB\\)");
    private static final Pattern NMT_THREADS = Pattern.compile("\\(threads? #(\\d+)\\)");
    private static final Pattern THREAD_LINE = Pattern.compile("^\"(.+?)\" #\\d+.*", Pattern.MULTILINE);

    /** This JVM. */
    static ProcessProbe self() throws Exception {
        Map<String, Integer> names = new TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (!t.isVirtual() && t.isAlive()) {
                count(names, t.getName());
            }
        }
        String nmt = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                new Object[] {new String[] {"summary", "scale=KB"}}, new String[] {String[].class.getName()});
        return of(fdCount(ProcessHandle.current().pid()), names, nmt);
    }

    /** Another JVM of this user, through {@code jcmd} (two calls, about a second each on a busy machine). */
    static ProcessProbe of(long pid) throws Exception {
        long fds = fdCount(pid); // before jcmd attaches (the attach socket is an fd of the target)
        Map<String, Integer> names = new TreeMap<>();
        Matcher m = THREAD_LINE.matcher(jcmd(pid, "Thread.print"));
        while (m.find()) {
            count(names, m.group(1));
        }
        return of(fds, names, jcmd(pid, "VM.native_memory", "summary", "scale=KB"));
    }

    private static ProcessProbe of(long fds, Map<String, Integer> threads, String nmt) {
        Matcher other = OTHER.matcher(nmt);
        Matcher nthreads = NMT_THREADS.matcher(nmt);
        return new ProcessProbe(fds, threads, other.find() ? Long.parseLong(other.group(1)) : -1,
                nthreads.find() ? Long.parseLong(nthreads.group(1)) : -1);
    }

    private static void count(Map<String, Integer> names, String name) {
        String n = name.replaceAll("\\d+", "#");
        if (n.startsWith("ForkJoinPool") || n.startsWith("VirtualThread-unparker") || n.contains("CompilerThread")
                || n.equals("Attach Listener") || n.startsWith("process reaper") || n.startsWith("JDWP")) {
            return;
        }
        names.merge(n, 1, Integer::sum);
    }

    private static long fdCount(long pid) throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
            return s.count();
        }
    }

    private static String jcmd(long pid, String... command) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        String[] cmd = new String[command.length + 2];
        cmd[0] = jcmd.toString();
        cmd[1] = String.valueOf(pid);
        System.arraycopy(command, 0, cmd, 2, command.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("jcmd " + String.join(" ", cmd) + " failed: "
                    + new String(out, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** Thread names with more live threads now than in {@code baseline}. */
    Map<String, Integer> threadsAbove(ProcessProbe baseline) {
        Map<String, Integer> grown = new TreeMap<>();
        threads.forEach((name, n) -> {
            if (n > baseline.threads.getOrDefault(name, 0)) {
                grown.put(name, n);
            }
        });
        return grown;
    }

    @Override
    public String toString() {
        return "fds=" + fds + " nmt_other_kib=" + nmtOtherKiB + " nmt_threads=" + nmtThreads + " threads=" + threads;
    }
}
