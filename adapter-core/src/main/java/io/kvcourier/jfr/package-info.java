/**
 * kvcourier's JDK Flight Recorder events, one class per step of a transfer: {@link io.kvcourier.jfr.StoreTaskEvent},
 * {@link io.kvcourier.jfr.AllocationEvent}, {@link io.kvcourier.jfr.BatchTransferEvent},
 * {@link io.kvcourier.jfr.CommitEvent}, {@link io.kvcourier.jfr.ProxyNotificationEvent},
 * {@link io.kvcourier.jfr.FenceEvent}, {@link io.kvcourier.jfr.EvictionEvent} and
 * {@link io.kvcourier.jfr.HandshakeEvent}. Their names ({@code io.kvcourier.StoreTask}, ...) are the stable
 * interface: record with {@code -XX:StartFlightRecording} or {@code jcmd PID JFR.start}, read with
 * {@code jfr print --events io.kvcourier.StoreTask rec.jfr} or a {@code RecordingStream}.
 *
 * <p>Cost with recording off: every emitting site first asks {@link io.kvcourier.jfr.Jfr} whether the event is
 * enabled (a field read of a cached {@code EventType}); no event object is made, so the hot paths allocate
 * nothing for JFR. With recording on, an event is allocated where its step begins and committed where it ends.
 *
 * <p>Not exported: events are consumed by name, as the JDK's own are.
 */
package io.kvcourier.jfr;
