package io.kvcourier.channel;

import java.util.concurrent.CompletableFuture;

/**
 * A sender's connection to one receiver rank, made by a {@link ChannelSender.Handshake}. Owned by the
 * sender engine's per-rank link; {@link #write} may be called from several virtual threads at once.
 */
public interface ChannelConnection extends AutoCloseable {

    /**
     * Writes a batch from the sender's staging buffer into the receiver's pages. Never blocks for the
     * transfer and never throws: the future completes normally only when the receiver acknowledged that
     * it <b>committed</b> the batch (its own send completion is not enough), and exceptionally with a
     * {@link ChannelException} when the write, the connection or the commit failed. The staging bytes of the
     * batch must stay untouched until the future completes or {@link #close()} returned.
     */
    CompletableFuture<Void> write(WriteBatch batch);

    /** False once the connection failed or was closed; the sender then makes a new one. */
    boolean isOpen();

    /** A short description for logs, e.g. {@code tcp 127.0.0.1:41234}. */
    String describe();

    /**
     * Fences and closes: after it returns, no write of this connection reads the sender's staging memory
     * any more or can still land on the receiver, and every pending future has failed. Idempotent.
     */
    @Override
    void close();
}
