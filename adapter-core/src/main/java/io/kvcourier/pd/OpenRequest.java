package io.kvcourier.pd;

import java.util.ArrayList;
import java.util.List;

/**
 * A request (one sender's req_id) whose batches are still coming: its page reservation and its allocations so
 * far. Guarded by the store's lock ({@link StoreState#lock}).
 */
final class OpenRequest {
    final int totalChunks;
    int reservedLeft;     // pages promised to this request and not allocated yet
    int chunksSeen;       // keys of all its batches so far (overflow check)
    long lastActivityNanos;
    final List<Allocation> allocations = new ArrayList<>();

    OpenRequest(int totalChunks) {
        this.totalChunks = totalChunks;
    }

    /** Requests are tracked per sender, so that one peer's req_id cannot touch another's request. */
    static String key(String senderId, String reqId) {
        return senderId + '\n' + reqId;
    }
}
