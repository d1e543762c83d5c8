package io.kvcourier.channel;

import io.kvcourier.staging.StagingBuffer;

/**
 * Makes the sender and receiver halves of one kind of transfer channel. The adapter calls exactly one of
 * the two methods once, at construction, and owns what it returns. Tests pass their own factory to the
 * adapter to control the data path. The {@link ChannelSettings} are the adapter's, filled from its configuration.
 */
public interface TransferChannelFactory {

    /** Opens the sender half over the sender's staging buffer (the adapter owns both). */
    ChannelSender openSender(ChannelSettings settings, StagingBuffer staging) throws ChannelException;

    /** Opens the receiver half over the receiver's staging buffer, reporting landed batches to {@code listener}. */
    ChannelReceiver openReceiver(ChannelSettings settings, StagingBuffer staging, LandingListener listener)
            throws ChannelException;
}
