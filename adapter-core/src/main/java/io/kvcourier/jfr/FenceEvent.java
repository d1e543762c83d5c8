package io.kvcourier.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A peer is stopped from writing into pages that are about to be reused: a sender drops a data connection, a
 * receiver fences a sender whose allocation expired.
 */
@Name("io.kvcourier.Fence")
@Label("Fence")
@Category({"kvcourier", "Channel"})
@Description("A peer is stopped from writing into pages that are about to be reused: a sender drops a data "
        + "connection, a receiver fences a sender whose allocation expired.")
@StackTrace(false)
public final class FenceEvent extends jdk.jfr.Event {
    @Label("Side")
    @Description("sender or receiver")
    public String side;

    @Label("Rank")
    @Description("receiver TP rank on a sender; -1 on a receiver")
    public int rank;

    @Label("Peer")
    @Description("the connection or the sender's id")
    public String peer;

    @Label("Outcome")
    public String outcome;

    @Label("Reason")
    @Description("why it did not succeed; empty on success")
    public String reason;
}
