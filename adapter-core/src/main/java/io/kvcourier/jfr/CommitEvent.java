package io.kvcourier.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A receiver batch from its allocation to its commit (its keys become visible to lookup), or to its end without one:
 * a commit refused because not every byte had landed, or an allocation that expired or was cancelled.
 */
@Name("io.kvcourier.Commit")
@Label("Commit")
@Category({"kvcourier", "Receiver"})
@Description("A receiver batch from its allocation to its commit (its keys become visible to lookup), or to its "
        + "end without one: rejected (bytes missing), expired or cancelled.")
@StackTrace(false)
public final class CommitEvent extends jdk.jfr.Event {
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

    @Label("Outcome")
    public String outcome;

    @Label("Reason")
    @Description("why it did not succeed; empty on success")
    public String reason;
}
