package io.kvcourier.control;

import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.WireEncoder;

import java.nio.ByteBuffer;

/**
 * One request/reply over an {@link AllocPool} ({@code AllocRequest} or {@code CancelNotif} → {@code
 * AllocResponse}). The owner extends it; every method is called on the control thread.
 */
public abstract class AllocExchange {
    long deadlineNanos;
    /** Set while the exchange waits for a socket or its reply; null before and after. */
    AllocPool pool;
    /** While the exchange is in flight in-band ({@link InBandExchanges}): its id and the connection carrying it. */
    long inBandId;
    ChannelConnection inBandConnection;
    /** Sent in-band with its bytes right behind it. */
    boolean eager;

    /** Whether the last in-band send of this exchange had its bytes sent right behind it (an eager store). */
    public final boolean sentEager() {
        return eager;
    }

    /** When the exchange fails if no reply has come ({@link System#nanoTime()} based). */
    public final long deadlineNanos() {
        return deadlineNanos;
    }

    /**
     * Encodes the request with the control thread's encoder (its {@code array()}/{@code length()} are sent,
     * copied, right after). The returned view is not used.
     */
    protected abstract ByteBuffer encode(WireEncoder encoder);

    /** The reply arrived (any message type: check it). */
    protected abstract void onReply(PdMessage reply);

    /**
     * No reply: the deadline passed, the reply was malformed, or the pool closed. The socket that carried the
     * request (if any) has been replaced, so a late reply can never be read as the answer to another request.
     *
     * @param timedOut whether the deadline passed (the receiver may be gone)
     */
    protected abstract void onFailure(String why, boolean timedOut);
}
