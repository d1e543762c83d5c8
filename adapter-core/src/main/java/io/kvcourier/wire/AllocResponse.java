package io.kvcourier.wire;

import java.util.Arrays;

/**
 * Receiver → sender: the pages allocated for an {@link AllocRequest} (LMCache {@code AllocResponse}).
 *
 * <p>Async meaning (what kvcourier sends): {@code remote_indexes} has one entry per requested key,
 * {@code -1} meaning that key got no page, and {@code already_sent_indexes} is empty. Sync meaning
 * (a non-empty {@code already_sent_indexes}): those request positions are already present on the
 * receiver and {@code remote_indexes} covers the other keys, in request order (traps 8).
 *
 * @param remoteIndexes      receiver page indexes; copied in and out
 * @param alreadySentIndexes request positions already present on the receiver; copied in and out
 */
public record AllocResponse(int[] remoteIndexes, int[] alreadySentIndexes) implements PdMessage {

    /** The wire tag. */
    public static final String TAG = "AllocResponse";

    private static final int[] EMPTY = new int[0];

    /** @throws IllegalArgumentException naming the field that is null */
    public AllocResponse {
        remoteIndexes = Checks.notNull(remoteIndexes, "remote_indexes").clone();
        alreadySentIndexes = Checks.notNull(alreadySentIndexes, "already_sent_indexes").clone();
    }

    /** An async-meaning response: one entry per key, no {@code already_sent_indexes}. */
    public AllocResponse(int[] remoteIndexes) {
        this(remoteIndexes, EMPTY);
    }

    @Override
    public String tag() {
        return TAG;
    }

    /** @return a copy of the receiver page indexes */
    @Override
    public int[] remoteIndexes() {
        return remoteIndexes.clone();
    }

    /** @return a copy of the request positions already present on the receiver */
    @Override
    public int[] alreadySentIndexes() {
        return alreadySentIndexes.clone();
    }

    int[] remoteIndexesArray() {
        return remoteIndexes;
    }

    int[] alreadySentIndexesArray() {
        return alreadySentIndexes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AllocResponse r
                && Arrays.equals(remoteIndexes, r.remoteIndexes)
                && Arrays.equals(alreadySentIndexes, r.alreadySentIndexes);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(remoteIndexes) + Arrays.hashCode(alreadySentIndexes);
    }

    @Override
    public String toString() {
        return "AllocResponse[remoteIndexes=" + Arrays.toString(remoteIndexes)
                + ", alreadySentIndexes=" + Arrays.toString(alreadySentIndexes) + "]";
    }
}
