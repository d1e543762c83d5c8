package io.kvcourier.cli;

import io.kvcourier.channel.ChannelKind;
import io.kvcourier.channel.TransferChannels;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code kvcourier cluster}: an xPyD run on one machine. Starts a proxy listener, D decode nodes
 * ({@code kvcourier receiver}, T TP ranks each) and P prefill nodes ({@code kvcourier cluster-prefill}) as child
 * JVMs over tcp; routes requests round robin over the decode nodes ({@link ClusterPlan}); checks that every request
 * was committed, that every byte was verified on the decode node it was routed to, and that the proxy got exactly
 * one notification per request and rank; prints throughput and request latency percentiles. As root each node runs
 * in its own network namespace ({@link NetworkNamespaces}); otherwise each binds its own 127.0.0.x address.
 *
 * <p>The coordinator (this JVM) reacts to one queue of events: the children's stdout lines, their exits, and a
 * signal. It fails fast: the first problem (a child that exits unexpectedly, a failed or misrouted request, a
 * duplicate notification, the deadline) ends the run. On every exit path, SIGINT/SIGTERM included, it kills its
 * children and deletes the namespaces it created.
 */
final class ClusterCommand {
    static final String USAGE = """
            usage: kvcourier cluster --prefill P --decode D [--tp T] [--requests N] [--chunks M] [--chunk-bytes B]
                                     [--window W] [--req-id-prefix P] [--timeout SEC] [--no-netns]
              An xPyD cluster on this machine: a proxy listener, D decode nodes (receivers with T TP ranks each) and
              P prefill nodes, each a JVM, over tcp. Request i goes to decode node i mod D (round robin, as the
              proxy picks) from prefill node (i div D) mod P, so every prefill node sends to every decode node; its
              keys carry TP ranks 0..T-1. Every byte is verified on the decode node the request was routed to
              (compared with key-derived content), and the proxy must get exactly one notification per request and
              rank. Prints aggregate throughput and request latency percentiles.
              As root, every node runs in its own network namespace (kvcc-PID-NODE) with its own address on a veth
              bridge in the private test subnet 10.213.0.0/24 (proxy .2, prefill .10.., decode .100..); the bridge
              lives in a namespace of its own and nothing is added to the root namespace. Namespaces left by a
              crashed run are removed at start; those of this run at exit (also on failure and Ctrl-C). Otherwise
              (not root, or --no-netns) each node binds its own loopback address (proxy 127.0.0.2, decode
              127.0.0.100..).
              --prefill P        prefill nodes, 1..16 (required)
              --decode D         decode nodes, 1..16 (required)
              --tp T             TP ranks per decode node and request, 1..8 (default 1)
              --requests N       requests (default 64)
              --chunks M         chunks per request and rank (default 8)
              --chunk-bytes B    bytes per chunk, e.g. 2MiB, 256K (default 2MiB)
              --window W         requests in flight per prefill node (default 4)
              --req-id-prefix P  request ids are P-0, P-1, ... (default: unique per run)
              --timeout SEC      bound on the whole run, startup included (default 300); killing the nodes and
                                 deleting the namespaces after it takes a few seconds more
              --no-netns         loopback addresses even as root
            stdout: NODE name=N pid=PID addr=A [netns=NS] lines as the nodes start, a summary table, then
              RESULT ok=true|false requests=N stored=N verified_requests=N verified_bytes=B notifications=N
                     seconds=S throughput_bps=B p50_us=U p99_us=U
            exit 0 only if every request was committed, verified and notified once per rank; 1 with the reason on
            stderr otherwise (child logs are kept then); 2 for bad arguments.
            """;
    private static final Duration STOP_BOUND = Duration.ofSeconds(30);
    /** How long a failed request waits for its decode node's exit, to report a dying node as the cause. */
    private static final Duration ATTRIBUTION_WAIT = Duration.ofSeconds(2);

    private final ClusterPlan plan;
    private final boolean netns;
    private final long deadlineNanos;
    private final long timeoutMs;
    private final PrintStream out;
    private final PrintStream err;
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final List<ClusterNode> nodes = Collections.synchronizedList(new ArrayList<>());
    private final List<ClusterNode> decodes = new ArrayList<>();
    private final CountDownLatch cleaned = new CountDownLatch(1);
    private final Progress progress;
    private NetworkNamespaces network;
    private boolean cleanedUp;

    private final ClusterTally tally;
    private int prefillsExited; // touched only by the coordinating thread

    private record LineEvent(ClusterNode node, Lines.Event line) {
    }

