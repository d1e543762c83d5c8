package io.kvcourier.cli;

import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;
import io.kvcourier.pd.Role;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.IntUnaryOperator;

/**
 * {@code kvcourier sender}: the prefill node. Stores a synthetic workload whose bytes derive from the keys
 * ({@link KeyedChunks}), one store task per request, and exits 0 only if every request's chunks were committed on
 * the receiver.
 */
final class SenderCommand {
    static final String USAGE = """
            usage: kvcourier sender --config FILE|JSON [--requests N] [--chunks M] [--chunk-bytes B]
                                    [--req-id-prefix P] [--window W] [--keep-going] [--timeout SEC]
                                    [--raw-pump-port P] [--warmup K] [--register-memory]
              Plays the prefill node: stores N requests of M chunks of B bytes (one store task per request,
              TransferSpec(req_id, last prefill, M), so the adapter notifies the proxy at proxy_host:proxy_port
              when a request has landed); every chunk's bytes derive from its key so the receiver can verify them.
              --config FILE|JSON  LMCache PD adapter config with "role": "sender" and the receiver's ports
              --requests N        requests to store (default 64)
              --chunks M          chunks per request (default 8)
              --chunk-bytes B     bytes per chunk, e.g. 2MiB, 64K, 4096 (default 2MiB)
              --req-id-prefix P   request ids are P-0, P-1, ... (default: unique per run)
              --window W          requests in flight at once (default 4)
              --keep-going        go on after a failed request (default: stop submitting, finish, exit 1)
              --timeout SEC       give up on results after SEC seconds (default 600)
              --warmup K          the first K requests warm up: the rest is submitted once they have all finished
                                  (their STORED lines say warmup=true; default 0)
              --register-memory   register the chunk memory with the adapter (registerMemory), so stores are written
                                  straight from it, as a runtime that registers its KV pool; without it (or if the
                                  channel refuses, with a warning) tcp still sends the chunks from where they lie
                                  unless the config says sender_zero_copy: false, verbs copies them into staging
              --raw-pump-port P   afterwards, pump the same bytes (N batches of M x B, W in flight) over one plain
                                  TCP socket to a receiver's raw pump at peer_host:P (kvcourier receiver --raw-pump)
            stdout, one line each:
              STORED req=ID ok=true|false chunks=M bytes=B submit_us=MICROS done_us=MICROS latency_us=MICROS
                     warmup=true|false
              RAW_PUMP bytes=B seconds=S | RAW_PUMP error="..."   (with --raw-pump-port)
              DONE requests=N ok=N failed=N not_submitted=N bytes=B seconds=S registered=true|false
            exit 0 only if every request was committed on the receiver; 1 with the reason otherwise; 2 for bad
            arguments or config.
            """;
    static final int MAX_REQUESTS = 10_000_000;
    static final int MAX_CHUNKS = 65_536;
    static final long MAX_CHUNK_BYTES = 1L << 30;

    private SenderCommand() {
    }

    static Workload workload(Args args, String defaultPrefix) throws UsageException {
        return workload(args, defaultPrefix, requests -> 0, false);
    }

