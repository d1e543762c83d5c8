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

    /**
     * Whether this connection carries control exchanges ({@code AllocRequest}/{@code CancelNotif} and their
     * {@code AllocResponse}) beside the data, instead of the receiver's ZMQ alloc port: true only when the
     * handshake showed that both ends are kvcourier and the receiver accepts them. The bytes are those of the
     * alloc port's messages; only the carrier changes. Channels that cannot carry control (verbs) keep the default.
     */
    default boolean carriesControl() {
        return false;
    }

    /**
     * Sends one control request over this connection. The bytes are copied or consumed before this returns.
     * The reply comes to {@code sink} with the same {@code exchangeId}, at most once, on any thread; a request
     * whose connection closes first is never answered: a channel that knows it tells {@link
     * ControlReplySink#onConnectionLost} instead (tcp does), else the caller's own deadline ends the exchange.
     *
     * @param exchangeId the caller's id for the exchange, echoed with the reply
     * @return false when the request was not sent (the connection is closed or does not carry control)
     */
    default boolean sendControl(long exchangeId, byte[] bytes, int offset, int length, ControlReplySink sink) {
        return false;
    }

    /**
     * Whether {@link #sendEager} can send a batch's bytes right behind its allocation request: the connection
     * {@linkplain #carriesControl() carries control} and its receiver lands eager stores. False by default.
     */
    default boolean carriesEager() {
        return false;
    }

    /**
     * An eager store: sends the {@code AllocRequest} as {@link #sendControl} does and, right behind it, the bytes of
     * its keys, without waiting for the reply. {@code batch} has one entry per key of the request, in request order,
     * and its remote pages are the keys' indexes (0, 1, ...). The receiver lands the bytes only when it gave every key
     * a page of its own at once; otherwise it discards them. The reply comes to {@code sink} as for {@link
     * #sendControl}, and {@code completion} is told once, as for {@link #write}: with no failure when the receiver
     * committed the bytes into the pages its reply names (the reply has then come first), with a {@link
     * BatchRefusedException} when it did not land them (the caller then writes the batch as usual, once the reply has
     * come), or with another failure when the write or the connection failed. The batch's source bytes are read until
     * the completion runs.
     *
     * @return false when nothing was sent (then neither {@code sink} nor {@code completion} is called): the
     * connection is closed, cannot send eager stores, or the batch has too many entries for one
     */
    default boolean sendEager(long exchangeId, byte[] bytes, int offset, int length, ControlReplySink sink,
                              WriteBatch batch, BatchCompletion completion) {
        return false;
    }

    /**
     * Whether control replies reach their {@link ControlReplySink} on the channel's own progress thread (a platform
     * thread that does nothing else while it delivers), so that the sink may run a moment of the sender's control
     * work right there. False (the default) when a reply may come on any thread, a caller's or a virtual one.
     */
    default boolean repliesOnProgressThread() {
        return false;
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
