package io.kvcourier.pd;

import io.kvcourier.control.ControlAgent;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The sender engine's own deadlines on the control thread: commits that do not come within {@code
 * transfer_timeout_sec} (the connection is fenced), admission waits past {@code allocation_timeout_sec}, and the
 * per-request key records past {@code request_timeout_sec}.
 */
final class SenderDeadlines implements ControlAgent.Duty {
    private static final System.Logger LOG = System.getLogger(SenderEngine.class.getName());

    private final SenderEngine engine;
    private final ArrayDeque<SenderBatch> inTransfer;
    private final BatchAdmission admission;
    private final HeldKeys held;
    private final long requestTimeoutNanos;
    /** When the request records are next checked against {@code request_timeout_sec}. */
    private long nextRecordSweep = System.nanoTime();

    SenderDeadlines(SenderEngine engine) {
        this.engine = engine;
        this.inTransfer = engine.writes.inTransfer;
        this.admission = engine.admission;
        this.held = engine.held;
        this.requestTimeoutNanos = engine.requestTimeoutNanos;
    }

    @Override
    public int poll(long nowNanos) {
        int work = 0;
        while (!inTransfer.isEmpty() && inTransfer.peek().done) {
            inTransfer.poll();
            work++;
        }
        return work;
    }

    @Override
    public int expire(long nowNanos) {
        int work = 0;
        while (!inTransfer.isEmpty()) {
            SenderBatch b = inTransfer.peek();
            if (!b.done && nowNanos - b.transferDeadlineNanos < 0) {
                break;
            }
            inTransfer.poll();
            if (!b.done) {
                LOG.log(System.Logger.Level.WARNING, "rank {0}: {1} not committed within the transfer deadline; "
                        + "fencing the connection", b.peer.rank, b.write);
                b.timedOut = true;
                // its close fails every write on it, this one included
                engine.connections.dropConnection(b.peer, b.connection,
                        "a batch was not committed within the transfer deadline");
                work++;
            }
        }
        SenderBatch waiting = admission.oldest();
        if (waiting != null && nowNanos - waiting.transferDeadlineNanos >= 0) {
            admission.retry();
            work++;
        }
        if (nowNanos - nextRecordSweep >= 0) {
            work += held.requests() == 0 ? 0 : held.expire(nowNanos, requestTimeoutNanos);
            nextRecordSweep = nowNanos + Math.min(TimeUnit.SECONDS.toNanos(1), requestTimeoutNanos / 4 + 1);
        }
        return work;
    }

    @Override
    public long nextDeadlineNanos() {
        long next = Long.MAX_VALUE;
        SenderBatch t = inTransfer.peek();
        if (t != null) {
            next = t.transferDeadlineNanos;
        }
        SenderBatch a = admission.oldest();
        if (a != null && (next == Long.MAX_VALUE || a.transferDeadlineNanos - next < 0)) {
            next = a.transferDeadlineNanos;
        }
        // The sweep is due every second even with no records: an empty sweep costs nothing, and a deadline that does
        // not come and go with each request lets a cycle run on a channel thread leave the control thread asleep.
        if (next == Long.MAX_VALUE || nextRecordSweep - next < 0) {
            next = nextRecordSweep;
        }
        return next;
    }

    @Override
    public void close() {
    }
}