    private record ExitEvent(ClusterNode node, int code) {
    }

    private record SignalEvent() {
    }

    private ClusterCommand(ClusterPlan plan, boolean netns, long timeoutMs, PrintStream out, PrintStream err) {
        this.plan = plan;
        this.netns = netns;
        this.timeoutMs = timeoutMs;
        this.deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        this.out = out;
        this.err = err;
        this.progress = new Progress(err, err == System.err && Progress.stderrIsTerminal(), plan.requests(),
                plan.totalBytes());
        this.tally = new ClusterTally(plan, progress, this::attributeToDecodeExit);
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) throws UsageException, CommandFailure {
        Args args = Args.parse("cluster", argv, Set.of("prefill", "decode", "tp", "requests", "chunks", "chunk-bytes",
                "window", "timeout", "req-id-prefix"), Set.of("no-netns"));
        args.required("prefill");
        args.required("decode");
        int prefill = args.integer("prefill", 1, 1, ClusterPlan.MAX_NODES);
        int decode = args.integer("decode", 1, 1, ClusterPlan.MAX_NODES);
        int tp = args.integer("tp", 1, 1, ClusterPlan.MAX_TP);
        Workload w = SenderCommand.workload(args, Workload.uniquePrefix("cluster"));
        if ((long) w.window() * w.chunks() * tp * w.chunkBytes() > (16L << 30)) {
            throw new UsageException(
                    "--window x --chunks x --tp x --chunk-bytes must be at most 16 GiB of chunk memory");
        }
        long timeoutMs = args.millis("timeout", 300_000, 86_400);
        String tcp = TransferChannels.unsupportedReason(ChannelKind.TCP);
        if (tcp != null) {
            throw new UsageException("the cluster runs over tcp, which this machine lacks: " + tcp);
        }
        boolean netns = !args.flag("no-netns") && NetworkNamespaces.runningAsRoot();
        if (netns) {
            String why = NetworkNamespaces.unavailableReason();
            if (why != null) {
                throw new CommandFailure("running as root, so the nodes go in network namespaces, but " + why
                        + " (or pass --no-netns)");
            }
        }
        ClusterPlan plan = new ClusterPlan(prefill, decode, tp, w.requests(), w.chunks(), w.chunkBytes(), w.window(),
                w.reqIdPrefix());
        return new ClusterCommand(plan, netns, timeoutMs, out, err).execute();
    }

    // ------------------------------------------------------------------------------------------ lifecycle

