package io.kvcourier.notify;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.zeromq.ZContext;

/**
 * A {@link ZContext} with one I/O thread whose jeromq threads (reaper, I/O) are named with a prefix
 * and remembered, so that {@link #close} can wait until they are gone: a closed listener
 * leaves no thread and no selector fd behind, not "soon" but when {@code close} returns.
 */
final class OwnedContext {
    private static final System.Logger LOG = System.getLogger(OwnedContext.class.getName());

    private final ZContext ctx = new ZContext(1);
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    OwnedContext(String threadPrefix) {
        ctx.setThreadFactor((r, name) -> {
            Thread t = new Thread(r, threadPrefix + name);
            t.setDaemon(true);
            threads.add(t);
            return t;
        });
    }

    ZContext context() {
        return ctx;
    }

    /** Closes the context (its sockets first, with the context's linger), then joins its threads. */
    void close(Duration joinTimeout) {
        try {
            ctx.close();
        } finally {
            for (Thread t : threads) {
                try {
                    if (!t.join(joinTimeout)) {
                        LOG.log(Level.WARNING, "jeromq thread {0} still running {1} after its context closed",
                                t.getName(), joinTimeout);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
