package io.kvcourier.pd;

import io.kvcourier.agent.CloseHelper;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.notify.NotificationTracker;
import io.kvcourier.notify.ProxyNotifier;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What an adapter opens for its role, in order: on a sender the proxy notifier, the notification tracker with
 * its deadline checks, and the sender engine; on a receiver the receiver engine. Either way the deadline-check
 * thread also expires uncollected results. A failure closes what was opened (and the adapter's executor and
 * ledger) and is thrown; the adapter owns the parts once this constructor returns.
 */
final class AdapterParts {
    /** Notifications waiting for the proxy socket; more are dropped and counted (offer never blocks). */
    private static final int NOTIFY_QUEUE_CAPACITY = 4096;

    final SenderEngine sender;
    final ReceiverEngine receiver;
    final ProxyNotifier notifier;
    final NotificationTracker tracker;
    final ScheduledExecutorService deadlineChecks;

    /**
     * @throws IllegalStateException when the channel cannot be opened
     */
    AdapterParts(PdL2AdapterConfig config, TransferChannelFactory channels, ExecutorService executor,
                 TaskLedger ledger, InflightTasks tasks) {
        SenderEngine s = null;
        ReceiverEngine r = null;
        ProxyNotifier n = null;
        NotificationTracker t = null;
        ScheduledExecutorService checks = null;
        try {
            if (config.role() == Role.SENDER) {
                n = config.proxyEnabled()
                        ? ProxyNotifier.create(config.proxyHost(), config.proxyPort(), config.notifyTimeout(),
                                config.shutdownTimeout(), NOTIFY_QUEUE_CAPACITY)
                        : ProxyNotifier.disabled();
                ProxyNotifier notifierRef = n;
                // The proxy waits for one notification per decode rank (len(peer_init_port)).
                int ranks = Math.max(config.peerInitPort().size(), config.peerAllocPort().size());
                t = new NotificationTracker(ranks, config.requestTimeout(), System::nanoTime, notifierRef::offer);
                checks = Executors.newSingleThreadScheduledExecutor(
                        Thread.ofVirtual().name("kvcourier-notify-deadlines").factory());
                Duration period = config.requestTimeout().dividedBy(4).compareTo(Duration.ofSeconds(1)) < 0
                        ? config.requestTimeout().dividedBy(4) : Duration.ofSeconds(1);
                t.scheduleDeadlineChecks(checks, period);
                s = new SenderEngine(config, channels, executor, new StoreResults(ledger, t, tasks));
            } else {
                r = new ReceiverEngine(config, executor, channels);
                checks = Executors.newSingleThreadScheduledExecutor(
                        Thread.ofVirtual().name("kvcourier-result-ttl").factory());
            }
            // Uncollected lookup/load results expire after result_ttl_sec (their locks are released).
            long ttl = config.resultTtl().toNanos();
            long every = Math.max(1, Math.min(TimeUnit.SECONDS.toNanos(1), ttl / 4));
            checks.scheduleAtFixedRate(() -> ledger.expire(System.nanoTime(), ttl), every, every,
                    TimeUnit.NANOSECONDS);
        } catch (ChannelException | RuntimeException e) {
            RuntimeException thrown = e instanceof ChannelException
                    ? new IllegalStateException("cannot open the " + config.transferChannel() + " channel: "
                            + e.getMessage(), e)
                    : (RuntimeException) e;
            // Reverse order of opening: the engine (a sender's before its deadline checks, a receiver's after).
            CloseHelper.closeOnFailure(thrown, s, checks == null ? null : checks::shutdownNow, r, n,
                    executor::shutdown, ledger);
            throw thrown;
        }
        this.sender = s;
        this.receiver = r;
        this.notifier = n;
        this.tracker = t;
        this.deadlineChecks = checks;
    }
}
