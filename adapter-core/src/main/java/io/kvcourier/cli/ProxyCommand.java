package io.kvcourier.cli;

import io.kvcourier.notify.ProxyListener;

import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code kvcourier proxy}: a stand-in for the orchestrating proxy. Binds a ZMQ PULL socket and prints each
 * {@code ProxyNotif} it receives, until stopped or, with {@code --count N}, after N notifications.
 */
final class ProxyCommand {
    static final String USAGE = """
            usage: kvcourier proxy [--port P] [--host H] [--count N] [--stop-on-stdin-eof]
              Listens for the senders' ProxyNotif messages (ZMQ PULL) and prints each one.
              --port P             port to bind, 0 = ephemeral (default 6688, LMCache's proxy_port default)
              --host H             address to bind (default 0.0.0.0)
              --count N            exit 0 after N notifications
              --stop-on-stdin-eof  stop when stdin reaches end of file
            stdout, one line each:
              READY port=PORT pid=PID
              NOTIF req=ID count=N at_us=MICROS      (count: notifications for this req_id so far, one per TP rank)
              DONE notifications=N malformed=N
            """;

    private ProxyCommand() {
    }

    static int run(List<String> argv, PrintStream out, PrintStream err, InputStream stdin) throws UsageException,
            CommandFailure {
        Args args = Args.parse("proxy", argv, Set.of("port", "host", "count"), Set.of("stop-on-stdin-eof"));
        int port = args.integer("port", 6688, 0, 65_535);
        String host = args.string("host", "0.0.0.0");
        if (host.isBlank()) {
            throw new UsageException("--host must not be empty");
        }
        int count = args.integer("count", 0, 1, Integer.MAX_VALUE);
        StopSignal stop = StopSignal.install(args.flag("stop-on-stdin-eof") ? stdin : null, Duration.ofSeconds(5));
        try {
            AtomicInteger seen = new AtomicInteger();
            Map<String, Integer> perRequest = new HashMap<>(); // touched only on the listener thread
            ProxyListener listener;
            try {
                int maxBytes = ProxyListener.DEFAULT_MAX_MESSAGE_BYTES;
                listener = ProxyListener.bind(host, port, maxBytes, (reqId, nanos, at) -> {
                    out.println(Lines.format("NOTIF", "req", reqId, "count", perRequest.merge(reqId, 1, Integer::sum),
                            "at_us", EmbeddedProxy.micros(at)));
                    out.flush();
                    if (count > 0 && seen.incrementAndGet() >= count) {
                        stop.trigger();
                    }
                });
            } catch (IllegalStateException e) {
                throw new CommandFailure(e.getMessage(), e);
            }
            try (listener) {
                out.println(Lines.format("READY", "port", listener.port(), "pid", ProcessHandle.current().pid()));
                out.flush();
                err.println("kvcourier proxy: listening on " + listener.endpoint() + " (Ctrl-C to stop)");
                stop.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.println(Lines.format("DONE", "notifications", listener.receivedCount(), "malformed",
                    listener.malformedCount()));
            out.flush();
            return Main.EXIT_OK;
        } finally {
            stop.finished();
        }
    }
}
