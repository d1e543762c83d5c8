package io.kvcourier.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a demo run measured, fed from any thread: store results (sender), verifications (receiver) and
 * notification arrivals (proxy). Times are microseconds; a notification's latency is its arrival minus the
 * completion of its request's store task, clamped at 0 (both on this machine's clock). Throughput and request
 * latencies leave the workload's warm-up requests out; everything else counts them. Thread-safe.
 */
final class DemoStats {
    private final Workload workload;
    private final List<Long> requestLatencyMicros = new ArrayList<>();
    private final List<Long> notifyLatencyMicros = new ArrayList<>();
    private final Map<String, Long> doneMicros = new HashMap<>();
    private final Map<String, Long> notifiedMicros = new HashMap<>();
    private final List<String> problems = new ArrayList<>();
    private int requestsOk;
    private int requestsFailed;
    private long bytesCommitted;
    private long timedBytes;
    private int warmupRequests;
    private long warmupFirstSubmitMicros = Long.MAX_VALUE;
    private long warmupLastDoneMicros;
    private long verifiedChunks;
    private long verifiedBytes;
    private long failedChunks;
    private long firstSubmitMicros = Long.MAX_VALUE;
    private long lastDoneMicros;
    private int notifications;

    DemoStats(Workload workload) {
        this.workload = workload;
    }

    synchronized void stored(String reqId, boolean ok, long bytes, long submitMicros, long doneMicros,
            long latencyMicros, boolean warmup) {
        if (warmup) {
            warmupRequests++;
            warmupFirstSubmitMicros = Math.min(warmupFirstSubmitMicros, submitMicros);
            warmupLastDoneMicros = Math.max(warmupLastDoneMicros, doneMicros);
        } else {
            firstSubmitMicros = Math.min(firstSubmitMicros, submitMicros);
            lastDoneMicros = Math.max(lastDoneMicros, doneMicros);
        }
        if (ok) {
            requestsOk++;
            bytesCommitted += bytes;
            if (!warmup) {
                timedBytes += bytes;
                requestLatencyMicros.add(latencyMicros);
            }
        } else {
            requestsFailed++;
            problem("request " + reqId + " was not committed");
        }
        this.doneMicros.put(reqId, doneMicros);
        Long n = notifiedMicros.get(reqId);
        if (n != null) {
            notifyLatencyMicros.add(Math.max(0, n - doneMicros));
        }
        notifyAll();
    }

    synchronized void verified(ReceiverNode.Verified v) {
        verifiedChunks += v.okChunks();
        verifiedBytes += v.bytes();
        failedChunks += v.chunks() - v.okChunks();
        if (v.problem() != null) {
            problem("request " + v.reqId() + ": " + v.problem());
        }
        notifyAll();
    }

    synchronized void notified(String reqId, long arrivalMicros) {
        notifications++;
        if (notifiedMicros.putIfAbsent(reqId, arrivalMicros) == null) {
            Long done = doneMicros.get(reqId);
            if (done != null) {
                notifyLatencyMicros.add(Math.max(0, arrivalMicros - done));
            }
        }
        notifyAll();
    }

    synchronized void problem(String p) {
        if (problems.size() < 20) {
            problems.add(p);
        }
    }

    /** Waits until {@code chunks} chunks were checked (ok or not), up to {@code timeoutMillis}; returns whether so. */
    synchronized boolean awaitChecked(long chunks, long timeoutMillis) throws InterruptedException {
        long end = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (verifiedChunks + failedChunks < chunks) {
            long left = (end - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    /** Waits until {@code n} requests have been notified, up to {@code timeoutMillis}. */
    synchronized boolean awaitNotified(int n, long timeoutMillis) throws InterruptedException {
        long end = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (notifiedMicros.size() < n) {
            long left = (end - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    synchronized int requestsDone() {
        return requestsOk + requestsFailed;
    }

    synchronized int requestsOk() {
        return requestsOk;
    }

    synchronized long bytesCommitted() {
        return bytesCommitted;
    }

    /** Bytes committed by the requests after the warm-up. */
    synchronized long timedBytes() {
        return timedBytes;
    }

    /** Warm-up requests finished so far. */
    synchronized int warmupRequests() {
        return warmupRequests;
    }

    /** Seconds from the first warm-up submit to the last warm-up completion; 0 without a warm-up. */
    synchronized double warmupSeconds() {
        return warmupLastDoneMicros > warmupFirstSubmitMicros
                ? (warmupLastDoneMicros - warmupFirstSubmitMicros) / 1e6 : 0;
    }

    synchronized long verifiedBytes() {
        return verifiedBytes;
    }

    synchronized long verifiedChunks() {
        return verifiedChunks;
    }

    synchronized long failedChunks() {
        return failedChunks;
    }

    synchronized int notifiedRequests() {
        return notifiedMicros.size();
    }

    synchronized int notifications() {
        return notifications;
    }

    synchronized List<String> problems() {
        return List.copyOf(problems);
    }

    /** Whether every byte of the workload was verified on the decode side. */
    synchronized boolean everyByteVerified() {
        return verifiedBytes == workload.totalBytes() && failedChunks == 0
                && verifiedChunks == (long) workload.requests() * workload.chunks();
    }

    /** Seconds from the first submit to the last store completion, after the warm-up. */
    synchronized double seconds() {
        return lastDoneMicros > firstSubmitMicros ? (lastDoneMicros - firstSubmitMicros) / 1e6 : 0;
    }

    synchronized long[] requestLatencies() {
        return sorted(requestLatencyMicros);
    }

    synchronized long[] notifyLatencies() {
        return sorted(notifyLatencyMicros);
    }

    private static long[] sorted(List<Long> values) {
        long[] a = values.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(a);
        return a;
    }

    /** The nearest-rank percentile {@code p} (0..100) of sorted values; -1 when empty. */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
