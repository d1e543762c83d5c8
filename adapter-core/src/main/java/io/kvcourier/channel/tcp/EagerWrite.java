package io.kvcourier.channel.tcp;

import io.kvcourier.channel.BatchCompletion;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.WriteBatch;

/**
 * The completion of an eager store's bytes ({@link TcpConnection#sendEager}): it marks the write as the EAGER frame
 * of exchange {@code exchangeId} for the {@link FrameWriter} (its head) and the {@link AckReader} (the id its ACK
 * names), and passes the outcome on to the caller's completion.
 */
record EagerWrite(long exchangeId, BatchCompletion completion) implements BatchCompletion {

    /** The id the ACK of {@code batch}, written with {@code c}, names: an eager frame's exchange, else the batch. */
    static int ackId(WriteBatch batch, BatchCompletion c) {
        return c instanceof EagerWrite e ? (int) e.exchangeId : batch.batchId();
    }

    @Override
    public void batchDone(WriteBatch batch, ChannelException failure) {
        completion.batchDone(batch, failure);
    }
}
