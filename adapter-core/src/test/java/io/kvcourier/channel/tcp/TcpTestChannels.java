package io.kvcourier.channel.tcp;

import io.kvcourier.channel.ChannelSettings;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.staging.StagingBuffer;

/** tcp channel factories for tests in other packages that need the channel's package-private knobs. */
public final class TcpTestChannels {
    private TcpTestChannels() {
    }

    /**
     * The tcp channel whose senders ask for at most data version {@code senderMax} and whose receivers offer at most
     * {@code receiverMax}: 2 on either side makes that side talk like a peer from before in-band control.
     */
    public static TransferChannelFactory withDataVersions(int senderMax, int receiverMax) {
        return new TransferChannelFactory() {
            @Override
            public ChannelSender openSender(ChannelSettings config, StagingBuffer staging) throws ChannelException {
                TcpSender s = new TcpSender(config, staging);
                s.maxDataVersion = senderMax;
                return s;
            }

            @Override
            public ChannelReceiver openReceiver(ChannelSettings config, StagingBuffer staging,
                                                LandingListener listener) throws ChannelException {
                TcpReceiver r = new TcpReceiver(config, staging, listener);
                r.maxDataVersion = receiverMax;
                return r;
            }
        };
    }

    /** Frames {@code receiver} (a tcp receiver) read and discarded so far: fenced, or eager stores with no grant. */
    public static long discardedFrames(ChannelReceiver receiver) {
        return ((TcpReceiver) receiver).discardedFrames.get();
    }

    /** Control requests {@code receiver} (a tcp receiver) handed to its control handler so far. */
    public static long controlRequests(ChannelReceiver receiver) {
        return ((TcpReceiver) receiver).controlRequests.get();
    }
}
