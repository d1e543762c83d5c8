package io.kvcourier.pd;

import io.kvcourier.channel.ControllableChannel;
import io.kvcourier.channel.ControllableChannel.Step;
import io.kvcourier.channel.MockMemoryChannel;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.notify.ProxyListener;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.TaskWaiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kvcourier's JFR events, recorded with a {@link RecordingStream} while real transfers run: each step of a store
 * (task, allocation round trip, batch transfer, commit on the receiver, proxy notification, handshake) and the
 * failure steps (fence, eviction) appear with request id, rank, peer, key count, bytes, outcome and a duration.
 */
@Timeout(120)
class JfrEventsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final List<String> NAMES = List.of("StoreTask", "Allocation", "BatchTransfer", "Commit",
            "ProxyNotification", "Fence", "Eviction", "Handshake");

    /** Events by short name, collected from a stream over every kvcourier event. */
    private static final class Recorder implements AutoCloseable {
        final RecordingStream stream = new RecordingStream();
        final Map<String, List<RecordedEvent>> events = new ConcurrentHashMap<>();

        Recorder() {
            for (String n : NAMES) {
                String name = "io.kvcourier." + n;
                stream.enable(name).withThreshold(Duration.ZERO);
                events.put(n, new CopyOnWriteArrayList<>());
                stream.onEvent(name, e -> events.get(n).add(e));
            }
            stream.setMaxAge(Duration.ofMinutes(1));
            stream.startAsync();
        }

        /** The first event of {@code name} that matches, waiting for the stream's next flushes up to {@link #WAIT}. */
        RecordedEvent await(String name, Predicate<RecordedEvent> match) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                for (RecordedEvent e : events.get(name)) {
                    if (match.test(e)) {
                        return e;
                    }
                }
                if (System.nanoTime() - deadline >= 0) {
                    throw new AssertionError("no matching " + name + " event within " + WAIT + "; got " + events.get(name));
                }
                new java.util.concurrent.CountDownLatch(1).await(50, TimeUnit.MILLISECONDS); // the stream flushes about once a second
            }
        }

        @Override
        public void close() {
            stream.close();
        }
    }

    @Test
    void aStoreRecordsItsTaskAllocationTransferCommitNotificationAndHandshake() throws Exception {
        try (Recorder rec = new Recorder();
             ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0);
             PdPair p = new PdPair(MockMemoryChannel.FACTORY, m -> { }, m -> {
                 m.put("proxy_host", "127.0.0.1");
                 m.put("proxy_port", proxy.port());
             });
             TaskWaiter w = new TaskWaiter(p.sender)) {
            List<ObjectKey> keys = PdPair.keys("jfr", 3, 0);
            long id = p.sender.submitStoreTask(keys, p.randomChunks(3), new TransferSpec("req-jfr", true, 3));
            assertThat(w.awaitStore(id, WAIT)).isTrue();
            assertThat(p.sender.async().store(PdPair.keys("jfr-async", 1), p.randomChunks(1),
                    new TransferSpec("req-jfr-async", true, 1)).toCompletableFuture().get(30, TimeUnit.SECONDS)).isTrue();
            assertThat(proxy.awaitReady("req-jfr", 1, WAIT)).isTrue();

            RecordedEvent task = rec.await("StoreTask", e -> "req-jfr".equals(e.getString("requestId")));
            assertThat(task.getLong("taskId")).isEqualTo(id);
            assertThat(task.getString("api")).isEqualTo("eventfd");
            assertThat(task.getInt("rank")).isZero();
            assertThat(task.getString("peer")).isEqualTo("127.0.0.1");
            assertThat(task.getInt("keys")).isEqualTo(3);
            assertThat(task.getLong("bytes")).isEqualTo(3 * PdPair.CHUNK);
            assertThat(task.getString("outcome")).isEqualTo("committed");
            assertThat(task.getString("reason")).isEmpty();
            assertThat(task.getDuration()).isPositive();
            RecordedEvent asyncTask = rec.await("StoreTask", e -> "req-jfr-async".equals(e.getString("requestId")));
            assertThat(asyncTask.getString("api")).isEqualTo("async");

            RecordedEvent alloc = rec.await("Allocation", e -> "req-jfr".equals(e.getString("requestId")));
            assertThat(alloc.getString("outcome")).isEqualTo("allocated");
            assertThat(alloc.getInt("keys")).isEqualTo(3);
            assertThat(alloc.getLong("bytes")).isEqualTo(3 * PdPair.CHUNK);
            assertThat(alloc.getString("peer")).startsWith("tcp://127.0.0.1:");
            assertThat(alloc.getInt("rank")).isZero();
            assertThat(alloc.getDuration()).isPositive();

            RecordedEvent write = rec.await("BatchTransfer", e -> "req-jfr".equals(e.getString("requestId")));
            assertThat(write.getString("outcome")).isEqualTo("committed");
            assertThat(write.getInt("keys")).isEqualTo(3);
            assertThat(write.getLong("bytes")).isEqualTo(3 * PdPair.CHUNK);
            assertThat(write.getBoolean("zeroCopy")).as("mock_memory reads native chunks where they are").isTrue();
            assertThat(write.getDuration()).isPositive();

            RecordedEvent commit = rec.await("Commit", e -> "req-jfr".equals(e.getString("requestId")));
            assertThat(commit.getString("outcome")).isEqualTo("committed");
            assertThat(commit.getInt("keys")).isEqualTo(3);
            assertThat(commit.getLong("bytes")).isEqualTo(3 * PdPair.CHUNK);
            assertThat(commit.getString("peer")).startsWith("kvc-");
            assertThat(commit.getDuration()).isPositive();

            RecordedEvent notif = rec.await("ProxyNotification", e -> "req-jfr".equals(e.getString("requestId")));
            assertThat(notif.getString("outcome")).isEqualTo("sent");
            assertThat(notif.getString("peer")).isEqualTo("tcp://127.0.0.1:" + proxy.port());
            assertThat(notif.getInt("attempts")).isPositive();

            RecordedEvent hsSender = rec.await("Handshake", e -> "sender".equals(e.getString("side")));
            assertThat(hsSender.getString("outcome")).isEqualTo("connected");
            assertThat(hsSender.getString("channel")).isEqualTo("mock_memory");
            RecordedEvent hsReceiver = rec.await("Handshake", e -> "receiver".equals(e.getString("side")));
            assertThat(hsReceiver.getString("outcome")).isEqualTo("connected");
        }
    }

    @Test
    void aDroppedTransferRecordsWhyItFailedAndBothFences() throws Exception {
        ControllableChannel ch = new ControllableChannel().then(Step.DROP);
        try (Recorder rec = new Recorder();
             // The sender's deadline passes first (it fences its connection), then the receiver's (it fences the sender).
             PdPair p = new PdPair(ch, m -> m.put("transfer_timeout_sec", 3), m -> m.put("transfer_timeout_sec", 1));
             TaskWaiter w = new TaskWaiter(p.sender)) {
            long id = p.sender.submitStoreTask(PdPair.keys("drop", 1), p.randomChunks(1), new TransferSpec("req-drop", true, 1));
            assertThat(w.awaitStore(id, WAIT)).isFalse();

            RecordedEvent task = rec.await("StoreTask", e -> "req-drop".equals(e.getString("requestId")));
            assertThat(task.getString("outcome")).isEqualTo("timed_out");
            assertThat(task.getString("reason")).isNotBlank();
            RecordedEvent write = rec.await("BatchTransfer", e -> "req-drop".equals(e.getString("requestId")));
            assertThat(write.getString("outcome")).isEqualTo("timed_out");
            RecordedEvent senderFence = rec.await("Fence", e -> "sender".equals(e.getString("side")));
            assertThat(senderFence.getString("reason")).contains("transfer deadline");
            assertThat(senderFence.getInt("rank")).isZero();
            RecordedEvent receiverFence = rec.await("Fence", e -> "receiver".equals(e.getString("side")));
            assertThat(receiverFence.getString("peer")).startsWith("kvc-");
            RecordedEvent expired = rec.await("Commit", e -> "req-drop".equals(e.getString("requestId")));
            assertThat(expired.getString("outcome")).isEqualTo("expired");
        }
    }

    @Test
    void admissionThatNeedsRoomRecordsTheEvictedKeys() throws Exception {
        try (Recorder rec = new Recorder();
             PdPair p = new PdPair(MockMemoryChannel.FACTORY, m -> m.put("buffer_size", 4 * PdPair.CHUNK), m -> { });
             TaskWaiter w = new TaskWaiter(p.sender)) {
            // 4 receiver pages: the second store of 4 keys needs the pages of the first (committed, never loaded).
            assertThat(w.awaitStore(p.sender.submitStoreTask(PdPair.keys("old", 4), p.randomChunks(4),
                    new TransferSpec("req-old", true, 4)), WAIT)).isTrue();
            assertThat(w.awaitStore(p.sender.submitStoreTask(PdPair.keys("new", 4), p.randomChunks(4),
                    new TransferSpec("req-new", true, 4)), WAIT)).isTrue();
            RecordedEvent ev = rec.await("Eviction", e -> "req-old".equals(e.getString("requestId")));
            assertThat(ev.getString("reason")).isEqualTo("admission");
            assertThat(ev.getLong("bytes")).isEqualTo(PdPair.CHUNK);
            assertThat(ev.getInt("keys")).isEqualTo(1);
            assertThat(ev.getString("peer")).startsWith("kvc-");
        }
    }
}
