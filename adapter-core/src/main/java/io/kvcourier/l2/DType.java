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
    /** torch.int8, wire {@code "int8"}. */
    INT8("int8", 1),
    /** torch.uint8, wire {@code "uint8"}. */
    UINT8("uint8", 1),
    /** torch.int16, wire {@code "int16"}. */
    INT16("int16", 2),
    /** torch.int32, wire {@code "int32"}. */
    INT32("int32", 4),
    /** torch.int64, wire {@code "int64"}. */
    INT64("int64", 8),
    /** torch.bool, wire {@code "bool"}. */
    BOOL("bool", 1),
    /** torch.float8_e4m3fn, wire {@code "fp8_e4m3fn"}. */
    FP8_E4M3FN("fp8_e4m3fn", 1),
    /** torch.float8_e4m3fnuz, wire {@code "fp8_e4m3fnuz"}. */
    FP8_E4M3FNUZ("fp8_e4m3fnuz", 1),
    /** torch.float8_e5m2, wire {@code "fp8_e5m2"}. */
    FP8_E5M2("fp8_e5m2", 1),
    /** torch.float8_e5m2fnuz, wire {@code "fp8_e5m2fnuz"}. */
    FP8_E5M2FNUZ("fp8_e5m2fnuz", 1);

    private static final DType[] VALUES = values();

    private final String wireName;
    private final int itemSize;

    DType(String wireName, int itemSize) {
        this.wireName = wireName;
        this.itemSize = itemSize;
    }

    /** {@return the name LMCache writes on the wire, e.g. {@code "bfloat16"}} */
    public String wireName() {
        return wireName;
    }

    /** {@return the size of one element in bytes} */
    public int itemSize() {
        return itemSize;
    }

    /**
     * The type with this wire name (exact, case-sensitive).
     *
     * @param wireName the name as on the wire, e.g. {@code "bfloat16"}
     * @return the dtype
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
