package io.kvcourier.cli;

import io.kvcourier.pd.PdL2AdapterConfig;
import io.kvcourier.pd.Role;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * {@code kvcourier cluster-prefill}: one prefill node of a {@code kvcourier cluster} run (the cluster command
 * starts it; it can be run by hand). Stores its share of the plan, each request to the decode node the plan routes
 * it to, and exits 0 only if every one of them was committed there.
 */
final class ClusterPrefillCommand {
    static final String USAGE = """
            usage: kvcourier cluster-prefill --config FILE|JSON --targets T --node K --prefill P [--tp T]
                                             [--requests N] [--chunks M] [--chunk-bytes B] [--window W]
                                             [--req-id-prefix P] [--timeout SEC]
              One prefill node of kvcourier cluster. Request i (id P-i) goes to decode node i mod D and is stored by
              prefill node (i div D) mod P; this node stores those with K = (i div D) mod P, each as one store task
              of M chunks on each of T TP ranks (kv_rank carries the rank), the bytes derived from the keys.
              --config FILE|JSON  sender config ("role": "sender"): proxy, deadlines, buffer_size, chunk_bytes; one
                                  adapter sends to every target, named per request (its own peer is not used)
              --targets T         the D decode nodes, HOST:INIT[,INIT..]:ALLOC[,ALLOC..] (T ports each) separated by ;
              --node K            this node's index, 0..P-1
              --prefill P         how many prefill nodes share the requests
              --tp T              TP ranks per request (default 1)
              --requests N        requests of the whole cluster (default 64)
              --chunks M          chunks per request and rank (default 8)
              --chunk-bytes B     bytes per chunk (default 2MiB)
              --window W          requests in flight on this node (default 4)
              --req-id-prefix P   request id prefix (default: unique per run)
              --timeout SEC       give up on results after SEC seconds (default 600)
            stdout, one line each:
              STORED req=ID decode=D ok=true|false bytes=B submit_us=MICROS done_us=MICROS \
            latency_us=MICROS [problem="..."]
              DONE requests=N ok=N failed=N not_submitted=N bytes=B
            exit 0 only if every request of this node was committed; 1 with the reason otherwise; 2 for bad arguments.
            """;

    private ClusterPrefillCommand() {
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) throws UsageException, CommandFailure {
        Args args = Args.parse("cluster-prefill", argv, Set.of("config", "targets", "node", "prefill", "tp", "requests",
                "chunks", "chunk-bytes", "window", "req-id-prefix", "timeout"), Set.of());
        PdL2AdapterConfig config = ConfigSource.read(args.required("config"));
        Adapters.requireRole(config, Role.SENDER, "cluster-prefill");
        List<DecodeTarget> targets = DecodeTarget.parseAll("targets", args.required("targets"));
        args.required("prefill");
        args.required("node");
        int prefill = args.integer("prefill", 1, 1, ClusterPlan.MAX_NODES);
        int node = args.integer("node", 0, 0, prefill - 1);
        int tp = args.integer("tp", 1, 1, ClusterPlan.MAX_TP);
        for (DecodeTarget t : targets) {
            if (t.initPorts().size() != tp) {
                throw new UsageException("--targets: " + t.format() + " has " + t.initPorts().size()
                        + " ports per list, --tp is " + tp);
            }
        }
        if (targets.size() > ClusterPlan.MAX_NODES) {
            throw new UsageException("--targets: at most " + ClusterPlan.MAX_NODES + " decode nodes, got "
                    + targets.size());
        }
        Workload w = SenderCommand.workload(args, Workload.uniquePrefix("cluster"));
        long timeoutMs = args.millis("timeout", 600_000, 86_400);
        if (config.chunkBytes() > 0 && config.chunkBytes() < w.chunkBytes()) {
            throw new UsageException("--chunk-bytes " + w.chunkBytes() + " is larger than the config's chunk_bytes "
                    + config.chunkBytes());
        }
        ClusterPlan plan = new ClusterPlan(prefill, targets.size(), tp, w.requests(), w.chunks(), w.chunkBytes(),
                w.window(), w.reqIdPrefix());
        PrefillNode.Result r;
        try (DecodeRouter router = TargetDecodeRouter.start(config, targets)) {
            r = new PrefillNode(plan, node, router, s -> {
                out.println(storedLine(s));
                out.flush();
            }).run(Duration.ofMillis(timeoutMs));
        }
        out.println(Lines.format("DONE", "requests", r.requests(), "ok", r.ok(), "failed", r.failed(), "not_submitted",
                r.notSubmitted(), "bytes", r.bytesCommitted()));
        out.flush();
        if (!r.success()) {
            throw new CommandFailure(r.reason());
        }
        err.println("kvcourier cluster-prefill: node " + node + ": " + r.ok() + " requests, "
                + Doctor.human(r.bytesCommitted()) + " committed");
        return Main.EXIT_OK;
    }

    static String storedLine(PrefillNode.Stored s) {
        String line = Lines.format("STORED", "req", s.reqId(), "decode", s.decode(), "ok", s.ok(), "bytes", s.bytes(),
                "submit_us", s.submitWallMicros(), "done_us", s.doneWallMicros(),
                "latency_us", s.latencyNanos() / 1000);
        return s.problem() == null ? line : line + Lines.format("", "problem", s.problem());
    }
}
