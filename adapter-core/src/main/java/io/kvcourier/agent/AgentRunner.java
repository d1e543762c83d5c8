package io.kvcourier.agent;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs one {@link Agent} on its own platform thread: the duty cycle ({@link Agent#doWork()} until it returns
 * 0), then the {@link IdleStrategy} (spin, yield, block in {@link Agent#awaitWork()}), until {@link #close}.
 * With a strategy that neither spins nor yields (small machines), the cycles that only check for more work before
 * blocking (the one after a busy cycle, and the announcing one below) are {@link Agent#doWorkBeforeAwait()}, which
 * need not poll what the wait watches: an agent whose wait hands out what it finds
 * ({@link WakeableSelector#selectNowUnlessSelected}) then polls its sources once per wake-up, in the wait
 * itself, where it polled three times before (measured on the tcp threads: 3.7 and 2.3 {@code epoll_wait} calls
 * per 64 KiB batch, 1 each now).
 *
 * <p><b>Wake-ups are never lost and cost nothing while the agent runs.</b> A producer first publishes its work
 * (a concurrent queue), then calls {@link #wakeUp()}, which signals the agent only when it is about to block.
 * Before blocking, the runner announces it (a volatile flag) and runs one more duty cycle: either that cycle
 * sees the work, or the producer sees the flag and signals, and the signal is sticky.
 *
 * <p>Stopping is by flag and signal, never by interrupt (jeromq breaks on interrupts, docs/TRAPS.md#trap-3); the
 * agent's {@link Agent#onClose()} runs last on its own thread. An exception from the agent is logged and the loop
 * goes on. An agent that throws on every cycle runs at the pace of its wait, which returns at once when the failing
 * cycle left a source ready: so at most one failure per {@value #FAILURE_LOG_INTERVAL_MS} ms is logged (with its
 * stack trace), and the next logged one says how many came between ({@link #failures()} counts them all).
 */
public final class AgentRunner implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AgentRunner.class.getName());
    /** Least time between two logged failures of one runner, in milliseconds. */
    static final long FAILURE_LOG_INTERVAL_MS = 1_000;

    private final Agent agent;
    private final IdleStrategy idle;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile boolean parking;
    /** The idle strategy neither spins nor yields: checks for more work before blocking need not poll. */
    private final boolean blocksAtOnce;
    /** Yield once after each blocking wait that ended ({@link #yieldAfterWake}); set before start. */
    private volatile boolean yieldAfterWake;
    private boolean started;
    /** Failures of cycles and waits so far; written by the agent's thread only. */
    private volatile long failures;
    /** Failures since the last one logged, and when that was ({@link System#nanoTime()}). */
    private long unlogged;
    private long lastLoggedNanos;
    private boolean loggedAny;
    private volatile long failureLogIntervalNanos = TimeUnit.MILLISECONDS.toNanos(FAILURE_LOG_INTERVAL_MS);

    /** Creates the runner; the thread starts with {@link #start()}. */
    public AgentRunner(Agent agent, IdleStrategy idle) {
        this.agent = Objects.requireNonNull(agent, "agent");
        this.idle = Objects.requireNonNull(idle, "idle");
        this.blocksAtOnce = idle.spins() == 0 && idle.yields() == 0;
        this.thread = Thread.ofPlatform().daemon().name(agent.roleName()).unstarted(this::run);
    }

    /**
     * Whether the thread yields its CPU once ({@link Thread#yield()}) after each blocking wait that ended, before
     * its next duty cycle. A thread woken onto the CPU of a waker that keeps running (a caller that submitted work
     * and returns) otherwise takes that CPU over and runs its cycle first: with this, the waker goes on and the cycle
     * runs when the waker blocks or another CPU takes the thread; where nothing else is runnable the yield returns at
     * once. Call before {@link #start()}; returns this runner.
     */
    public AgentRunner yieldAfterWake(boolean yield) {
        this.yieldAfterWake = yield;
        return this;
    }

    /** Starts the agent's thread; returns this runner. */
    public synchronized AgentRunner start() {
        if (started) {
            throw new IllegalStateException(agent.roleName() + " was already started or closed");
        }
        started = true;
        thread.start();
        return this;
    }

    /** The agent's thread. */
    public Thread thread() {
        return thread;
    }

    /** Whether the caller is the agent's thread. */
    public boolean onAgentThread() {
        return Thread.currentThread() == thread;
    }

    /** Duty cycles and waits that threw, since the start. */
    public long failures() {
        return failures;
    }

    /** The least time between two logged failures (tests); {@value #FAILURE_LOG_INTERVAL_MS} ms by default. */
    AgentRunner failureLogInterval(Duration interval) {
        failureLogIntervalNanos = interval.toNanos();
        return this;
    }

    /** Whether the loop is still running (false once {@link #close} was called or the thread ended). */
    public boolean isRunning() {
        return running && stopped.getCount() > 0;
    }

    /**
     * Tells the agent that work was published for it. Call after publishing. Free while the agent is busy;
     * one {@link Agent#wakeUpSignal()} when it is blocked or about to block.
     */
    public void wakeUp() {
        if (parking) {
            agent.wakeUpSignal();
        }
    }

    private void run() {
        int idleCycles = 0;
        try {
            while (running) {
                int work = cycle(false);
                if (work > 0) {
                    idleCycles = 0;
                    // Blocking at once: the check for more work leaves the sources to the wait, which polls them.
                    if (!blocksAtOnce || cycle(true) > 0) {
                        continue;
                    }
                } else if (idleCycles < idle.spins()) {
                    idleCycles++;
                    Thread.onSpinWait();
                    continue;
                } else if (idleCycles < idle.spins() + idle.yields()) {
                    idleCycles++;
                    Thread.yield();
                    continue;
                }
                parking = true;
                try {
                    // One more cycle after announcing: work published before the announcement is seen here;
                    // work published after it comes with a signal that makes awaitWork return.
                    if (!running || cycle(true) > 0) {
                        idleCycles = 0;
                        continue;
                    }
                    awaitWork();
                    if (yieldAfterWake) {
                        Thread.yield();
                    }
                } finally {
                    parking = false;
                }
            }
        } finally {
            try {
                agent.onClose();
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.ERROR, agent.roleName() + ": onClose failed", e);
            }
            stopped.countDown();
        }
    }

    /**
     * One duty cycle: {@link Agent#doWork()}, or {@link Agent#doWorkBeforeAwait()} when only checking. Whatever it
     * throws, {@link Error}s included, is logged and the loop goes on, as Agrona's runner does: an agent owns sockets
     * and deadlines that others wait on, so its thread must not end before {@link #close} (an assertion inside
     * jeromq, enabled under tests, ended the control thread in a soak and left its tasks without deadlines).
     */
    private int cycle(boolean check) {
        try {
            return check ? agent.doWorkBeforeAwait() : agent.doWork();
        } catch (Exception | Error e) {
            failed("duty cycle", e);
            return 0;
        }
    }

    private void awaitWork() {
        try {
            agent.awaitWork();
        } catch (Exception | Error e) {
            failed("waiting for work", e);
        }
    }

    private void failed(String what, Throwable e) {
        failures++; // the agent's thread is the only writer
        long now = System.nanoTime();
        if (loggedAny && now - lastLoggedNanos < failureLogIntervalNanos) {
            unlogged++;
            return;
        }
        String since = unlogged == 0 ? "" : " (" + unlogged + " more failures since the last one logged, not logged)";
        LOG.log(System.Logger.Level.ERROR, agent.roleName() + ": " + what + " failed" + since, e);
        loggedAny = true;
        lastLoggedNanos = now;
        unlogged = 0;
    }

    /**
     * Stops the loop (flag + signal, no interrupt) and waits for the agent's thread to finish its
     * {@link Agent#onClose()}, at most {@code timeout}; from the agent's own thread it only asks the loop to
     * stop. Idempotent.
     *
     * @return whether the thread has finished
     */
    public boolean close(Duration timeout) {
        running = false;
        synchronized (this) {
            if (!started) {
                // Never started: nothing else can touch the agent, so it is closed here.
                started = true;
                try {
                    agent.onClose();
                } finally {
                    stopped.countDown();
                }
                return true;
            }
        }
        agent.wakeUpSignal();
        if (onAgentThread()) {
            return false;
        }
        try {
            if (!stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                LOG.log(System.Logger.Level.ERROR, "{0} did not stop within {1}", agent.roleName(), timeout);
                return false;
            }
            // The latch opens in the thread's last finally, a moment before the thread ends: wait for that too
            // (a runner closed before it started has no thread to wait for).
            if (thread.getState() != Thread.State.NEW && !thread.join(timeout)) {
                LOG.log(System.Logger.Level.ERROR, "{0} did not end within {1}", agent.roleName(), timeout);
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return true;
    }

    /** {@link #close(Duration)} with 5 seconds. */
    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
