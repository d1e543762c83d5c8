package io.kvcourier.cli;

/**
 * Who does what in a {@code kvcourier cluster} run: {@code requests} requests, each of {@code chunks} chunks of
 * {@code chunkBytes} bytes on each of {@code tp} TP ranks, sent by {@code prefill} prefill nodes to {@code decode}
 * decode nodes. Request {@code i} (id {@code reqIdPrefix-i}) goes to decode node {@code i mod decode}, round robin
 * as LMCache's proxy picks a decode instance per request, and is stored by prefill node
 * {@code (i div decode) mod prefill}, so that every prefill node sends to every decode node. Each prefill node keeps
 * at most {@code window} requests in flight.
 */
record ClusterPlan(int prefill, int decode, int tp, int requests, int chunks, long chunkBytes, int window,
                   String reqIdPrefix) {
    /** Upper bound of {@code --prefill} and {@code --decode}. */
    static final int MAX_NODES = 16;
    /** Upper bound of {@code --tp}. */
    static final int MAX_TP = 8;

    ClusterPlan {
        if (prefill < 1 || prefill > MAX_NODES || decode < 1 || decode > MAX_NODES) {
            throw new IllegalArgumentException("prefill and decode must be in 1.." + MAX_NODES);
        }
        if (tp < 1 || tp > MAX_TP) {
            throw new IllegalArgumentException("tp must be in 1.." + MAX_TP);
        }
        if (requests < 1 || chunks < 1 || chunkBytes < 1 || window < 1) {
            throw new IllegalArgumentException("requests, chunks, chunkBytes and window must be positive");
        }
    }

    String reqId(int i) {
        return reqIdPrefix + "-" + i;
    }

    int decodeOf(int i) {
        return i % decode;
    }

    int prefillOf(int i) {
        return (i / decode) % prefill;
    }

    /** The request index of a request id of this plan, or -1. */
    int indexOf(String reqId) {
        if (!reqId.startsWith(reqIdPrefix + "-")) {
            return -1;
        }
        try {
            int i = Integer.parseInt(reqId.substring(reqIdPrefix.length() + 1));
            return i >= 0 && i < requests && reqId.equals(reqId(i)) ? i : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Keys of one request: chunks on every rank. */
    int keysPerRequest() {
        return chunks * tp;
    }

    long bytesPerRequest() {
        return (long) keysPerRequest() * chunkBytes;
    }

    long totalBytes() {
        return requests * bytesPerRequest();
    }

    /** How many requests prefill node {@code p} stores. */
    int requestsOfPrefill(int p) {
        int n = 0;
        for (int i = 0; i < requests; i++) {
            n += prefillOf(i) == p ? 1 : 0;
        }
        return n;
    }

    /** How many requests decode node {@code d} receives. */
    int requestsOfDecode(int d) {
        return requests / decode + (d < requests % decode ? 1 : 0);
    }
}
