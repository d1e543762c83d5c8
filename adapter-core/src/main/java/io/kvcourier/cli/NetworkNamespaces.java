package io.kvcourier.cli;

import io.kvcourier.agent.CloseHelper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The network of a {@code kvcourier cluster} run as root: one network namespace per node, each with one veth
 * interface ({@code eth0}) holding the node's address in {@value #SUBNET}, the other ends of the veths on a bridge
 * in one more namespace. Every namespace is named {@code kvcc-<coordinator pid>-<node>}; nothing is created or
 * addressed in the root namespace. Uses iproute2's {@code ip} (needs root: CAP_SYS_ADMIN and CAP_NET_ADMIN).
 *
 * <p>{@link #removeStale()} deletes the namespaces of runs whose coordinator process is gone (a crashed or killed
 * run); namespaces of a run still alive are left alone, so two runs can share the machine (their subnets are
 * separate bridges in separate namespaces). {@link #close()} deletes everything {@link #create} made (idempotent,
 * thread-safe; a namespace is gone from {@code ip netns list} at once, and the kernel frees it when its last process
 * exits). Commands run with a bound of {@value #COMMAND_TIMEOUT_SEC} s each.
 */
final class NetworkNamespaces implements AutoCloseable {
    /** The private test subnet (RFC 1918) every node address is in. */
    static final String SUBNET = "10.213.0.0/24";
    /** The prefix of every namespace a run creates. */
    static final String PREFIX = "kvcc-";
    private static final Pattern OURS = Pattern.compile(Pattern.quote(PREFIX) + "(\\d+)-[A-Za-z0-9-]+");
    private static final int PREFIX_LENGTH = 24;
    private static final long COMMAND_TIMEOUT_SEC = 15;

    private final String bridgeNamespace;
    private final Map<String, String> namespaces; // node -> namespace
    private final List<String> created = new ArrayList<>();
    private boolean closed;

    private NetworkNamespaces(String bridgeNamespace, Map<String, String> namespaces) {
        this.bridgeNamespace = bridgeNamespace;
        this.namespaces = namespaces;
    }

    /** Whether this process runs as root (uid 0), read from {@code /proc/self/status}. */
    static boolean runningAsRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("Uid:")) {
                    return line.substring(4).strip().split("\\s+")[1].equals("0"); // effective uid
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no procfs
        }
        return false;
    }

    /** Why namespaces cannot be used here, or {@code null} when they can (root and a working {@code ip}). */
    static String unavailableReason() {
        if (!runningAsRoot()) {
            return "not running as root";
        }
        try {
            run(List.of("ip", "netns", "list"));
            return null;
        } catch (IllegalStateException e) {
            return "'ip netns list' failed (" + e.getMessage() + "): install iproute2";
        }
    }

    /** The name of a namespace of this run ({@code kvcc-PID-node}). */
    static String namespaceName(long pid, String node) {
        return PREFIX + pid + "-" + node;
    }

    /** Every namespace on this machine whose name has our prefix, from {@code ip netns list}. */
    static List<String> listOurs() {
        List<String> out = new ArrayList<>();
        for (String line : run(List.of("ip", "netns", "list")).split("\n")) {
            String name = line.strip().split("\\s+")[0];
            if (name.startsWith(PREFIX)) {
                out.add(name);
            }
        }
        return out;
    }

    /**
     * Deletes the namespaces left by runs whose coordinator process no longer exists.
     *
     * @return the names deleted
     */
    static List<String> removeStale() {
        List<String> removed = new ArrayList<>();
        for (String name : listOurs()) {
            Matcher m = OURS.matcher(name);
            if (m.matches()) {
                long pid = Long.parseLong(m.group(1));
                if (ProcessHandle.of(pid).isPresent()) {
                    continue; // a run still going
                }
            }
            run(List.of("ip", "netns", "delete", name));
            removed.add(name);
        }
        return removed;
    }

    /**
     * Creates a namespace per node with {@code eth0} at the node's address ({@code /24} of {@value #SUBNET}) and
     * loopback up, and a bridge namespace joining them.
     *
     * @param addresses node name (letters, digits, dashes) to its address in {@value #SUBNET}
     * @throws IllegalStateException naming the command that failed; what was created by then is deleted
     */
    static NetworkNamespaces create(Map<String, String> addresses) {
        long pid = ProcessHandle.current().pid();
        Map<String, String> names = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : addresses.entrySet()) {
            if (!e.getKey().matches("[A-Za-z0-9-]{1,20}") || !inSubnet(e.getValue())) {
                throw new IllegalArgumentException("node " + e.getKey() + " at " + e.getValue()
                        + ": names are 1..20 letters, digits or dashes, addresses in " + SUBNET);
            }
            names.put(e.getKey(), namespaceName(pid, e.getKey()));
        }
        NetworkNamespaces n = new NetworkNamespaces(namespaceName(pid, "bridge"), names);
        try {
            n.add(n.bridgeNamespace);
            run(List.of("ip", "-n", n.bridgeNamespace, "link", "add", "br0", "type", "bridge"));
            run(List.of("ip", "-n", n.bridgeNamespace, "link", "set", "br0", "up"));
            int i = 0;
            for (Map.Entry<String, String> e : names.entrySet()) {
                String ns = e.getValue();
                String port = "v" + i++;
                n.add(ns);
                run(List.of("ip", "-n", n.bridgeNamespace, "link", "add", port, "type", "veth", "peer", "name", "eth0",
                        "netns", ns));
                run(List.of("ip", "-n", n.bridgeNamespace, "link", "set", port, "master", "br0", "up"));
                run(List.of("ip", "-n", ns, "addr", "add", addresses.get(e.getKey()) + "/" + PREFIX_LENGTH,
                        "dev", "eth0"));
                run(List.of("ip", "-n", ns, "link", "set", "eth0", "up"));
                run(List.of("ip", "-n", ns, "link", "set", "lo", "up"));
            }
        } catch (RuntimeException e) {
            CloseHelper.closeOnFailure(e, n);
            throw e;
        }
        return n;
    }

    private synchronized void add(String ns) {
        run(List.of("ip", "netns", "add", ns));
        created.add(ns);
    }

    /** Whether {@code address} is an IPv4 address inside {@value #SUBNET}. */
    static boolean inSubnet(String address) {
        String[] p = address.split("\\.");
        if (p.length != 4 || !address.startsWith("10.213.0.")) {
            return false;
        }
        try {
            int last = Integer.parseInt(p[3]);
            return last >= 1 && last <= 254;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The command prefix that runs a program in {@code node}'s namespace: {@code ip netns exec NS}. */
    List<String> exec(String node) {
        String ns = namespaces.get(node);
        if (ns == null) {
            throw new IllegalArgumentException("no namespace for node " + node);
        }
        return List.of("ip", "netns", "exec", ns);
    }

    /** The namespace of {@code node}. */
    String namespace(String node) {
        return namespaces.get(node);
    }

    /** Every namespace this run created (the bridge's first). */
    synchronized List<String> created() {
        return List.copyOf(created);
    }

    /**
     * Deletes every namespace created, bridge last (deleting a node's namespace deletes its veth pair). Failures
     * are reported, not thrown; idempotent.
     *
     * @return the problems, empty when all were deleted
     */
    synchronized List<String> closeReporting() {
        List<String> problems = new ArrayList<>();
        if (closed) {
            return problems;
        }
        closed = true;
        for (int i = created.size() - 1; i >= 0; i--) {
            try {
                run(List.of("ip", "netns", "delete", created.get(i)));
            } catch (RuntimeException e) {
                problems.add(e.getMessage());
            }
        }
        return problems;
    }

    @Override
    public void close() {
        List<String> problems = closeReporting();
        if (!problems.isEmpty()) {
            System.getLogger(NetworkNamespaces.class.getName()).log(System.Logger.Level.WARNING,
                    "could not delete network namespaces: " + problems);
        }
    }

    /**
     * Runs a command, bounded; its stdout.
     *
     * @throws IllegalStateException naming the command, its exit status and its output when it fails
     */
    static String run(List<String> cmd) {
        Path output = null;
        try {
            output = Files.createTempFile("kvcourier-ip-", ".out");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(COMMAND_TIMEOUT_SEC, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("'" + String.join(" ", cmd) + "' did not finish within "
                        + COMMAND_TIMEOUT_SEC + " s");
            }
            String text = Files.readString(output, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("'" + String.join(" ", cmd) + "' exited with " + p.exitValue() + ": "
                        + text.strip());
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run '" + String.join(" ", cmd) + "': " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running '" + String.join(" ", cmd) + "'", e);
        } finally {
            if (output != null) {
                try {
                    Files.deleteIfExists(output);
                } catch (IOException e) {
                    // a temp file left behind is harmless
                }
            }
        }
    }
}
