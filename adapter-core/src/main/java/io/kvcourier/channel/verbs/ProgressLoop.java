package io.kvcourier.channel.verbs;

import io.kvcourier.agent.Agent;
import io.kvcourier.agent.AgentRunner;
import io.kvcourier.agent.IdleStrategy;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.verbs.InlineVerbs;
import io.kvcourier.verbs.NativeException;
import io.kvcourier.verbs.gen.ibv_wc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One endpoint's progress thread ({@code kvcourier-verbs-...}, a platform thread run by an {@link AgentRunner}): its
 * duty cycle runs queued tasks, drains every live {@link QpSet}'s CQ into a reused {@code ibv_wc} array, lets the
 * sets post queued work and destroys the sets that asked for it; before sleeping it arms the CQs and polls once
 * more for completions that raced the arming, then waits in {@link CompletionEvents}. Nothing on the completion
 * path allocates.
 *
 * <p>Threading: after {@link #start} the progress thread owns every blocking wait and every verbs call; other
 * threads hand it work with {@link #call} (bounded waits).
 *
 * <p>Ownership: the endpoint. {@link #closeNative()} releases the {@link CompletionEvents} (after every CQ is
 * gone); it is idempotent.
 */
final class ProgressLoop implements Agent {
    private static final System.Logger LOG = System.getLogger(ProgressLoop.class.getName());
    static final int WC_BATCH = 32;

    private final String name;
    private final MemorySegment wcs;
    /** The live QP sets, oldest first (progress thread). */
    private final List<QpSet> sets = new ArrayList<>();
    private final CompletionEvents events;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Set once by {@link #start}, before the thread starts. */
    private VerbsEndpoint owner;
    private AgentRunner runner;
    private volatile boolean stopping;

    /**
     * Creates the completion channel of {@code context} and the epoll set; the thread starts with {@link #start}.
     *
     * @throws NativeException when the completion channel, the eventfd or the epoll set cannot be made
     */
    ProgressLoop(String name, MemorySegment context, Arena arena) {
        this.name = name;
        this.wcs = ibv_wc.allocateArray(WC_BATCH, arena);
        this.events = new CompletionEvents(name, context, sets, arena);
    }

    /** The completion channel every CQ of the endpoint reports to. */
    MemorySegment compChannel() {
        return events.compChannel();
    }

    /** Starts the progress thread; {@code owner} destroys the QP sets and, on the thread's way out, tears down. */
    void start(VerbsEndpoint owner) {
        this.owner = owner;
        runner = new AgentRunner(this, IdleStrategy.standard()).start();
    }

    @Override
    public String roleName() {
        return "kvcourier-verbs-" + name;
    }

    /** Whether the caller is the progress thread. */
    private boolean onLoop() {
        return runner != null && runner.onAgentThread();
    }

    boolean isStopping() {
        return stopping;
    }

    /** Adds {@code set} to the sets whose CQ the loop polls (progress thread). */
    void add(QpSet set) {
        sets.add(set);
    }

    /** Stops polling {@code set} (progress thread). */
    void remove(QpSet set) {
        sets.remove(set);
    }

    /** Number of live QP sets (progress thread; tests). */
    int setCount() {
        return sets.size();
    }

    // ------------------------------------------------------------------------------------------ tasks

    /**
     * Runs {@code task} on the progress thread and waits up to {@code timeout} for it.
     *
     * @throws ChannelException when the channel is closed, the task failed (its message) or timed out
     */
    <T> T call(String what, Duration timeout, Callable<T> task) throws ChannelException {
        if (onLoop()) {
            try {
                return task.call();
            } catch (ChannelException e) {
                throw e;
            } catch (Exception e) {
                throw new ChannelException(what + " failed: " + e.getMessage(), e);
            }
        }
        if (stopping) {
            throw new ChannelException("verbs channel " + name + " is closed");
        }
        CompletableFuture<T> f = new CompletableFuture<>();
        execute(() -> {
            try {
                if (stopping) {
                    throw new ChannelException("verbs channel " + name + " is closed");
                }
                f.complete(task.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new ChannelException(what + " did not finish within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChannelException(what + " interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof ChannelException ce) {
                throw new ChannelException(ce.getMessage(), ce);
            }
            throw new ChannelException(what + " failed: " + c.getMessage(), c);
        }
    }

    /** Queues {@code task} for the progress thread and wakes it. */
    private void execute(Runnable task) {
        tasks.add(task);
        wakeUp();
    }

    /**
     * Makes the progress thread run a duty cycle soon (posts queued writes). Free while it is busy: the eventfd is
     * written only when the thread is about to block (see {@link AgentRunner#wakeUp()}).
     */
    void wakeUp() {
        AgentRunner r = runner;
        if (r != null) {
            r.wakeUp();
        }
    }

    @Override
    public void wakeUpSignal() {
        events.signal();
    }

    // ------------------------------------------------------------------------------------- the loop

    /** One duty cycle: queued tasks, every CQ, queued writes, sets to tear down. */
    @Override
    public int doWork() {
        if (stopping) {
            return 0;
        }
        int work = runTasks();
        work += pollAll();
        pumpAll();
        reap();
        return work;
    }

    /**
     * Arms every CQ, catches completions that raced the arming, then blocks in {@code epoll_wait} on the
     * completion channel, the async-event fd and the wake-up eventfd (bounded at 1 s as a safety net; the work
     * itself always comes with one of those fds).
     */
    @Override
    public void awaitWork() {
        if (stopping) {
            return;
        }
        armAll();
        if (pollAll() > 0 || !tasks.isEmpty()) {
            return; // completions that raced the arm, or work queued meanwhile
        }
        events.await(1000);
    }

    /** The runner's last step, on the progress thread once its loop stopped: the endpoint tears down. */
    @Override
    public void onClose() {
        owner.teardown();
    }

    /**
     * Stops the loop from the outside: no more tasks run and the thread is asked to end, bounded by
     * {@code timeout}. Returns false when the thread did not stop in time; true when it stopped (its
     * {@link #onClose} ran) or never started.
     */
    boolean stop(Duration timeout) {
        stopping = true;
        return runner == null || runner.close(timeout);
    }

    /** Whether the progress thread was started. */
    boolean started() {
        return runner != null;
    }

    /**
     * Fails every queued task (stopping is set) and has the owner destroy every QP set, newest first. Runs on the
     * progress thread once its loop stopped, or on the closing thread when it never started.
     */
    void shutDown() {
        stopping = true;
        runTasks(); // each fails fast: stopping is set
        for (int i = sets.size() - 1; i >= 0; i--) {
            owner.destroy(sets.get(i), "verbs channel closed");
        }
    }

    private int runTasks() {
        int n = 0;
        for (Runnable r; (r = tasks.poll()) != null; n++) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, name + ": verbs task failed", e);
            }
        }
        return n;
    }

    /** Drains every CQ; returns the number of completions handled. */
    private int pollAll() {
        int total = 0;
        for (int l = 0; l < sets.size(); l++) {
            QpSet set = sets.get(l);
            if (set.destroyRequested) {
                continue;
            }
            int n;
            while ((n = InlineVerbs.pollCq(set.cq, WC_BATCH, wcs)) > 0) {
                total += n;
                for (int i = 0; i < n; i++) {
                    dispatch(set, i);
                }
                if (set.destroyRequested) {
                    break;
                }
            }
            if (n < 0) {
                set.destroyRequested = true;
                set.onDestroy("ibv_poll_cq failed: " + n);
            }
        }
        return total;
    }

    private void dispatch(QpSet set, int i) {
        long base = i * ibv_wc.sizeof();
        int qpn = wcs.get(JAVA_INT, base + ibv_wc.qp_num$offset());
        Qp qp = set.qp(qpn);
        if (qp == null) {
            return; // a flushed completion of a QP already destroyed
        }
        int status = wcs.get(JAVA_INT, base + ibv_wc.status$offset());
        int opcode = wcs.get(JAVA_INT, base + ibv_wc.opcode$offset());
        long wrId = wcs.get(JAVA_LONG, base + ibv_wc.wr_id$offset());
        int imm = wcs.get(WritePlanner.IMM_LAYOUT, base + ibv_wc.imm_data$offset());
        int flags = wcs.get(JAVA_INT, base + ibv_wc.wc_flags$offset());
        int vendorErr = wcs.get(JAVA_INT, base + ibv_wc.vendor_err$offset());
        set.onCompletion(qp, status, opcode, wrId, imm, flags, vendorErr);
    }

    private void pumpAll() {
        for (int l = 0; l < sets.size(); l++) {
            QpSet set = sets.get(l);
            if (!set.destroyRequested) {
                set.pump();
            }
        }
    }

    private void reap() {
        for (int l = sets.size() - 1; l >= 0; l--) {
            QpSet set = sets.get(l);
            if (set.destroyRequested) {
                owner.destroy(set, "destroyed");
            }
        }
    }

    private void armAll() {
        for (int l = 0; l < sets.size(); l++) {
            QpSet set = sets.get(l);
            int rc = InlineVerbs.reqNotifyCq(set.cq, false);
            if (rc != 0) {
                set.destroyRequested = true;
                set.onDestroy(new NativeException("ibv_req_notify_cq", rc).getMessage());
            }
        }
    }

    /** Closes the epoll set and the eventfd, then destroys the completion channel (every CQ gone). Idempotent. */
    void closeNative() {
        events.close();
    }
}
