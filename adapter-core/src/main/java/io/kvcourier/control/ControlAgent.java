package io.kvcourier.control;

import io.kvcourier.agent.Agent;
import io.kvcourier.agent.AgentRunner;
import io.kvcourier.agent.CloseHelper;
import io.kvcourier.agent.IdleStrategy;
import io.kvcourier.agent.WakeableSelector;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The one platform thread that owns every ZMQ socket of an adapter (ZMQ sockets are not thread-safe) and runs
 * its control duty cycle: drain the command queue, receive what is ready on every socket without blocking,
 * fire due deadlines, and return the work count ({@link io.kvcourier.agent.Agent}). With nothing to do it
 * blocks in a {@link Selector} over the sockets' mailbox channels ({@code ZMQ_FD}) until a message arrives,
 * a command is queued, or its earliest deadline is due (or a second has passed).
 *
 * <p>What runs on the thread is a list of {@link Duty}s (alloc socket pools, handshakes, servers, the engine's
 * own timers) that {@link #add} registers and that are dropped once {@link Duty#isActive()} says false. Other
 * threads hand work over with {@link #execute}, which never blocks.
 *
 * <p><b>Running a hand-off on the thread that has it.</b> The duty cycle runs under an owner lock, which the control
 * thread holds only while it works (never while it waits). {@link #runOrExecute} lets a thread whose work would
 * otherwise wake an idle control thread, such as a channel thread with an in-band allocation reply, take that lock
 * without waiting and run the duty cycle itself: the command, then every duty, exactly as the control thread would
 * have. That saves a thread wake-up on the request's path (on 2 vCPUs, 60-90 us each). ZMQ sockets stay
 * single-threaded: only the lock holder touches them, and the lock is the memory barrier ZMQ asks for when a socket
 * changes threads. If that cycle leaves work, an earlier deadline or a newly watched socket behind, it wakes the
 * control thread.
 *
 * <p>{@code ZMQ_FD} is edge-triggered: it signals that the socket's state may have changed, not that a message
 * is waiting. Every cycle therefore reads each socket until it would block, and a cycle that found work is
 * followed by another before the thread may block (the runner does that): a send that consumed the signal of a
 * message already queued is caught by the next cycle.
 */
public final class ControlAgent implements Agent, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ControlAgent.class.getName());
    private static final Consumer<SelectionKey> IGNORE = k -> { };

    /** Work owned by the control thread. Every method is called on that thread. */
    public interface Duty {
        /**
         * Receives what is ready on this duty's sockets without blocking and handles it.
         *
         * @return messages handled (0 when nothing was ready)
         */
        int poll(long nowNanos);

        /**
         * Fires what is due at {@code nowNanos} (deadlines, retries).
         *
         * @return how many things fired
         */
        int expire(long nowNanos);

        /**
         * The earliest time ({@link System#nanoTime()} based) {@link #expire} has something to do; MAX_VALUE for
         * none.
         */
        long nextDeadlineNanos();

        /** False once the duty is finished: it is then dropped (after {@link #close()}). */
        default boolean isActive() {
            return true;
        }

        /** Closes the duty's sockets. Called on the control thread when it is dropped or the agent stops. */
        void close();
    }

    private final String name;
    private final ZContext context;
    private final WakeableSelector selector;
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final List<Duty> duties = new ArrayList<>();
    private final AgentRunner runner;
    /** Longest wait of the idle control thread ({@link #WAIT_HORIZON_NANOS}). */
    private final long waitHorizonNanos;
    /** Held while a duty cycle runs, on the control thread or on a {@link #runOrExecute} caller. */
    private final ReentrantLock owner = new ReentrantLock();
    /** Earliest deadline of any duty after the last cycle (guarded by {@link #owner}). */
    private long nextDeadline = Long.MAX_VALUE;
    /** The deadline the control thread's last wait was computed for (guarded by {@link #owner}). */
    private long waitingUntil = Long.MAX_VALUE;
    /** A socket was watched by a cycle run on another thread: the control thread's selector must see it. */
    private boolean watchedElsewhere;
    /** Duty cycles run by {@link #runOrExecute} callers. */
    private volatile long cyclesElsewhere;
    /** The last wait ended because the selector reported a socket ready (control thread). */
    private boolean woken;
    /** Consecutive wake-ups by a ready socket after which a duty cycle found nothing to do (control thread). */
    private int emptyWakes;
    private volatile boolean closing;

    /**
     * Creates the agent, its ZMQ context (one I/O thread) and selector, and starts its thread.
     *
     * @param name the thread name, e.g. {@code kvcourier-control-sender}
     */
    public ControlAgent(String name) {
        this(name, false);
    }

    /**
     * As {@link #ControlAgent(String)}; with {@code yieldAfterWake} the thread yields its CPU once after each wait
     * that ended, so that a caller whose submit woke it goes on first ({@link AgentRunner#yieldAfterWake}).
     */
    public ControlAgent(String name, boolean yieldAfterWake) {
        this(name, WAIT_HORIZON_NANOS, yieldAfterWake);
    }

    /** With another wait horizon (tests: a long one shows that a borrowed cycle wakes the control thread itself). */
    ControlAgent(String name, long waitHorizonNanos) {
        this(name, waitHorizonNanos, false);
    }

    private ControlAgent(String name, long waitHorizonNanos, boolean yieldAfterWake) {
        this.name = name;
        this.waitHorizonNanos = waitHorizonNanos;
        try {
            this.selector = WakeableSelector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("control agent cannot open a selector", e);
        }
        this.context = new ZContext(1);
        this.runner = new AgentRunner(this, IdleStrategy.standard()).yieldAfterWake(yieldAfterWake);
        runner.start();
    }

    @Override
    public String roleName() {
        return name;
    }

    /** The ZMQ context whose sockets this agent owns. Create sockets on the control thread only. */
    public ZContext context() {
        return context;
    }

    /** Whether the caller runs on the control thread, or runs a duty cycle for it ({@link #runOrExecute}). */
    public boolean onControlThread() {
        return runner.onAgentThread() || owner.isHeldByCurrentThread();
    }

    /** Whether the caller is the control thread itself (not another thread running a cycle for it). */
    public boolean onAgentThread() {
        return runner.onAgentThread();
    }

    /** Whether the agent still accepts work. */
    public boolean isOpen() {
        return !closing;
    }

    /**
     * Runs {@code command} on the control thread soon. Never blocks; any thread. Returns false (and does not run
     * it) once the agent is closing.
     */
    public boolean execute(Runnable command) {
        if (closing) {
            return false;
        }
        commands.add(command);
        runner.wakeUp();
        return true;
    }

    /**
     * Runs {@code command} on the calling thread now, followed by the rest of a duty cycle, when no other thread is
     * running one (the control thread is waiting for work); otherwise the same as {@link #execute}. Never blocks;
     * any platform thread that may run control work for a moment (never a virtual thread: the cycle may call into
     * native code). Commands queued before it run first, in order.
     *
     * @return false (and {@code command} does not run) once the agent is closing
     */
    public boolean runOrExecute(Runnable command) {
        if (closing || owner.isHeldByCurrentThread() || !owner.tryLock()) {
            return execute(command); // held here: this thread's cycle drains the queue next
        }
        try {
            if (closing) {
                return execute(command);
            }
            commands.add(command);
            int work;
            int cycles = 0;
            do {
                work = cycle(false);
                cycles++;
            } while (work > 0 && cycles < MAX_CYCLES_ELSEWHERE);
            cyclesElsewhere = cyclesElsewhere + cycles; // single writer: the lock holder
            if (work > 0 || watchedElsewhere || nextDeadline - waitingUntil < 0) {
                watchedElsewhere = false;
                runner.wakeUp();
            }
            return true;
        } finally {
            owner.unlock();
        }
    }

    /** Duty cycles run on other threads by {@link #runOrExecute} (any thread; for tests and status). */
    public long cyclesElsewhere() {
        return cyclesElsewhere;
    }

    /** Most duty cycles a {@link #runOrExecute} caller runs before it leaves the rest to the control thread. */
    private static final int MAX_CYCLES_ELSEWHERE = 4;

    /** Registers a duty; control thread only. */
    public void add(Duty duty) {
        duties.add(duty);
    }

    /**
     * Watches a socket this agent's thread owns: its mailbox channel wakes the blocked agent. Control thread
     * only; the key goes away when the socket is closed. A duty must call {@link #readable} on every socket it
     * watches in every {@link Duty#poll}, whatever state the socket is in (see there).
     */
    public void watch(ZMQ.Socket socket) {
        try {
            socket.getFD().register(selector.selector(), SelectionKey.OP_READ);
            watchedElsewhere |= !runner.onAgentThread();
        } catch (ClosedChannelException e) {
            throw new IllegalStateException(name + ": cannot watch a closed socket", e);
        }
    }

    /**
     * Processes the socket's pending commands now and says whether a message can be received. jeromq processes
     * commands inside {@code recv(DONTWAIT)} at most once per millisecond, and only processing them consumes the
     * wake-up byte behind the socket's FD: a duty that only called {@code recv} would leave the FD readable, and
     * this agent's selector would return at once, cycle after cycle, until the next millisecond tick (measured:
     * the sender's control thread spun for about 4 ms of CPU per store). {@code getEvents()} is ZMQ_EVENTS: it
     * processes the commands unthrottled, which consumes the byte.
     */
    public static boolean readable(ZMQ.Socket socket) {
        return (socket.getEvents() & ZMQ.Poller.POLLIN) != 0;
    }

    /** Stops watching a socket before it is closed. Control thread only. */
    public void unwatch(ZMQ.Socket socket) {
        SelectionKey key = socket.getFD().keyFor(selector.selector());
        if (key != null) {
            key.cancel();
        }
    }

    @Override
    public int doWork() {
        owner.lock();
        try {
            return cycle(true);
        } finally {
            owner.unlock();
        }
    }

    /** One duty cycle, under {@link #owner}; {@code onAgent}: run by the control thread itself. */
    private int cycle(boolean onAgent) {
        int work = 0;
        for (Runnable r; (r = commands.poll()) != null; ) {
            work++;
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, name + ": command failed", e);
            }
        }
        long now = System.nanoTime();
        long next = Long.MAX_VALUE;
        for (int i = 0; i < duties.size(); i++) {
            Duty d = duties.get(i);
            try {
                work += d.poll(now);
                if (now - d.nextDeadlineNanos() >= 0) {
                    work += d.expire(now);
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, name + ": duty failed", e);
            }
            if (!d.isActive()) {
                closeQuietly(d);
                duties.remove(i--);
                work++;
                continue;
            }
            next = Math.min(next, d.nextDeadlineNanos());
        }
        nextDeadline = next;
        if (!onAgent) {
            return work;
        }
        if (woken) {
            woken = false;
            emptyWakes = work > 0 ? 0 : emptyWakes + 1;
        } else if (work > 0) {
            emptyWakes = 0;
        }
        return work;
    }

    private void closeQuietly(Duty d) {
        try {
            d.close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, name + ": closing a duty failed", e);
        }
    }

    /**
     * Longest wait of an idle control thread, in nanoseconds, even with no deadline due. A cycle run elsewhere
     * ({@link #runOrExecute}) wakes the control thread only for a deadline earlier than the end of its wait: the
     * batch deadlines such a cycle sets lie seconds ahead, beyond this horizon, and need no wake-up.
     */
    private static final long WAIT_HORIZON_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Longest pause after repeated empty wake-ups, in nanoseconds (see {@link #awaitWork}). */
    private static final long MAX_EMPTY_WAKE_PAUSE_NANOS = 64_000;

    /**
     * Blocks in the selector until a watched socket's FD is readable, a command is queued or the next deadline, at
     * most {@link #WAIT_HORIZON_NANOS}.
     *
     * <p>jeromq signals a socket's FD by writing a byte to a pipe <em>before</em> it counts the signal, and its
     * socket consumes only counted bytes. On a busy 2-core machine the writer (a jeromq I/O thread) is often
     * descheduled between the two, just after its write woke this thread: the FD then stays readable with nothing
     * to process until the writer runs again, and a plain select loop would spin on the CPU the writer needs
     * (measured: 100-300 empty wake-ups per allocation round trip). So after two such empty wake-ups in a row this
     * thread yields, and after more it pauses 1, 2, 4 ... at most {@value #MAX_EMPTY_WAKE_PAUSE_NANOS} ns before
     * selecting again; any real work resets it. The pause delays a real event by at most that much, and only
     * while jeromq's FD is in this state.
     */
    @Override
    public void awaitWork() throws IOException {
        if (emptyWakes >= 2) {
            if (emptyWakes == 2) {
                Thread.yield();
            } else {
                java.util.concurrent.locks.LockSupport.parkNanos(
                        Math.min(MAX_EMPTY_WAKE_PAUSE_NANOS, 1_000L << Math.min(emptyWakes - 3, 6)));
            }
        }
        long deadline;
        long now = System.nanoTime();
        owner.lock();
        try {
            // Read and noted together: a cycle run elsewhere after this sees what this wait is for.
            deadline = nextDeadline - (now + waitHorizonNanos) < 0 ? nextDeadline : now + waitHorizonNanos;
            waitingUntil = deadline;
        } finally {
            owner.unlock();
        }
        long wait = deadline - now;
        if (wait < TimeUnit.MILLISECONDS.toNanos(1)) {
            if (wait > 0) {
                selector.selectNow(IGNORE);
            }
            return;
        }
        woken = selector.select(IGNORE, Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait))) > 0;
    }

    @Override
    public void wakeUpSignal() {
        selector.wakeUp();
    }

    @Override
    public void onClose() {
        owner.lock();
        try {
            closeOwned();
        } finally {
            owner.unlock();
        }
    }

    private void closeOwned() {
        for (Runnable r; (r = commands.poll()) != null; ) {
            try {
                r.run(); // last commands (close requests) still run, on the owning thread
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, name + ": command failed at close", e);
            }
        }
        for (Duty d : duties) {
            closeQuietly(d);
        }
        duties.clear();
        CloseHelper.quietCloseAll(selector, context);
    }

    /**
     * Stops accepting commands, lets the control thread close every socket and the context, and waits for it
     * at most {@code timeout}. Never interrupts (docs/TRAPS.md#trap-3). Idempotent.
     */
    public void close(Duration timeout) {
        closing = true;
        runner.close(timeout);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
