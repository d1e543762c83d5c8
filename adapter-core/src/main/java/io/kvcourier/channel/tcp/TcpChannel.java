package io.kvcourier.channel.tcp;

import io.kvcourier.channel.ChannelOpeners;
import io.kvcourier.channel.TransferChannelFactory;

/**
 * The tcp transfer channel ({@code transfer_channel: tcp}). The receiver listens on {@code bind_host}
 * (ephemeral port) and announces host, port, a single-use 16-byte session token and its page size in
 * {@code TcpInitResponse}; the sender connects, presents the token in a HELLO and sends each batch as DATA
 * frames: a descriptor block (batch id, entry count, each entry's remote page and length, a commit flag on the
 * batch's last frame) followed by the pages' bytes. The receiver admits each descriptor block once against the
 * sender's live allocation, reads the payload straight into its own staging pages, commits when the flagged
 * frame is complete and answers with an ACK. When both ends are kvcourier with in-band control (data version 3,
 * chosen in the handshake), the sender's allocation exchanges travel on the same connection as CONTROL and
 * CONTROL_REPLY frames between batches instead of through the ZMQ alloc port. Frame format: {@link TcpFrames}.
 *
 * <p>Threads: each side has one platform progress thread (an {@link io.kvcourier.agent.AgentRunner} duty cycle
 * blocking in an NIO selector) that does all socket I/O after the connect; completions reach the tasks by
 * callback. Trust (docs/ARCHITECTURE.md#decision-20): a data connection without a live token is closed, and a
 * frame outside its allocation closes its connection. The frame path allocates nothing once warm
 * (docs/ARCHITECTURE.md#decision-21): queues are rings, views and buffers are reused, and socket calls are
 * single-buffer (see {@link RegionViews}).
 * Senders may read batches from registered caller regions as well as from the staging buffer.
 */
public final class TcpChannel {

    /** The factory the adapter uses for {@code tcp}. */
    public static final TransferChannelFactory FACTORY = new ChannelOpeners(TcpSender::new, TcpReceiver::new);

    private TcpChannel() {
    }
}
