package io.kvcourier.l2;

/**
 * The layout of a {@link MemoryObj}: LMCache's {@code MemoryFormat}, whose integer {@link #value()} travels
 * in {@code AllocRequest.fmt}.
 */
public enum MemoryFormat {
    /** No known layout; {@link #tokenDim()} is 0. */
    UNDEFINED(0, 0),
    /** {@code [2, num_layers, num_tokens, hidden]}; tokens in dimension 2. */
    KV_2LTD(1, 2),
    /** {@code [num_tokens, 2, hidden]}; tokens in dimension 1 (newer upstream). */
    KV_T2D(2, 1),
    /** {@code [2, num_tokens, hidden]}; token dimension reported as 0 by upstream. */
    KV_2TD(3, 0),
    /** Opaque bytes; {@link #tokenDim()} is 0. */
    BINARY(4, 0),
    /** Opaque bytes in a buffer; {@link #tokenDim()} is 0. */
    BINARY_BUFFER(5, 0),
    /** MLA KV layout; tokens in dimension 2. */
    KV_MLA_FMT(6, 2),
    /** DSA index layout (newer upstream); tokens in dimension 2. */
    KV_DSA_INDEX_FMT(7, 2);

    private static final MemoryFormat[] BY_VALUE = values();

    private final int value;
    private final int tokenDim;

    MemoryFormat(int value, int tokenDim) {
        this.value = value;
        this.tokenDim = tokenDim;
    }

    /** {@return the wire integer ({@code MemoryFormat.value} upstream)} */
    public int value() {
        return value;
    }

    /**
     * The index of the token dimension in a shape of this format, as upstream's {@code token_dim()}: 2 for
     * KV_2LTD, KV_MLA_FMT and KV_DSA_INDEX_FMT, 1 for KV_T2D, 0 for KV_2TD, BINARY and BINARY_BUFFER.
     * UNDEFINED has no token dimension; it reports 0 so that callers never fail on it.
     *
     * @return the index of the token dimension in a shape of this format
     */
    public int tokenDim() {
        return tokenDim;
    }

    /**
     * The format with this wire integer.
     *
     * @param value LMCache's integer value of the format
     * @return the format
     * @throws IllegalArgumentException if {@code value} is not 0..7
     */
    public static MemoryFormat fromValue(int value) {
        if (value < 0 || value >= BY_VALUE.length) {
            throw new IllegalArgumentException(
                    "unknown memory format " + value + ", expected 0.." + (BY_VALUE.length - 1));
        }
        return BY_VALUE[value];
    }
}
