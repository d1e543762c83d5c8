package io.kvcourier.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** One batch's write on the data channel, from issue to the receiver's commit acknowledgement. */
@Name("io.kvcourier.BatchTransfer")
@Label("Batch Transfer")
@Category({"kvcourier", "Sender"})
@Description("One batch's write on the data channel, from issue to the receiver's commit acknowledgement.")
@StackTrace(false)
public final class BatchTransferEvent extends jdk.jfr.Event {
    @Label("Task Id")
    @Description("the store task id (eventfd and async tasks count separately: see Api)")
    public long taskId;

    @Label("Request Id")
    @Description("TransferSpec.reqId; empty for a store without a request")
    public String requestId;

    @Label("Rank")
    @Description("receiver TP rank (kv_rank bits 16..23); -1 when the task spans several")
    public int rank;

    @Label("Peer")
    @Description("the receiver endpoint or host")
    public String peer;

    @Label("Keys")
    public int keys;

    @Label("Bytes")
    @DataAmount
    public long bytes;

    @Label("Zero Copy")
    @Description("written straight from caller memory, a registered region or the chunks' own segments (no staging)")
    public boolean zeroCopy;

    @Label("Outcome")
    public String outcome;

    @Label("Reason")
    @Description("why it did not succeed; empty on success")
    public String reason;
}
