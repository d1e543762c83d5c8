package io.kvcourier.pd;

import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.ChannelSettings;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.channel.MockMemoryChannel;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.staging.StagingBuffer;

/**
 * A receiver-side channel for peers that have no data plane kvcourier speaks (upstream Python peers write
 * through NIXL): it keeps the receiver's {@link LandingListener} so that a test can report a batch as landed,
 * the way a one-sided channel (verbs) does after the last write.
 */
final class LandingCapture implements TransferChannelFactory {
    private volatile LandingListener listener;

    @Override
    public ChannelSender openSender(ChannelSettings settings, StagingBuffer staging) {
        throw new UnsupportedOperationException("receiver only");
    }

    @Override
    public ChannelReceiver openReceiver(ChannelSettings settings, StagingBuffer staging, LandingListener listener)
            throws ChannelException {
        this.listener = listener;
        return MockMemoryChannel.FACTORY.openReceiver(settings, staging, listener);
    }

    /** Reports the batch whose first page is {@code batchId} from {@code senderId} as landed; true if it committed. */
    boolean land(String senderId, int batchId) {
        boolean committed = listener.onBatchLanded(senderId, batchId);
        listener.afterAcknowledgements(); // as a channel does once it acknowledged the batch
        return committed;
    }
}
