package io.kvcourier.cli;

import io.kvcourier.channel.ChannelKind;
import io.kvcourier.channel.TransferChannels;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code kvcourier demo}: a receiver, a proxy and a sender (separate JVMs by default, or one with
 * {@code --in-process}) move a workload of key-derived random bytes; every chunk is verified on the decode side,
 * every request's notification is awaited, a progress bar runs on stderr, and a summary table ends on stdout.
 * Exit 0 only if every byte was verified (and, with the embedded proxy, every request was notified).
 */
final class DemoCommand {
    static final String USAGE = """
            usage: kvcourier demo [--requests N] [--chunks M] [--chunk-bytes B] [--window W] [--warmup K]
                                  [--staging] [--in-process] [--channel tcp|verbs|mock_memory]
                                  [--proxy-host H --proxy-port P] [--timeout SEC]
              Starts a receiver (decode), a proxy listener and a sender (prefill) and moves N requests of M chunks
              of B bytes of random data; the receiver loads and verifies every byte of every chunk; the proxy waits
              for each request's ProxyNotif. Prints a progress bar (stderr) and a summary table (stdout). Between
              two JVMs it then pumps the same bytes over a plain TCP socket between the same two processes and
              prints that raw pump's throughput beside kvcourier's.
              --requests N        requests (default 64)
              --chunks M          chunks per request (default 8)
              --chunk-bytes B     bytes per chunk, e.g. 2MiB, 256K (default 2MiB)
              --window W          requests in flight (default 4)
              --warmup K          the first K requests warm the JVMs and connections up: verified like the others,
                                  the rest submitted once they have finished, left out of the throughput and
                                  latency rows (default N/4, at most 16)
              --staging           chunks copied into the sender's staging buffer (sender_zero_copy: false; default:
                                  the chunk memory is registered with registerMemory and sent from where it lies,
                                  as a runtime that registers its KV pool)
              --in-process        receiver, proxy and sender in this JVM (default: receiver and sender are separate
                                  JVMs, started with this JVM's java and class path)
              --channel C         transfer channel: tcp (the default), verbs (RDMA; needs a device, see
                                  kvcourier doctor) or mock_memory (in-process only)
              --proxy-host H      send notifications to an external proxy at H (default 127.0.0.1 with
              --proxy-port P        --proxy-port) instead of the embedded one; their latency is then not measured
              --timeout SEC       bound on the whole transfer (default 300)
            exit 0 only if every byte was verified and every request notified; 1 otherwise; 2 for bad arguments.
            """;

    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration SHUTDOWN = Duration.ofSeconds(3);
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final long RECEIVER_BUFFER_CAP = 4L << 30;
    private static final int MAX_WARMUP = 16;

    private final Workload workload;
    private final String channel;
    private final boolean inProcess;
    private final String proxyHost;
    private final int proxyPort;
    private final long timeoutMs;
    private final PrintStream out;
    private final PrintStream err;
    private final DemoStats stats;
    private final Progress progress;
    /** The raw pump between the receiver and sender JVMs (two-JVM mode): its result or its error. */
    private volatile RawPump.Result rawPump;
    private volatile String rawPumpError;

