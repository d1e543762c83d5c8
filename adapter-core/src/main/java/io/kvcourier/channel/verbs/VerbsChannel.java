package io.kvcourier.channel.verbs;

import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.ChannelSettings;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.staging.StagingBuffer;

/**
 * The RDMA verbs channel ({@code transfer_channel: verbs}, or {@code nixl} with an RDMA backend): RC queue
 * pairs over libibverbs through FFM. Each half opens the device picked by {@code rdma_device},
 * {@code rdma_port}, {@code gid_index}, registers its staging buffer once and runs one progress thread.
 * Opening fails with a {@link ChannelException} that lists the devices, ports and GIDs that exist when the
 * request cannot be met; there is no silent fallback to another channel.
 */
public final class VerbsChannel {
    /** The factory the adapter uses for {@code verbs}. */
    public static final TransferChannelFactory FACTORY = new TransferChannelFactory() {
        @Override
        public ChannelSender openSender(ChannelSettings settings, StagingBuffer staging) throws ChannelException {
            return new VerbsSender(settings, staging);
        }

        @Override
        public ChannelReceiver openReceiver(ChannelSettings settings, StagingBuffer staging, LandingListener listener)
                throws ChannelException {
            return new VerbsReceiver(settings, staging, listener);
        }
    };

    private VerbsChannel() {
    }
}
