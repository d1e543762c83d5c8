package io.kvcourier.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** One ProxyNotif, from being queued to being handed to the PUSH socket (sent), given up (expired) or lost (failed). */
@Name("io.kvcourier.ProxyNotification")
@Label("Proxy Notification")
@Category({"kvcourier", "Sender"})
@Description("One ProxyNotif, from being queued to being handed to the PUSH socket (sent), given up (expired) or "
        + "lost (failed).")
@StackTrace(false)
public final class ProxyNotificationEvent extends jdk.jfr.Event {
    @Label("Request Id")
    @Description("TransferSpec.reqId; empty for a store without a request")
    public String requestId;

    @Label("Peer")
    @Description("the proxy endpoint")
    public String peer;

    @Label("Attempts")
    public int attempts;

    @Label("Outcome")
    public String outcome;

    @Label("Reason")
    @Description("why it did not succeed; empty on success")
    public String reason;
}
