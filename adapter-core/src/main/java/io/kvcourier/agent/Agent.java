package io.kvcourier.agent;

/**
 * Work owned by one thread and done in a duty cycle (Aeron's model): {@link AgentRunner} calls
 * {@link #doWork()} in a loop on its own platform thread and, when there is nothing to do, lets the agent
 * block in {@link #awaitWork()} on whatever brings it work (a selector, an epoll set, a {@code ZMQ.Poller} with
 * a wake-up channel). Other threads hand work to an agent through its own queues and then call
 * {@link AgentRunner#wakeUp()}, which costs nothing while the agent is running.
 *
 * <p>Every method but {@link #wakeUpSignal()} is called on the agent's thread only.
 */
public interface Agent {

    /** A short name for the thread and logs, e.g. {@code kvcourier-control-sender}. */
    String roleName();

    /**
     * Does what is ready now: drains command queues, polls sources without blocking, fires due timers.
     *
     * @return how much work was done; 0 when there was nothing to do
     * @throws Exception logged by the runner, which keeps running (as it does after an {@link Error})
     */
    int doWork() throws Exception;

    /**
     * A duty cycle that only checks for more work before the agent blocks ({@link AgentRunner}: the one right
     * before {@link #awaitWork()}, and with a strategy that blocks at once the one after a busy cycle): what
     * {@link #doWork()} does, except that the sources {@link #awaitWork()} waits on need not be polled, since that
     * wait returns at once for a source that is ready. The default is {@link #doWork()}.
     *
     * @return how much work was done; 0 when there was nothing to do
     * @throws Exception logged by the runner, which keeps running (as it does after an {@link Error})
     */
    default int doWorkBeforeAwait() throws Exception {
        return doWork();
    }

    /**
     * Blocks until work may be ready: a source became readable, {@link #wakeUpSignal()} was called (since the
     * last return from this method), or the agent's next timer is due. May return early (spurious wake-ups are
     * fine); must not block past the agent's next timer.
     *
     * @throws Exception logged by the runner, which keeps running (as it does after an {@link Error})
     */
    void awaitWork() throws Exception;

    /**
     * Makes the current or next {@link #awaitWork()} return (a sticky signal: selector wake-up, eventfd write).
     * Called from any thread.
     */
    void wakeUpSignal();

    /** Releases what the agent owns (its sockets, fds). Called once, last, on the agent's thread. */
    default void onClose() {
    }
}
