package io.kvcourier.bench;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Heap bytes allocated in this JVM over a window, split by thread, for the e2e suite's store-path allocation
 * row: {@code com.sun.management.ThreadMXBean#getTotalThreadAllocatedBytes} (every thread, including threads
 * that ended during the window; virtual threads' allocation is counted on their carriers) minus the threads the
 * row excludes (the proxy side), with a per-thread breakdown of the platform threads alive at the end.
 *
 * <p>{@link #start} allocates its bookkeeping before it reads the counters, and {@link Window#end} reads them
 * before it allocates, so the measurement's own objects stay out of every figure.
 */
final class HeapAllocation {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    static {
        // The first calls of the per-thread counter allocate (class loading, linkage); do them now, not in a window.
        long[] ids = THREADS.getAllThreadIds();
        long[] scratch = new long[ids.length];
        for (int i = 0; i < 2_000; i++) {
            read(ids, scratch);
        }
    }

    private HeapAllocation() {
    }

    /** The ids of the platform threads alive now. */
    static Set<Long> liveThreads() {
        Set<Long> ids = new HashSet<>();
        for (long id : THREADS.getAllThreadIds()) {
            ids.add(id);
        }
        return ids;
    }

    /**
     * The live platform threads not in {@code before} whose name starts with one of {@code prefixes} (the threads
     * a component started, without carriers or other threads that happened to start at the same time).
     */
    static Set<Long> startedSince(Set<Long> before, String... prefixes) {
        Set<Long> out = new HashSet<>();
        for (java.lang.management.ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (t == null || before.contains(t.getThreadId())) {
                continue;
            }
            for (String p : prefixes) {
                if (t.getThreadName().startsWith(p)) {
                    out.add(t.getThreadId());
                    break;
                }
            }
        }
        return out;
    }

    /**
     * Starts a window: allocates its bookkeeping, then reads the per-thread counters of the live platform threads
     * (one call per thread, which allocates nothing), then the JVM total.
     */
    static Window start() {
        long[] ids = THREADS.getAllThreadIds();
        Map<Long, String> names = new HashMap<>();
        for (java.lang.management.ThreadInfo t : THREADS.getThreadInfo(ids)) {
            if (t != null) {
                names.put(t.getThreadId(), t.getThreadName());
            }
        }
        Window w = new Window(ids, names);
        read(ids, w.before);
        w.total = THREADS.getTotalThreadAllocatedBytes();
        return w;
    }

    private static void read(long[] ids, long[] into) {
        for (int i = 0; i < ids.length; i++) {
            into[i] = THREADS.getThreadAllocatedBytes(ids[i]);
        }
    }

    /**
     * Bytes allocated in a window.
     *
     * @param total   all threads, minus the excluded ones
     * @param byGroup the platform threads alive at both ends, summed by {@link #group} (excluded ones left out);
     *                what is not in a group (threads started or ended during the window) is {@code total} minus
     *                their sum
     */
    record Bytes(long total, Map<String, Long> byGroup) {
        long ungrouped() {
            long sum = 0;
            for (long v : byGroup.values()) {
                sum += v;
            }
            return total - sum;
        }
    }

    /** An open window; {@link #end} closes it. */
    static final class Window {
        private final long[] ids;
        private final long[] before;
        private final long[] after;
        private final Map<Long, String> names;
        private long total;

        private Window(long[] ids, Map<Long, String> names) {
            this.ids = ids;
            this.before = new long[ids.length];
            this.after = new long[ids.length];
            this.names = names;
        }

        /**
         * Ends the window: reads the JVM total and the per-thread counters (allocating nothing), then sums.
         *
         * @param excluded thread ids whose allocation is not counted (they must be alive at both ends)
         * @param caller   the id of the thread that issued the work (its own group)
         */
        Bytes end(Set<Long> excluded, long caller) {
            long totalAfter = THREADS.getTotalThreadAllocatedBytes();
            read(ids, after);
            long sum = totalAfter - total;
            Map<String, Long> groups = new HashMap<>();
            for (int i = 0; i < ids.length; i++) {
                if (before[i] < 0 || after[i] < 0) {
                    continue; // ended during the window (its bytes stay in the total) or not measurable
                }
                long d = after[i] - before[i];
                if (excluded.contains(ids[i])) {
                    sum -= d;
                    continue;
                }
                groups.merge(ids[i] == caller ? "caller" : group(names.getOrDefault(ids[i], "")), d, Long::sum);
            }
            return new Bytes(sum, groups);
        }
    }

    /**
     * The group a platform thread's allocation is reported in: jeromq's I/O threads ({@code [creator-]iothread-N},
     * {@code [creator-]reaper-N}; jeromq prefixes the name of the thread that created the context's first socket)
     * as {@code jeromq I/O} or {@code jeromq I/O (creator)}; {@code virtual-thread carriers}
     * ({@code ForkJoinPool-*}); else the thread's name without a trailing number (e.g.
     * {@code kvcourier-tcp-sender}).
     */
    static String group(String threadName) {
        for (String jeromq : new String[] {"iothread-", "reaper-"}) {
            int at = threadName.indexOf(jeromq);
            if (at == 0) {
                return "jeromq I/O";
            }
            if (at > 0 && threadName.charAt(at - 1) == '-') {
                return "jeromq I/O (" + strip(threadName.substring(0, at - 1)) + ")";
            }
        }
        if (threadName.startsWith("ForkJoinPool")) {
            return "virtual-thread carriers";
        }
        String g = strip(threadName);
        return g.isEmpty() ? "unnamed" : g;
    }

    private static String strip(String name) {
        return name.replaceFirst("[-_ ]?\\d+$", "");
    }
}
