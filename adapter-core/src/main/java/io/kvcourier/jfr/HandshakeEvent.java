package io.kvcourier.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A data-channel handshake over the init port: a sender connecting to a receiver rank, or a receiver answering one. */
@Name("io.kvcourier.Handshake")
@Label("Handshake")
@Category({"kvcourier", "Channel"})
@Description("A data-channel handshake over the init port: a sender connecting to a receiver rank, or a receiver "
        + "answering one.")
@StackTrace(false)
public final class HandshakeEvent extends jdk.jfr.Event {
    @Label("Side")
    @Description("sender or receiver")
    public String side;

    @Label("Rank")
    @Description("receiver TP rank (kv_rank bits 16..23); -1 when the task spans several")
    public int rank;

    @Label("Peer")
    @Description("the receiver's init endpoint, or the sender's identity")
    public String peer;

    @Label("Channel")
    public String channel;

    @Label("Outcome")
    public String outcome;

    @Label("Reason")
    @Description("why it did not succeed; empty on success")
    public String reason;
}
