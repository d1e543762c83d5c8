package io.kvcourier.channel;

import io.kvcourier.staging.StagingBuffer;

/**
 * A {@link TransferChannelFactory} made of the two constructors of a channel's halves, e.g.
 * {@code new ChannelOpeners(TcpSender::new, TcpReceiver::new)}: what the factory opens is written where it is made.
 *
 * @param sender   opens the sender half (see {@link TransferChannelFactory#openSender})
 * @param receiver opens the receiver half (see {@link TransferChannelFactory#openReceiver})
 */
public record ChannelOpeners(SenderOpener sender, ReceiverOpener receiver) implements TransferChannelFactory {

    /** Opens a sender half; the caller owns what it returns. */
    @FunctionalInterface
    public interface SenderOpener {
        /** As {@link TransferChannelFactory#openSender}. */
        ChannelSender open(ChannelSettings settings, StagingBuffer staging) throws ChannelException;
    }

    /** Opens a receiver half; the caller owns what it returns. */
    @FunctionalInterface
    public interface ReceiverOpener {
        /** As {@link TransferChannelFactory#openReceiver}. */
        ChannelReceiver open(ChannelSettings settings, StagingBuffer staging, LandingListener listener)
                throws ChannelException;
    }

    @Override
    public ChannelSender openSender(ChannelSettings settings, StagingBuffer staging) throws ChannelException {
        return sender.open(settings, staging);
    }

    @Override
    public ChannelReceiver openReceiver(ChannelSettings settings, StagingBuffer staging, LandingListener listener)
            throws ChannelException {
        return receiver.open(settings, staging, listener);
    }
}
