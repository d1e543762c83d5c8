package io.kvcourier.channel;

/**
 * The receiver engine's side of in-band control: a channel whose connections {@linkplain
 * ChannelConnection#carriesControl() carry control} hands it each control request that arrived on a data
 * connection, exactly as the receiver's alloc port would have received it.
 */
@FunctionalInterface
public interface ControlRequestHandler {

    /**
     * One control request from {@code senderId}: the msgpack bytes of an {@code AllocRequest} or {@code
     * CancelNotif}, valid only during the call (decode them before returning). Called on the channel's thread
     * (or the sender's, for an in-process channel); must not block. {@code replier} is called exactly once, later
     * or at once, from any thread.
     */
    void onControlRequest(String senderId, byte[] bytes, int offset, int length, Replier replier);

    /** Sends the reply to one control request back over the connection it came on. */
    @FunctionalInterface
    interface Replier {

        /** Sends the reply's msgpack bytes ({@code AllocResponse}); they may be reused once this returns. */
        void reply(byte[] bytes, int offset, int length);

        /**
         * Sends the reply to an {@code AllocRequest} that gave every key a page of its own: {@code keyPages[i]} is
         * the receiver page of the request's key {@code i} (the reply's {@code remote_indexes}, nothing already
         * sent). A channel that lands eager stores uses the pages for bytes the sender sent before the reply; it
         * keeps the array, so the caller must not change it afterwards. The default sends the reply like {@link
         * #reply}.
         */
        default void replyAllocated(byte[] bytes, int offset, int length, int[] keyPages) {
            reply(bytes, offset, length);
        }

        /**
         * Whether the connection this request came on is still open; any thread. Once false it stays false and
         * nothing that arrives on that connection is read any more, so an allocation made for this request can no
         * longer land (a sender writes an in-band allocation on the connection that asked for it only). The default,
         * for a channel that cannot tell, is always true.
         */
        default boolean connectionOpen() {
            return true;
        }

        /**
         * Closes the connection this request came on, and only it: from then on nothing that arrives on it is read
         * and what the sender has in flight on it fails. Waits for the channel's thread up to the channel's shutdown
         * deadline; call it from any other thread. Returns whether the connection is closed now. The default, for a
         * channel that cannot close one connection, closes nothing and returns false.
         */
        default boolean closeConnection() {
            return false;
        }
    }
}
