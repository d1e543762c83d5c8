package io.kvcourier.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.IntConsumer;

/**
 * What the nodes of a {@code kvcourier cluster} run reported (requests stored, bytes verified, notifications), the
 * problems found on the way, and the summary printed at the end. Touched only by the coordinating thread, except
 * {@link #cleanupProblem}.
 */
final class ClusterTally {
    private static final int MAX_PROBLEMS = 20;

    private final ClusterPlan plan;
    private final Progress progress;
    private final IntConsumer failedStoreTo;
    private final List<String> problems = new ArrayList<>();
    private final long[] verifiedBytes;
    private final int[] notifications;
    private final long[] doneMicros;
    private final long[] notifiedMicros;
    private final List<Long> latencies = new ArrayList<>();
    private int stored;
    private int verifiedRequests;
    private int notifiedRequests;
    private long bytesCommitted;
    private long firstSubmitMicros = Long.MAX_VALUE;
    private long lastDoneMicros;
    private long totalNotifications;

    /**
     * @param failedStoreTo told the decode node's index before a failed store to it is reported, so that a dying
     *                      node can be reported as the cause first
     */
    ClusterTally(ClusterPlan plan, Progress progress, IntConsumer failedStoreTo) {
        this.plan = plan;
        this.progress = progress;
        this.failedStoreTo = failedStoreTo;
        this.verifiedBytes = new long[plan.requests()];
        this.notifications = new int[plan.requests()];
        this.doneMicros = new long[plan.requests()];
        this.notifiedMicros = new long[plan.requests()];
    }

    /** Records a problem; the first {@value #MAX_PROBLEMS} are kept. */
    void problem(String p) {
        if (problems.size() < MAX_PROBLEMS) {
            problems.add(p);
        }
    }

    /** Records a problem of the cleanup (any thread, always kept). */
    void cleanupProblem(String p) {
        problems.add("cleanup: " + p);
    }

    boolean hasProblems() {
        return !problems.isEmpty();
    }

    List<String> problems() {
        return problems;
    }

    /** {@return whether every request was stored, verified and notified once per rank} */
    boolean complete() {
        return stored == plan.requests() && verifiedRequests == plan.requests()
                && notifiedRequests == plan.requests();
    }

    /** {@return how far the run got, for a timeout's message} */
    String counts() {
        return stored + " of " + plan.requests() + " requests stored, " + verifiedRequests + " verified, "
                + notifiedRequests + " notified";
    }

    private int request(String reqId, ClusterNode from) {
        int i = plan.indexOf(reqId);
        if (i < 0) {
            problem(from.name + " reported request '" + reqId + "', which is not one of this run's");
        }
        return i;
    }

    /** A prefill node's {@code STORED} line. */
    void stored(ClusterNode n, Lines.Event l) {
        int i = request(l.get("req"), n);
        if (i < 0) {
            return;
        }
        if (!Boolean.parseBoolean(l.get("ok"))) {
            failedStoreTo.accept(Integer.parseInt(l.get("decode")));
            problem("request " + l.get("req") + " from " + n.name + " to decode-" + l.get("decode")
                    + " was not committed: " + l.fields().getOrDefault("problem", "see " + n.jvm.log()));
            return;
        }
        if (Integer.parseInt(l.get("decode")) != plan.decodeOf(i) || plan.prefillOf(i) != n.index) {
            problem("request " + l.get("req") + " was stored by " + n.name + " to decode-" + l.get("decode")
                    + "; the plan says prefill-" + plan.prefillOf(i) + " to decode-" + plan.decodeOf(i));
            return;
        }
        stored++;
        long bytes = l.longValue("bytes");
        bytesCommitted += bytes;
        long submit = l.longValue("submit_us");
        long done = l.longValue("done_us");
        firstSubmitMicros = Math.min(firstSubmitMicros, submit);
        lastDoneMicros = Math.max(lastDoneMicros, done);
        doneMicros[i] = done;
        latencies.add(l.longValue("latency_us"));
        progress.update(stored, bytesCommitted);
    }

    /** A decode node's {@code VERIFIED} line. */
    void verified(ClusterNode n, Lines.Event l) {
        int i = request(l.get("req"), n);
        if (i < 0) {
            return;
        }
        if (!Boolean.parseBoolean(l.get("ok"))) {
            problem(n.name + " could not verify request " + l.get("req") + ": "
                    + l.fields().getOrDefault("problem", "(no reason given)"));
            return;
        }
        if (n.index != plan.decodeOf(i)) {
            problem("request " + l.get("req") + " landed on " + n.name + " but was routed to decode-"
                    + plan.decodeOf(i));
            return;
        }
        verifiedBytes[i] += l.longValue("bytes");
        if (verifiedBytes[i] > plan.bytesPerRequest()) {
            problem(n.name + " verified " + verifiedBytes[i] + " bytes of request " + l.get("req") + ", which has "
                    + plan.bytesPerRequest());
        } else if (verifiedBytes[i] == plan.bytesPerRequest()) {
            verifiedRequests++;
        }
    }

