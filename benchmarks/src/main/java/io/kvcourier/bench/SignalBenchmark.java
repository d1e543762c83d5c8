package io.kvcourier.bench;

import io.kvcourier.event.CompletionPoller;
import io.kvcourier.verbs.EventFd;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Suite <b>signal</b>: eventfd write → epoll wake in another thread, measured as a ping-pong round trip (two
 * wakes): the benchmark thread signals fd A; a platform responder thread blocked in epoll wakes, drains A and
 * signals fd B; the benchmark thread, blocked in epoll on B, wakes and drains B.
 *
 * <p>kvcourier: {@link EventFd#signal()} (what the adapter's task ledger does per completion) and
 * {@link CompletionPoller#await} (epoll + drain, what a Java controller uses). Ceiling: the same dance with bare
 * FFM downcalls {@code write}/{@code epoll_wait}/{@code read} and no wrapper.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SignalBenchmark {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Duration POLL = Duration.ofMillis(100);

    /** The kvcourier wrappers and a responder thread. */
    @State(Scope.Thread)
    public static class Wrapped {
        EventFd ping;
        EventFd pong;
        EventFd[] spare = new EventFd[4];
        CompletionPoller pingWaiter;
        CompletionPoller pongWaiter;
        Thread responder;
        volatile boolean running = true;

        @Setup(Level.Trial)
        public void open() {
            ping = EventFd.create();
            pong = EventFd.create();
            for (int i = 0; i < spare.length; i++) {
                spare[i] = EventFd.create(); // CompletionPoller watches three fds; the spares never fire
            }
            pingWaiter = new CompletionPoller(ping.fd(), spare[0].fd(), spare[1].fd());
            pongWaiter = new CompletionPoller(pong.fd(), spare[2].fd(), spare[3].fd());
            responder = Thread.ofPlatform().name("bench-signal-responder").daemon(true).start(() -> {
                while (running) {
                    if (pingWaiter.await(POLL) != 0) {
                        pong.signal();
                    }
                }
            });
        }

        @TearDown(Level.Trial)
        public void close() throws InterruptedException {
            running = false;
            responder.join(5_000);
            pingWaiter.close();
            pongWaiter.close();
            ping.close();
            pong.close();
            for (EventFd e : spare) {
                e.close();
            }
        }
    }

    /** Bare downcalls and a responder thread. */
    @State(Scope.Thread)
    public static class Raw {
        Arena arena;
        int ping;
        int pong;
        int pingEpoll;
        int pongEpoll;
        MemorySegment sendBuf;
        MemorySegment mainEvents;
        MemorySegment mainBuf;
        Thread responder;
        volatile boolean running = true;

        @Setup(Level.Trial)
        public void open() {
            arena = Arena.ofShared();
            ping = RawLibc.call(RawLibc.EVENTFD, 0, RawLibc.EFD_NONBLOCK | RawLibc.EFD_CLOEXEC);
            pong = RawLibc.call(RawLibc.EVENTFD, 0, RawLibc.EFD_NONBLOCK | RawLibc.EFD_CLOEXEC);
            pingEpoll = epollOn(ping);
            pongEpoll = epollOn(pong);
            sendBuf = arena.allocate(8, 8);
            sendBuf.set(ValueLayout.JAVA_LONG, 0, 1L);
            mainEvents = arena.allocate(RawLibc.EPOLL_EVENT_SIZE, 8);
            mainBuf = arena.allocate(8, 8);
            MemorySegment events = arena.allocate(RawLibc.EPOLL_EVENT_SIZE, 8);
            MemorySegment buf = arena.allocate(8, 8);
            MemorySegment one = arena.allocate(8, 8);
            one.set(ValueLayout.JAVA_LONG, 0, 1L);
            responder = Thread.ofPlatform().name("bench-raw-responder").daemon(true).start(() -> {
                while (running) {
                    if (RawLibc.epollWait(pingEpoll, events, 1, 100) > 0) {
                        RawLibc.read(ping, buf, 8);
                        RawLibc.write(pong, one, 8);
                    }
                }
            });
        }

        private int epollOn(int fd) {
            int ep = RawLibc.call(RawLibc.EPOLL_CREATE1, RawLibc.EPOLL_CLOEXEC);
            MemorySegment ev = arena.allocate(RawLibc.EPOLL_EVENT_SIZE, 8);
            ev.set(ValueLayout.JAVA_INT_UNALIGNED, 0, RawLibc.EPOLLIN);
            if (RawLibc.call(RawLibc.EPOLL_CTL, ep, RawLibc.EPOLL_CTL_ADD, fd, ev) != 0) {
                throw new IllegalStateException("epoll_ctl failed for fd " + fd);
            }
            return ep;
        }

        @TearDown(Level.Trial)
        public void close() throws InterruptedException {
            running = false;
            responder.join(5_000);
            for (int fd : new int[] {pingEpoll, pongEpoll, ping, pong}) {
                RawLibc.call(RawLibc.CLOSE, fd);
            }
            arena.close();
        }
    }

    /** kvcourier: {@code EventFd.signal()} → {@code CompletionPoller.await} wake, and back. */
    @Benchmark
    public int eventFdRoundTrip(Wrapped s) {
        s.ping.signal();
        int mask = s.pongWaiter.await(WAIT);
        if (mask == 0) {
            throw new IllegalStateException("no pong within " + WAIT);
        }
        return mask;
    }

    /** Ceiling: bare {@code write} → {@code epoll_wait} + {@code read}, and back. */
    @Benchmark
    public long rawRoundTrip(Raw s) {
        RawLibc.write(s.ping, s.sendBuf, 8);
        if (RawLibc.epollWait(s.pongEpoll, s.mainEvents, 1, 5_000) != 1) {
            throw new IllegalStateException("no pong within 5 s");
        }
        return RawLibc.read(s.pong, s.mainBuf, 8);
    }
}