    private int execute() throws CommandFailure {
        java.util.logging.Logger quiet = java.util.logging.Logger.getLogger("io.kvcourier");
        java.util.logging.Level before = quiet.getLevel();
        quiet.setLevel(java.util.logging.Level.WARNING);
        Path logs;
        try {
            logs = Files.createTempDirectory("kvcourier-cluster-");
        } catch (IOException e) {
            quiet.setLevel(before);
            throw new CommandFailure("cannot create a log directory: " + e.getMessage(), e);
        }
        Thread hook = new Thread(this::onSignal, "kvcourier-cluster-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            out.println("kvcourier cluster: " + plan.prefill() + " prefill x " + plan.decode() + " decode nodes, TP "
                    + plan.tp() + "; " + plan.requests() + " requests x " + plan.chunks() + " chunks x " + plan.tp()
                    + " ranks x " + Doctor.human(plan.chunkBytes()) + " = " + Doctor.human(plan.totalBytes())
                    + " over tcp");
            out.flush();
            try {
                runCluster(logs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                problem("interrupted");
            } catch (RuntimeException | IOException e) {
                problem(e instanceof IOException || e instanceof IllegalStateException ? e.getMessage() : e.toString());
            } finally {
                progress.finish();
                cleanUp();
            }
            return tally.report(out, err, logs, finished(), netns);
        } finally {
            cleaned.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook runs and returns now that the cleanup is done
            }
            quiet.setLevel(before);
        }
    }

    /** SIGINT/SIGTERM: tell the coordinator, wait (bounded) for its cleanup, then make sure it happened. */
    private void onSignal() {
        events.add(new SignalEvent());
        try {
            cleaned.await(STOP_BOUND.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        cleanUp();
    }

    /** Kills every child that still runs and deletes the namespaces. Idempotent; any thread. */
    private synchronized void cleanUp() {
        if (cleanedUp) {
            return;
        }
        cleanedUp = true;
        List<ClusterNode> all;
        synchronized (nodes) {
            all = new ArrayList<>(nodes);
        }
        for (ClusterNode n : all) {
            n.stopping = true;
            if (n.jvm != null && n.jvm.process().isAlive()) {
                n.jvm.process().destroyForcibly();
            }
        }
        for (ClusterNode n : all) {
            if (n.jvm != null) {
                n.jvm.close(); // waits for the kill
            }
        }
        if (network != null) {
            for (String p : network.closeReporting()) {
                tally.cleanupProblem(p);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ the run

    private void runCluster(Path logs) throws InterruptedException, IOException {
        Map<String, String> addresses = new LinkedHashMap<>();
        ClusterNode proxy = new ClusterNode("proxy", "proxy", 0, address(2));
        addresses.put(proxy.name, proxy.address);
        for (int d = 0; d < plan.decode(); d++) {
            ClusterNode n = new ClusterNode("decode-" + d, "decode", d, address(100 + d));
            decodes.add(n);
            addresses.put(n.name, n.address);
        }
        List<ClusterNode> prefills = new ArrayList<>();
        for (int p = 0; p < plan.prefill(); p++) {
            ClusterNode n = new ClusterNode("prefill-" + p, "prefill", p, netns ? address(10 + p) : "127.0.0.1");
            prefills.add(n);
            if (netns) {
                addresses.put(n.name, n.address);
            }
        }
        if (!placeNodes(addresses)) {
            return;
        }
        start(proxy, List.of("proxy", "--host", proxy.address, "--port", "0", "--stop-on-stdin-eof"), logs);
        for (ClusterNode d : decodes) {
            start(d, List.of("receiver", "--config", Json.write(ClusterConfigs.receiver(plan, d.address)),
                    "--stop-on-stdin-eof"), logs);
        }
        if (!awaitReady(proxy)) {
            return;
        }
        for (ClusterNode d : decodes) {
            if (!awaitReady(d)) {
                return;
            }
        }
        progress.start();
        startPrefills(prefills, proxy, logs);
        while (!tally.hasProblems() && !finished()) {
            handle(next("the transfer"));
        }
        if (!tally.hasProblems()) {
            stopAndCheck(proxy);
        }
    }

    /**
     * Creates the network namespaces (as root) or says which loopback addresses the nodes use.
     *
     * @return false if the run was stopped meanwhile
     */
    private boolean placeNodes(Map<String, String> addresses) {
        if (netns) {
            List<String> stale = NetworkNamespaces.removeStale();
            if (!stale.isEmpty()) {
                out.println("kvcourier cluster: removed network namespaces left by a run that is gone: "
                        + String.join(", ", stale));
            }
            synchronized (this) {
                if (cleanedUp) {
                    return false;
                }
                network = NetworkNamespaces.create(addresses);
            }
            out.println("kvcourier cluster: network namespaces " + NetworkNamespaces.namespaceName(
                    ProcessHandle.current().pid(), "*") + ", one per node, on a veth bridge (in its own namespace) in "
                    + NetworkNamespaces.SUBNET + "; nothing in the root namespace");
        } else {
            out.println("kvcourier cluster: loopback addresses (" + (NetworkNamespaces.runningAsRoot() ? "--no-netns"
                    : "not root, so no network namespaces") + "): proxy 127.0.0.2, decode nodes 127.0.0.100..");
        }
        out.flush();
        return true;
    }

    /** Starts the prefill nodes, each told every decode node's ports and the time left. */
    private void startPrefills(List<ClusterNode> prefills, ClusterNode proxy, Path logs) throws IOException {
        List<DecodeTarget> targets = new ArrayList<>();
        for (ClusterNode d : decodes) {
            targets.add(new DecodeTarget(d.address, ports(d.ready.get("init")), ports(d.ready.get("alloc"))));
        }
        int proxyPort = Integer.parseInt(proxy.ready.get("port"));
        String senderConfig = Json.write(ClusterConfigs.sender(plan, proxy.address, proxyPort));
        long leftMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
        for (ClusterNode p : prefills) {
            start(p, List.of("cluster-prefill", "--config", senderConfig, "--targets", DecodeTarget.formatAll(targets),
                    "--node", String.valueOf(p.index), "--prefill", String.valueOf(plan.prefill()), "--tp",
                    String.valueOf(plan.tp()), "--requests", String.valueOf(plan.requests()), "--chunks",
                    String.valueOf(plan.chunks()), "--chunk-bytes", String.valueOf(plan.chunkBytes()), "--window",
                    String.valueOf(plan.window()), "--req-id-prefix", plan.reqIdPrefix(), "--timeout",
                    String.format(Locale.ROOT, "%.3f", leftMs / 1000.0)), logs);
            printNode(p);
        }
    }

    /** Everything arrived: stops the decode nodes and the proxy and checks the counts of their DONE lines. */
    private void stopAndCheck(ClusterNode proxy) throws InterruptedException {
        List<ClusterNode> stopping = new ArrayList<>(decodes);
        stopping.add(proxy);
        for (ClusterNode n : stopping) {
            n.stopping = true;
            n.jvm.closeStdin();
        }
        while (!tally.hasProblems() && stopping.stream().anyMatch(n -> n.exitCode == null)) {
            handle(next("the decode nodes and the proxy to stop"));
        }
        if (tally.hasProblems()) {
            return;
        }
        tally.checkStopped(decodes, proxy);
    }

    private boolean finished() {
        return prefillsExited == plan.prefill() && tally.complete();
    }

    private String address(int last) {
        return (netns ? "10.213.0." : "127.0.0.") + last;
    }

    private void start(ClusterNode n, List<String> args, Path logs) throws IOException {
        List<String> prefix = network == null ? List.of() : network.exec(n.name);
        synchronized (this) {
            if (cleanedUp) {
                throw new IllegalStateException("stopped before " + n.name + " started");
            }
            n.jvm = ChildJvm.start(n.name, prefix, args, logs, line -> events.add(new LineEvent(n, line)));
            nodes.add(n);
        }
        n.jvm.onExit(code -> events.add(new ExitEvent(n, code)));
    }

    private void printNode(ClusterNode n) {
        String line = Lines.format("NODE", "name", n.name, "pid", n.jvm.process().pid(), "addr", n.address);
        if (network != null) {
            line += Lines.format("", "netns", network.namespace(n.name));
        }
        out.println(line);
        out.flush();
    }

    private boolean awaitReady(ClusterNode n) throws InterruptedException {
        while (!tally.hasProblems() && n.ready == null) {
            handle(next(n.name + " to start"));
        }
        if (n.ready != null) {
            printNode(n);
        }
        return !tally.hasProblems();
    }

    /** The next event, or a problem saying what was awaited when the deadline passed. */
    private Object next(String awaiting) throws InterruptedException {
        long left = deadlineNanos - System.nanoTime();
        Object e = left > 0 ? events.poll(left, TimeUnit.NANOSECONDS) : null;
        if (e == null) {
            problem("timed out after " + timeoutMs / 1000.0 + " s waiting for " + awaiting + " (" + tally.counts()
                    + ")");
        }
        return e;
    }

    private void handle(Object e) {
        switch (e) {
            case null -> { }
            case SignalEvent s -> problem("stopped by a signal (SIGINT/SIGTERM)");
            case ExitEvent x -> exited(x.node(), x.code());
            case LineEvent l -> line(l.node(), l.line());
            default -> throw new IllegalStateException("unknown event " + e);
        }
    }

    private void exited(ClusterNode n, int code) {
        n.exitCode = code;
        if (n.role.equals("prefill")) {
            prefillsExited++;
            if (code != 0) {
                problem(n.name + " (pid " + n.jvm.process().pid() + ") exited with " + code + ": " + n.jvm.logTail(3));
            }
        } else if (!n.stopping) {
            problem(n.unexpectedExit(code));
        }
    }

    /**
     * A request to decode node {@code d} failed: if that node is dying (a request fails as soon as its connection
     * resets, possibly before the node's exit reaches this process), its death is the cause and is reported first.
     */
    private void attributeToDecodeExit(int d) {
        if (d < 0 || d >= decodes.size() || decodes.get(d).jvm == null) {
            return;
        }
        ClusterNode node = decodes.get(d);
        try {
            if (node.exitCode == null
                    && node.jvm.process().waitFor(ATTRIBUTION_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                node.exitCode = node.jvm.process().exitValue();
                problem(node.unexpectedExit(node.exitCode));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void line(ClusterNode n, Lines.Event l) {
        switch (l.word()) {
            case "READY" -> n.ready = l;
            case "DONE" -> n.done = l;
            case "STORED" -> tally.stored(n, l);
            case "VERIFIED" -> tally.verified(n, l);
            case "NOTIF" -> tally.notified(l);
            default -> { }
        }
    }

    private void problem(String p) {
        tally.problem(p);
    }

    private static List<Integer> ports(String csv) {
        return Arrays.stream(csv.split(",")).map(Integer::valueOf).toList();
    }
}
