package io.kvcourier.channel;

/**
 * Where a connection that {@linkplain ChannelConnection#carriesControl() carries control} delivers the receiver's
 * reply to one control request sent with {@link ChannelConnection#sendControl}.
 */
@FunctionalInterface
public interface ControlReplySink {

    /**
     * The receiver's reply to exchange {@code exchangeId}: the msgpack bytes of the message its alloc port would
     * have sent ({@code AllocResponse}). Called at most once per exchange, on any thread; the bytes are valid only
     * during the call. Must not block.
     */
    void onControlReply(long exchangeId, byte[] bytes, int offset, int length);

    /**
     * The connection closed before exchange {@code exchangeId} was answered: no reply will come. Called at most once
     * per exchange, instead of {@link #onControlReply}, on any thread; must not block. Channels that cannot tell
     * (the default does nothing) leave the exchange to the caller's deadline.
     */
    default void onConnectionLost(long exchangeId, String why) {
    }
}
