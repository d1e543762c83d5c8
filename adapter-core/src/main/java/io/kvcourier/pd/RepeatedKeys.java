package io.kvcourier.pd;

import io.kvcourier.l2.ObjectKey;

import java.util.Arrays;
import java.util.List;

/**
 * Finds the keys of one AllocRequest that repeat an earlier key of the same request, without a set per request: an
 * open-addressing table of positions, by hash code, reused from request to request (a generation stamp empties it),
 * compared with {@code equals} on a hash match. A receiver allocates for every request it serves; at 512 keys the
 * {@code HashSet} this replaces cost about 20 KB and a tenth of the allocation's time. Not thread-safe: used under the
 * store's lock.
 */
final class RepeatedKeys {
    private int[] positions = new int[64];
    private int[] stamps = new int[64];
    private int generation;
    private List<ObjectKey> keys;

    /** Starts a request of {@code keys}; then {@link #repeats} for each key position that is not held already. */
    void begin(List<ObjectKey> keys) {
        this.keys = keys;
        int size = Integer.highestOneBit(Math.max(2, keys.size()) * 2 - 1) << 1; // load factor at most 1/2
        if (positions.length < size) {
            positions = new int[size];
            stamps = new int[size];
            generation = 0;
        }
        if (++generation == 0) { // wrapped: every stamp could look current
            Arrays.fill(stamps, 0);
            generation = 1;
        }
    }

    /** Whether the key at {@code position} equals a key passed here earlier in this request (which then is kept). */
    boolean repeats(int position) {
        ObjectKey key = keys.get(position);
        int mask = positions.length - 1;
        for (int slot = mix(key.hashCode()) & mask; ; slot = (slot + 1) & mask) {
            if (stamps[slot] != generation) {
                stamps[slot] = generation;
                positions[slot] = position;
                return false;
            }
            if (keys.get(positions[slot]).equals(key)) {
                return true;
            }
        }
    }

    /** Forgets the request's keys (the table keeps only ints). */
    void end() {
        keys = null;
    }

    private static int mix(int h) {
        return h ^ (h >>> 16);
    }
}
