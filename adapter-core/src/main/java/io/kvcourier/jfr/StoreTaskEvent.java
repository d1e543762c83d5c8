package io.kvcourier.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A sender's store task, from submit to its result (every batch committed, or the first failure). */
@Name("io.kvcourier.StoreTask")
@Label("Store Task")
@Category({"kvcourier", "Sender"})
@Description("A sender's store task, from submit to its result (every batch committed, or the first failure).")
@StackTrace(false)
public final class StoreTaskEvent extends jdk.jfr.Event {
    @Label("Task Id")
    @Description("the store task id (eventfd and async tasks count separately: see Api)")
    public long taskId;

    @Label("Api")
    @Description("eventfd (submitStoreTask) or async (AsyncPdAdapter.store)")
    public String api;

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

    @Label("Outcome")
    public String outcome;

    @Label("Reason")
    @Description("why it did not succeed; empty on success")
    public String reason;
}