    private DemoCommand(Workload workload, String channel, boolean inProcess, String proxyHost, int proxyPort,
                        long timeoutMs, PrintStream out, PrintStream err) {
        this.workload = workload;
        this.channel = channel;
        this.inProcess = inProcess;
        this.proxyHost = proxyHost;
        this.proxyPort = proxyPort;
        this.timeoutMs = timeoutMs;
        this.out = out;
        this.err = err;
        this.stats = new DemoStats(workload);
        this.progress = new Progress(err, err == System.err && Progress.stderrIsTerminal(), workload.requests(),
                workload.totalBytes());
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) throws UsageException, CommandFailure {
        Args args = Args.parse("demo", argv, Set.of("requests", "chunks", "chunk-bytes", "window", "req-id-prefix",
                "channel", "proxy-host", "proxy-port", "timeout", "warmup"), Set.of("in-process", "staging"));
        Workload w = SenderCommand.workload(args, Workload.uniquePrefix("demo"),
                requests -> Math.min(MAX_WARMUP, requests / 4), true);
        boolean tcpHere = TransferChannels.unsupportedReason(ChannelKind.TCP) == null;
        String channel = args.string("channel", tcpHere ? "tcp" : "mock_memory");
        if (!channel.equals("tcp") && !channel.equals("mock_memory") && !channel.equals("verbs")) {
            throw new UsageException("--channel must be tcp, verbs or mock_memory, got '" + channel + "'");
        }
        if (channel.equals("verbs") && TransferChannels.unsupportedReason(ChannelKind.VERBS) != null) {
            throw new UsageException("--channel verbs: " + TransferChannels.unsupportedReason(ChannelKind.VERBS));
        }
        boolean inProcess = args.flag("in-process");
        if (channel.equals("mock_memory") && !inProcess) {
            if (args.has("channel")) {
                throw new UsageException("--channel mock_memory works only within one JVM: add --in-process");
            }
            inProcess = true;
        }
        if (channel.equals("tcp") && !tcpHere) {
            throw new UsageException("--channel tcp: " + TransferChannels.unsupportedReason(ChannelKind.TCP));
        }
        if (args.has("proxy-host") && !args.has("proxy-port")) {
            throw new UsageException("--proxy-host needs --proxy-port");
        }
        String proxyHost = args.string("proxy-host", "127.0.0.1");
        int proxyPort = args.integer("proxy-port", 0, 1, 65_535);
        long timeoutMs = args.millis("timeout", 300_000, 86_400);
        if (w.totalBytes() > RECEIVER_BUFFER_CAP) {
            err.println("kvcourier demo: the workload is larger than the receiver's "
                    + Doctor.human(RECEIVER_BUFFER_CAP)
                    + " buffer: if decoding falls behind, committed chunks may be evicted before they are verified");
        }
        if (!tcpHere && !args.has("channel")) {
            err.println("kvcourier demo: this build has no tcp channel, so the demo runs in one JVM over mock_memory");
        }
        return new DemoCommand(w, channel, inProcess, proxyHost, proxyPort, timeoutMs, out, err).run();
    }

    private int run() throws CommandFailure {
        // The adapters' INFO lines would break the progress bar; warnings still show.
        java.util.logging.Logger quiet = java.util.logging.Logger.getLogger("io.kvcourier");
        java.util.logging.Level before = quiet.getLevel();
        quiet.setLevel(java.util.logging.Level.WARNING);
        try {
            return runQuietly();
        } finally {
            quiet.setLevel(before);
        }
    }

