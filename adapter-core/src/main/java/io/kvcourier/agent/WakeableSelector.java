package io.kvcourier.agent;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.function.Consumer;

/**
 * An NIO {@link Selector} for an {@link Agent} to block in, with a sticky wake-up of its own: one byte on a pipe
 * whose read end the selector watches, written only by the first {@link #wakeUp()} after the last one was
 * consumed. It replaces {@link Selector#wakeup()}, which sets its eventfd inside a lock that the woken selector
 * takes again on its way out of {@code select}: on a small machine the woken agent often runs on the waking
 * thread's CPU and preempts it inside that lock, blocks on the lock at once, and needs a second wake-up when the
 * waker lets go (seen with the scheduler's trace points: 287 of 743 wake-ups of the sender's control thread by a
 * submitting caller came in such pairs). Here wakers share nothing with the agent but a flag, and a pipe write is
 * a synchronous wake-up for the kernel's scheduler, which an eventfd's is not.
 *
 * <p>The agent's thread selects and closes; any thread wakes it up. Owned by the agent, closed on its thread at
 * the end (or by a constructor that failed after opening it). {@link #close()} is idempotent.
 */
public final class WakeableSelector implements AutoCloseable {
    private static final VarHandle SIGNALLED;

    static {
        try {
            SIGNALLED = MethodHandles.lookup().findVarHandle(WakeableSelector.class, "signalled", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Selector selector;
    private final Pipe pipe;
    private final SelectionKey wakeKey;
    /** The byte a waker writes; guarded by itself (wakers only, never the agent). */
    private final ByteBuffer one = ByteBuffer.allocateDirect(1);
    /** Where the agent drains the pipe (agent thread only). */
    private final ByteBuffer drain = ByteBuffer.allocateDirect(64);
    private final Consumer<SelectionKey> dispatch = this::dispatch;
    /** The caller's action for the select in progress, and how many of its keys it was given (agent thread). */
    private Consumer<SelectionKey> action;
    private int dispatched;
    /** Keys the last {@link #select} handed out, until {@link #selectNowUnlessSelected} used them; else -1. */
    private int selected = -1;
    /** 1 from a wake-up that writes its byte until the agent consumed it. */
    private volatile int signalled;

    private WakeableSelector(Selector selector, Pipe pipe) throws IOException {
        this.selector = selector;
        this.pipe = pipe;
        pipe.sink().configureBlocking(false); // never blocks a waker: a full pipe already wakes the agent
        pipe.source().configureBlocking(false);
        this.wakeKey = pipe.source().register(selector, SelectionKey.OP_READ);
    }

    /**
     * Opens a selector and its wake-up pipe.
     *
     * @throws IOException when either cannot be opened (nothing is left open)
     */
    public static WakeableSelector open() throws IOException {
        Selector sel = null;
        Pipe p = null;
        try {
            sel = Selector.open();
            p = Pipe.open();
            return new WakeableSelector(sel, p);
        } catch (IOException | RuntimeException e) {
            CloseHelper.closeOnFailure(e, p == null ? null : p.sink(), p == null ? null : p.source(), sel);
            throw e;
        }
    }

    /** The selector, to register the agent's channels with (agent thread, or before it starts). */
    public Selector selector() {
        return selector;
    }

    /**
     * Hands each ready key but the wake-up's to {@code action}, without blocking; a pending wake-up is consumed
     * first, so what it announced must be taken from the agent's queues after this returns. Agent thread.
     *
     * @return how many keys {@code action} was given
     */
    public int selectNow(Consumer<SelectionKey> action) throws IOException {
        selected = -1;
        this.action = action;
        dispatched = 0;
        selector.selectNow(dispatch);
        return dispatched;
    }

    /**
     * As {@link #selectNow}, after blocking until a channel is ready, {@link #wakeUp()} was called (since the
     * last wake-up was consumed) or {@code timeoutMillis} passed (0: no timeout). Agent thread.
     *
     * @return how many keys {@code action} was given
     */
    public int select(Consumer<SelectionKey> action, long timeoutMillis) throws IOException {
        selected = -1;
        this.action = action;
        dispatched = 0;
        selector.select(dispatch, timeoutMillis);
        selected = dispatched;
        return dispatched;
    }

    /**
     * {@link #selectNow}, unless the last call was a {@link #select} whose keys were handed out and not yet counted
     * here: then that select's count, without polling again. A duty cycle that follows the select which ended its
     * agent's wait saves a system call this way; readiness is level-triggered, so whatever is still ready (or
     * became ready since) is reported by the next select. Agent thread.
     *
     * @return how many keys were handed out, by this call or by the select before it
     */
    public int selectNowUnlessSelected(Consumer<SelectionKey> action) throws IOException {
        int n = selected;
        if (n < 0) {
            return selectNow(action);
        }
        selected = -1;
        return n;
    }

    private void dispatch(SelectionKey k) {
        if (k == wakeKey) {
            consume();
            return;
        }
        dispatched++;
        action.accept(k);
    }

    private void consume() {
        try {
            // Wakers write one byte per consumption: a read that does not fill the buffer emptied the pipe.
            do {
                drain.clear();
            } while (pipe.source().read(drain) == drain.capacity());
        } catch (IOException e) {
            // closed: nothing to drain
        }
        signalled = 0; // after draining: a byte written from here on makes the next select return
    }

    /** Makes the agent's current or next select return. Any thread; never blocks for long. */
    public void wakeUp() {
        if (!SIGNALLED.compareAndSet(this, 0, 1)) {
            return; // a byte is on its way or in the pipe, and the agent consumes it before its next cycle
        }
        synchronized (one) {
            one.clear();
            try {
                pipe.sink().write(one);
            } catch (IOException e) {
                signalled = 0; // closed: the agent is gone or going
            }
        }
    }

    /** Closes the selector and the pipe. Idempotent. */
    @Override
    public void close() {
        CloseHelper.quietCloseAll(pipe.sink(), pipe.source(), selector);
    }
}
