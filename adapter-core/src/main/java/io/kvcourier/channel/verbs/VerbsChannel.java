package io.kvcourier.channel.verbs;

import io.kvcourier.channel.ChannelOpeners;
import io.kvcourier.channel.TransferChannelFactory;

/**
 * The RDMA verbs channel ({@code transfer_channel: verbs}, or {@code nixl} with an RDMA backend): RC queue
 * pairs over libibverbs through FFM. Each half opens the device picked by {@code rdma_device},
 * {@code rdma_port}, {@code gid_index}, registers its staging buffer once and runs one progress thread.
 * Opening fails with a {@link io.kvcourier.channel.ChannelException} that lists the devices, ports and GIDs that
 * exist when the request cannot be met; there is no silent fallback to another channel.
 */
public final class VerbsChannel {
    /** The factory the adapter uses for {@code verbs}. */
    public static final TransferChannelFactory FACTORY = new ChannelOpeners(VerbsSender::new, VerbsReceiver::new);

    private VerbsChannel() {
    }
}
