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
              (checksums of key-derived content), and the proxy must get exactly one notification per request and
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

    /**
     * The adapters' allocation, handshake, transfer and notify deadlines. Generous: a node that dies is seen by its
     * exit at once, so these only bound a stall, and a busy machine running several JVMs per core must not fail a
     * healthy run (the whole run is bounded by --timeout).
     */
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SHUTDOWN = Duration.ofSeconds(3);
    private static final Duration STOP_BOUND = Duration.ofSeconds(30);
    /** How long a failed request waits for its decode node's exit, to report a dying node as the cause. */
    private static final Duration ATTRIBUTION_WAIT = Duration.ofSeconds(2);
    private static final long RECEIVER_BUFFER_CAP = 512L << 20;

    private final ClusterPlan plan;
    private final boolean netns;
    private final long deadlineNanos;
    private final long timeoutMs;
    private final PrintStream out;
    private final PrintStream err;
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final List<Node> nodes = Collections.synchronizedList(new ArrayList<>());
    private final List<Node> decodes = new ArrayList<>();
    private final CountDownLatch cleaned = new CountDownLatch(1);
    private final Progress progress;
    private NetworkNamespaces network;
    private boolean cleanedUp;

    // Run state: touched only by the coordinating thread.
    private final List<String> problems = new ArrayList<>();
    private final long[] verifiedBytes;
    private final int[] notifications;
    private final long[] doneMicros;
    private final long[] notifiedMicros;
    private final List<Long> latencies = new ArrayList<>();
    private int stored;
    private int verifiedRequests;
    private int notifiedRequests;
    private int prefillsExited;
    private long bytesCommitted;
    private long firstSubmitMicros = Long.MAX_VALUE;
    private long lastDoneMicros;
    private long totalNotifications;

    /** One child JVM. */
    private static final class Node {
        final String name;
        final String role; // proxy, decode, prefill
        final int index;
        final String address;
        ChildJvm jvm;
        Lines.Event ready;
        Lines.Event done;
        volatile boolean stopping;
        Integer exitCode;

        Node(String name, String role, int index, String address) {
            this.name = name;
            this.role = role;
            this.index = index;
            this.address = address;
        }
    }

    private record LineEvent(Node node, Lines.Event line) {
    }

    private record ExitEvent(Node node, int code) {
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
        this.verifiedBytes = new long[plan.requests()];
        this.notifications = new int[plan.requests()];
        this.doneMicros = new long[plan.requests()];
        this.notifiedMicros = new long[plan.requests()];
        this.progress = new Progress(err, err == System.err && Progress.stderrIsTerminal(), plan.requests(),
                plan.totalBytes());
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
            return summarize(logs);
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
        List<Node> all;
        synchronized (nodes) {
            all = new ArrayList<>(nodes);
        }
        for (Node n : all) {
            n.stopping = true;
            if (n.jvm != null && n.jvm.process().isAlive()) {
                n.jvm.process().destroyForcibly();
            }
        }
        for (Node n : all) {
            if (n.jvm != null) {
                n.jvm.close(); // waits for the kill
            }
        }
        if (network != null) {
            for (String p : network.closeReporting()) {
                problems.add("cleanup: " + p);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ the run

    private void runCluster(Path logs) throws InterruptedException, IOException {
        Map<String, String> addresses = new LinkedHashMap<>();
        Node proxy = new Node("proxy", "proxy", 0, address(2));
        addresses.put(proxy.name, proxy.address);
        for (int d = 0; d < plan.decode(); d++) {
            Node n = new Node("decode-" + d, "decode", d, address(100 + d));
            decodes.add(n);
            addresses.put(n.name, n.address);
        }
        List<Node> prefills = new ArrayList<>();
        for (int p = 0; p < plan.prefill(); p++) {
            Node n = new Node("prefill-" + p, "prefill", p, netns ? address(10 + p) : "127.0.0.1");
            prefills.add(n);
            if (netns) {
                addresses.put(n.name, n.address);
            }
        }
        if (netns) {
            List<String> stale = NetworkNamespaces.removeStale();
            if (!stale.isEmpty()) {
                out.println("kvcourier cluster: removed network namespaces left by a run that is gone: "
                        + String.join(", ", stale));
            }
            synchronized (this) {
                if (cleanedUp) {
                    return;
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

        start(proxy, List.of("proxy", "--host", proxy.address, "--port", "0", "--stop-on-stdin-eof"), logs);
        for (Node d : decodes) {
            start(d, List.of("receiver", "--config", Json.write(receiverConfig(d.address)), "--stop-on-stdin-eof"),
                    logs);
        }
        if (!awaitReady(proxy)) {
            return;
        }
        for (Node d : decodes) {
            if (!awaitReady(d)) {
                return;
            }
        }
        List<DecodeTarget> targets = new ArrayList<>();
        for (Node d : decodes) {
            targets.add(new DecodeTarget(d.address, ports(d.ready.get("init")), ports(d.ready.get("alloc"))));
        }
        String senderConfig = Json.write(senderConfig(proxy.address, Integer.parseInt(proxy.ready.get("port"))));
        long leftMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
        progress.start();
        for (Node p : prefills) {
            start(p, List.of("cluster-prefill", "--config", senderConfig, "--targets", DecodeTarget.formatAll(targets),
                    "--node", String.valueOf(p.index), "--prefill", String.valueOf(plan.prefill()), "--tp",
                    String.valueOf(plan.tp()), "--requests", String.valueOf(plan.requests()), "--chunks",
                    String.valueOf(plan.chunks()), "--chunk-bytes", String.valueOf(plan.chunkBytes()), "--window",
                    String.valueOf(plan.window()), "--req-id-prefix", plan.reqIdPrefix(), "--timeout",
                    String.format(Locale.ROOT, "%.3f", leftMs / 1000.0)), logs);
            printNode(p);
        }
        while (problems.isEmpty() && !finished()) {
            handle(next("the transfer"));
        }
        if (!problems.isEmpty()) {
            return;
        }
        // Everything arrived: stop the decode nodes and the proxy; their DONE lines give the final counts.
        List<Node> stopping = new ArrayList<>(decodes);
        stopping.add(proxy);
        for (Node n : stopping) {
            n.stopping = true;
            n.jvm.closeStdin();
        }
        while (problems.isEmpty() && stopping.stream().anyMatch(n -> n.exitCode == null)) {
            handle(next("the decode nodes and the proxy to stop"));
        }
        if (!problems.isEmpty()) {
            return;
        }
        for (Node d : decodes) {
            if (d.exitCode != 0 || d.done == null || !d.done.get("failed_chunks").equals("0")) {
                problem(d.name + " exited with " + d.exitCode + " ("
                        + (d.done == null ? "no DONE line" : d.done.fields())
                        + "); its log " + d.jvm.log() + " ends with:\n" + d.jvm.logTail(5));
            }
        }
        long expected = (long) plan.requests() * plan.tp();
        if (proxy.done == null || proxy.done.longValue("notifications") != expected
                || proxy.done.longValue("malformed") != 0) {
            problem("the proxy counted " + (proxy.done == null ? "nothing (no DONE line)" : proxy.done.fields())
                    + ", expected exactly " + expected + " notifications (" + plan.tp() + " per request)");
        }
    }

    private boolean finished() {
        return prefillsExited == plan.prefill() && stored == plan.requests() && verifiedRequests == plan.requests()
                && notifiedRequests == plan.requests();
    }

    private String address(int last) {
        return (netns ? "10.213.0." : "127.0.0.") + last;
    }

    private void start(Node n, List<String> args, Path logs) throws IOException {
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

    private void printNode(Node n) {
        String line = Lines.format("NODE", "name", n.name, "pid", n.jvm.process().pid(), "addr", n.address);
        if (network != null) {
            line += Lines.format("", "netns", network.namespace(n.name));
        }
        out.println(line);
        out.flush();
    }

    private boolean awaitReady(Node n) throws InterruptedException {
        while (problems.isEmpty() && n.ready == null) {
            handle(next(n.name + " to start"));
        }
        if (n.ready != null) {
            printNode(n);
        }
        return problems.isEmpty();
    }

    /** The next event, or a problem saying what was awaited when the deadline passed. */
    private Object next(String awaiting) throws InterruptedException {
        long left = deadlineNanos - System.nanoTime();
        Object e = left > 0 ? events.poll(left, TimeUnit.NANOSECONDS) : null;
        if (e == null) {
            problem("timed out after " + timeoutMs / 1000.0 + " s waiting for " + awaiting + " (" + stored + " of "
                    + plan.requests() + " requests stored, " + verifiedRequests + " verified, " + notifiedRequests
                    + " notified)");
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

    private void exited(Node n, int code) {
        n.exitCode = code;
        if (n.role.equals("prefill")) {
            prefillsExited++;
            if (code != 0) {
                problem(n.name + " (pid " + n.jvm.process().pid() + ") exited with " + code + ": " + n.jvm.logTail(3));
            }
        } else if (!n.stopping) {
            problem(unexpectedExit(n, code));
        }
    }

    private static String unexpectedExit(Node n, int code) {
        return n.name + " (pid " + n.jvm.process().pid() + ") exited unexpectedly with " + code
                + (code == 137 || code == 143 ? " (killed)" : "") + "; its log " + n.jvm.log() + " ends with:\n"
                + n.jvm.logTail(5);
    }

    /**
     * A request to decode node {@code d} failed: if that node is dying (a request fails as soon as its connection
     * resets, possibly before the node's exit reaches this process), its death is the cause and is reported first.
     */
    private void attributeToDecodeExit(int d) {
        if (d < 0 || d >= decodes.size() || decodes.get(d).jvm == null) {
            return;
        }
        Node node = decodes.get(d);
        try {
            if (node.exitCode == null
                    && node.jvm.process().waitFor(ATTRIBUTION_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                node.exitCode = node.jvm.process().exitValue();
                problem(unexpectedExit(node, node.exitCode));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void line(Node n, Lines.Event l) {
        switch (l.word()) {
            case "READY" -> n.ready = l;
            case "DONE" -> n.done = l;
            case "STORED" -> stored(n, l);
            case "VERIFIED" -> verified(n, l);
            case "NOTIF" -> notified(l);
            default -> { }
        }
    }

    private int request(String reqId, Node from) {
        int i = plan.indexOf(reqId);
        if (i < 0) {
            problem(from.name + " reported request '" + reqId + "', which is not one of this run's");
        }
        return i;
    }

    private void stored(Node n, Lines.Event l) {
        int i = request(l.get("req"), n);
        if (i < 0) {
            return;
        }
        if (!Boolean.parseBoolean(l.get("ok"))) {
            attributeToDecodeExit(Integer.parseInt(l.get("decode")));
            problem("request " + l.get("req") + " from " + n.name + " to decode-" + l.get("decode")
                    + " was not committed: " + l.fields().getOrDefault("problem", "see " + n.jvm.log()));
            return;
        }
        if (Integer.parseInt(l.get("decode")) != plan.decodeOf(i) || plan.prefillOf(i) != n.index) {
            problem("request " + l.get("req") + " was stored by " + n.name + " to decode-" + l.get("decode")
                    + "; the plan says prefill-" + plan.prefillOf(i) + " to decode-" + plan.decodeOf(i));
            return;
        }
        stored++;
        long bytes = l.longValue("bytes");
        bytesCommitted += bytes;
        long submit = l.longValue("submit_us");
        long done = l.longValue("done_us");
        firstSubmitMicros = Math.min(firstSubmitMicros, submit);
        lastDoneMicros = Math.max(lastDoneMicros, done);
        doneMicros[i] = done;
        latencies.add(l.longValue("latency_us"));
        progress.update(stored, bytesCommitted);
    }

    private void verified(Node n, Lines.Event l) {
        int i = request(l.get("req"), n);
        if (i < 0) {
            return;
        }
        if (!Boolean.parseBoolean(l.get("ok"))) {
            problem(n.name + " could not verify request " + l.get("req") + ": "
                    + l.fields().getOrDefault("problem", "(no reason given)"));
            return;
        }
        if (n.index != plan.decodeOf(i)) {
            problem("request " + l.get("req") + " landed on " + n.name + " but was routed to decode-"
                    + plan.decodeOf(i));
            return;
        }
        verifiedBytes[i] += l.longValue("bytes");
        if (verifiedBytes[i] > plan.bytesPerRequest()) {
            problem(n.name + " verified " + verifiedBytes[i] + " bytes of request " + l.get("req") + ", which has "
                    + plan.bytesPerRequest());
        } else if (verifiedBytes[i] == plan.bytesPerRequest()) {
            verifiedRequests++;
        }
    }

    private void notified(Lines.Event l) {
        String reqId = l.get("req");
        int i = plan.indexOf(reqId);
        totalNotifications++;
        if (i < 0) {
            problem("the proxy got a notification for '" + reqId + "', which is not one of this run's requests");
            return;
        }
        notifications[i]++;
        if (notifications[i] > plan.tp()) {
            problem("the proxy got " + notifications[i] + " notifications for " + reqId + ", expected one per rank ("
                    + plan.tp() + ")");
        } else if (notifications[i] == plan.tp()) {
            notifiedRequests++;
            notifiedMicros[i] = l.longValue("at_us");
        }
    }

    private void problem(String p) {
        if (problems.size() < 20) {
            problems.add(p);
        }
    }

    // ------------------------------------------------------------------------------------------ configs

    private Map<String, Object> baseConfig(String role, String peerHost) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "pd");
        m.put("role", role);
        m.put("peer_host", peerHost);
        m.put("transfer_channel", "tcp");
        m.put("chunk_bytes", plan.chunkBytes());
        m.put("allocation_timeout_sec", STEP_TIMEOUT.toSeconds());
        m.put("transfer_timeout_sec", STEP_TIMEOUT.toSeconds());
        m.put("handshake_timeout_sec", STEP_TIMEOUT.toSeconds());
        m.put("shutdown_timeout_sec", SHUTDOWN.toSeconds());
        m.put("notify_timeout_sec", STEP_TIMEOUT.toSeconds());
        return m;
    }

    private Map<String, Object> receiverConfig(String address) {
        Map<String, Object> m = baseConfig("receiver", address);
        m.put("peer_init_port", Collections.nCopies(plan.tp(), 0));
        m.put("peer_alloc_port", Collections.nCopies(plan.tp(), 0));
        m.put("bind_host", address);
        m.put("proxy_port", 0);
        // Room for what every prefill node may have in flight to this node twice over, and for its whole share up to
        // a cap, so that admission rarely needs to evict a committed batch before the decode side locks it.
        long inFlight = 2L * plan.prefill() * plan.window() * plan.bytesPerRequest();
        long share = (long) plan.requestsOfDecode(0) * plan.bytesPerRequest();
        m.put("buffer_size", Math.max(inFlight, Math.min(share, RECEIVER_BUFFER_CAP)));
        return m;
    }

    private Map<String, Object> senderConfig(String proxyHost, int proxyPort) {
        Map<String, Object> m = baseConfig("sender", "127.0.0.1"); // unused: each request names its decode node
        m.put("peer_init_port", Collections.nCopies(plan.tp(), 1));
        m.put("peer_alloc_port", Collections.nCopies(plan.tp(), 1));
        m.put("proxy_host", proxyHost);
        m.put("proxy_port", proxyPort);
        m.put("buffer_size", (long) plan.window() * plan.bytesPerRequest());
        return m;
    }

    private static List<Integer> ports(String csv) {
        return Arrays.stream(csv.split(",")).map(Integer::valueOf).toList();
    }

    // ------------------------------------------------------------------------------------------ summary

    private int summarize(Path logs) {
        boolean ok = problems.isEmpty() && finished();
        if (ok && problems.isEmpty()) {
            deleteQuietly(logs);
        }
        double secs = lastDoneMicros > firstSubmitMicros ? (lastDoneMicros - firstSubmitMicros) / 1e6 : 0;
        long[] lat = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        List<Long> nl = new ArrayList<>();
        for (int i = 0; i < plan.requests(); i++) {
            if (notifiedMicros[i] > 0 && doneMicros[i] > 0) {
                nl.add(Math.max(0, notifiedMicros[i] - doneMicros[i]));
            }
        }
        long[] notifyLat = nl.stream().mapToLong(Long::longValue).sorted().toArray();
        long verified = Arrays.stream(verifiedBytes).sum();
        double bps = secs > 0 ? bytesCommitted / secs : 0;
        SummaryTable t = new SummaryTable()
                .row("nodes", plan.prefill() + " prefill, " + plan.decode() + " decode (TP " + plan.tp() + "), "
                        + (netns ? "network namespaces on a veth bridge" : "loopback addresses"))
                .row("requests committed", stored + " / " + plan.requests())
                .row("bytes verified", verified + " of " + plan.totalBytes() + " (" + Doctor.human(verified)
                        + ", crc32c per chunk, on the decode node each request was routed to)")
                .row("requests verified", verifiedRequests + " / " + plan.requests())
                .row("notifications", totalNotifications + " (" + notifiedRequests + " / " + plan.requests()
                        + " requests with exactly " + plan.tp() + ", one per rank)")
                .row("throughput", secs > 0 ? String.format(Locale.ROOT, "%s (%.3f GiB/s), %s in %.2f s, all nodes",
                        Progress.rate(bps), bps / (1L << 30), Doctor.human(bytesCommitted), secs) : "n/a")
                .row("request latency p50", millis(DemoStats.percentile(lat, 50)))
                .row("request latency p99", millis(DemoStats.percentile(lat, 99)))
                .row("notify latency p50", millis(DemoStats.percentile(notifyLat, 50)))
                .row("notify latency p99", millis(DemoStats.percentile(notifyLat, 99)))
                .row("result", ok ? "OK: every byte verified, every request notified once per rank" : "FAILED");
        t.print(out);
        out.println(Lines.format("RESULT", "ok", ok, "requests", plan.requests(), "stored", stored, "verified_requests",
                verifiedRequests, "verified_bytes", verified, "notifications", totalNotifications, "seconds",
                String.format(Locale.ROOT, "%.3f", secs), "throughput_bps", Math.round(bps), "p50_us",
                DemoStats.percentile(lat, 50), "p99_us", DemoStats.percentile(lat, 99)));
        out.flush();
        for (String p : problems) {
            err.println("kvcourier cluster: " + p);
        }
        if (!ok) {
            if (problems.isEmpty()) {
                err.println("kvcourier cluster: the run ended before every request was committed, verified and"
                        + " notified");
            }
            err.println("kvcourier cluster: child logs are in " + logs);
        }
        return ok ? Main.EXIT_OK : Main.EXIT_FAILURE;
    }

    private static String millis(long micros) {
        return micros < 0 ? "n/a" : String.format(Locale.ROOT, "%.3f ms", micros / 1000.0);
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a temp directory left behind is harmless
        }
    }
}
