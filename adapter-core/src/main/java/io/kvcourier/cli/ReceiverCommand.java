package io.kvcourier.cli;

import io.kvcourier.agent.CloseHelper;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;
import io.kvcourier.pd.Role;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code kvcourier receiver}: the decode node. Runs a receiver adapter with a {@link ReceiverNode} that loads,
 * verifies and frees everything that lands, until SIGTERM/SIGINT (or stdin EOF with
 * {@code --stop-on-stdin-eof}).
 */
final class ReceiverCommand {
    static final String USAGE = """
            usage: kvcourier receiver --config FILE|JSON [--ready-file PATH] [--stop-on-stdin-eof] [--raw-pump]
                                     [--decode-delay-ms MS]
              Plays the decode node: serves allocations, then for every committed batch looks the keys up, loads
              them, verifies each chunk against the bytes its key prescribes (what kvcourier sender writes) and
              unlocks them (freeing the pages). Runs until SIGTERM/Ctrl-C. Size buffer_size for how far decoding may
              lag: when admission needs room it evicts committed chunks not locked yet (reported as not found).
              --config FILE|JSON     LMCache PD adapter config with "role": "receiver" (ports 0 = ephemeral)
              --ready-file PATH      also write the READY line to PATH once the ports are bound
              --stop-on-stdin-eof    stop when stdin reaches end of file (for a parent process holding the pipe)
              --raw-pump             also serve a raw TCP pump on bind_host (its port is READY's raw=), the reference
                                     kvcourier sender --raw-pump-port measures beside the transfer
              --decode-delay-ms MS   a slow decode step: each batch keeps its keys locked MS longer after loading
                                     (0..60000, default 0), to see back-pressure on the sender
            stdout, one line each:
              READY alloc=PORT[,PORT..] init=PORT[,PORT..] pid=PID [raw=PORT]
              VERIFIED req=ID chunks=N ok_chunks=N bytes=B ok=true|false at_us=MICROS [problem="..."]
              DONE verified_chunks=N verified_bytes=B failed_chunks=N
            exit 0 when every chunk verified, 1 otherwise, 2 for bad arguments or config; on SIGTERM/SIGINT it
            closes the adapter the same way, prints DONE, and the JVM exits with 143/130.
            """;

    private ReceiverCommand() {
    }

    static int run(List<String> argv, PrintStream out, PrintStream err, InputStream stdin)
            throws UsageException, CommandFailure {
        Args args = Args.parse("receiver", argv, Set.of("config", "ready-file", "decode-delay-ms"),
                Set.of("stop-on-stdin-eof", "raw-pump"));
        PdL2AdapterConfig config = ConfigSource.read(args.required("config"));
        Adapters.requireRole(config, Role.RECEIVER, "receiver");
        Duration decodeDelay = Duration.ofMillis(args.integer("decode-delay-ms", 0, 0, 60_000));
        Path readyFile = args.has("ready-file") ? Path.of(args.string("ready-file", null)) : null;
        Duration bound = config.shutdownTimeout().multipliedBy(3).plusSeconds(5);
        StopSignal stop = StopSignal.install(args.flag("stop-on-stdin-eof") ? stdin : null, bound);
        RawPump.Server rawPump = null;
        int rawPort = 0;
        try {
            if (args.flag("raw-pump")) {
                try {
                    rawPump = RawPump.Server.start(config.bindHost());
                    rawPort = rawPump.port();
                } catch (IOException e) {
                    throw new CommandFailure(
                            "cannot bind the raw pump on " + config.bindHost() + ": " + e.getMessage(), e);
                }
            }
            PdL2Adapter adapter = Adapters.create(config);
            ReceiverNode node = new ReceiverNode(adapter, config.transferTimeout(), decodeDelay, v -> {
                out.println(verifiedLine(v));
                out.flush();
            });
            try {
                String ready = Lines.format("READY", "alloc", join(node.allocPorts()), "init", join(node.initPorts()),
                        "pid", ProcessHandle.current().pid());
                if (rawPump != null) {
                    ready += Lines.format("", "raw", rawPort);
                }
                if (readyFile != null) {
                    writeAtomically(readyFile, ready + "\n");
                }
                out.println(ready);
                out.flush();
                err.println("kvcourier receiver: ready, alloc port " + join(node.allocPorts()) + ", init port "
                        + join(node.initPorts()) + ", channel " + config.transferChannel() + " (Ctrl-C to stop)");
                stop.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                node.close();
            }
            out.println(Lines.format("DONE", "verified_chunks", node.verifiedChunks.get(), "verified_bytes",
                    node.verifiedBytes.get(), "failed_chunks", node.failedChunks.get()));
            out.flush();
            err.println("kvcourier receiver: verified " + node.verifiedChunks.get() + " chunks ("
                    + Doctor.human(node.verifiedBytes.get()) + "), " + node.failedChunks.get() + " failed");
            return node.failedChunks.get() == 0 ? Main.EXIT_OK : Main.EXIT_FAILURE;
        } finally {
            stop.finished();
            CloseHelper.quietClose(rawPump);
        }
    }

    static String verifiedLine(ReceiverNode.Verified v) {
        String line = Lines.format("VERIFIED", "req", v.reqId(), "chunks", v.chunks(), "ok_chunks", v.okChunks(),
                "bytes", v.bytes(), "ok", v.ok(), "at_us", v.wallMicros());
        return v.problem() == null ? line : line + Lines.format("", "problem", v.problem());
    }

    static String join(List<Integer> ports) {
        return ports.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    private static void writeAtomically(Path file, String text) throws CommandFailure {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CommandFailure("cannot write --ready-file " + file + ": " + e.getMessage(), e);
        }
    }
}
