package io.kvcourier.channel;

import io.kvcourier.wire.PdMessage;

/**
 * The sender half of a transfer channel for one adapter: it owns the channel's sender-side resources
 * (e.g. the registration of the sender's staging buffer, a progress thread) and makes connections to
 * receiver ranks through the receiver's init port.
 */
public interface ChannelSender extends AutoCloseable {

    /**
     * Starts a connection: prepares local resources and returns the handshake whose request the caller
     * sends to the receiver's init port. Called on a virtual thread.
     *
     * @param senderId this sender's identity, also the prefix of its alloc DEALER identities
     */
    Handshake beginConnect(String senderId) throws ChannelException;

    /**
     * Makes caller memory a local region that write batches may read from directly (no staging copy): the
     * channel registers it as it needs to (verbs: a memory region with the channel's protection domain).
     * The caller keeps the segment alive until {@link #unregisterRegion} returned.
     *
     * @param region  the id write batches use for it, {@code > 0} ({@link WriteBatch#STAGING} is the staging
     *                buffer), not in use
     * @param segment native memory accessible from any thread
     * @throws ChannelException when the channel cannot use it, naming the limit (e.g. RLIMIT_MEMLOCK)
     */
    default void registerRegion(int region, java.lang.foreign.MemorySegment segment) throws ChannelException {
        throw new ChannelException(getClass().getSimpleName() + " cannot write from registered memory");
    }

    /**
     * Whether write batches may read caller memory without registration, and from which chunk size on it pays: entries
     * of region {@link WriteBatch#CALLER_SEGMENT} name their native segment, and the channel reads it while it sends
     * the batch, never after the batch completed. A sender stages a batch with a smaller chunk instead (its copy then
     * overlaps the allocation round trip). {@code -1}: never (verbs: the NIC reads registered memory only).
     *
     * @return the smallest chunk, in bytes, worth sending from its own segment; {@code -1} when none is
     */
    default long callerSegmentMinBytes() {
        return -1;
    }

    /**
     * Forgets a region. The caller must first let every batch that reads from it complete. Unknown ids are
     * ignored.
     */
    default void unregisterRegion(int region) {
    }

    /** Closes every connection (fencing them) and releases the channel's resources. Idempotent. */
    @Override
    void close();

    /** One handshake in progress. Exactly one of {@link #complete} or {@link #abort} is called. */
    interface Handshake {

        /** The message to send to the receiver's init port. */
        PdMessage request();

        /** Completes the connection from the receiver's reply (which may be an {@code InitError}). */
        ChannelConnection complete(PdMessage reply) throws ChannelException;

        /** Gives up (timeout, error): releases what {@link ChannelSender#beginConnect} prepared. */
        void abort();
    }
}
