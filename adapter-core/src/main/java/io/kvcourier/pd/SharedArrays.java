package io.kvcourier.pd;

import io.kvcourier.channel.WriteBatch;

import java.util.Arrays;

/**
 * Read-only arrays that most batches would otherwise each allocate with the same contents: the positions {@code 0..n-1}
 * of a one-rank task, the region ids of a batch in staging (all {@link WriteBatch#STAGING}, 0) or in caller segments
 * (all {@link WriteBatch#CALLER_SEGMENT}) with their offsets (all 0), and the lengths of a batch of equal chunks. Owned
 * by the sender's control thread, which makes every batch; the arrays it hands out go to other threads inside batches
 * and writes (published by those hand-offs) and are <b>never written</b> by anyone: a holder that needs other contents
 * makes its own array. Arrays of more than {@value #MAX_SHARED} entries are made fresh each time, so the cache stays
 * under 66 KB whatever the batch sizes.
 */
final class SharedArrays {
    /** Longest array kept. */
    static final int MAX_SHARED = 64;

    private final int[][] identity = new int[MAX_SHARED + 1][];
    private final int[][] zeros = new int[MAX_SHARED + 1][];
    private final int[][] callerRegions = new int[MAX_SHARED + 1][];
    private final long[][] zeroOffsets = new long[MAX_SHARED + 1][];
    /** One array of equal values per length: the value of the last request of that length. */
    private final long[][] filled = new long[MAX_SHARED + 1][];

    /** {@code [0, 1, ..., n-1]}; shared up to {@value #MAX_SHARED} entries. */
    int[] identity(int n) {
        int[] a = n <= MAX_SHARED ? identity[n] : null;
        if (a == null) {
            a = new int[n];
            for (int i = 0; i < n; i++) {
                a[i] = i;
            }
            if (n <= MAX_SHARED) {
                identity[n] = a;
            }
        }
        return a;
    }

    /** {@code n} zeros; shared up to {@value #MAX_SHARED} entries. */
    int[] zeros(int n) {
        return constant(zeros, n, 0);
    }

    /** {@code n} times {@link WriteBatch#CALLER_SEGMENT}; shared up to {@value #MAX_SHARED} entries. */
    int[] callerRegions(int n) {
        return constant(callerRegions, n, WriteBatch.CALLER_SEGMENT);
    }

    /** {@code n} zero offsets; shared up to {@value #MAX_SHARED} entries. */
    long[] zeroOffsets(int n) {
        long[] a = n <= MAX_SHARED ? zeroOffsets[n] : null;
        if (a == null) {
            a = new long[n];
            if (n <= MAX_SHARED) {
                zeroOffsets[n] = a;
            }
        }
        return a;
    }

    /** {@code n} copies of {@code value}, kept in {@code cache} by length up to {@value #MAX_SHARED} entries. */
    private static int[] constant(int[][] cache, int n, int value) {
        int[] a = n <= MAX_SHARED ? cache[n] : null;
        if (a == null) {
            a = new int[n];
            Arrays.fill(a, value);
            if (n <= MAX_SHARED) {
                cache[n] = a;
            }
        }
        return a;
    }

    /** {@code n} copies of {@code value}; shared up to {@value #MAX_SHARED} entries while the value stays the same. */
    long[] filled(int n, long value) {
        long[] a = n <= MAX_SHARED ? filled[n] : null;
        if (a == null || (n > 0 && a[0] != value)) {
            a = new long[n];
            Arrays.fill(a, value);
            if (n <= MAX_SHARED) {
                filled[n] = a;
            }
        }
        return a;
    }
}
