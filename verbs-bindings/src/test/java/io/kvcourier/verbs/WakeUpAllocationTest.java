package io.kvcourier.verbs;

import io.kvcourier.verbs.gen.libc_h;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A wake-up allocates nothing once warm: signalling and draining an eventfd, and an epoll wait that reports it,
 * are on every task's path (the adapter's three eventfds, each progress loop). The calls used to be errno-capturing
 * downcalls, which allocate 40 bytes a call whenever C2 declines to inline the state segment's slice
 * (docs/TRAPS.md#trap-37).
 */
@Timeout(60)
class WakeUpAllocationTest {
    private static final int CALLS = 10_000;

    @Test
    void signalWaitAndDrainAllocateNothingOnceWarm() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (EventFd efd = EventFd.create(); Epoll epoll = Epoll.create(4)) {
            epoll.add(efd.fd(), libc_h.EPOLLIN(), 7);
            long tid = Thread.currentThread().threadId();
            long allocated = Long.MAX_VALUE;
            long drained = 0;
            // Rounds until one allocates nothing (how soon C2 compiles depends on the machine's load), up to a bound
            // no compiler needs; each round is a method call, compiled from its entry like a progress loop.
            for (int round = 0; round < 200 && allocated >= 1024; round++) {
                long before = mx.getThreadAllocatedBytes(tid);
                drained = wakeUps(efd, epoll);
                allocated = mx.getThreadAllocatedBytes(tid) - before;
            }
            assertThat(drained).as("signals drained in the last round").isEqualTo(3L * CALLS);
            assertThat(allocated).as("bytes allocated by %d signal/wait/drain rounds once warm", CALLS)
                    .isLessThan(1024);
        }
    }

    private static long wakeUps(EventFd efd, Epoll epoll) {
        long drained = 0;
        for (int i = 0; i < CALLS; i++) {
            efd.signal();
            efd.signal(2);
            if (epoll.wait(1_000) == 1 && epoll.data(0) == 7) {
                drained += efd.drain();
            }
        }
        return drained;
    }
}
