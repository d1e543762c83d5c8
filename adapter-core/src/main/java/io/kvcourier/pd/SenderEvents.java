package io.kvcourier.pd;

import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.jfr.AllocationEvent;
import io.kvcourier.jfr.BatchTransferEvent;
import io.kvcourier.jfr.StoreTaskEvent;

/** The sender's JFR events on a batch's and a task's way, committed where they end (made only while enabled). */
final class SenderEvents {
    private SenderEvents() {
    }

    /** Commits the batch's allocation event, if one was begun (control thread). */
    static void allocation(SenderBatch batch, String outcome, String reason, int alreadySent) {
        if (!(batch.jfr instanceof AllocationEvent e)) {
            return;
        }
        batch.jfr = null;
        e.taskId = batch.task.id;
        e.requestId = batch.task.spec.reqId();
        e.rank = batch.peer.rank;
        e.peer = batch.peer.alloc.endpoint();
        e.keys = batch.size();
        e.bytes = batch.bytes();
        e.alreadySent = alreadySent;
        e.outcome = outcome;
        e.reason = reason;
        e.commit();
    }

    /** Commits the batch's transfer event, if one was begun (the channel's thread, or the writer). */
    static void transfer(SenderBatch batch, ChannelException failure) {
        if (!(batch.jfr instanceof BatchTransferEvent e)) {
            return;
        }
        batch.jfr = null;
        e.taskId = batch.task.id;
        e.requestId = batch.task.spec.reqId();
        e.rank = batch.peer.rank;
        ChannelConnection c = batch.connection;
        e.peer = c == null ? batch.peer.initEndpoint : c.describe();
        e.keys = batch.write.size();
        e.bytes = batch.write.totalBytes();
        e.zeroCopy = !batch.staged;
        e.outcome = failure == null ? "committed" : batch.timedOut ? "timed_out" : "failed";
        e.reason = failure == null ? "" : String.valueOf(failure.getMessage());
        e.commit();
    }

    /**
     * Commits the task's event (the task's {@code jfr} is not null).
     *
     * @param peerHost the configured peer's host, for a task without a target
     * @param outcome  {@link SenderEngine#storeOutcome}
     * @param closing  whether the sender is closing
     */
    static void storeTask(StoreTask task, boolean ok, String peerHost, String outcome, boolean closing) {
        StoreTaskEvent e = task.jfr;
        e.taskId = task.id;
        e.api = task.completion == null ? "eventfd" : "async";
        e.requestId = task.spec.reqId();
        int rank = task.keys.length == 0 ? 0 : task.keys[0].tpRank();
        long bytes = 0;
        for (int i = 0; i < task.keys.length; i++) {
            rank = task.keys[i].tpRank() == rank ? rank : -1;
            bytes += task.objects[i].shapeBytes();
        }
        e.rank = rank;
        e.peer = task.target == null ? peerHost : task.target.host();
        e.keys = task.keys.length;
        e.bytes = bytes;
        e.outcome = outcome;
        String why = task.failure();
        e.reason = ok ? "" : why != null ? why : closing ? "sender is closing" : "failed";
        e.commit();
    }
}
