package io.kvcourier.channel;

import io.kvcourier.wire.PdMessage;

/**
 * The receiver half of a transfer channel for one adapter. It owns the channel's receiver-side resources
 * (the registration of the receiver's staging buffer, data listeners, a progress thread), answers
 * handshakes from the init servers, places landing bytes into the staging pages and reports finished
 * batches to its {@link LandingListener}.
 */
public interface ChannelReceiver extends AutoCloseable {

    /**
     * Answers one handshake request received on an init port. Never throws: a bad request (wrong message
     * type, protocol version mismatch) gets an {@code InitError} reply naming the problem.
     */
    PdMessage handshake(PdMessage request);

    /**
     * Stops {@code senderId} from writing into this receiver's memory: when it returns, no write from any
     * of that sender's connections can land any more (tcp: its data connections are closed and their reads
     * stopped; verbs: its QPs are in ERR and flushed). The sender reconnects for its next task. Bounded by
     * the channel's deadlines. Unknown senders are ignored.
     */
    void fence(String senderId);

    /**
     * {@link #fence}, saying whether it is confirmed: true when every connection of {@code senderId} is provably
     * stopped (no write of it can land any more), false when the fence did not finish within its deadline. The
     * receiver then keeps the pages that sender could still write to out of use (quarantined) and fences again
     * later. The default fences and reports success (for channels whose fence cannot time out).
     */
    default boolean tryFence(String senderId) {
        fence(senderId);
        return true;
    }

    /** What {@link #fenceAllocation} achieved. */
    enum AllocationFence {
        /** Not confirmed within the channel's deadline: the allocation's pages must stay out of use. */
        UNCONFIRMED,
        /**
         * Only that allocation is fenced: no frame is being read into its pages any more and admission refuses
         * every later frame that names it (the sender's connections stay open). A frame naming its batch id may
         * still arrive, so the page that is its batch id must not become another allocation's batch id of the same
         * sender until that sender is provably done with it.
         */
        ALLOCATION,
        /** The whole sender is fenced ({@link #tryFence}): its connections are closed, nothing of it can land. */
        SENDER
    }

    /**
     * Stops every write into the live allocation of {@code senderId} whose batch id (first page) is
     * {@code batchId}, which the engine has just stopped admitting. A channel that can fence one allocation
     * without touching the sender's other batches does so ({@link AllocationFence#ALLOCATION}); the default
     * fences the whole sender ({@link #tryFence}). Bounded by the channel's deadlines.
     */
    default AllocationFence fenceAllocation(String senderId, int batchId) {
        return tryFence(senderId) ? AllocationFence.SENDER : AllocationFence.UNCONFIRMED;
    }

    /**
     * Installs the engine's handler for control requests that arrive on data connections. A channel that can
     * carry control offers it to senders (through its handshake reply or its connections) only once a handler
     * is set; the default ignores the handler and all control stays on the ZMQ alloc port.
     */
    default void setControlHandler(ControlRequestHandler handler) {
    }

    /** Closes every connection and releases the channel's resources. Idempotent. */
    @Override
    void close();
}
