package io.kvcourier.jfr;

import jdk.jfr.Event;
import jdk.jfr.EventType;

/**
 * Whether each kvcourier event is enabled in a running recording: a read of a cached {@link EventType}, no
 * allocation. Emitting sites check it before they make an event object, so that with recording off JFR costs
 * one field read per site.
 */
public final class Jfr {
    private static final EventType STORE_TASK = EventType.getEventType(StoreTaskEvent.class);
    private static final EventType ALLOCATION = EventType.getEventType(AllocationEvent.class);
    private static final EventType BATCH_TRANSFER = EventType.getEventType(BatchTransferEvent.class);
    private static final EventType COMMIT = EventType.getEventType(CommitEvent.class);
    private static final EventType PROXY_NOTIFICATION = EventType.getEventType(ProxyNotificationEvent.class);
    private static final EventType FENCE = EventType.getEventType(FenceEvent.class);
    private static final EventType EVICTION = EventType.getEventType(EvictionEvent.class);
    private static final EventType HANDSHAKE = EventType.getEventType(HandshakeEvent.class);

    private Jfr() {
    }

    public static boolean storeTask() {
        return STORE_TASK.isEnabled();
    }

    public static boolean allocation() {
        return ALLOCATION.isEnabled();
    }

    public static boolean batchTransfer() {
        return BATCH_TRANSFER.isEnabled();
    }

    public static boolean commit() {
        return COMMIT.isEnabled();
    }

    public static boolean proxyNotification() {
        return PROXY_NOTIFICATION.isEnabled();
    }

    public static boolean fence() {
        return FENCE.isEnabled();
    }

    public static boolean eviction() {
        return EVICTION.isEnabled();
    }

    public static boolean handshake() {
        return HANDSHAKE.isEnabled();
    }

    /** Starts timing {@code event} and returns it (for one-line creation at a step's start). */
    public static <E extends Event> E begin(E event) {
        event.begin();
        return event;
    }
}
