package io.kvcourier.pd;

import io.kvcourier.channel.ControllableChannel;
import io.kvcourier.channel.ControllableChannel.Step;
import io.kvcourier.channel.MockMemoryChannel;
import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.notify.ProxyListener;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.Poll;
import io.kvcourier.testkit.TaskWaiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The CompletionStage API ({@link AsyncPdAdapter}) over the same engine as the eventfd contract: success, failure,
 * a deadline, close with work in flight, where dependents run, and what a returned stage refuses.
 */
@Timeout(90)
class AsyncPdAdapterTest {
    private static final long WAIT_S = 20;

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
    }

    /** The exception a stage completed with (after at most {@code seconds}), or null when it completed normally. */
    private static Throwable failureOf(CompletionStage<?> stage, long seconds) throws Exception {
        try {
            stage.toCompletableFuture().get(seconds, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    @Test
    void storeCompletesTrueAndTheDecodeSideLooksUpLoadsAndUnlocksThroughStages() throws Exception {
        try (PdPair p = new PdPair()) {
            AsyncPdAdapter tx = p.sender.async();
            AsyncPdAdapter rx = p.receiver.async();
            List<ObjectKey> keys = PdPair.keys("as", 3);
            List<MemoryObj> chunks = p.randomChunks(3);
            assertThat(await(tx.store(keys, chunks, new TransferSpec("req-as", true, 3)))).isTrue();

            List<MemoryObj> into = p.emptyChunks(3);
            Bitmap loaded = await(rx.lookupAndLock(keys).thenCompose(found -> {
                assertThat(found.popcount()).isEqualTo(3);
                return rx.load(keys, into);
            }));
            assertThat(loaded.popcount()).isEqualTo(3);
            for (int i = 0; i < 3; i++) {
                assertThat(PdPair.sameBytes(chunks.get(i), into.get(i), PdPair.CHUNK)).as("chunk %d", i).isTrue();
            }
            rx.unlock(keys);
            assertThat(Poll.until(() -> PdPair.status(p.receiver, "pages_in_use") == 0, Duration.ofSeconds(WAIT_S)))
                    .as("loaded and unlocked pages are freed").isTrue();
        }
    }

    @Test
    void asyncTasksNeitherAppearInPopResultsNorSignalTheEventfdsWhileEventfdTasksStillDo() throws Exception {
        try (PdPair p = new PdPair(); TaskWaiter w = new TaskWaiter(p.sender)) {
            assertThat(await(p.sender.async().store(PdPair.keys("quiet", 2), p.randomChunks(2)))).isTrue();
            assertThat(await(p.receiver.async().lookupAndLock(PdPair.keys("quiet", 2))).popcount()).isEqualTo(2);
            assertThat(await(p.receiver.async().load(PdPair.keys("quiet", 2), p.emptyChunks(2))).popcount())
                    .isEqualTo(2);
            assertThat(FdProbe.read(p.sender.storeEventFd())).as("no store eventfd write").isZero();
            assertThat(FdProbe.read(p.receiver.lookupAndLockEventFd())).as("no lookup eventfd write").isZero();
            assertThat(FdProbe.read(p.receiver.loadEventFd())).as("no load eventfd write").isZero();
            assertThat(p.sender.popCompletedStoreTasks()).isEmpty();

            long id = p.sender.submitStoreTask(PdPair.keys("loud", 1), p.randomChunks(1));
            assertThat(id).as("the eventfd contract's ids still start at 0").isZero();
            assertThat(w.awaitStore(id, Duration.ofSeconds(WAIT_S))).isTrue();
            assertThat(p.receiver.queryLookupAndLockResult(0)).as("the async lookup took no eventfd id").isNull();
        }
    }

    @Test
    void anAsyncStoreWithARequestNotifiesTheProxyLikeAnEventfdStore() throws Exception {
        try (ProxyListener proxy = ProxyListener.bind("127.0.0.1", 0);
             PdPair p = new PdPair(MockMemoryChannel.FACTORY, m -> { }, m -> {
                 m.put("proxy_host", "127.0.0.1");
                 m.put("proxy_port", proxy.port());
             })) {
            AsyncPdAdapter tx = p.sender.async();
            List<ObjectKey> keys = PdPair.keys("an", 2);
            assertThat(await(tx.store(keys.subList(0, 1), p.randomChunks(1), new TransferSpec("req-an", false, 2))))
                    .isTrue();
            assertThat(proxy.awaitReady("req-an", 1, Duration.ofMillis(300))).as("not before the last batch").isFalse();
            assertThat(await(tx.store(keys.subList(1, 2), p.randomChunks(1), new TransferSpec("req-an", true, 2))))
                    .isTrue();
            assertThat(proxy.awaitReady("req-an", 1, Duration.ofSeconds(WAIT_S))).isTrue();
            assertThat(proxy.count("req-an")).isEqualTo(1);
        }
    }

    @Test
    void aFailedWriteCompletesTheStageWithFalse() throws Exception {
        ControllableChannel ch = new ControllableChannel().then(Step.FAIL);
        try (PdPair p = new PdPair(ch, m -> { }, m -> { })) {
            assertThat(await(p.sender.async().store(PdPair.keys("f", 2), p.randomChunks(2)))).isFalse();
            assertThat(await(p.sender.async().store(PdPair.keys("f2", 2), p.randomChunks(2))))
                    .as("the next store reconnects and succeeds").isTrue();
        }
    }

    @Test
    void aPassingTransferDeadlineFailsTheStageWithATimeout() throws Exception {
        ControllableChannel ch = new ControllableChannel().then(Step.DROP); // nothing lands, nothing acknowledged
        try (PdPair p = new PdPair(ch, m -> { }, m -> m.put("transfer_timeout_sec", 1))) {
            Throwable t = failureOf(p.sender.async().store(PdPair.keys("dl", 1), p.randomChunks(1)), WAIT_S);
            assertThat(t).isInstanceOf(TimeoutException.class);
            assertThat(t.getMessage()).isNotBlank();
        }
    }

    @Test
    void closeWithStoresAndTheirDependentsInFlightFailsTheStagesWithinTheShutdownDeadline() throws Exception {
        ControllableChannel ch = new ControllableChannel().hold();
        PdPair p = new PdPair(ch, m -> { }, m -> m.put("transfer_timeout_sec", 60));
        try {
            CompletionStage<Boolean> a = p.sender.async().store(PdPair.keys("c1", 1), p.randomChunks(1));
            CompletionStage<Boolean> b = p.sender.async().store(PdPair.keys("c2", 1), p.randomChunks(1));
            CompletionStage<String> dependent = a.handle((ok, t) -> t == null ? "value" : t.getClass().getSimpleName());
            assertThat(ch.awaitHeld(WAIT_S, TimeUnit.SECONDS)).isTrue();
            assertThat(a.toCompletableFuture().isDone()).isFalse();
            long t0 = System.nanoTime();
            p.sender.close(); // shutdown_timeout_sec = 2 (PdPair)
            long closedAfter = System.nanoTime() - t0;
            assertThat(failureOf(a, 1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            assertThat(failureOf(b, 1)).isInstanceOf(IllegalStateException.class);
            assertThat(dependent.toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS))
                    .as("dependents still run after close").isEqualTo("IllegalStateException");
            assertThat(Duration.ofNanos(closedAfter)).as("close returns within about the shutdown deadline")
                    .isLessThan(Duration.ofSeconds(15));
            assertThatThrownBy(() -> p.sender.async().store(PdPair.keys("late", 1), p.randomChunks(1)))
                    .isInstanceOf(IllegalStateException.class);
        } finally {
            ch.release();
            p.close();
        }
    }

    @Test
    void dependentsAddedWithoutAnExecutorRunOnTheAdaptersVirtualThreadsNeverOnItsProgressOrControlThreads()
            throws Exception {
        ControllableChannel ch = new ControllableChannel().hold();
        try (PdPair p = new PdPair(ch, m -> { }, m -> { })) {
            CompletionStage<Boolean> store = p.sender.async().store(PdPair.keys("thr", 1), p.randomChunks(1));
            AtomicReference<Thread> apply = new AtomicReference<>();
            AtomicReference<Thread> accept = new AtomicReference<>();
            AtomicReference<Thread> when = new AtomicReference<>();
            // Added while the store is in flight: they fire when the channel's thread completes the stage.
            CompletionStage<Void> chain = store.thenApply(ok -> {
                apply.set(Thread.currentThread());
                return ok;
            }).thenAccept(ok -> accept.set(Thread.currentThread()));
            store.whenComplete((ok, t) -> when.set(Thread.currentThread()));
            assertThat(ch.awaitHeld(WAIT_S, TimeUnit.SECONDS)).isTrue();
            ch.release();
            await(chain);
            assertThat(await(store)).isTrue();
            assertThat(Poll.until(() -> when.get() != null, Duration.ofSeconds(WAIT_S))).isTrue();
            for (Thread t : List.of(apply.get(), accept.get(), when.get())) {
                assertThat(t.isVirtual()).as("%s is virtual", t).isTrue();
                assertThat(t.getName()).startsWith("kvcourier-task-");
            }

            // An already complete stage (a lookup) does not run dependents on the caller's thread either.
            AtomicReference<Thread> onLookup = new AtomicReference<>();
            await(p.receiver.async().lookupAndLock(PdPair.keys("thr", 1)).thenRun(() -> onLookup.set(Thread.currentThread())));
            assertThat(onLookup.get()).isNotSameAs(Thread.currentThread());
            assertThat(onLookup.get().getName()).startsWith("kvcourier-task-");
        }
    }

    @Test
    void aReturnedStageCannotBeCancelledCompletedOrObtrudedButItsCopyIsTheCallers() throws Exception {
        ControllableChannel ch = new ControllableChannel().hold();
        try (PdPair p = new PdPair(ch, m -> { }, m -> { })) {
            CompletionStage<Boolean> stage = p.sender.async().store(PdPair.keys("rf", 1), p.randomChunks(1));
            CompletableFuture<Boolean> asFuture = (CompletableFuture<Boolean>) stage;
            assertThat(asFuture.cancel(true)).as("cancel is not supported").isFalse();
            assertThat(asFuture.isCancelled()).isFalse();
            assertThatThrownBy(() -> asFuture.complete(false)).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("cancelRequest");
            assertThatThrownBy(() -> asFuture.completeExceptionally(new RuntimeException()))
                    .isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> asFuture.obtrudeValue(false)).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> asFuture.obtrudeException(new RuntimeException()))
                    .isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> asFuture.orTimeout(1, TimeUnit.MILLISECONDS))
                    .isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> asFuture.completeAsync(() -> false)).isInstanceOf(UnsupportedOperationException.class);

            CompletableFuture<Boolean> mine = stage.toCompletableFuture();
            assertThat(mine).isNotSameAs(stage);
            assertThat(mine.complete(false)).as("the copy is the caller's to complete").isTrue();
            assertThat(asFuture.isDone()).as("completing the copy does not touch the adapter's stage").isFalse();

            assertThat(ch.awaitHeld(WAIT_S, TimeUnit.SECONDS)).isTrue();
            ch.release();
            assertThat(stage.toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS)).as("the store still lands").isTrue();
            assertThat(asFuture.join()).isTrue();
        }
    }

    @Test
    void cancelRequestIsTheWayToGiveUpARequestAndDoesNotBlock() throws Exception {
        try (PdPair p = new PdPair()) {
            AsyncPdAdapter tx = p.sender.async();
            assertThat(await(tx.store(PdPair.keys("cr", 2), p.randomChunks(2), new TransferSpec("req-cr", false, 4))))
                    .isTrue();
            assertThat(PdPair.status(p.receiver, "reserved_pages")).isEqualTo(2);
            assertThat(await(tx.cancelRequest("req-cr"))).as("ranks that acknowledged").isEqualTo(1);
            assertThat(Poll.until(() -> PdPair.status(p.receiver, "reserved_pages") == 0
                    && PdPair.status(p.receiver, "pages_in_use") == 0, Duration.ofSeconds(WAIT_S))).isTrue();
            assertThatThrownBy(() -> p.receiver.async().cancelRequest("x")).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void aReceiversStoreAndASendersLookupAndLoadCompleteAtOnceAsTheContractSays() throws Exception {
        try (PdPair p = new PdPair()) {
            assertThat(await(p.receiver.async().store(PdPair.keys("r", 1), p.randomChunks(1)))).isTrue();
            assertThat(await(p.sender.async().lookupAndLock(PdPair.keys("r", 2))).popcount()).isZero();
            assertThat(await(p.sender.async().load(PdPair.keys("r", 2), p.emptyChunks(2))).popcount()).isZero();
            assertThatThrownBy(() -> p.sender.async().store(PdPair.keys("r", 2), p.randomChunks(1)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void theCommitListenerTellsTheDecodeSideWhatArrived() throws Exception {
        try (PdPair p = new PdPair()) {
            List<ObjectKey> keys = PdPair.keys("cl", 2);
            CountDownLatch committed = new CountDownLatch(2);
            p.receiver.async().onCommit(batch -> batch.forEach(k -> committed.countDown()));
            assertThat(await(p.sender.async().store(keys, p.randomChunks(2)))).isTrue();
            assertThat(committed.await(WAIT_S, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void joinOnAFailedStageThrowsCompletionExceptionWithTheCause() throws Exception {
        ControllableChannel ch = new ControllableChannel().then(Step.DROP);
        try (PdPair p = new PdPair(ch, m -> { }, m -> m.put("transfer_timeout_sec", 1))) {
            CompletableFuture<Boolean> f = p.sender.async().store(PdPair.keys("j", 1), p.randomChunks(1))
                    .toCompletableFuture();
            assertThatThrownBy(f::join).isInstanceOf(CompletionException.class).hasCauseInstanceOf(TimeoutException.class);
        }
    }
}
