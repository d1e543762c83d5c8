package io.kvcourier.l2;

import java.util.Arrays;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Element types of a {@link MemoryObj}, with the wire names of LMCache's {@code lmcache/utils.py}
 * ({@code TORCH_DTYPE_TO_STR_DTYPE}) as they travel in {@code AllocRequest.dtype}.
 */
public enum DType {
    /** torch.float16, wire {@code "half"}. */
    HALF("half", 2),
    /** torch.bfloat16. */
    BFLOAT16("bfloat16", 2),
    /** torch.float32, wire {@code "float"}. */
    FLOAT("float", 4),
    /** torch.float64, wire {@code "double"}. */
    DOUBLE("double", 8),
    INT8("int8", 1),
    UINT8("uint8", 1),
    INT16("int16", 2),
    INT32("int32", 4),
    INT64("int64", 8),
    BOOL("bool", 1),
    FP8_E4M3FN("fp8_e4m3fn", 1),
    FP8_E4M3FNUZ("fp8_e4m3fnuz", 1),
    FP8_E5M2("fp8_e5m2", 1),
    FP8_E5M2FNUZ("fp8_e5m2fnuz", 1);

    private static final DType[] VALUES = values();

    private final String wireName;
    private final int itemSize;

    DType(String wireName, int itemSize) {
        this.wireName = wireName;
        this.itemSize = itemSize;
    }

    /** The name LMCache writes on the wire, e.g. {@code "bfloat16"}. */
    public String wireName() {
        return wireName;
    }

    /** The size of one element in bytes. */
    public int itemSize() {
        return itemSize;
    }

    /**
     * The type with this wire name (exact, case-sensitive).
     *
     * @throws IllegalArgumentException listing the accepted names when {@code wireName} is unknown
     */
    public static DType fromWireName(String wireName) {
        Objects.requireNonNull(wireName, "wireName");
        for (DType t : VALUES) {
            if (t.wireName.equals(wireName)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown dtype '" + wireName + "', expected one of "
                + Arrays.stream(VALUES).map(DType::wireName).collect(Collectors.joining(", ")));
    }
}
