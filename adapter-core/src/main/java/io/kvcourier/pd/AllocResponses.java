package io.kvcourier.pd;

import io.kvcourier.wire.AllocResponse;

import java.util.Arrays;

/**
 * AllocResponse shapes the receiver sends and the sender reads (docs/INTEROP.md).
 *
 * <p>Current upstream ({@code pd_backend_async.py}) and kvcourier receivers list the request positions of keys
 * the receiver already holds in {@code already_sent_indexes}, and pages only for the other keys, in request
 * order, in {@code remote_indexes}. Older receivers (upstream's async backend before it deduplicated, kvcourier
 * before issue 11) sent one {@code remote_indexes} entry per key; senders read both so that mixed versions work
 * during a rolling upgrade.
 */
final class AllocResponses {
    /** {@link #remotePagesFor}: the receiver already holds this key; it is not written. */
    static final int ALREADY_SENT = -2;
    /** {@link #remotePagesFor}: the receiver could not allocate this key; the request is aborted. */
    static final int FAILED = -1;

    private AllocResponses() {
    }

    /**
     * A reply in the current form: pages for the keys not already sent, in request order, and the positions of
     * the keys already sent.
     */
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
     * Reads a reply to a request of {@code n} keys into one entry per key: the receiver page to write, or
     * {@link #ALREADY_SENT}, or {@link #FAILED}. Two forms are accepted:
     * <ul>
     *   <li>current: {@code len(remote_indexes) == n - len(already_sent_indexes)}, pages for the keys not listed
     *       in {@code already_sent_indexes}, in request order;</li>
     *   <li>older: {@code len(remote_indexes) == n}, one entry per key; entries at positions listed in
     *       {@code already_sent_indexes} (kvcourier before issue 11 wrote {@code -1} there) are ignored.</li>
     * </ul>
     * The forms agree when {@code already_sent_indexes} is empty.
     *
     * @throws IllegalArgumentException naming the rule the reply breaks: an {@code already_sent_indexes} entry
     *                                  outside {@code [0, n)} or repeated, a {@code remote_indexes} length that
     *                                  fits neither form, or a negative {@code remote_indexes} entry other than -1
     */
    static int[] remotePagesFor(AllocResponse reply, int n) {
        // Read in place: a reply per batch, and copies of its lists were most of the sender's per-key garbage.
        int remote = reply.remoteIndexCount();
        int already = reply.alreadySentCount();
        boolean[] present = already == 0 ? null : new boolean[n];
        for (int i = 0; i < already; i++) {
            int a = reply.alreadySentIndex(i);
            if (a < 0 || a >= n) {
                throw new IllegalArgumentException("Invalid already_sent_indexes: entry " + a + " outside [0, " + n
                        + ") (" + Arrays.toString(reply.alreadySentIndexes()) + ")");
            }
            if (present[a]) {
                throw new IllegalArgumentException("Invalid already_sent_indexes: entry " + a + " repeated ("
                        + Arrays.toString(reply.alreadySentIndexes()) + ")");
            }
            present[a] = true;
        }
        for (int i = 0; i < remote; i++) {
            int v = reply.remoteIndex(i);
            if (v < FAILED) {
                throw new IllegalArgumentException("Invalid remote_indexes: entry " + v + " is negative and not -1");
            }
        }
        int[] out = new int[n];
        if (remote == n - already) {
            for (int i = 0, j = 0; i < n; i++) {
                out[i] = present != null && present[i] ? ALREADY_SENT : reply.remoteIndex(j++);
            }
        } else if (remote == n) {
            for (int i = 0; i < n; i++) {
                out[i] = present != null && present[i] ? ALREADY_SENT : reply.remoteIndex(i);
            }
        } else {
            throw new IllegalArgumentException("AllocResponse inconsistency: total_keys=" + n + ", already_sent="
                    + already + ", remote_indexes=" + remote + ", expected=" + (n - already)
                    + (already == 0 ? "" : " (or " + n + " in the older one-entry-per-key form)"));
        }
        return out;
    }
}
