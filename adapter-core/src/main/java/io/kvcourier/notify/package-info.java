/**
 * Proxy notifications (docs/PROTOCOL.md#B.1, docs/PROTOCOL.md#C.1): {@link io.kvcourier.notify.NotificationTracker}
 * decides when a request's transfer attempt is finished, {@link io.kvcourier.notify.ProxyNotifier} sends one
 * {@code ProxyNotif} per TP rank over a ZMQ PUSH connection (ZMTP written by its one virtual thread), and
 * {@link io.kvcourier.notify.ProxyListener} is the proxy's PULL side for JVM orchestrators and tests.
 *
 * <p>Wiring in the sender engine:
 * <pre>{@code
 * ProxyNotifier notifier = ProxyNotifier.create(proxyHost, proxyPort, sendDeadline, shutdownDeadline, 4096);
 * NotificationTracker tracker = new NotificationTracker(ranks, requestDeadline, System::nanoTime, notifier::offer);
 * ScheduledFuture<?> checks = tracker.scheduleDeadlineChecks(timer, Duration.ofSeconds(1));
 * // per store task, on the receiver's commit acknowledgement (or the task's failure):
 * tracker.onBatchDone(spec.reqId(), spec.isLastPrefill(), spec.totalChunks(), keys.size(), landed);
 * // close: checks.cancel(false); notifier.close();
 * }</pre>
 */
package io.kvcourier.notify;
