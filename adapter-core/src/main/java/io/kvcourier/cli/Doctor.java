package io.kvcourier.cli;

import io.kvcourier.channel.ChannelKind;
import io.kvcourier.channel.TransferChannels;
import io.kvcourier.pd.PdL2AdapterConfig;
import io.kvcourier.pd.Role;
import io.kvcourier.verbs.GidEntry;
import io.kvcourier.verbs.RdmaDevice;
import io.kvcourier.verbs.RdmaPort;
import io.kvcourier.verbs.Verbs;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code kvcourier doctor}: what this machine offers kvcourier, in plain words — the JDK and native access,
 * libibverbs and the RDMA devices (or why there are none), the transfer channels, the memlock limit that
 * bounds {@code ibv_reg_mr}, and with {@code --config} whether the configured ports are free (receiver) or
 * answer (sender). Informational: it exits 0 whenever it could report.
 */
final class Doctor {
    static final String USAGE = """
            usage: kvcourier doctor [--config FILE|JSON]
              Reports the JDK, native access (FFM), libibverbs, RDMA devices and ports (state, MTU, link layer,
              GIDs) or why there are none, the transfer channels, and the memlock limit (what ibv_reg_mr may pin).
              --config FILE|JSON   also check an adapter config (LMCache's PD keys): a receiver's ports must be
                                   free to bind; a sender's peer and proxy ports should answer.
            """;

    private static final int LABEL_WIDTH = 20;
    /** CAP_IPC_LOCK lifts RLIMIT_MEMLOCK for mlock and ibv_reg_mr (capabilities(7)). */
    private static final int CAP_IPC_LOCK = 14;

    private final PrintStream out;

    private Doctor(PrintStream out) {
        this.out = out;
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) throws UsageException {
        Args args = Args.parse("doctor", argv, java.util.Set.of("config"), java.util.Set.of());
        String configArg = args.string("config", null);
        Doctor d = new Doctor(out);
        out.println("kvcourier doctor");
        d.java();
        d.nativeAccess();
        d.rdma();
        d.channels();
        PdL2AdapterConfig config = null;
        UsageException configError = null;
        if (configArg != null) {
            try {
                config = ConfigSource.read(configArg);
            } catch (UsageException e) {
                configError = e;
            }
        }
        d.memlock(config);
        if (configArg != null) {
            d.config(config, configError);
        }
        if (configError != null) {
            throw configError;
        }
        return Main.EXIT_OK;
    }

    // ------------------------------------------------------------------------------------------------ java

    private void java() {
        Runtime.Version v = Runtime.version();
        row("java", v + " (" + System.getProperty("java.vendor", "?") + ", " + System.getProperty("java.vm.name", "?")
                + ")");
        row("java.home", System.getProperty("java.home", "?"));
        if (v.feature() < 22) {
            row("", "kvcourier needs JDK 22 or newer (the FFM API); JDK 24+ is recommended");
        }
    }

