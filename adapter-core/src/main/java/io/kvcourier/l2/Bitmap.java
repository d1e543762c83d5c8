package io.kvcourier.l2;

import java.util.Arrays;
import java.util.Objects;

/**
 * A fixed-size bit set that reports a task's per-key result: bit {@code i} belongs to {@code keys[i]} of
 * that task, 1 meaning found-and-locked (lookup) or loaded (load). LMCache's {@code Bitmap} (docs/PROTOCOL.md#A.1).
 *
 * <p>Backed by a {@code long[]}; bits at or beyond {@link #size()} are always zero. Index arguments out of
 * {@code [0, size)} throw {@link IndexOutOfBoundsException}.
 *
 * <p><b>Not thread-safe.</b> The adapter fills a result bitmap on one thread and hands it over exactly
 * once (through a query that removes it); from then on the caller owns it and the adapter never touches
 * it again. The operations {@link #and}, {@link #or}, {@link #not} and {@link #gather} return new bitmaps
 * and leave their operands unchanged.
 */
public final class Bitmap {

    private final int size;
    private final long[] words;

    /**
     * An all-zero bitmap of {@code size} bits ({@code size >= 0}).
     *
     * @param size the number of bits
     */
    public Bitmap(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, got " + size);
        }
        this.size = size;
        this.words = new long[(size + 63) >>> 6];
    }

    /**
     * A bitmap of {@code size} bits whose first {@code prefixOnes} bits are set ({@code 0 <= prefixOnes <= size}).
     *
     * @param size the number of bits
     * @param prefixOnes how many leading bits are set
     */
    public Bitmap(int size, int prefixOnes) {
        this(size);
        if (prefixOnes < 0 || prefixOnes > size) {
            throw new IllegalArgumentException("prefixOnes must be in [0, " + size + "], got " + prefixOnes);
        }
        int full = prefixOnes >>> 6;
        Arrays.fill(words, 0, full, -1L);
        int rest = prefixOnes & 63;
        if (rest != 0) {
            words[full] = (1L << rest) - 1;
        }
    }

    /** {@return the number of bits} */
    public int size() {
        return size;
    }

    /**
     * Sets bit {@code i}.
     *
     * @param i the bit, {@code 0 <= i < size()}
     */
    public void set(int i) {
        Objects.checkIndex(i, size);
        words[i >>> 6] |= 1L << i;
    }

    /**
     * Clears bit {@code i}.
     *
     * @param i the bit, {@code 0 <= i < size()}
     */
    public void clear(int i) {
        Objects.checkIndex(i, size);
        words[i >>> 6] &= ~(1L << i);
    }

    /**
     * Whether bit {@code i} is set.
     *
     * @param i the bit, {@code 0 <= i < size()}
     * @return whether it is set
     */
    public boolean test(int i) {
        Objects.checkIndex(i, size);
        return (words[i >>> 6] & (1L << i)) != 0;
    }

    /** {@return the number of set bits} */
    public int popcount() {
        int n = 0;
        for (long w : words) {
            n += Long.bitCount(w);
        }
        return n;
    }

    /** {@return the number of consecutive set bits starting at index 0 (the found prefix)} */
    public int countLeadingOnes() {
        for (int w = 0; w < words.length; w++) {
            if (words[w] != -1L) {
                return Math.min(size, (w << 6) + Long.numberOfTrailingZeros(~words[w]));
            }
        }
        return size;
    }

    /** {@return the number of consecutive clear bits starting at index 0} */
    public int countLeadingZeros() {
        for (int w = 0; w < words.length; w++) {
            if (words[w] != 0L) {
                return (w << 6) + Long.numberOfTrailingZeros(words[w]);
            }
        }
        return size;
    }

    /** {@return the indices of the set bits in ascending order} */
    public int[] indices() {
        int[] out = new int[popcount()];
        int n = 0;
        for (int w = 0; w < words.length; w++) {
            long word = words[w];
            while (word != 0) {
                out[n++] = (w << 6) + Long.numberOfTrailingZeros(word);
                word &= word - 1;
            }
        }
        return out;
    }

    /**
     * A new bitmap of {@code indices.length} bits whose bit {@code j} is this bitmap's bit {@code indices[j]}.
     *
     * @param indices the positions to read, each in {@code [0, size)}
     * @return a new bitmap of {@code indices.length} bits
     * @throws IndexOutOfBoundsException if an index is outside {@code [0, size)}
     */
    public Bitmap gather(int[] indices) {
        Objects.requireNonNull(indices, "indices");
        Bitmap out = new Bitmap(indices.length);
        for (int j = 0; j < indices.length; j++) {
            if (test(indices[j])) {
                out.words[j >>> 6] |= 1L << j;
            }
        }
        return out;
    }

    /**
     * A new bitmap, this AND {@code other}; sizes must match.
     *
     * @param other a bitmap of the same size
     * @return a new bitmap
     */
    public Bitmap and(Bitmap other) {
        checkSameSize(other);
        Bitmap out = new Bitmap(size);
        for (int w = 0; w < words.length; w++) {
            out.words[w] = words[w] & other.words[w];
        }
        return out;
    }

    /**
     * A new bitmap, this OR {@code other}; sizes must match.
     *
     * @param other a bitmap of the same size
     * @return a new bitmap
     */
    public Bitmap or(Bitmap other) {
        checkSameSize(other);
        Bitmap out = new Bitmap(size);
        for (int w = 0; w < words.length; w++) {
            out.words[w] = words[w] | other.words[w];
        }
        return out;
    }

    /** {@return a new bitmap with every one of the {@code size} bits flipped} */
    public Bitmap not() {
        Bitmap out = new Bitmap(size);
        for (int w = 0; w < words.length; w++) {
            out.words[w] = ~words[w];
        }
        int rest = size & 63;
        if (rest != 0) {
            out.words[words.length - 1] &= (1L << rest) - 1;
        }
        return out;
    }

    private void checkSameSize(Bitmap other) {
        Objects.requireNonNull(other, "other");
        if (other.size != size) {
            throw new IllegalArgumentException("bitmap sizes differ: " + size + " vs " + other.size);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bitmap b && b.size == size && Arrays.equals(b.words, words);
    }

    @Override
    public int hashCode() {
        return 31 * size + Arrays.hashCode(words);
    }

    /** The bits from index 0 up, e.g. {@code "Bitmap[10110]"}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(size + 8).append("Bitmap[");
        for (int i = 0; i < size; i++) {
            sb.append((words[i >>> 6] & (1L << i)) != 0 ? '1' : '0');
        }
        return sb.append(']').toString();
    }
}
