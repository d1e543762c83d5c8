package io.kvcourier.pd;

import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.notify.NotificationTracker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(30)
class StoreResultsTest {
    /**
     * The decode side waits on the ProxyNotif, the caller's result only returns its chunks: a finished store hands
     * its notification over before it records the result and writes the store eventfd (a syscall the notification
     * need not wait behind).
     */
    @Test
    void theNotificationIsHandedOverBeforeTheStoreResultIsRecorded() {
        try (TaskLedger ledger = new TaskLedger(); Arena arena = Arena.ofShared()) {
            List<Map<Long, Boolean>> resultsAtNotification = new ArrayList<>();
            NotificationTracker tracker = new NotificationTracker(1, Duration.ofSeconds(10), System::nanoTime,
                    reqId -> resultsAtNotification.add(ledger.popStores()));
            InflightTasks tasks = new InflightTasks();
            tasks.started();
            StoreResults results = new StoreResults(ledger, tracker, tasks);
            StoreTask task = new StoreTask(null, 7, List.of(ObjectKey.of(new byte[] {1}, "m", 0)),
                    List.of(MemoryObj.ofBytes(arena.allocate(16))), new TransferSpec("req-1", true, 1),
                    ReceiverTarget.of("127.0.0.1", List.of(1), List.of(2)), null);

            results.onStoreDone(task, true);

            assertThat(resultsAtNotification).as("store results visible when the notification was handed over")
                    .containsExactly(Map.of());
            assertThat(ledger.popStores()).containsExactly(Map.entry(7L, true));
            assertThat(tasks.count()).isZero();
        }
    }
}
