package io.kvcourier.verbs;

import io.kvcourier.verbs.gen.libc_h;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventFdEpollTest {
    private static final int IN = libc_h.EPOLLIN();

    @Test
    void drainBeforeAnySignalIsZeroNotABlock() {
        try (EventFd efd = EventFd.create()) {
            assertThat(efd.drain()).isZero(); // EAGAIN on the non-blocking fd
            assertThat(Fcntl.isNonBlocking(efd.fd())).isTrue();
        }
    }

    @Test
    void afterNSignalsEpollReportsTheFdAndOneDrainReturnsExactlyN() {
        try (EventFd efd = EventFd.create(); Epoll epoll = Epoll.create(4)) {
            epoll.add(efd.fd(), IN, 0xDEADBEEF_CAFEL);
            assertThat(epoll.poll()).as("ready before any signal").isZero();
            for (int i = 0; i < 5; i++) {
                efd.signal();
            }
            efd.signal(2);
            assertThat(epoll.wait(5_000)).isEqualTo(1);
            assertThat(epoll.data(0)).isEqualTo(0xDEADBEEF_CAFEL);
            assertThat(epoll.events(0) & IN).isEqualTo(IN);
            assertThat(efd.drain()).isEqualTo(7);
            assertThat(efd.drain()).isZero();
            assertThat(epoll.poll()).as("ready after drain").isZero();
        }
    }

    @Test
    void signalDrainAndPollAllocateNothingOnceCompiled() {
        try (EventFd efd = EventFd.create(); Epoll epoll = Epoll.create(2)) {
            epoll.add(efd.fd(), IN, 42);
            long[] sink = new long[1];
            long least = NativeTestSupport.leastBytesAllocatedPerRound(() -> {
                efd.signal();
                sink[0] += epoll.poll() + epoll.data(0) + epoll.events(0) + efd.drain();
            }, 20_000, 30);
            assertThat(least).as("bytes allocated by 20k signal+poll+drain rounds (best round)").isZero();
        }
    }

    @Test
    void waitTimesOutWithoutASignal() {
        try (EventFd efd = EventFd.create(); Epoll epoll = Epoll.create(1)) {
            epoll.add(efd.fd(), IN, 1);
            long start = System.nanoTime();
            assertThat(epoll.wait(50)).isZero();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(45);
            assertThatThrownBy(() -> epoll.events(0)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void concurrentSignalsAreAllCounted() throws Exception {
        int threads = 4;
        int perThread = 2_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (EventFd efd = EventFd.create()) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        efd.signal();
                    }
                    return null;
                }));
            }
            start.countDown();
            long drained = 0;
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
            drained += efd.drain();
            assertThat(drained).isEqualTo((long) threads * perThread);
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void modifyAndRemoveChangeWhatEpollReports() {
        try (EventFd a = EventFd.create(); EventFd b = EventFd.create(); Epoll epoll = Epoll.create(4)) {
            epoll.add(a.fd(), IN, 10);
            epoll.add(b.fd(), IN, 20);
            a.signal();
            b.signal();
            epoll.modify(a.fd(), IN, 11);
            epoll.remove(b.fd());
            assertThat(epoll.wait(5_000)).isEqualTo(1);
            assertThat(epoll.data(0)).isEqualTo(11);
        }
    }

    @Test
    void closeReleasesTheFdAndIsIdempotent() {
        EventFd efd = EventFd.create();
        Epoll epoll = Epoll.create(2);
        Path efdPath = Path.of("/proc/self/fd/" + efd.fd());
        Path epPath = Path.of("/proc/self/fd/" + epoll.fd());
        assertThat(Files.exists(efdPath, java.nio.file.LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(Files.exists(epPath, java.nio.file.LinkOption.NOFOLLOW_LINKS)).isTrue();
        efd.close();
        epoll.close();
        assertThat(Files.exists(efdPath, java.nio.file.LinkOption.NOFOLLOW_LINKS)).as(efdPath.toString()).isFalse();
        assertThat(Files.exists(epPath, java.nio.file.LinkOption.NOFOLLOW_LINKS)).as(epPath.toString()).isFalse();
        efd.close();
        epoll.close();
        assertThat(efd.isOpen()).isFalse();
        assertThatThrownBy(efd::signal).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(efd::drain).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> epoll.wait(0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void errorsNameTheCallAndErrno() {
        try (Epoll epoll = Epoll.create(1)) {
            assertThatThrownBy(() -> epoll.add(-1, IN, 0))
                    .isInstanceOfSatisfying(NativeException.class, e -> {
                        assertThat(e.call()).isEqualTo("epoll_ctl");
                        assertThat(e.errno()).isEqualTo(Errno.EBADF);
                        assertThat(e.errnoName()).isEqualTo("EBADF");
                    })
                    .hasMessageContaining("epoll_ctl")
                    .hasMessageContaining("EBADF")
                    .hasMessageContaining("Bad file descriptor");
            try (EventFd efd = EventFd.create()) {
                assertThatThrownBy(() -> epoll.modify(efd.fd(), IN, 0))
                        .isInstanceOfSatisfying(NativeException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
            }
        }
        assertThatThrownBy(() -> Fcntl.setNonBlocking(-1))
                .isInstanceOfSatisfying(NativeException.class, e -> {
                    assertThat(e.call()).isEqualTo("fcntl");
                    assertThat(e.errno()).isEqualTo(Errno.EBADF);
                });
        assertThatThrownBy(() -> Epoll.create(0)).isInstanceOf(IllegalArgumentException.class);
        try (EventFd efd = EventFd.create()) {
            assertThatThrownBy(() -> efd.signal(0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("n must be at least 1");
        }
    }

    @Test
    void setNonBlockingSetsTheFlagOnABlockingFd() {
        int fd = libc_h.eventfd(0, libc_h.EFD_CLOEXEC()); // through the generated binding: blocking
        assertThat(fd).isNotNegative();
        try {
            assertThat(Fcntl.isNonBlocking(fd)).isFalse();
            Fcntl.setNonBlocking(fd);
            assertThat(Fcntl.isNonBlocking(fd)).isTrue();
            Fcntl.setNonBlocking(fd); // already set: no-op
            assertThat(Fcntl.isNonBlocking(fd)).isTrue();
        } finally {
            assertThat(libc_h.close(fd)).isZero();
        }
    }
}
