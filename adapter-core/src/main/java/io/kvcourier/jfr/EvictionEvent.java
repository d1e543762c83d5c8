package io.kvcourier.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A receiver frees a committed, unlocked key that was never loaded: admission needed its page, or its committed
 * TTL passed.
 */
@Name("io.kvcourier.Eviction")
@Label("Eviction")
@Category({"kvcourier", "Receiver"})
@Description("A receiver frees a committed, unlocked key that was never loaded: admission needed its page, or its "
        + "committed TTL passed.")
@StackTrace(false)
public final class EvictionEvent extends jdk.jfr.Event {
    @Label("Request Id")
    @Description("TransferSpec.reqId; empty for a store without a request")
    public String requestId;

    @Label("Rank")
    @Description("receiver TP rank (kv_rank bits 16..23); -1 when the task spans several")
    public int rank;

    @Label("Peer")
    @Description("the sender's id")
    public String peer;

    @Label("Keys")
    public int keys;

    @Label("Bytes")
    @DataAmount
    public long bytes;

    @Label("Reason")
    @Description("admission (room for a new allocation) or ttl (committed_ttl_sec passed)")
    public String reason;
}