    private int runQuietly() throws CommandFailure {
        out.println("kvcourier demo: " + workload.requests() + " requests x " + workload.chunks() + " chunks x "
                + Doctor.human(workload.chunkBytes()) + " = " + Doctor.human(workload.totalBytes()) + " over "
                + channel + (inProcess ? " in one JVM" : " between two JVMs (receiver, sender)") + "; proxy "
                + (proxyPort == 0 ? "embedded" : "external at " + proxyHost + ":" + proxyPort) + "; chunks "
                + (workload.registered() ? "in registered memory (zero-copy)" : "copied into staging")
                + (workload.warmup() > 0 ? "; the first " + workload.warmup() + " requests warm up" : ""));
        out.flush();
        try (EmbeddedProxy proxy = proxyPort == 0 ? EmbeddedProxy.start(stats) : null) {
            String host = proxy == null ? proxyHost : "127.0.0.1";
            int port = proxy == null ? proxyPort : proxy.port();
            if (inProcess) {
                runInProcess(host, port);
            } else {
                runSeparate(host, port);
            }
            if (proxy != null) {
                awaitNotifications();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stats.problem("interrupted");
        } finally {
            progress.finish();
        }
        return summarize(proxyPort == 0);
    }

    // ------------------------------------------------------------------------------------------- configs

    private Map<String, Object> baseConfig(String role) {
        return Adapters.pdConfig(role, "127.0.0.1", channel, workload.chunkBytes(), STEP_TIMEOUT, SHUTDOWN);
    }

    private Map<String, Object> receiverConfig() {
        Map<String, Object> m = baseConfig("receiver");
        m.put("peer_init_port", List.of(0));
        m.put("peer_alloc_port", List.of(0));
        m.put("bind_host", "127.0.0.1");
        m.put("proxy_port", 0);
        // Room for the whole workload (up to a cap): then admission never needs to evict, and a committed batch
        // cannot be evicted in the moment before the decode side locks it, however far decoding lags.
        long window = 2L * workload.window() * workload.chunks() * workload.chunkBytes();
        m.put("buffer_size", Math.max(window, Math.min(workload.totalBytes(), RECEIVER_BUFFER_CAP)));
        return m;
    }

    private Map<String, Object> senderConfig(List<Integer> init, List<Integer> alloc, String proxyHost, int proxyPort) {
        Map<String, Object> m = baseConfig("sender");
        m.put("peer_init_port", init);
        m.put("peer_alloc_port", alloc);
        m.put("proxy_host", proxyHost);
        m.put("proxy_port", proxyPort);
        m.put("buffer_size", (long) workload.window() * workload.chunks() * workload.chunkBytes());
        if (!workload.registered()) {
            m.put("sender_zero_copy", false); // --staging: every store is copied into staging, on tcp too
        }
        return m;
    }

    // ------------------------------------------------------------------------------------------ one JVM

    private void runInProcess(String proxyHost, int proxyPort) throws CommandFailure, InterruptedException {
        PdL2Adapter receiverAdapter = create(receiverConfig());
        try (ReceiverNode receiver = new ReceiverNode(receiverAdapter, STEP_TIMEOUT, stats::verified)) {
            PdL2Adapter senderAdapter = create(senderConfig(receiver.initPorts(), receiver.allocPorts(), proxyHost,
                    proxyPort));
            SenderNode.Result result;
            try (senderAdapter) {
                progress.start();
                result = new SenderNode(senderAdapter, workload, this::stored).run(Duration.ofMillis(timeoutMs));
            }
            if (!result.success()) {
                stats.problem("sender: " + result.reason());
            }
            awaitChecked();
        }
    }

    private PdL2Adapter create(Map<String, Object> config) throws CommandFailure {
        try {
            return Adapters.create(PdL2AdapterConfig.fromMap(config));
        } catch (UsageException e) {
            throw new CommandFailure("the demo's own config was refused: " + e.getMessage(), e);
        }
    }

    private void stored(SenderNode.Stored s) {
        stats.stored(s.reqId(), s.ok(), s.bytes(), s.submitWallMicros(), s.doneWallMicros(), s.latencyNanos() / 1000,
                s.warmup());
        progress.update(stats.requestsDone(), stats.bytesCommitted());
    }

    private void awaitChecked() throws InterruptedException {
        long expected = (long) stats.requestsOk() * workload.chunks();
        if (!stats.awaitChecked(expected, STEP_TIMEOUT.toMillis() * 2)) {
            stats.problem("the receiver checked " + (stats.verifiedChunks() + stats.failedChunks()) + " of " + expected
                    + " committed chunks within " + STEP_TIMEOUT.toSeconds() * 2 + " s");
        }
    }

    private void awaitNotifications() throws InterruptedException {
        int expected = stats.requestsDone();
        if (!stats.awaitNotified(expected, STEP_TIMEOUT.toMillis() * 2)) {
            stats.problem("the proxy got notifications for " + stats.notifiedRequests() + " of " + expected
                    + " requests within " + STEP_TIMEOUT.toSeconds() * 2 + " s");
        }
    }

    // ------------------------------------------------------------------------------------- two JVMs

    private void runSeparate(String proxyHost, int proxyPort) throws CommandFailure, InterruptedException {
        Path logs;
        try {
            logs = Files.createTempDirectory("kvcourier-demo-");
        } catch (IOException e) {
            throw new CommandFailure("cannot create a log directory: " + e.getMessage(), e);
        }
        boolean ok = false;
        CompletableFuture<Lines.Event> ready = new CompletableFuture<>();
        try (ChildJvm receiver = ChildJvm.start("receiver",
                List.of("receiver", "--config", Json.write(receiverConfig()), "--stop-on-stdin-eof", "--raw-pump"),
                logs, e -> onReceiverLine(e, ready))) {
            receiver.process().onExit().thenRun(() -> ready.completeExceptionally(
                    new IllegalStateException("the receiver exited with " + receiver.process().exitValue())));
            Lines.Event r;
            try {
                r = ready.get(STARTUP.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new CommandFailure("the receiver did not start: "
                        + (e instanceof TimeoutException ? "no READY line within " + STARTUP.toSeconds() + " s"
                        : e.getCause().getMessage()) + "; its log " + receiver.log() + " ends with:\n"
                        + receiver.logTail(15));
            }
            List<Integer> alloc = ports(r.get("alloc"));
            List<Integer> init = ports(r.get("init"));
            Map<String, Object> sc = senderConfig(init, alloc, proxyHost, proxyPort);
            List<String> senderArgs = new ArrayList<>(List.of("sender", "--config", Json.write(sc),
                    "--requests", String.valueOf(workload.requests()), "--chunks", String.valueOf(workload.chunks()),
                    "--chunk-bytes", String.valueOf(workload.chunkBytes()),
                    "--window", String.valueOf(workload.window()),
                    "--req-id-prefix", workload.reqIdPrefix(), "--timeout", String.valueOf(timeoutMs / 1000.0),
                    "--warmup", String.valueOf(workload.warmup())));
            if (workload.registered()) {
                senderArgs.add("--register-memory");
            }
            if (r.fields().containsKey("raw")) {
                senderArgs.addAll(List.of("--raw-pump-port", r.get("raw")));
            }
            progress.start();
            try (ChildJvm sender = ChildJvm.start("sender", senderArgs, logs, this::onSenderLine)) {
                int rc = sender.awaitExit(Duration.ofMillis(timeoutMs).plus(STARTUP));
                if (rc < 0) {
                    stats.problem("the sender did not finish within " + (timeoutMs / 1000 + STARTUP.toSeconds())
                            + " s");
                } else if (rc != 0) {
                    stats.problem("the sender exited with " + rc + ": " + sender.logTail(1));
                }
            }
            awaitChecked();
            receiver.closeStdin();
            int rc = receiver.awaitExit(SHUTDOWN.multipliedBy(3).plusSeconds(10));
            if (rc < 0) {
                stats.problem("the receiver did not stop within "
                        + SHUTDOWN.multipliedBy(3).plusSeconds(10).toSeconds() + " s");
            } else if (rc != 0) {
                stats.problem("the receiver exited with " + rc + ": " + receiver.logTail(1));
            }
            ok = stats.problems().isEmpty();
        } catch (IOException e) {
            throw new CommandFailure(
                    "cannot start a child JVM (" + ChildJvm.javaExecutable() + "): " + e.getMessage(), e);
        } finally {
            if (ok) {
                deleteQuietly(logs);
            } else {
                err.println("kvcourier demo: child logs are in " + logs);
            }
        }
    }

    private void onReceiverLine(Lines.Event e, CompletableFuture<Lines.Event> ready) {
        switch (e.word()) {
            case "READY" -> ready.complete(e);
            case "VERIFIED" -> stats.verified(new ReceiverNode.Verified(e.get("req"), Integer.parseInt(e.get("chunks")),
                    Integer.parseInt(e.get("ok_chunks")), e.longValue("bytes"), e.fields().get("problem"),
                    e.longValue("at_us")));
            default -> { }
        }
    }

    private void onSenderLine(Lines.Event e) {
        if (e.word().equals("RAW_PUMP")) {
            if (e.fields().containsKey("error")) {
                rawPumpError = e.get("error");
            } else {
                rawPump = new RawPump.Result(e.longValue("bytes"), Double.parseDouble(e.get("seconds")));
            }
        }
        if (e.word().equals("STORED")) {
            if (stats.requestsDone() == 0) {
                progress.startAt(System.nanoTime() - e.longValue("latency_us") * 1000);
            }
            stats.stored(e.get("req"), Boolean.parseBoolean(e.get("ok")), e.longValue("bytes"),
                    e.longValue("submit_us"), e.longValue("done_us"), e.longValue("latency_us"),
                    Boolean.parseBoolean(e.fields().get("warmup")));
            progress.update(stats.requestsDone(), stats.bytesCommitted());
        }
    }

    private static List<Integer> ports(String csv) {
        return Arrays.stream(csv.split(",")).map(Integer::valueOf).toList();
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

    // ---------------------------------------------------------------------------------------- summary

    private int summarize(boolean notificationsMeasured) {
        boolean verified = stats.everyByteVerified();
        boolean notified = !notificationsMeasured || stats.notifiedRequests() == workload.requests();
        double secs = stats.seconds();
        long[] lat = stats.requestLatencies();
        SummaryTable t = new SummaryTable()
                .row("requests committed", stats.requestsOk() + " / " + workload.requests())
                .row("chunks verified", stats.verifiedChunks() + " / " + (long) workload.requests() * workload.chunks()
                        + (stats.failedChunks() > 0 ? " (" + stats.failedChunks() + " FAILED)" : ""))
                .row("bytes verified", stats.verifiedBytes() + " of " + workload.totalBytes() + " ("
                        + Doctor.human(stats.verifiedBytes()) + ", every byte compared with its key's content)")
                .row("throughput", secs > 0 ? String.format(Locale.ROOT, "%s (%.3f GiB/s), %s in %.2f s%s",
                        Progress.rate(stats.timedBytes() / secs), stats.timedBytes() / secs / (1L << 30),
                        Doctor.human(stats.timedBytes()), secs,
                        workload.warmup() > 0 ? " after the warm-up" : "") : "n/a");
        if (workload.warmup() > 0) {
            t.row("warm-up", String.format(Locale.ROOT, "%d requests (%s) in %.2f s, before the timed ones",
                    stats.warmupRequests(), Doctor.human((long) workload.warmup() * workload.chunks()
                            * workload.chunkBytes()), stats.warmupSeconds()));
        }
        RawPump.Result raw = rawPump;
        if (raw != null) {
            t.row("raw TCP pump", String.format(Locale.ROOT, "%s (%.3f GiB/s), same bytes between the same two JVMs, "
                    + "%d batches in flight", Progress.rate(raw.bytesPerSecond()), raw.bytesPerSecond() / (1L << 30),
                    Math.min(workload.window(), workload.requests())));
            t.row("vs raw pump", secs > 0 && raw.bytesPerSecond() > 0
                    ? String.format(Locale.ROOT, "%.2f of the raw pump's throughput",
                    stats.timedBytes() / secs / raw.bytesPerSecond()) : "n/a");
        } else if (rawPumpError != null) {
            t.row("raw TCP pump", "failed: " + rawPumpError);
        }
        t.row("request latency p50", millis(DemoStats.percentile(lat, 50)))
                .row("request latency p99", millis(DemoStats.percentile(lat, 99)));
        if (notificationsMeasured) {
            long[] nl = stats.notifyLatencies();
            t.row("notifications", stats.notifiedRequests() + " / " + workload.requests() + " requests")
                    .row("notify latency p50", millis(DemoStats.percentile(nl, 50)))
                    .row("notify latency p99", millis(DemoStats.percentile(nl, 99)));
        } else {
            t.row("notifications", "sent to " + proxyHost + ":" + proxyPort + " (not measured here)");
        }
        boolean ok = verified && notified;
        t.row("result", ok ? "OK: every byte verified" : "FAILED");
        t.print(out);
        for (String p : stats.problems()) {
            err.println("kvcourier demo: " + p);
        }
        return ok ? Main.EXIT_OK : Main.EXIT_FAILURE;
    }

    private static String millis(long micros) {
        return micros < 0 ? "n/a" : String.format(Locale.ROOT, "%.3f ms", micros / 1000.0);
    }
}
