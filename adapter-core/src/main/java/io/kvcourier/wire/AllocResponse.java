package io.kvcourier.wire;

import java.util.Arrays;

/**
 * Receiver → sender: the pages allocated for an {@link AllocRequest} (LMCache {@code AllocResponse}).
 *
 * <p>What current upstream receivers and kvcourier send (docs/INTEROP.md): {@code already_sent_indexes} holds
 * the request positions of keys the receiver already has, and {@code remote_indexes} one page per other key, in
 * request order, so {@code len(remote_indexes) == len(keys) - len(already_sent_indexes)}; a failure is
 * {@code [-1] * len(keys)} with no already-sent entries. Older receivers sent one {@code remote_indexes} entry
 * per key. This class only carries the two lists; the sender's reading of them is
 * {@code io.kvcourier.pd.AllocResponses}.
 *
 * @param remoteIndexes      receiver page indexes ({@code -1}: no page); copied in and out
 * @param alreadySentIndexes request positions already present on the receiver; copied in and out
 */
public record AllocResponse(int[] remoteIndexes, int[] alreadySentIndexes) implements PdMessage {

    /** The wire tag. */
    public static final String TAG = "AllocResponse";

    private static final int[] EMPTY = new int[0];

    /** @throws IllegalArgumentException naming the field that is null */
    public AllocResponse {
        remoteIndexes = Checks.notNull(remoteIndexes, "remote_indexes").clone();
        alreadySentIndexes = Checks.notNull(alreadySentIndexes, "already_sent_indexes").length == 0 ? EMPTY
                : alreadySentIndexes.clone(); // the shared empty array is never handed out (the accessor copies)
    }

    /** A response with no {@code already_sent_indexes}. */
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

    /** {@return the number of receiver page indexes}, without copying them */
    public int remoteIndexCount() {
        return remoteIndexes.length;
    }

    /** {@return receiver page index {@code i}}, without copying the list */
    public int remoteIndex(int i) {
        return remoteIndexes[i];
    }

    /** {@return the number of request positions already present on the receiver}, without copying them */
    public int alreadySentCount() {
        return alreadySentIndexes.length;
    }

    /** {@return already-present request position {@code i}}, without copying the list */
    public int alreadySentIndex(int i) {
        return alreadySentIndexes[i];
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
