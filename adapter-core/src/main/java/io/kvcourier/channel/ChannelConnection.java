package io.kvcourier.channel;

import java.util.concurrent.CompletableFuture;

/**
 * A sender's connection to one receiver rank, made by a {@link ChannelSender.Handshake}. Owned by the
 * sender engine's per-rank link; {@link #write} may be called from several threads at once.
 */
public interface ChannelConnection extends AutoCloseable {

    /**
     * Writes a batch from the sender's local memory (its staging buffer, or a region registered with
     * {@link ChannelSender#registerRegion}) into the receiver's pages. Never blocks for the transfer and
     * never throws: {@code completion} is told exactly once, with no failure only when the receiver
     * acknowledged that it <b>committed</b> the batch (its own send completion is not enough), else with a
     * {@link ChannelException} saying why the write, the connection or the commit failed. The source bytes
     * of the batch must stay untouched until then; once {@code completion} has run, the channel reads them no
     * more.
     */
    void write(WriteBatch batch, BatchCompletion completion);

    /**
     * {@link #write(WriteBatch, BatchCompletion)} with a future: it completes normally on the commit
     * acknowledgement and exceptionally with a {@link ChannelException}. Allocates a future per call; the
     * adapter's hot path uses the callback form.
     */
    default CompletableFuture<Void> write(WriteBatch batch) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        write(batch, (b, failure) -> {
            if (failure == null) {
                f.complete(null);
            } else {
                f.completeExceptionally(failure);
            }
        });
        return f;
    }

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
