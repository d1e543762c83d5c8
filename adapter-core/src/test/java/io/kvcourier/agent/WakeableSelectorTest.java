package io.kvcourier.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class WakeableSelectorTest {

    @Test
    void aWakeUpBeforeTheSelectIsKeptAndConsumedOnce() throws IOException {
        try (WakeableSelector s = WakeableSelector.open()) {
            s.wakeUp();
            s.wakeUp(); // a second one while the first is pending: still one wake-up
            List<SelectionKey> seen = new ArrayList<>();
            assertThat(s.select(seen::add, 0)).isZero(); // returns at once: the wake-up was pending
            assertThat(seen).isEmpty(); // the wake-up's own key is never handed out
            assertThat(s.selector().selectNow()).as("the pipe was drained").isZero();
            s.wakeUp(); // re-armed by the consumption
            assertThat(s.selector().selectNow()).isEqualTo(1);
            assertThat(s.selectNow(seen::add)).isZero();
            assertThat(s.selector().selectNow()).isZero();
        }
    }

    @Test
    void aWakeUpFromAnotherThreadEndsABlockingSelect() throws Exception {
        try (WakeableSelector s = WakeableSelector.open()) {
            CountDownLatch returned = new CountDownLatch(1);
            Thread agent = Thread.ofPlatform().start(() -> {
                try {
                    s.select(k -> { }, 0); // no timeout: only the wake-up can end it
                    returned.countDown();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.ofVirtual().start(s::wakeUp).join(); // a virtual thread may wake an agent too
            assertThat(returned.await(10, TimeUnit.SECONDS)).isTrue();
            agent.join();
        }
    }

    @Test
    void readyChannelsAreHandedToTheActionBesideAWakeUp() throws IOException {
        Pipe other = Pipe.open();
        try (WakeableSelector s = WakeableSelector.open(); Pipe.SinkChannel sink = other.sink();
             Pipe.SourceChannel source = other.source()) {
            source.configureBlocking(false);
            SelectionKey mine = source.register(s.selector(), SelectionKey.OP_READ);
            sink.write(ByteBuffer.wrap(new byte[] {7}));
            s.wakeUp();
            List<SelectionKey> seen = new ArrayList<>();
            assertThat(s.select(seen::add, 0)).isEqualTo(1);
            assertThat(seen).containsExactly(mine);
        }
    }

    /**
     * The duty cycle after the select that ended an agent's wait is given that select's count and polls nothing
     * (the keys were handed out once, by the select); the cycle after it polls again and, readiness being
     * level-triggered, sees what is still unread.
     */
    @Test
    void theCycleAfterASelectCountsItsKeysWithoutPollingAndTheNextOnePollsAgain() throws IOException {
        Pipe other = Pipe.open();
        try (WakeableSelector s = WakeableSelector.open(); Pipe.SinkChannel sink = other.sink();
             Pipe.SourceChannel source = other.source()) {
            source.configureBlocking(false);
            SelectionKey mine = source.register(s.selector(), SelectionKey.OP_READ);
            sink.write(ByteBuffer.wrap(new byte[] {7}));
            List<SelectionKey> seen = new ArrayList<>();
            assertThat(s.select(seen::add, 0)).isEqualTo(1);
            assertThat(s.selectNowUnlessSelected(seen::add)).as("the select's count").isEqualTo(1);
            assertThat(seen).as("handed out by the select only").containsExactly(mine);
            assertThat(s.selectNowUnlessSelected(seen::add)).as("a poll: the byte is still unread").isEqualTo(1);
            assertThat(seen).containsExactly(mine, mine);
            source.read(ByteBuffer.allocate(8));
            assertThat(s.selectNowUnlessSelected(seen::add)).isZero();
            // A selectNow after the select uses its count up: the next call polls.
            sink.write(ByteBuffer.wrap(new byte[] {8}));
            assertThat(s.select(seen::add, 0)).isEqualTo(1);
            assertThat(s.selectNow(seen::add)).isEqualTo(1);
            source.read(ByteBuffer.allocate(8));
            assertThat(s.selectNowUnlessSelected(seen::add)).isZero();
            assertThat(seen).hasSize(4);
        }
    }

    /**
     * The agent loop's contract under contention: work published before a wake-up is always seen by the cycle after
     * the select it ends, so a loop that blocks without a timeout never sleeps on published work (a lost wake-up
     * would hang here until the class timeout).
     */
    @Test
    void noWakeUpIsLostUnderConcurrentWakers() throws Exception {
        int wakers = 4;
        long perWaker = 20_000;
        AtomicLong published = new AtomicLong();
        try (WakeableSelector s = WakeableSelector.open()) {
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < wakers; w++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    for (long i = 0; i < perWaker; i++) {
                        published.incrementAndGet();
                        s.wakeUp();
                    }
                }));
            }
            long seen = 0;
            long selects = 0;
            while (seen < wakers * perWaker) {
                s.select(k -> { }, 0);
                selects++;
                seen = published.get(); // taken after the select that consumed the wake-up
            }
            for (Thread t : threads) {
                t.join();
            }
            assertThat(seen).isEqualTo(wakers * perWaker);
            assertThat(selects).isPositive();
        }
    }

    @Test
    void closeReleasesTheSelectorAndThePipeAndIsIdempotent() throws IOException {
        long before = openFds();
        WakeableSelector s = WakeableSelector.open();
        assertThat(openFds()).isGreaterThan(before);
        s.close();
        s.close();
        assertThat(openFds()).isEqualTo(before);
        assertThat(s.selector().isOpen()).isFalse();
        s.wakeUp(); // after close: quietly nothing
    }

    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
