package io.kvcourier.pd;

import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.channel.ChannelReceiver.AllocationFence;
import io.kvcourier.channel.ControlRequestHandler;
import io.kvcourier.jfr.FenceEvent;
import io.kvcourier.jfr.Jfr;

/**
 * Fences the writers of expired allocations through the receiver's channel, for the store's reaper, and records
 * each fence as a JFR event. Called on the housekeeping thread; may touch sockets. Does not own the channel.
 */
final class ChannelFencer implements ReceiverStore.Fencer {
    private final ChannelReceiver channel;

    ChannelFencer(ChannelReceiver channel) {
        this.channel = channel;
    }

    @Override
    public AllocationFence fenceAllocation(String senderId, int batchId) {
        return fence(senderId, batchId);
    }

    @Override
    public boolean fenceSender(String senderId) {
        return fence(senderId, -1) != AllocationFence.UNCONFIRMED;
    }

    @Override
    public boolean fenceConnection(String senderId, ControlRequestHandler.Replier origin) {
        FenceEvent jfr = Jfr.fence() ? Jfr.begin(new FenceEvent()) : null;
        boolean closed = false;
        try {
            closed = origin.closeConnection();
            return closed;
        } finally {
            if (jfr != null) {
                commit(jfr, senderId, closed ? "fenced_connection" : "unconfirmed", "a fenced in-band batch of this "
                        + "sender did not end on its connection within the transfer timeout");
            }
        }
    }

    /**
     * Fences an expired allocation ({@code batchId}: its first page) of {@code senderId}, or with {@code batchId}
     * -1 the whole sender, so that it can no longer write into pages about to be reused; says what the channel
     * confirmed (when nothing, those pages stay quarantined and the next reap fences again).
     */
    private AllocationFence fence(String senderId, int batchId) {
        FenceEvent jfr = Jfr.fence() ? Jfr.begin(new FenceEvent()) : null;
        AllocationFence outcome = AllocationFence.UNCONFIRMED;
        try {
            outcome = batchId < 0
                    ? (channel.tryFence(senderId) ? AllocationFence.SENDER : AllocationFence.UNCONFIRMED)
                    : channel.fenceAllocation(senderId, batchId);
            return outcome;
        } finally {
            if (jfr != null) {
                commit(jfr, senderId, switch (outcome) {
                    case UNCONFIRMED -> "unconfirmed";
                    case ALLOCATION -> "fenced_allocation";
                    case SENDER -> "fenced";
                }, batchId < 0 ? "a fenced batch of this sender did not end within the transfer timeout"
                        : "an allocation of this sender expired");
            }
        }
    }

    private static void commit(FenceEvent jfr, String senderId, String outcome, String reason) {
        jfr.side = "receiver";
        jfr.rank = -1;
        jfr.peer = senderId;
        jfr.outcome = outcome;
        jfr.reason = reason;
        jfr.commit();
    }
}
