package io.kvcourier.pd;

import io.kvcourier.wire.AllocResponse;

import java.util.Arrays;

/** AllocResponse shapes the receiver sends and the sender reads (async field order, traps 8). */
final class AllocResponses {
    private AllocResponses() {
    }

    /** One remote page per key ({@code -1} at duplicate positions), plus the duplicate positions. */
    static AllocResponse of(int[] remoteIndexes, int[] alreadySentIndexes) {
        return new AllocResponse(remoteIndexes, alreadySentIndexes);
    }

    /** Every key failed: {@code [-1] * max(n, 1)}, as upstream replies on any handler error. */
    static AllocResponse failed(int keys) {
        int[] r = new int[Math.max(keys, 1)];
        Arrays.fill(r, -1);
        return new AllocResponse(r, new int[0]);
    }

    /**
     * Reads a reply for a request of {@code n} keys into one remote page per key, {@code -2} marking keys the
     * receiver already has (no write needed) and {@code -1} marking failures. Accepts the async meaning
     * (n entries; duplicates listed in already_sent_indexes hold -1) and the sync meaning (entries only for
     * the keys not already sent, in order).
     *
     * @throws IllegalArgumentException when the reply does not fit the request
     */
    static int[] remotePagesFor(AllocResponse reply, int n) {
        int[] remote = reply.remoteIndexes();
        int[] already = reply.alreadySentIndexes();
        boolean[] present = new boolean[n];
        for (int a : already) {
            if (a < 0 || a >= n || present[a]) {
                throw new IllegalArgumentException("already_sent_indexes entry " + a + " does not fit " + n + " keys");
            }
            present[a] = true;
        }
        int[] out = new int[n];
        if (remote.length == n) {
            for (int i = 0; i < n; i++) {
                out[i] = present[i] ? -2 : remote[i];
            }
        } else if (remote.length == n - already.length) {
            for (int i = 0, j = 0; i < n; i++) {
                out[i] = present[i] ? -2 : remote[j++];
            }
        } else {
            throw new IllegalArgumentException("AllocResponse has " + remote.length + " remote indexes and "
                    + already.length + " already-sent indexes for " + n + " keys");
        }
        for (int v : out) {
            if (v < -2) {
                throw new IllegalArgumentException("negative remote index " + v);
            }
        }
        return out;
    }
}
