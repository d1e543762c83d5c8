package io.kvcourier.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.kvcourier.testkit.LogCapture;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class AgentRunnerTest {

    /** Runs queued commands; blocks on a semaphore whose permits are the sticky wake-up signal. */
    private static final class QueueAgent implements Agent {
        final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
        final Semaphore signal = new Semaphore(0);
        final AtomicInteger closes = new AtomicInteger();
        final AtomicReference<Thread> closedOn = new AtomicReference<>();
        final AtomicInteger blocked = new AtomicInteger();
        volatile CountDownLatch onBlock = new CountDownLatch(0);

        @Override
        public String roleName() {
            return "test-agent";
        }

        @Override
        public int doWork() {
            int n = 0;
            for (Runnable r; (r = commands.poll()) != null; n++) {
                r.run();
            }
            return n;
        }

        @Override
        public void awaitWork() throws InterruptedException {
            blocked.incrementAndGet();
            onBlock.countDown();
            signal.acquire();
            signal.drainPermits();
        }

        @Override
        public void wakeUpSignal() {
            signal.release();
        }

        @Override
        public void onClose() {
            closes.incrementAndGet();
            closedOn.set(Thread.currentThread());
        }
    }

    /** Also with a yield after each wake-up (the sender's control thread): it delays a cycle, never skips one. */
    @Test
    void noWakeUpIsLostWhenTheAgentBlocksBetweenCommands() throws Exception {
        for (boolean yieldAfterWake : new boolean[] {false, true}) {
            for (IdleStrategy idle : List.of(IdleStrategy.BLOCKING, new IdleStrategy(50, 5))) {
                QueueAgent agent = new QueueAgent();
                AgentRunner runner = new AgentRunner(agent, idle).yieldAfterWake(yieldAfterWake).start();
                int producers = 4;
                int perProducer = 20_000;
                CountDownLatch done = new CountDownLatch(producers * perProducer);
                produce(producers, perProducer, () -> {
                    agent.commands.add(done::countDown);
                    runner.wakeUp();
                });
                assertThat(done.await(30, TimeUnit.SECONDS))
                        .as("every command ran (%s, yield after wake-up %s)", idle, yieldAfterWake).isTrue();
                assertThat(runner.close(Duration.ofSeconds(5))).isTrue();
            }
        }
    }

    /** Runs {@code publishOne} {@code perProducer} times on each of {@code producers} threads; returns when done. */
    private static void produce(int producers, int perProducer, Runnable publishOne) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < perProducer; i++) {
                    publishOne.run();
                    if (i % 64 == 0) {
                        Thread.yield(); // let the agent run dry and block now and then
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    /**
     * Like a selector agent: items on a source that {@link #doWork} and the wait see but {@link #doWorkBeforeAwait}
     * does not (level-triggered, like a readable socket: the wait returns while items are left), beside queued
     * commands; records the runner's calls.
     */
    private static final class SourceAgent implements Agent {
        final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
        final AtomicInteger sourceItems = new AtomicInteger();
        final AtomicInteger taken = new AtomicInteger();
        final Semaphore ready = new Semaphore(0);
        final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
        volatile CountDownLatch onBlock = new CountDownLatch(0);

        @Override
        public String roleName() {
            return "test-source-agent";
        }

        @Override
        public int doWork() {
            calls.add("doWork");
            int n = sourceItems.getAndSet(0);
            taken.addAndGet(n);
            return n + runCommands();
        }

        @Override
        public int doWorkBeforeAwait() {
            calls.add("check");
            return runCommands();
        }

        private int runCommands() {
            int n = 0;
            for (Runnable r; (r = commands.poll()) != null; n++) {
                r.run();
            }
            return n;
        }

        @Override
        public void awaitWork() throws InterruptedException {
            calls.add("await");
            onBlock.countDown();
            if (sourceItems.get() == 0) {
                ready.acquire();
            }
            ready.drainPermits();
        }

        @Override
        public void wakeUpSignal() {
            ready.release();
        }

        /** An item arrives on the source: it makes the wait return whether or not the agent announced it. */
        void arrive() {
            sourceItems.incrementAndGet();
            ready.release();
        }
    }

    @Test
    void aRunnerThatBlocksAtOnceRunsOneFullCyclePerWakeUpAndOnlyChecksBeforeBlockingAgain() throws Exception {
        SourceAgent agent = new SourceAgent();
        CountDownLatch blocked = new CountDownLatch(1);
        agent.onBlock = blocked;
        try (AgentRunner runner = new AgentRunner(agent, IdleStrategy.BLOCKING).start()) {
            for (int i = 0; i < 20; i++) {
                assertThat(blocked.await(10, TimeUnit.SECONDS)).as("blocked before round %d", i).isTrue();
                agent.calls.clear(); // the agent is inside its wait: it records nothing until woken
                blocked = new CountDownLatch(1);
                agent.onBlock = blocked;
                CountDownLatch ran = new CountDownLatch(1);
                if (i % 2 == 0) {
                    agent.commands.add(ran::countDown);
                    runner.wakeUp();
                } else {
                    agent.arrive(); // a source item: the wait returns without any wake-up call
                    ran.countDown();
                }
                assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(blocked.await(10, TimeUnit.SECONDS)).as("blocked after round %d", i).isTrue();
                assertThat(agent.calls).as("round %d", i).containsExactly("doWork", "check", "check", "await");
                blocked = new CountDownLatch(0); // it is blocked now
            }
            assertThat(agent.taken).hasValue(10);
        }
    }

    @Test
    void noWorkIsLostWhenTheChecksBeforeBlockingLeaveTheSourceToTheWait() throws Exception {
        for (IdleStrategy idle : List.of(IdleStrategy.BLOCKING, new IdleStrategy(50, 5))) {
            SourceAgent agent = new SourceAgent();
            AgentRunner runner = new AgentRunner(agent, idle).start();
            int producers = 4;
            int perProducer = 10_000;
            CountDownLatch commandsRan = new CountDownLatch(producers * perProducer);
            produce(producers, perProducer, () -> {
                agent.commands.add(commandsRan::countDown);
                runner.wakeUp();
                agent.arrive();
            });
            assertThat(commandsRan.await(30, TimeUnit.SECONDS)).as("every command ran (%s)", idle).isTrue();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (agent.taken.get() < producers * perProducer && System.nanoTime() < deadline) {
                Thread.yield();
            }
            assertThat(agent.taken).as("every source item was taken (%s)", idle).hasValue(producers * perProducer);
            assertThat(runner.close(Duration.ofSeconds(5))).isTrue();
            agent.calls.clear();
        }
    }

    @Test
    void aSingleCommandWakesABlockedAgent() throws Exception {
        QueueAgent agent = new QueueAgent();
        try (AgentRunner runner = new AgentRunner(agent, IdleStrategy.BLOCKING).start()) {
            for (int i = 0; i < 100; i++) {
                CountDownLatch isBlocked = new CountDownLatch(1);
                agent.onBlock = isBlocked;
                runner.wakeUp(); // a spurious wake-up: the agent finds nothing and blocks again
                assertThat(isBlocked.await(10, TimeUnit.SECONDS)).as("agent blocked before command %d", i).isTrue();
                CountDownLatch ran = new CountDownLatch(1);
                agent.commands.add(ran::countDown);
                runner.wakeUp();
                assertThat(ran.await(10, TimeUnit.SECONDS)).as("command %d woke the agent", i).isTrue();
            }
        }
    }

    @Test
    void closeRunsOnCloseOnceOnTheAgentThreadAndIsIdempotent() {
        QueueAgent agent = new QueueAgent();
        AgentRunner runner = new AgentRunner(agent, IdleStrategy.BLOCKING).start();
        assertThat(runner.close(Duration.ofSeconds(5))).isTrue();
        assertThat(runner.close(Duration.ofSeconds(5))).isTrue();
        assertThat(agent.closes).hasValue(1);
        assertThat(agent.closedOn.get()).isSameAs(runner.thread());
        assertThat(runner.thread().isAlive()).isFalse();
        assertThat(runner.isRunning()).isFalse();
    }

    @Test
    void closeFromTheAgentThreadStopsTheLoopWithoutWaitingForItself() throws Exception {
        QueueAgent agent = new QueueAgent();
        AgentRunner runner = new AgentRunner(agent, IdleStrategy.BLOCKING).start();
        CountDownLatch asked = new CountDownLatch(1);
        agent.commands.add(() -> {
            runner.close(Duration.ofSeconds(5));
            asked.countDown();
        });
        runner.wakeUp();
        assertThat(asked.await(10, TimeUnit.SECONDS)).isTrue();
        runner.thread().join(TimeUnit.SECONDS.toMillis(10));
        assertThat(runner.thread().isAlive()).isFalse();
        assertThat(agent.closes).hasValue(1);
    }

    /**
     * Whatever a cycle throws is logged and the loop goes on: an exception, and an Error such as an assertion (as
     * jeromq's own under -ea, which once ended a control thread and left its tasks without deadlines).
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aFailingCycleIsLoggedAndTheLoopGoesOn(boolean anError) throws Exception {
        QueueAgent agent = new QueueAgent();
        try (AgentRunner runner = new AgentRunner(agent, IdleStrategy.BLOCKING).start()) {
            agent.commands.add(() -> {
                if (anError) {
                    throw new AssertionError("boom (expected by the test)");
                }
                throw new IllegalStateException("boom (expected by the test)");
            });
            runner.wakeUp();
            CountDownLatch after = new CountDownLatch(1);
            agent.commands.add(after::countDown);
            runner.wakeUp();
            assertThat(after.await(10, TimeUnit.SECONDS)).as("a later command still runs").isTrue();
            assertThat(runner.isRunning()).isTrue();
            assertThat(agent.closes).hasValue(0);
        }
        assertThat(agent.closes).hasValue(1);
    }

    /**
     * A cycle that fails again and again is counted every time but logged at most once per interval, and the next
     * logged failure says how many were not: a failure that repeats on every wake-up must not flood the log.
     */
    @Test
    void repeatedFailuresAreCountedAndLoggedOncePerInterval() throws Exception {
        QueueAgent agent = new QueueAgent();
        try (LogCapture log = new LogCapture(AgentRunner.class);
             AgentRunner runner = new AgentRunner(agent, IdleStrategy.BLOCKING)
                     .failureLogInterval(Duration.ofHours(1)).start()) {
            for (int i = 0; i < 100; i++) {
                failOnce(agent, runner);
            }
            assertThat(runner.failures()).isEqualTo(100);
            assertThat(log.messages()).hasSize(1);
            assertThat(log.messages().getFirst()).startsWith("SEVERE test-agent: duty cycle failed");

            runner.failureLogInterval(Duration.ZERO);
            failOnce(agent, runner);
            assertThat(runner.failures()).isEqualTo(101);
            assertThat(log.messages()).hasSize(2);
            assertThat(log.messages().get(1))
                    .contains("duty cycle failed (99 more failures since the last one logged, not logged)");
            assertThat(runner.isRunning()).isTrue();
        }
    }

    /** Queues a command that throws, and returns once the runner has counted that failure. */
    private static void failOnce(QueueAgent agent, AgentRunner runner) throws InterruptedException {
        agent.commands.add(() -> {
            throw new IllegalStateException("boom (expected by the test)");
        });
        runner.wakeUp();
        CountDownLatch after = new CountDownLatch(1); // runs in a later cycle than the failure, on the same thread
        agent.commands.add(after::countDown);
        runner.wakeUp();
        assertThat(after.await(10, TimeUnit.SECONDS)).as("a command after the failing one runs").isTrue();
    }

    @Test
    void aRunnerClosedBeforeItStartedClosesItsAgentOnce() {
        QueueAgent agent = new QueueAgent();
        AgentRunner runner = new AgentRunner(agent, IdleStrategy.BLOCKING);
        assertThat(runner.close(Duration.ofSeconds(1))).isTrue();
        runner.close(Duration.ofSeconds(1));
        assertThat(agent.closes).hasValue(1);
        assertThat(runner.isRunning()).isFalse();
    }

    @Test
    void standardIdleStrategyDoesNotSpinOnSmallMachines() {
        IdleStrategy s = IdleStrategy.standard();
        if (Runtime.getRuntime().availableProcessors() <= IdleStrategy.SMALL_MACHINE_CORES
                && System.getProperty("kvcourier.idle.spins") == null) {
            assertThat(s.spins()).isZero();
            assertThat(s.yields()).isZero();
        } else {
            assertThat(s.spins()).isNotNegative();
        }
    }
}
