package io.kvcourier.channel;

/**
 * The receiver refused to commit one batch (its allocation expired or was cancelled before the batch landed,
 * or the batch was incomplete) and said so on a connection that stays healthy: only that batch failed, the
 * connection keeps serving the sender's other batches. Retrying the store allocates afresh.
 */
public class BatchRefusedException extends ChannelException {
    private static final long serialVersionUID = 1L;

    public BatchRefusedException(String message) {
        super(message);
    }
}
