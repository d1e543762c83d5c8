package io.kvcourier.channel.tcp;

/**
 * The pages an inbound data connection's receiver gave the keys of its eager requests (data version {@value
 * TcpFrames#VERSION_EAGER}): one grant per CONTROL frame flagged {@link TcpFrames#FLAG_EAGER_FOLLOWS} whose
 * allocation gave every key a page of its own while the frame was handled, kept until its EAGER frame takes it. At
 * most {@value TcpFrames#MAX_EAGER_GRANTS} are kept; a further one replaces the oldest (whose EAGER frame, should
 * it still come, is then discarded and refused, and its sender writes the batch as usual). Progress thread only.
 */
final class EagerGrants {
    /** Exchange ids (their low 32 bits, as the EAGER frame names them) and pages per key, oldest at {@code head}. */
    private final int[] ids = new int[TcpFrames.MAX_EAGER_GRANTS];
    private final int[][] pages = new int[TcpFrames.MAX_EAGER_GRANTS][];
    private int head;
    private int count;

    /**
     * Keeps the grant of exchange {@code exchangeId}: {@code keyPages[i]} is the page of the request's key
     * {@code i}. The array is kept as it is (its owner must not change it any more).
     */
    void put(long exchangeId, int[] keyPages) {
        if (count == ids.length) {
            pages[head] = null;
            head = (head + 1) % ids.length;
            count--;
        }
        int at = (head + count) % ids.length;
        ids[at] = (int) exchangeId;
        pages[at] = keyPages;
        count++;
    }

    /** Takes the grant an EAGER frame names, or null when there is none (it was never made, or forgotten). */
    int[] take(int exchangeId) {
        for (int k = 0; k < count; k++) {
            int at = (head + k) % ids.length;
            if (pages[at] != null && ids[at] == exchangeId) {
                int[] p = pages[at];
                pages[at] = null;
                if (k == 0) { // the usual case: frames come in request order
                    while (count > 0 && pages[head] == null) {
                        head = (head + 1) % ids.length;
                        count--;
                    }
                }
                return p;
            }
        }
        return null;
    }

    /** Grants kept (for tests). */
    int size() {
        int n = 0;
        for (int k = 0; k < count; k++) {
            if (pages[(head + k) % ids.length] != null) {
                n++;
            }
        }
        return n;
    }
}
