package io.kvcourier.pd;

import io.kvcourier.notify.NotificationTracker;

import java.util.concurrent.TimeoutException;

/**
 * Where a sender's finished store task goes, on the thread that finished it: the request's notification
 * bookkeeping (which hands a due {@code ProxyNotif} to the notifier), then its result to the ledger (eventfd
 * contract) or to its stage (async API), then the in-flight count. Each step runs even when the one before it
 * threw.
 */
final class StoreResults implements SenderEngine.TaskListener {
    private final TaskLedger ledger;
    private final NotificationTracker tracker;
    private final InflightTasks tasks;

    StoreResults(TaskLedger ledger, NotificationTracker tracker, InflightTasks tasks) {
        this.ledger = ledger;
        this.tracker = tracker;
        this.tasks = tasks;
    }

    @Override
    public void onStoreDone(StoreTask task, boolean ok) {
        // The notification first: the proxy waits on it to start the decode side (time to first token), while the
        // caller's result only returns its L1 chunks. Writing the store eventfd costs a syscall (32 us at p50 on an
        // idle 2-core VM, measured with stage timestamps), which the notification need not wait for.
        try {
            tracker.onBatchDone(task.spec.reqId(), task.spec.isLastPrefill(), task.spec.totalChunks(),
                    task.keys.length, ok, task.receiverRanks());
        } finally {
            // Whatever happened above, the result is recorded and the in-flight count drops.
            try {
                if (task.completion == null) {
                    ledger.completeStore(task.id, ok);
                } else {
                    task.completion.storeDone(task, ok);
                }
            } finally {
                tasks.done();
            }
        }
    }

    /**
     * An async task's stage gets the store's outcome (the task's thread: progress, control, or closing).
     *
     * @param outcome {@link SenderEngine#storeOutcome}
     */
    static void completeStage(AdapterFuture<Boolean> stage, String outcome, StoreTask task) {
        switch (outcome) {
            case "committed" -> stage.succeed(Boolean.TRUE);
            case "closed" -> stage.fail(InflightTasks.closedBeforeDone("store"));
            case "timed_out" -> stage.fail(new TimeoutException(task.failure()));
            default -> stage.succeed(Boolean.FALSE);
        }
    }
}
