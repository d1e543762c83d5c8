package io.kvcourier.pd;

/** Which side of a PD link an adapter is: config key {@code role}. */
public enum Role {
    /** The prefill node: stores KV and sends it to the peer (wire name {@code "sender"}). */
    SENDER("sender"),
    /** The decode node: receives KV into its staging buffer and serves lookups and loads ({@code "receiver"}). */
    RECEIVER("receiver");

    private final String wireName;

    Role(String wireName) {
        this.wireName = wireName;
    }

    /** {@return the value of the config key {@code role}: {@code "sender"} or {@code "receiver"}} */
    public String wireName() {
        return wireName;
    }
}