    /** The proxy's {@code NOTIF} line. */
    void notified(Lines.Event l) {
        String reqId = l.get("req");
        int i = plan.indexOf(reqId);
        totalNotifications++;
        if (i < 0) {
            problem("the proxy got a notification for '" + reqId + "', which is not one of this run's requests");
            return;
        }
        notifications[i]++;
        if (notifications[i] > plan.tp()) {
            problem("the proxy got " + notifications[i] + " notifications for " + reqId + ", expected one per rank ("
                    + plan.tp() + ")");
        } else if (notifications[i] == plan.tp()) {
            notifiedRequests++;
            notifiedMicros[i] = l.longValue("at_us");
        }
    }

    /** Checks the stopped decode nodes' and proxy's {@code DONE} lines: no failed chunk, one notification per rank. */
    void checkStopped(List<ClusterNode> decodes, ClusterNode proxy) {
        for (ClusterNode d : decodes) {
            if (d.exitCode != 0 || d.done == null || !d.done.get("failed_chunks").equals("0")) {
                problem(d.name + " exited with " + d.exitCode + " ("
                        + (d.done == null ? "no DONE line" : d.done.fields())
                        + "); its log " + d.jvm.log() + " ends with:\n" + d.jvm.logTail(5));
            }
        }
        long expected = (long) plan.requests() * plan.tp();
        if (proxy.done == null || proxy.done.longValue("notifications") != expected
                || proxy.done.longValue("malformed") != 0) {
            problem("the proxy counted " + (proxy.done == null ? "nothing (no DONE line)" : proxy.done.fields())
                    + ", expected exactly " + expected + " notifications (" + plan.tp() + " per request)");
        }
    }

    /**
     * Prints the summary and the problems; deletes the child logs after a run that passed.
     *
     * @param finished whether every prefill node exited and {@link #complete()} holds
     * @return the command's exit status
     */
    int report(PrintStream out, PrintStream err, Path logs, boolean finished, boolean netns) {
        boolean ok = !hasProblems() && finished;
        if (ok && !hasProblems()) {
            deleteQuietly(logs);
        }
        print(out, ok, netns);
        for (String p : problems) {
            err.println("kvcourier cluster: " + p);
        }
        if (!ok) {
            if (!hasProblems()) {
                err.println("kvcourier cluster: the run ended before every request was committed, verified and"
                        + " notified");
            }
            err.println("kvcourier cluster: child logs are in " + logs);
        }
        return ok ? Main.EXIT_OK : Main.EXIT_FAILURE;
    }

    /** Prints the summary table and the {@code RESULT} line. */
    private void print(PrintStream out, boolean ok, boolean netns) {
        double secs = lastDoneMicros > firstSubmitMicros ? (lastDoneMicros - firstSubmitMicros) / 1e6 : 0;
        long[] lat = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        List<Long> nl = new ArrayList<>();
        for (int i = 0; i < plan.requests(); i++) {
            if (notifiedMicros[i] > 0 && doneMicros[i] > 0) {
                nl.add(Math.max(0, notifiedMicros[i] - doneMicros[i]));
            }
        }
        long[] notifyLat = nl.stream().mapToLong(Long::longValue).sorted().toArray();
        long verified = Arrays.stream(verifiedBytes).sum();
        double bps = secs > 0 ? bytesCommitted / secs : 0;
        SummaryTable t = new SummaryTable()
                .row("nodes", plan.prefill() + " prefill, " + plan.decode() + " decode (TP " + plan.tp() + "), "
                        + (netns ? "network namespaces on a veth bridge" : "loopback addresses"))
                .row("requests committed", stored + " / " + plan.requests())
                .row("bytes verified", verified + " of " + plan.totalBytes() + " (" + Doctor.human(verified)
                        + ", each byte checked, on the decode node each request was routed to)")
                .row("requests verified", verifiedRequests + " / " + plan.requests())
                .row("notifications", totalNotifications + " (" + notifiedRequests + " / " + plan.requests()
                        + " requests with exactly " + plan.tp() + ", one per rank)")
                .row("throughput", secs > 0 ? String.format(Locale.ROOT, "%s (%.3f GiB/s), %s in %.2f s, all nodes",
                        Progress.rate(bps), bps / (1L << 30), Doctor.human(bytesCommitted), secs) : "n/a")
                .row("request latency p50", millis(DemoStats.percentile(lat, 50)))
                .row("request latency p99", millis(DemoStats.percentile(lat, 99)))
                .row("notify latency p50", millis(DemoStats.percentile(notifyLat, 50)))
                .row("notify latency p99", millis(DemoStats.percentile(notifyLat, 99)))
                .row("result", ok ? "OK: every byte verified, every request notified once per rank" : "FAILED");
        t.print(out);
        out.println(Lines.format("RESULT", "ok", ok, "requests", plan.requests(), "stored", stored, "verified_requests",
                verifiedRequests, "verified_bytes", verified, "notifications", totalNotifications, "seconds",
                String.format(Locale.ROOT, "%.3f", secs), "throughput_bps", Math.round(bps), "p50_us",
                DemoStats.percentile(lat, 50), "p99_us", DemoStats.percentile(lat, 99)));
        out.flush();
    }

    private static String millis(long micros) {
        return micros < 0 ? "n/a" : String.format(Locale.ROOT, "%.3f ms", micros / 1000.0);
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a temp directory left behind is harmless
        }
    }
}
