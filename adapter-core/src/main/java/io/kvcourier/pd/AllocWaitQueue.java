package io.kvcourier.pd;

import io.kvcourier.control.ControlAgent;
import io.kvcourier.control.ControlServer;
import io.kvcourier.wire.AllocRequest;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The AllocRequests that wait for room (or for a duplicate key still in flight to commit), in arrival order —
 * which is deadline order — and their deadlines: a duty of the receiver's control agent. A waiting request is
 * retried as soon as the store says that something changed ({@link #roomChanged}: one command and one wake-up)
 * and when its deadline passes; no thread per waiting request and no timed poll.
 *
 * <p>Control thread only, except {@link #roomChanged} (any thread, under the store's lock) and {@link #count}.
 */
final class AllocWaitQueue implements ControlAgent.Duty {
    private final ReceiverStore store;
    private final ControlAgent control;
    private final long allocationTimeoutNanos;
    private final long transferTimeoutNanos;
    /** Allocations waiting for room, in arrival (= deadline) order; control thread only. */
    private final ArrayDeque<WaitingAlloc> waiting = new ArrayDeque<>();
    private volatile int waitingCount;
    private final AtomicBoolean retryQueued = new AtomicBoolean();
    private final Runnable retryWaiting = this::retryWaiting;

    /**
     * Creates the queue; the control agent runs it once it is added as a duty.
     *
     * @param allocationTimeoutNanos how long a request waits for room, in nanoseconds
     * @param transferTimeoutNanos   the transfer timeout, in nanoseconds: how long keys may stay in flight
     */
    AllocWaitQueue(ReceiverStore store, ControlAgent control, long allocationTimeoutNanos,
                   long transferTimeoutNanos) {
        this.store = store;
        this.control = control;
        this.allocationTimeoutNanos = allocationTimeoutNanos;
        this.transferTimeoutNanos = transferTimeoutNanos;
    }

    /**
     * A request that waits, with {@link ReceiverStore#allocateWaiting}'s bounds: room is waited for at most the
     * allocation timeout; keys in flight for another allocation until they commit or their allocation ends (its
     * transfer deadline bounds that), then room again for at most the allocation timeout; everything within the
     * transfer plus the allocation timeout.
     */
    private final class WaitingAlloc {
        final String senderId;
        final AllocRequest request;
        final ReceiverStore.Parsed parsed;
        final ControlServer.Reply reply;
        final long lastDeadline;
        long roomDeadline;

        WaitingAlloc(String senderId, AllocRequest request, ReceiverStore.Parsed parsed, long startNanos,
                     ControlServer.Reply reply) {
            this.senderId = senderId;
            this.request = request;
            this.parsed = parsed;
            this.reply = reply;
            this.lastDeadline = startNanos + transferTimeoutNanos + allocationTimeoutNanos;
            this.roomDeadline = startNanos + allocationTimeoutNanos;
        }

        /** One try; true when it was answered. */
        boolean retry(long now) {
            ReceiverStore.Outcome o = store.tryAllocate(senderId, request, parsed, now - roomDeadline >= 0,
                    now - lastDeadline >= 0);
            if (!o.mustWait()) {
                reply.send(o.reply());
                return true;
            }
            if (o.waitFor() == ReceiverStore.Wait.KEYS_IN_FLIGHT) {
                // Room is counted from when the keys are settled, within the overall bound.
                long next = now + allocationTimeoutNanos;
                roomDeadline = next - lastDeadline < 0 ? next : lastDeadline;
            }
            return false;
        }

        long deadline() {
            return roomDeadline - lastDeadline < 0 ? roomDeadline : lastDeadline;
        }
    }

    /** How many requests wait now (any thread). */
    int count() {
        return waitingCount;
    }

    /** Control thread: {@code request}, which must wait, waits from {@code startNanos} on; {@code reply} answers it. */
    void add(String senderId, AllocRequest request, ReceiverStore.Parsed parsed, long startNanos,
             ControlServer.Reply reply) {
        waiting.add(new WaitingAlloc(senderId, request, parsed, startNanos, reply));
        waitingCount = waiting.size();
    }

    /** Under the store's lock: queue one retry of the waiting allocations on the control thread, if any wait. */
    void roomChanged() {
        if (waitingCount > 0 && retryQueued.compareAndSet(false, true)) {
            control.execute(retryWaiting);
        }
    }

    /** Control thread: retries waiting allocations in order; each either gets its reply now or keeps waiting. */
    private void retryWaiting() {
        retryQueued.set(false);
        long now = System.nanoTime();
        int n = waiting.size();
        for (int i = 0; i < n; i++) {
            WaitingAlloc w = waiting.poll();
            if (!w.retry(now)) {
                waiting.add(w);
            }
        }
        waitingCount = waiting.size();
    }

    @Override
    public int poll(long nowNanos) {
        return 0;
    }

    @Override
    public int expire(long nowNanos) {
        retryWaiting();
        return 1;
    }

    @Override
    public long nextDeadlineNanos() {
        long next = Long.MAX_VALUE;
        for (WaitingAlloc w : waiting) { // few wait at once; their deadlines move as keys settle
            long d = w.deadline();
            next = next == Long.MAX_VALUE || d - next < 0 ? d : next;
        }
        return next;
    }

    /** Answers every waiting request with failures (the control agent is closing). */
    @Override
    public void close() {
        for (WaitingAlloc w; (w = waiting.poll()) != null; ) {
            w.reply.send(AllocResponses.failed(w.request.keys().size()));
        }
        waitingCount = 0;
    }
}
