package io.kvcourier.pd;

import io.kvcourier.notify.NotificationTracker;

import java.util.concurrent.TimeoutException;

/**
 * Where a sender's finished store task goes, on the thread that finished it: its result to the ledger (eventfd
 * contract) or to its stage (async API), then the request's notification bookkeeping, then the in-flight count.
 * Each step runs even when the one before it threw.
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
        try {
            if (task.completion == null) {
                ledger.completeStore(task.id, ok);
            } else {
                task.completion.storeDone(task, ok);
            }
        } finally {
            // Whatever happened above, the request's notification attempt is not lost.
            try {
                tracker.onBatchDone(task.spec.reqId(), task.spec.isLastPrefill(), task.spec.totalChunks(),
                        task.keys.length, ok, task.receiverRanks());
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
