/**
 * Waiting on an adapter's completion eventfds from Java: {@link io.kvcourier.event.CompletionPoller} (epoll over
 * the store, lookup and load eventfds; never pins a virtual thread's carrier in native code).
 */
package io.kvcourier.event;
