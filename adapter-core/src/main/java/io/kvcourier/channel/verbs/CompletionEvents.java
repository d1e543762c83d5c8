package io.kvcourier.channel.verbs;

import io.kvcourier.verbs.Epoll;
import io.kvcourier.verbs.Errno;
import io.kvcourier.verbs.EventFd;
import io.kvcourier.verbs.Fcntl;
import io.kvcourier.verbs.NativeException;
import io.kvcourier.verbs.gen.ibv_async_event;
import io.kvcourier.verbs.gen.ibv_comp_channel;
import io.kvcourier.verbs.gen.ibv_context;
import io.kvcourier.verbs.gen.libc_h;
import io.kvcourier.verbs.gen.verbs_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * What the progress thread sleeps on: one epoll set over the completion channel's fd, the device's async-event fd
 * and a wake-up eventfd. The first two are put in {@code O_NONBLOCK} mode so that a spurious wake never blocks in
 * {@code ibv_get_cq_event} (docs/TRAPS.md#trap-14). CQ events are acknowledged as they are taken, so
 * {@code ibv_destroy_cq} never waits for one (docs/TRAPS.md#trap-13); async QP errors go to the QP's set.
 *
 * <p>Threading: {@link #await} runs on the progress thread only; {@link #signal} on any thread.
 *
 * <p>Ownership: the {@link ProgressLoop}. {@link #close()} closes the epoll set and the eventfd, then destroys
 * the completion channel (every CQ must be gone); it is idempotent. A constructor that fails releases what it
 * made.
 */
final class CompletionEvents implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(CompletionEvents.class.getName());
    private static final long WAKE = 0;
    private static final long COMP = 1;
    private static final long ASYNC = 2;

    private final String owner;
    private final MemorySegment context;
    /** The loop's live QP sets (read here on the progress thread only). */
    private final List<QpSet> sets;
    private final MemorySegment callState;
    private final MemorySegment cqOut;
    private final MemorySegment ctxOut;
    private final MemorySegment asyncEvent;
    private MemorySegment compChannel = MemorySegment.NULL;
    private Epoll epoll;
    private EventFd wake;

    /**
     * Creates the completion channel of {@code context}, the wake-up eventfd and the epoll set.
     *
     * @param owner the endpoint's name, for logs
     * @param sets  the loop's live QP sets, whose CQs and QPs events are matched against
     * @throws NativeException when one of them cannot be made
     */
    CompletionEvents(String owner, MemorySegment context, List<QpSet> sets, Arena arena) {
        this.owner = owner;
        this.context = context;
        this.sets = sets;
        this.callState = Errno.allocateState(arena);
        this.cqOut = arena.allocate(ADDRESS);
        this.ctxOut = arena.allocate(ADDRESS);
        this.asyncEvent = ibv_async_event.allocate(arena);
        try {
            MemorySegment cc = VerbsCalls.createCompChannel(callState, context);
            if (cc.equals(MemorySegment.NULL)) {
                throw new NativeException("ibv_create_comp_channel", Errno.get(callState));
            }
            this.compChannel = cc.reinterpret(ibv_comp_channel.sizeof());
            int compFd = ibv_comp_channel.fd(compChannel);
            int asyncFd = ibv_context.async_fd(context);
            Fcntl.setNonBlocking(compFd); // docs/TRAPS.md#trap-14: a spurious wake must not block in ibv_get_cq_event
            Fcntl.setNonBlocking(asyncFd);
            this.wake = EventFd.create();
            this.epoll = Epoll.create(4);
            epoll.add(wake.fd(), libc_h.EPOLLIN(), WAKE);
            epoll.add(compFd, libc_h.EPOLLIN(), COMP);
            epoll.add(asyncFd, libc_h.EPOLLIN(), ASYNC);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The completion channel every CQ of the endpoint reports to. */
    MemorySegment compChannel() {
        return compChannel;
    }

    /** Wakes a thread blocked in {@link #await} (any thread); a no-op once closed. */
    void signal() {
        try {
            wake.signal();
        } catch (IllegalStateException e) {
            // closed: the loop is gone and close() ran or runs the remaining tasks
        }
    }

    /**
     * Blocks in {@code epoll_wait} up to {@code timeoutMillis}, then drains the wake-up eventfd, takes and acks CQ
     * events and handles async events, whichever fired (progress thread).
     */
    void await(int timeoutMillis) {
        int n = epoll.wait(timeoutMillis);
        for (int i = 0; i < n; i++) {
            long which = epoll.data(i);
            if (which == WAKE) {
                wake.drain();
            } else if (which == COMP) {
                takeCqEvents();
            } else {
                takeAsyncEvents();
            }
        }
    }

    private void takeCqEvents() {
        while (nextCqEvent(compChannel, cqOut, ctxOut) == 0) {
            // Acked at once, so ibv_destroy_cq never waits for an unacked event (docs/TRAPS.md#trap-13). The set's
            // own segment is passed, so taking an event allocates nothing.
            long cq = cqOut.get(JAVA_LONG, 0);
            MemorySegment seg = null;
            for (int l = 0; l < sets.size() && seg == null; l++) {
                if (sets.get(l).cq.address() == cq) {
                    seg = sets.get(l).cq;
                }
            }
            verbs_h.ibv_ack_cq_events(seg != null ? seg : MemorySegment.ofAddress(cq), 1);
        }
    }

    /**
     * Takes the next event of a non-blocking completion channel into {@code cqOut}/{@code ctxOut}: 0, or -1 once
     * none is left (EAGAIN) or the channel failed; either ends a drain, and the next epoll wake-up tries again.
     * Deliberately not errno-capturing: a capturing downcall slices its state segment per call, which allocates
     * whenever C2 declines to inline {@code asSlice} (one JIT run in ten here), and the drain never needs errno.
     */
    static int nextCqEvent(MemorySegment channel, MemorySegment cqOut, MemorySegment ctxOut) {
        return verbs_h.ibv_get_cq_event(channel, cqOut, ctxOut);
    }

    private void takeAsyncEvents() {
        while (verbs_h.ibv_get_async_event(context, asyncEvent) == 0) {
            int type = ibv_async_event.event_type(asyncEvent);
            long element = asyncEvent.get(JAVA_LONG, 0);
            if (type == verbs_h.IBV_EVENT_QP_FATAL() || type == verbs_h.IBV_EVENT_QP_REQ_ERR()
                    || type == verbs_h.IBV_EVENT_QP_ACCESS_ERR()) {
                Qp qp = findQp(element);
                if (qp != null && !qp.broken) {
                    qp.qpSet.onQpFailed(qp, "async event " + eventName(type) + " on " + qp);
                }
            } else if (type == verbs_h.IBV_EVENT_DEVICE_FATAL() || type == verbs_h.IBV_EVENT_PORT_ERR()) {
                LOG.log(System.Logger.Level.WARNING, "{0}: async event {1}", owner, eventName(type));
            }
            verbs_h.ibv_ack_async_event(asyncEvent);
        }
    }

    private Qp findQp(long address) {
        for (QpSet s : sets) {
            for (Qp q : s.qps) {
                if (q.qp.address() == address) {
                    return q;
                }
            }
        }
        return null;
    }

    private static String eventName(int type) {
        MemorySegment s = verbs_h.ibv_event_type_str(type);
        return s.equals(MemorySegment.NULL) ? "event " + type : s.reinterpret(128).getString(0);
    }

    /** Closes the epoll set and the eventfd, then destroys the completion channel. Idempotent. */
    @Override
    public void close() {
        if (epoll != null) {
            epoll.close();
        }
        if (wake != null) {
            wake.close();
        }
        if (!compChannel.equals(MemorySegment.NULL)) {
            VerbsEndpoint.warnIf(owner, "ibv_destroy_comp_channel", verbs_h.ibv_destroy_comp_channel(compChannel));
            compChannel = MemorySegment.NULL;
        }
    }
}