    /**
     * The workload the arguments describe; {@code --warmup} and {@code --register-memory} (where the command takes
     * them) override the given defaults.
     *
     * @param defaultWarmup the warm-up requests without {@code --warmup}, given the number of requests
     */
    static Workload workload(Args args, String defaultPrefix, IntUnaryOperator defaultWarmup,
                             boolean defaultRegistered) throws UsageException {
        int requests = args.integer("requests", Workload.DEFAULT_REQUESTS, 1, MAX_REQUESTS);
        int chunks = args.integer("chunks", Workload.DEFAULT_CHUNKS, 1, MAX_CHUNKS);
        long chunkBytes = args.bytes("chunk-bytes", Workload.DEFAULT_CHUNK_BYTES, 1, MAX_CHUNK_BYTES);
        int window = args.integer("window", Workload.DEFAULT_WINDOW, 1, 1024);
        String prefix = args.string("req-id-prefix", defaultPrefix);
        if (prefix.isEmpty() || prefix.length() > 200 || prefix.chars().anyMatch(c -> c <= ' ')) {
            throw new UsageException("--req-id-prefix must be 1..200 characters without spaces or control characters, "
                    + "got '" + prefix + "'");
        }
        if ((long) window * chunks * chunkBytes > (16L << 30)) {
            throw new UsageException("--window x --chunks x --chunk-bytes must be at most 16 GiB of chunk memory, got "
                    + Doctor.human((long) window * chunks * chunkBytes));
        }
        int warmup = args.integer("warmup", Math.min(defaultWarmup.applyAsInt(requests), requests - 1), 0,
                requests - 1);
        boolean registered = (defaultRegistered || args.flag("register-memory")) && !args.flag("staging");
        return new Workload(requests, chunks, chunkBytes, prefix, window, args.flag("keep-going"), warmup, registered);
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) throws UsageException, CommandFailure {
        Args args = Args.parse("sender", argv,
                Set.of("config", "requests", "chunks", "chunk-bytes", "req-id-prefix", "window", "timeout",
                        "raw-pump-port", "warmup"),
                Set.of("keep-going", "register-memory"));
        PdL2AdapterConfig config = ConfigSource.read(args.required("config"));
        Adapters.requireRole(config, Role.SENDER, "sender");
        Workload w = workload(args, Workload.uniquePrefix("req"));
        long timeoutMs = args.millis("timeout", 600_000, 86_400);
        int rawPumpPort = args.integer("raw-pump-port", 0, 1, 65_535);
        if (config.chunkBytes() > 0 && config.chunkBytes() < w.chunkBytes()) {
            throw new UsageException("--chunk-bytes " + w.chunkBytes() + " is larger than the config's chunk_bytes "
                    + config.chunkBytes());
        }
        SenderNode.Result result;
        try (PdL2Adapter adapter = Adapters.create(config)) {
            result = new SenderNode(adapter, w, s -> {
                out.println(storedLine(s));
                out.flush();
            }).run(Duration.ofMillis(timeoutMs));
        }
        if (rawPumpPort > 0 && result.success()) {
            out.println(rawPumpLine(config.peerHost(), rawPumpPort, w));
        }
        out.println(Lines.format("DONE", "requests", result.requests(), "ok", result.ok(), "failed", result.failed(),
                "not_submitted", result.notSubmitted(), "bytes", result.bytesCommitted(), "seconds",
                String.format(java.util.Locale.ROOT, "%.3f", result.seconds()), "registered", result.registered()));
        out.flush();
        if (!result.success()) {
            throw new CommandFailure(result.reason());
        }
        err.println("kvcourier sender: " + result.ok() + " requests, " + Doctor.human(result.bytesCommitted())
                + " committed in " + String.format(java.util.Locale.ROOT, "%.2f", result.seconds()) + " s");
        return Main.EXIT_OK;
    }

    /** Runs the raw pump of the workload's bytes (the adapter is closed by now); a failure is reported, not fatal. */
    private static String rawPumpLine(String host, int port, Workload w) {
        try {
            RawPump.Result r = RawPump.run(host, port, w.requests(), w.chunks(), w.chunkBytes(),
                    Math.min(w.window(), w.requests()));
            return Lines.format("RAW_PUMP", "bytes", r.bytes(), "seconds",
                    String.format(java.util.Locale.ROOT, "%.6f", r.seconds()));
        } catch (java.io.IOException | RuntimeException e) {
            return Lines.format("RAW_PUMP", "error", String.valueOf(e.getMessage()));
        }
    }

    static String storedLine(SenderNode.Stored s) {
        return Lines.format("STORED", "req", s.reqId(), "ok", s.ok(), "chunks", s.chunks(), "bytes", s.bytes(),
                "submit_us", s.submitWallMicros(), "done_us", s.doneWallMicros(), "latency_us",
                s.latencyNanos() / 1000, "warmup", s.warmup());
    }
}