    private void nativeAccess() {
        boolean enabled = Doctor.class.getModule().isNativeAccessEnabled();
        String flag = enabled ? "enabled"
                : "NOT enabled: run with --enable-native-access=ALL-UNNAMED (./kvcourier does)";
        String downcall;
        try {
            Linker linker = Linker.nativeLinker();
            Optional<java.lang.foreign.MemorySegment> getpid = linker.defaultLookup().find("getpid");
            if (getpid.isEmpty()) {
                downcall = "getpid not found in the C library";
            } else {
                MethodHandle h = linker.downcallHandle(getpid.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT));
                int pid = (int) h.invokeExact();
                downcall = pid == ProcessHandle.current().pid() ? "FFM downcall getpid() works"
                        : "FFM downcall getpid() returned " + pid + ", expected " + ProcessHandle.current().pid();
            }
        } catch (Throwable t) {
            downcall = "FFM downcall failed: " + t;
        }
        row("native access", flag + "; " + downcall);
    }

    // ------------------------------------------------------------------------------------------------ rdma

    private void rdma() {
        if (!Verbs.libibverbsPresent()) {
            row("libibverbs", "absent: " + Verbs.unavailabilityCause() + " — the verbs channel is unavailable");
            row("rdma devices", "none (no libibverbs)");
            return;
        }
        row("libibverbs", Verbs.LIBRARY + " loads");
        List<RdmaDevice> devices = Verbs.listDevices();
        if (devices.isEmpty()) {
            String cause = Verbs.unavailabilityCause();
            String why = cause == null ? "none listed now" : cause;
            if (why.contains("ENOSYS")) {
                why = "this kernel has no RDMA subsystem (ENOSYS) — run the verbs tests in the soft-RoCE VM: .ci/rxe";
            } else if (why.equals("no RDMA devices")) {
                why = "no RDMA devices (none in /sys/class/infiniband; for soft-RoCE: rdma link add rxe0 type rxe "
                        + "netdev <if>, or the VM in .ci/rxe)";
            }
            row("rdma devices", "none: " + why);
            return;
        }
        row("rdma devices", devices.size() + " found");
        for (RdmaDevice dev : devices) {
            if (dev.error() != null) {
                row("  " + dev.name(), "cannot be queried: " + dev.error());
            }
            if (dev.ports().isEmpty() && dev.error() == null) {
                row("  " + dev.name(), "no ports");
            }
            for (RdmaPort p : dev.ports()) {
                row("  " + dev.name() + " port " + p.portNum(), p.stateName()
                        + (p.state() == 4 ? "" : " (not active: the verbs channel needs an active port)")
                        + ", MTU " + (p.activeMtuBytes() == 0 ? "unknown" : p.activeMtuBytes()) + ", "
                        + p.linkLayerName() + ", " + p.gids().size() + " GID" + (p.gids().size() == 1 ? "" : "s"));
                for (GidEntry g : p.gids()) {
                    row("    gid[" + g.index() + "]", g.gid() + " (" + g.typeName() + ")");
                }
            }
        }
    }

    private void channels() {
        List<String> parts = new ArrayList<>();
        for (ChannelKind kind : ChannelKind.values()) {
            String why = TransferChannels.unsupportedReason(kind);
            String name = kind.name().toLowerCase(Locale.ROOT);
            parts.add(why == null ? name + ": usable" + (kind == ChannelKind.MOCK_MEMORY ? " (one JVM only)" : "")
                    : name + ": no (" + why + ")");
        }
        row("channels", parts.get(0));
        for (int i = 1; i < parts.size(); i++) {
            row("", parts.get(i));
        }
    }

    // --------------------------------------------------------------------------------------------- memlock

    private void memlock(PdL2AdapterConfig config) {
        Memlock m = Memlock.read();
        if (m == null) {
            row("memlock", "unknown (cannot read /proc/self/limits)");
            return;
        }
        String limits = "soft " + human(m.soft) + ", hard " + human(m.hard);
        if (m.ipcLock) {
            row("memlock", limits + "; this process has CAP_IPC_LOCK (e.g. root), so the limit does not apply: "
                    + "ibv_reg_mr may pin any amount");
        } else if (m.soft == Long.MAX_VALUE) {
            row("memlock", limits + ": ibv_reg_mr may pin any amount");
        } else {
            row("memlock", limits + ": ibv_reg_mr can pin at most " + human(m.soft) + " in this process (the verbs "
                    + "channel registers the whole buffer_size, default 1 GiB); raise it with ulimit -l unlimited or "
                    + "memlock in /etc/security/limits.conf; tcp and mock_memory pin nothing");
        }
        if (config != null && !m.ipcLock && m.soft != Long.MAX_VALUE) {
            boolean fits = config.bufferSize() <= m.soft;
            row("", "this config's buffer_size " + human(config.bufferSize()) + (fits ? " fits" : " does NOT fit: "
                    + "ibv_reg_mr would fail with ENOMEM/EPERM on the verbs channel"));
        }
    }

    /** RLIMIT_MEMLOCK from /proc/self/limits; {@link Long#MAX_VALUE} = unlimited. */
    record Memlock(long soft, long hard, boolean ipcLock) {
        static Memlock read() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                    if (line.startsWith("Max locked memory")) {
                        String[] f = line.substring("Max locked memory".length()).trim().split("\\s+");
                        return new Memlock(limit(f[0]), limit(f[1]), hasIpcLock());
                    }
                }
            } catch (IOException | RuntimeException e) {
                return null;
            }
            return null;
        }

        private static long limit(String s) {
            return "unlimited".equals(s) ? Long.MAX_VALUE : Long.parseLong(s);
        }

        private static boolean hasIpcLock() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    long caps = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                    return (caps & (1L << CAP_IPC_LOCK)) != 0;
                }
            }
            return false;
        }
    }

    // ---------------------------------------------------------------------------------------------- config

    private void config(PdL2AdapterConfig config, UsageException error) {
        if (config == null) {
            row("config", "INVALID: " + error.getMessage());
            return;
        }
        row("config", config.role().wireName() + ", transfer_channel " + config.transferChannel() + ", peer_host "
                + config.peerHost() + ", buffer_size " + human(config.bufferSize()));
        try {
            TransferChannels.factoryFor(config.channelPreferences(), config.transferChannel());
            row("channel", "usable: " + config.channelPreferences().stream()
                    .filter(k -> TransferChannels.unsupportedReason(k) == null).findFirst()
                    .map(k -> k.name().toLowerCase(Locale.ROOT)).orElse("?"));
        } catch (IllegalArgumentException e) {
            row("channel", "NOT usable here: " + e.getMessage());
        }
        if (config.role() == Role.RECEIVER) {
            for (int r = 0; r < config.peerInitPort().size(); r++) {
                row("init port[" + r + "]", bindCheck(config.bindHost(), config.peerInitPort().get(r)));
                row("alloc port[" + r + "]", bindCheck(config.bindHost(), config.peerAllocPort().get(r)));
            }
        } else {
            for (int r = 0; r < config.peerInitPort().size(); r++) {
                row("peer init[" + r + "]",
                        connectCheck(config.peerHost(), config.peerInitPort().get(r), "the receiver"));
                row("peer alloc[" + r + "]",
                        connectCheck(config.peerHost(), config.peerAllocPort().get(r), "the receiver"));
            }
            row("proxy", config.proxyEnabled() ? connectCheck(config.proxyHost(), config.proxyPort(), "the proxy")
                    : "disabled (proxy_port 0)");
        }
    }

    /** Whether {@code host:port} can be bound now (the receiver's servers bind it). */
    static String bindCheck(String host, int port) {
        if (port == 0) {
            return "0: ephemeral, picked when the receiver starts";
        }
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true); // as ZMQ binds; a socket in TIME_WAIT does not block it
            s.bind(new InetSocketAddress(host, port));
            return port + " on " + host + ": free";
        } catch (IOException | RuntimeException e) {
            return port + " on " + host + ": NOT free (" + e.getMessage() + ")";
        }
    }

    /** Whether something accepts TCP connections on {@code host:port}. */
    static String connectCheck(String host, int port, String who) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 1000);
            return host + ":" + port + ": something listens";
        } catch (IOException | RuntimeException e) {
            return host + ":" + port + ": no answer (" + e.getMessage() + ") — is " + who + " running?";
        }
    }

    // --------------------------------------------------------------------------------------------- helpers

    private void row(String label, String value) {
        out.println("  " + pad(label) + value);
    }

    private static String pad(String label) {
        StringBuilder sb = new StringBuilder(label);
        while (sb.length() < LABEL_WIDTH) {
            sb.append(' ');
        }
        return sb.append(' ').toString();
    }

    /** Bytes in binary units, e.g. "8 MiB", "1.5 GiB", "unlimited". */
    static String human(long bytes) {
        if (bytes == Long.MAX_VALUE) {
            return "unlimited";
        }
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        if (u == 0) {
            return bytes + " bytes";
        }
        return (v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v)) + " " + units[u];
    }
}
