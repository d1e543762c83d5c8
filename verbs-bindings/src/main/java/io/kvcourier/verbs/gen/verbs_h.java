// Generated in jextract's form by jextract/stylegen.py. DO NOT EDIT.

package io.kvcourier.verbs.gen;

import java.lang.invoke.*;
import java.lang.foreign.*;
import java.nio.ByteOrder;
import java.util.*;
import java.util.function.*;
import java.util.stream.*;

import static java.lang.foreign.ValueLayout.*;
import static java.lang.foreign.MemoryLayout.PathElement.*;

public class verbs_h {

    verbs_h() {
        // Should not be called directly
    }

    static final Arena LIBRARY_ARENA = Arena.ofAuto();
    static final boolean TRACE_DOWNCALLS = Boolean.getBoolean("jextract.trace.downcalls");

    static void traceDowncall(String name, Object... args) {
         String traceArgs = Arrays.stream(args)
                       .map(Object::toString)
                       .collect(Collectors.joining(", "));
         System.out.printf("%s(%s)\n", name, traceArgs);
    }

    static MemorySegment findOrThrow(String symbol) {
        return Library.SYMBOL_LOOKUP.find(symbol)
            .orElseThrow(() -> new UnsatisfiedLinkError("unresolved symbol: " + symbol + Library.PROBLEM));
    }

    static MethodHandle upcallHandle(Class<?> fi, String name, FunctionDescriptor fdesc) {
        try {
            return MethodHandles.lookup().findVirtual(fi, name, fdesc.toMethodType());
        } catch (ReflectiveOperationException ex) {
            throw new AssertionError(ex);
        }
    }

    static MemoryLayout align(MemoryLayout layout, long align) {
        return switch (layout) {
            case PaddingLayout p -> p;
            case ValueLayout v -> v.withByteAlignment(align);
            case GroupLayout g -> {
                MemoryLayout[] alignedMembers = g.memberLayouts().stream()
                        .map(m -> align(m, align)).toArray(MemoryLayout[]::new);
                yield g instanceof StructLayout ?
                        MemoryLayout.structLayout(alignedMembers) : MemoryLayout.unionLayout(alignedMembers);
            }
            case SequenceLayout s -> MemoryLayout.sequenceLayout(s.elementCount(), align(s.elementLayout(), align));
        };
    }

    // kvcourier deviation from jextract's output: the library is looked up lazily, on the first
    // function call, so that constants and layouts load on machines without it. On machines without libibverbs1 every function call throws UnsatisfiedLinkError.
    private static final class Library {
        static final String PROBLEM;
        static final SymbolLookup SYMBOL_LOOKUP;
        static {
            SymbolLookup lookup;
            String problem = "";
            try {
                lookup = SymbolLookup.libraryLookup("libibverbs.so.1", LIBRARY_ARENA);
            } catch (IllegalArgumentException | IllegalCallerException e) {
                lookup = name -> Optional.empty();
                problem = " (" + e.getMessage() + ")";
            }
            SYMBOL_LOOKUP = lookup;
            PROBLEM = problem;
        }
    }

    public static final ValueLayout.OfBoolean C_BOOL = ValueLayout.JAVA_BOOLEAN;
    public static final ValueLayout.OfByte C_CHAR = ValueLayout.JAVA_BYTE;
    public static final ValueLayout.OfShort C_SHORT = ValueLayout.JAVA_SHORT;
    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    public static final ValueLayout.OfLong C_LONG_LONG = ValueLayout.JAVA_LONG;
    public static final ValueLayout.OfFloat C_FLOAT = ValueLayout.JAVA_FLOAT;
    public static final ValueLayout.OfDouble C_DOUBLE = ValueLayout.JAVA_DOUBLE;
    public static final AddressLayout C_POINTER = ValueLayout.ADDRESS
            .withTargetLayout(MemoryLayout.sequenceLayout(java.lang.Long.MAX_VALUE, JAVA_BYTE));
    public static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;

    private static final int IBV_SYSFS_NAME_MAX = (int)64L;
    /**
     * {@snippet lang=c :
     * IBV_SYSFS_NAME_MAX = 64
     * }
     */
    public static int IBV_SYSFS_NAME_MAX() {
        return IBV_SYSFS_NAME_MAX;
    }

    private static final int IBV_SYSFS_PATH_MAX = (int)256L;
    /**
     * {@snippet lang=c :
     * IBV_SYSFS_PATH_MAX = 256
     * }
     */
    public static int IBV_SYSFS_PATH_MAX() {
        return IBV_SYSFS_PATH_MAX;
    }

    private static final int IBV_NODE_UNKNOWN = (int)-1L;
    /**
     * {@snippet lang=c :
     * IBV_NODE_UNKNOWN = -1
     * }
     */
    public static int IBV_NODE_UNKNOWN() {
        return IBV_NODE_UNKNOWN;
    }

    private static final int IBV_NODE_CA = (int)1L;
    /**
     * {@snippet lang=c :
     * IBV_NODE_CA = 1
     * }
     */
    public static int IBV_NODE_CA() {
        return IBV_NODE_CA;
    }

    private static final int IBV_NODE_RNIC = (int)4L;
    /**
     * {@snippet lang=c :
     * IBV_NODE_RNIC = 4
     * }
     */
    public static int IBV_NODE_RNIC() {
        return IBV_NODE_RNIC;
    }

    private static final int IBV_TRANSPORT_UNKNOWN = (int)-1L;
    /**
     * {@snippet lang=c :
     * IBV_TRANSPORT_UNKNOWN = -1
     * }
     */
    public static int IBV_TRANSPORT_UNKNOWN() {
        return IBV_TRANSPORT_UNKNOWN;
    }

    private static final int IBV_TRANSPORT_IB = (int)0L;
    /**
     * {@snippet lang=c :
     * IBV_TRANSPORT_IB = 0
     * }
     */
    public static int IBV_TRANSPORT_IB() {
        return IBV_TRANSPORT_IB;
    }

    private static final int IBV_TRANSPORT_IWARP = (int)1L;
    /**
     * {@snippet lang=c :
     * IBV_TRANSPORT_IWARP = 1
     * }
     */
    public static int IBV_TRANSPORT_IWARP() {
        return IBV_TRANSPORT_IWARP;
    }

    private static final int IBV_QPT_RC = (int)2L;
    /**
     * {@snippet lang=c :
     * IBV_QPT_RC = 2
     * }
     */
    public static int IBV_QPT_RC() {
        return IBV_QPT_RC;
    }

    private static final int IBV_QPT_UC = (int)3L;
    /**
     * {@snippet lang=c :
     * IBV_QPT_UC = 3
     * }
     */
    public static int IBV_QPT_UC() {
        return IBV_QPT_UC;
    }

    private static final int IBV_QPT_UD = (int)4L;
    /**
     * {@snippet lang=c :
     * IBV_QPT_UD = 4
     * }
     */
    public static int IBV_QPT_UD() {
        return IBV_QPT_UD;
    }

    private static final int IBV_QPT_RAW_PACKET = (int)8L;
    /**
     * {@snippet lang=c :
     * IBV_QPT_RAW_PACKET = 8
     * }
     */
    public static int IBV_QPT_RAW_PACKET() {
        return IBV_QPT_RAW_PACKET;
    }

    private static final int IBV_QPS_RESET = (int)0L;
    /**
     * {@snippet lang=c :
     * IBV_QPS_RESET = 0
     * }
     */
    public static int IBV_QPS_RESET() {
        return IBV_QPS_RESET;
    }

    private static final int IBV_QPS_INIT = (int)1L;
    /**
     * {@snippet lang=c :
     * IBV_QPS_INIT = 1
     * }
     */
    public static int IBV_QPS_INIT() {
        return IBV_QPS_INIT;
    }

    private static final int IBV_QPS_RTR = (int)2L;
    /**
     * {@snippet lang=c :
     * IBV_QPS_RTR = 2
     * }
     */
    public static int IBV_QPS_RTR() {
        return IBV_QPS_RTR;
    }

    private static final int IBV_QPS_RTS = (int)3L;
    /**
     * {@snippet lang=c :
     * IBV_QPS_RTS = 3
     * }
     */
    public static int IBV_QPS_RTS() {
        return IBV_QPS_RTS;
    }

    private static final int IBV_QPS_SQD = (int)4L;
    /**
     * {@snippet lang=c :
     * IBV_QPS_SQD = 4
     * }
     */
    public static int IBV_QPS_SQD() {
        return IBV_QPS_SQD;
    }

    private static final int IBV_QPS_SQE = (int)5L;
    /**
     * {@snippet lang=c :
     * IBV_QPS_SQE = 5
     * }
     */
    public static int IBV_QPS_SQE() {
        return IBV_QPS_SQE;
    }

    private static final int IBV_QPS_ERR = (int)6L;
    /**
     * {@snippet lang=c :
     * IBV_QPS_ERR = 6
     * }
     */
    public static int IBV_QPS_ERR() {
        return IBV_QPS_ERR;
    }

    private static final int IBV_QPS_UNKNOWN = (int)7L;
    /**
     * {@snippet lang=c :
     * IBV_QPS_UNKNOWN = 7
     * }
     */
    public static int IBV_QPS_UNKNOWN() {
        return IBV_QPS_UNKNOWN;
    }

    private static final int IBV_MIG_MIGRATED = (int)0L;
    /**
     * {@snippet lang=c :
     * IBV_MIG_MIGRATED = 0
     * }
     */
    public static int IBV_MIG_MIGRATED() {
        return IBV_MIG_MIGRATED;
    }

    private static final int IBV_MIG_REARM = (int)1L;
    /**
     * {@snippet lang=c :
     * IBV_MIG_REARM = 1
     * }
     */
    public static int IBV_MIG_REARM() {
        return IBV_MIG_REARM;
    }

    private static final int IBV_MIG_ARMED = (int)2L;
    /**
     * {@snippet lang=c :
     * IBV_MIG_ARMED = 2
     * }
     */
    public static int IBV_MIG_ARMED() {
        return IBV_MIG_ARMED;
    }

    private static final int IBV_QP_STATE = (int)1L;
    /**
     * {@snippet lang=c :
     * IBV_QP_STATE = 1
     * }
     */
    public static int IBV_QP_STATE() {
        return IBV_QP_STATE;
    }

    private static final int IBV_QP_CUR_STATE = (int)2L;
    /**
     * {@snippet lang=c :
     * IBV_QP_CUR_STATE = 2
     * }
     */
    public static int IBV_QP_CUR_STATE() {
        return IBV_QP_CUR_STATE;
    }

    private static final int IBV_QP_EN_SQD_ASYNC_NOTIFY = (int)4L;
    /**
     * {@snippet lang=c :
     * IBV_QP_EN_SQD_ASYNC_NOTIFY = 4
     * }
     */
    public static int IBV_QP_EN_SQD_ASYNC_NOTIFY() {
        return IBV_QP_EN_SQD_ASYNC_NOTIFY;
    }

    private static final int IBV_QP_ACCESS_FLAGS = (int)8L;
    /**
     * {@snippet lang=c :
     * IBV_QP_ACCESS_FLAGS = 8
     * }
     */
    public static int IBV_QP_ACCESS_FLAGS() {
        return IBV_QP_ACCESS_FLAGS;
    }

    private static final int IBV_QP_PKEY_INDEX = (int)16L;
    /**
     * {@snippet lang=c :
     * IBV_QP_PKEY_INDEX = 16
     * }
     */
    public static int IBV_QP_PKEY_INDEX() {
        return IBV_QP_PKEY_INDEX;
    }

    private static final int IBV_QP_PORT = (int)32L;
    /**
     * {@snippet lang=c :
     * IBV_QP_PORT = 32
     * }
     */
    public static int IBV_QP_PORT() {
        return IBV_QP_PORT;
    }

    private static final int IBV_QP_QKEY = (int)64L;
    /**
     * {@snippet lang=c :
     * IBV_QP_QKEY = 64
     * }
     */
    public static int IBV_QP_QKEY() {
        return IBV_QP_QKEY;
    }

    private static final int IBV_QP_AV = (int)128L;
    /**
     * {@snippet lang=c :
     * IBV_QP_AV = 128
     * }
     */
    public static int IBV_QP_AV() {
        return IBV_QP_AV;
    }

    private static final int IBV_QP_PATH_MTU = (int)256L;
    /**
     * {@snippet lang=c :
     * IBV_QP_PATH_MTU = 256
     * }
     */
    public static int IBV_QP_PATH_MTU() {
        return IBV_QP_PATH_MTU;
    }

    private static final int IBV_QP_TIMEOUT = (int)512L;
    /**
     * {@snippet lang=c :
     * IBV_QP_TIMEOUT = 512
     * }
     */
    public static int IBV_QP_TIMEOUT() {
        return IBV_QP_TIMEOUT;
    }

    private static final int IBV_QP_RETRY_CNT = (int)1024L;
    /**
     * {@snippet lang=c :
     * IBV_QP_RETRY_CNT = 1024
     * }
     */
    public static int IBV_QP_RETRY_CNT() {
        return IBV_QP_RETRY_CNT;
    }

    private static final int IBV_QP_RNR_RETRY = (int)2048L;
    /**
     * {@snippet lang=c :
     * IBV_QP_RNR_RETRY = 2048
     * }
     */
    public static int IBV_QP_RNR_RETRY() {
        return IBV_QP_RNR_RETRY;
    }

    private static final int IBV_QP_RQ_PSN = (int)4096L;
    /**
     * {@snippet lang=c :
     * IBV_QP_RQ_PSN = 4096
     * }
     */
    public static int IBV_QP_RQ_PSN() {
        return IBV_QP_RQ_PSN;
    }

    private static final int IBV_QP_MAX_QP_RD_ATOMIC = (int)8192L;
    /**
     * {@snippet lang=c :
     * IBV_QP_MAX_QP_RD_ATOMIC = 8192
     * }
     */
    public static int IBV_QP_MAX_QP_RD_ATOMIC() {
        return IBV_QP_MAX_QP_RD_ATOMIC;
    }

    private static final int IBV_QP_ALT_PATH = (int)16384L;
    /**
     * {@snippet lang=c :
     * IBV_QP_ALT_PATH = 16384
     * }
     */
    public static int IBV_QP_ALT_PATH() {
        return IBV_QP_ALT_PATH;
    }

    private static final int IBV_QP_MIN_RNR_TIMER = (int)32768L;
    /**
     * {@snippet lang=c :
     * IBV_QP_MIN_RNR_TIMER = 32768
     * }
     */
    public static int IBV_QP_MIN_RNR_TIMER() {
        return IBV_QP_MIN_RNR_TIMER;
    }

    private static final int IBV_QP_SQ_PSN = (int)65536L;
    /**
     * {@snippet lang=c :
     * IBV_QP_SQ_PSN = 65536
     * }
     */
    public static int IBV_QP_SQ_PSN() {
        return IBV_QP_SQ_PSN;
    }

    private static final int IBV_QP_MAX_DEST_RD_ATOMIC = (int)131072L;
    /**
     * {@snippet lang=c :
     * IBV_QP_MAX_DEST_RD_ATOMIC = 131072
     * }
     */
    public static int IBV_QP_MAX_DEST_RD_ATOMIC() {
        return IBV_QP_MAX_DEST_RD_ATOMIC;
    }

    private static final int IBV_QP_PATH_MIG_STATE = (int)262144L;
    /**
     * {@snippet lang=c :
     * IBV_QP_PATH_MIG_STATE = 262144
     * }
     */
    public static int IBV_QP_PATH_MIG_STATE() {
        return IBV_QP_PATH_MIG_STATE;
    }

    private static final int IBV_QP_CAP = (int)524288L;
    /**
     * {@snippet lang=c :
     * IBV_QP_CAP = 524288
     * }
     */
    public static int IBV_QP_CAP() {
        return IBV_QP_CAP;
    }

    private static final int IBV_QP_DEST_QPN = (int)1048576L;
    /**
     * {@snippet lang=c :
     * IBV_QP_DEST_QPN = 1048576
     * }
     */
    public static int IBV_QP_DEST_QPN() {
        return IBV_QP_DEST_QPN;
    }

    private static final int IBV_QP_RATE_LIMIT = (int)33554432L;
    /**
     * {@snippet lang=c :
     * IBV_QP_RATE_LIMIT = 33554432
     * }
     */
    public static int IBV_QP_RATE_LIMIT() {
        return IBV_QP_RATE_LIMIT;
    }

    private static final int IBV_ACCESS_LOCAL_WRITE = (int)1L;
    /**
     * {@snippet lang=c :
     * IBV_ACCESS_LOCAL_WRITE = 1
     * }
     */
    public static int IBV_ACCESS_LOCAL_WRITE() {
        return IBV_ACCESS_LOCAL_WRITE;
    }

    private static final int IBV_ACCESS_REMOTE_WRITE = (int)2L;
    /**
     * {@snippet lang=c :
     * IBV_ACCESS_REMOTE_WRITE = 2
     * }
     */
    public static int IBV_ACCESS_REMOTE_WRITE() {
        return IBV_ACCESS_REMOTE_WRITE;
    }

    private static final int IBV_ACCESS_REMOTE_READ = (int)4L;
    /**
     * {@snippet lang=c :
     * IBV_ACCESS_REMOTE_READ = 4
     * }
     */
    public static int IBV_ACCESS_REMOTE_READ() {
        return IBV_ACCESS_REMOTE_READ;
    }

    private static final int IBV_ACCESS_REMOTE_ATOMIC = (int)8L;
    /**
     * {@snippet lang=c :
     * IBV_ACCESS_REMOTE_ATOMIC = 8
     * }
     */
    public static int IBV_ACCESS_REMOTE_ATOMIC() {
        return IBV_ACCESS_REMOTE_ATOMIC;
    }

    private static final int IBV_ACCESS_MW_BIND = (int)16L;
    /**
     * {@snippet lang=c :
     * IBV_ACCESS_MW_BIND = 16
     * }
     */
    public static int IBV_ACCESS_MW_BIND() {
        return IBV_ACCESS_MW_BIND;
    }

    private static final int IBV_ACCESS_ZERO_BASED = (int)32L;
    /**
     * {@snippet lang=c :
     * IBV_ACCESS_ZERO_BASED = 32
     * }
     */
    public static int IBV_ACCESS_ZERO_BASED() {
        return IBV_ACCESS_ZERO_BASED;
    }

    private static final int IBV_ACCESS_ON_DEMAND = (int)64L;
    /**
     * {@snippet lang=c :
     * IBV_ACCESS_ON_DEMAND = 64
     * }
     */
    public static int IBV_ACCESS_ON_DEMAND() {
        return IBV_ACCESS_ON_DEMAND;
    }

    private static final int IBV_ACCESS_HUGETLB = (int)128L;
    /**
     * {@snippet lang=c :
     * IBV_ACCESS_HUGETLB = 128
     * }
     */
    public static int IBV_ACCESS_HUGETLB() {
        return IBV_ACCESS_HUGETLB;
    }

    private static final int IBV_ACCESS_RELAXED_ORDERING = (int)1048576L;
    /**
     * {@snippet lang=c :
     * IBV_ACCESS_RELAXED_ORDERING = 1048576
     * }
     */
    public static int IBV_ACCESS_RELAXED_ORDERING() {
        return IBV_ACCESS_RELAXED_ORDERING;
    }

    private static final int IBV_WR_RDMA_WRITE = (int)0L;
    /**
     * {@snippet lang=c :
     * IBV_WR_RDMA_WRITE = 0
     * }
     */
    public static int IBV_WR_RDMA_WRITE() {
        return IBV_WR_RDMA_WRITE;
    }

    private static final int IBV_WR_RDMA_WRITE_WITH_IMM = (int)1L;
    /**
     * {@snippet lang=c :
     * IBV_WR_RDMA_WRITE_WITH_IMM = 1
     * }
     */
    public static int IBV_WR_RDMA_WRITE_WITH_IMM() {
        return IBV_WR_RDMA_WRITE_WITH_IMM;
    }

    private static final int IBV_WR_SEND = (int)2L;
    /**
     * {@snippet lang=c :
     * IBV_WR_SEND = 2
     * }
     */
    public static int IBV_WR_SEND() {
        return IBV_WR_SEND;
    }

    private static final int IBV_WR_SEND_WITH_IMM = (int)3L;
    /**
     * {@snippet lang=c :
     * IBV_WR_SEND_WITH_IMM = 3
     * }
     */
    public static int IBV_WR_SEND_WITH_IMM() {
        return IBV_WR_SEND_WITH_IMM;
    }

    private static final int IBV_WR_RDMA_READ = (int)4L;
    /**
     * {@snippet lang=c :
     * IBV_WR_RDMA_READ = 4
     * }
     */
    public static int IBV_WR_RDMA_READ() {
        return IBV_WR_RDMA_READ;
    }

    private static final int IBV_WR_ATOMIC_CMP_AND_SWP = (int)5L;
    /**
     * {@snippet lang=c :
     * IBV_WR_ATOMIC_CMP_AND_SWP = 5
     * }
     */
    public static int IBV_WR_ATOMIC_CMP_AND_SWP() {
        return IBV_WR_ATOMIC_CMP_AND_SWP;
    }

    private static final int IBV_WR_ATOMIC_FETCH_AND_ADD = (int)6L;
    /**
     * {@snippet lang=c :
     * IBV_WR_ATOMIC_FETCH_AND_ADD = 6
     * }
     */
    public static int IBV_WR_ATOMIC_FETCH_AND_ADD() {
        return IBV_WR_ATOMIC_FETCH_AND_ADD;
    }

    private static final int IBV_WR_LOCAL_INV = (int)7L;
    /**
     * {@snippet lang=c :
     * IBV_WR_LOCAL_INV = 7
     * }
     */
    public static int IBV_WR_LOCAL_INV() {
        return IBV_WR_LOCAL_INV;
    }

    private static final int IBV_WR_BIND_MW = (int)8L;
    /**
     * {@snippet lang=c :
     * IBV_WR_BIND_MW = 8
     * }
     */
    public static int IBV_WR_BIND_MW() {
        return IBV_WR_BIND_MW;
    }

    private static final int IBV_WR_SEND_WITH_INV = (int)9L;
    /**
     * {@snippet lang=c :
     * IBV_WR_SEND_WITH_INV = 9
     * }
     */
    public static int IBV_WR_SEND_WITH_INV() {
        return IBV_WR_SEND_WITH_INV;
    }

    private static final int IBV_SEND_FENCE = (int)1L;
    /**
     * {@snippet lang=c :
     * IBV_SEND_FENCE = 1
     * }
     */
    public static int IBV_SEND_FENCE() {
        return IBV_SEND_FENCE;
    }

    private static final int IBV_SEND_SIGNALED = (int)2L;
    /**
     * {@snippet lang=c :
     * IBV_SEND_SIGNALED = 2
     * }
     */
    public static int IBV_SEND_SIGNALED() {
        return IBV_SEND_SIGNALED;
    }

    private static final int IBV_SEND_SOLICITED = (int)4L;
    /**
     * {@snippet lang=c :
     * IBV_SEND_SOLICITED = 4
     * }
     */
    public static int IBV_SEND_SOLICITED() {
        return IBV_SEND_SOLICITED;
    }

    private static final int IBV_SEND_INLINE = (int)8L;
    /**
     * {@snippet lang=c :
     * IBV_SEND_INLINE = 8
     * }
     */
    public static int IBV_SEND_INLINE() {
        return IBV_SEND_INLINE;
    }

    private static final int IBV_WC_SUCCESS = (int)0L;
    /**
     * {@snippet lang=c :
     * IBV_WC_SUCCESS = 0
     * }
     */
    public static int IBV_WC_SUCCESS() {
        return IBV_WC_SUCCESS;
    }

    private static final int IBV_WC_LOC_LEN_ERR = (int)1L;
    /**
     * {@snippet lang=c :
     * IBV_WC_LOC_LEN_ERR = 1
     * }
     */
    public static int IBV_WC_LOC_LEN_ERR() {
        return IBV_WC_LOC_LEN_ERR;
    }

    private static final int IBV_WC_LOC_QP_OP_ERR = (int)2L;
    /**
     * {@snippet lang=c :
     * IBV_WC_LOC_QP_OP_ERR = 2
     * }
     */
    public static int IBV_WC_LOC_QP_OP_ERR() {
        return IBV_WC_LOC_QP_OP_ERR;
    }

    private static final int IBV_WC_LOC_EEC_OP_ERR = (int)3L;
    /**
     * {@snippet lang=c :
     * IBV_WC_LOC_EEC_OP_ERR = 3
     * }
     */
    public static int IBV_WC_LOC_EEC_OP_ERR() {
        return IBV_WC_LOC_EEC_OP_ERR;
    }

    private static final int IBV_WC_LOC_PROT_ERR = (int)4L;
    /**
     * {@snippet lang=c :
     * IBV_WC_LOC_PROT_ERR = 4
     * }
     */
    public static int IBV_WC_LOC_PROT_ERR() {
        return IBV_WC_LOC_PROT_ERR;
    }

    private static final int IBV_WC_WR_FLUSH_ERR = (int)5L;
    /**
     * {@snippet lang=c :
     * IBV_WC_WR_FLUSH_ERR = 5
     * }
     */
    public static int IBV_WC_WR_FLUSH_ERR() {
        return IBV_WC_WR_FLUSH_ERR;
    }

    private static final int IBV_WC_MW_BIND_ERR = (int)6L;
    /**
     * {@snippet lang=c :
     * IBV_WC_MW_BIND_ERR = 6
     * }
     */
    public static int IBV_WC_MW_BIND_ERR() {
        return IBV_WC_MW_BIND_ERR;
    }

    private static final int IBV_WC_BAD_RESP_ERR = (int)7L;
    /**
     * {@snippet lang=c :
     * IBV_WC_BAD_RESP_ERR = 7
     * }
     */
    public static int IBV_WC_BAD_RESP_ERR() {
        return IBV_WC_BAD_RESP_ERR;
    }

    private static final int IBV_WC_LOC_ACCESS_ERR = (int)8L;
    /**
     * {@snippet lang=c :
     * IBV_WC_LOC_ACCESS_ERR = 8
     * }
     */
    public static int IBV_WC_LOC_ACCESS_ERR() {
        return IBV_WC_LOC_ACCESS_ERR;
    }

    private static final int IBV_WC_REM_INV_REQ_ERR = (int)9L;
    /**
     * {@snippet lang=c :
     * IBV_WC_REM_INV_REQ_ERR = 9
     * }
     */
    public static int IBV_WC_REM_INV_REQ_ERR() {
        return IBV_WC_REM_INV_REQ_ERR;
    }

    private static final int IBV_WC_REM_ACCESS_ERR = (int)10L;
    /**
     * {@snippet lang=c :
     * IBV_WC_REM_ACCESS_ERR = 10
     * }
     */
    public static int IBV_WC_REM_ACCESS_ERR() {
        return IBV_WC_REM_ACCESS_ERR;
    }

    private static final int IBV_WC_REM_OP_ERR = (int)11L;
    /**
     * {@snippet lang=c :
     * IBV_WC_REM_OP_ERR = 11
     * }
     */
    public static int IBV_WC_REM_OP_ERR() {
        return IBV_WC_REM_OP_ERR;
    }

    private static final int IBV_WC_RETRY_EXC_ERR = (int)12L;
    /**
     * {@snippet lang=c :
     * IBV_WC_RETRY_EXC_ERR = 12
     * }
     */
    public static int IBV_WC_RETRY_EXC_ERR() {
        return IBV_WC_RETRY_EXC_ERR;
    }

    private static final int IBV_WC_RNR_RETRY_EXC_ERR = (int)13L;
    /**
     * {@snippet lang=c :
     * IBV_WC_RNR_RETRY_EXC_ERR = 13
     * }
     */
    public static int IBV_WC_RNR_RETRY_EXC_ERR() {
        return IBV_WC_RNR_RETRY_EXC_ERR;
    }

    private static final int IBV_WC_LOC_RDD_VIOL_ERR = (int)14L;
    /**
     * {@snippet lang=c :
     * IBV_WC_LOC_RDD_VIOL_ERR = 14
     * }
     */
    public static int IBV_WC_LOC_RDD_VIOL_ERR() {
        return IBV_WC_LOC_RDD_VIOL_ERR;
    }

    private static final int IBV_WC_REM_INV_RD_REQ_ERR = (int)15L;
    /**
     * {@snippet lang=c :
     * IBV_WC_REM_INV_RD_REQ_ERR = 15
     * }
     */
    public static int IBV_WC_REM_INV_RD_REQ_ERR() {
        return IBV_WC_REM_INV_RD_REQ_ERR;
    }

    private static final int IBV_WC_REM_ABORT_ERR = (int)16L;
    /**
     * {@snippet lang=c :
     * IBV_WC_REM_ABORT_ERR = 16
     * }
     */
    public static int IBV_WC_REM_ABORT_ERR() {
        return IBV_WC_REM_ABORT_ERR;
    }

    private static final int IBV_WC_INV_EECN_ERR = (int)17L;
    /**
     * {@snippet lang=c :
     * IBV_WC_INV_EECN_ERR = 17
     * }
     */
    public static int IBV_WC_INV_EECN_ERR() {
        return IBV_WC_INV_EECN_ERR;
    }

    private static final int IBV_WC_INV_EEC_STATE_ERR = (int)18L;
    /**
     * {@snippet lang=c :
     * IBV_WC_INV_EEC_STATE_ERR = 18
     * }
     */
    public static int IBV_WC_INV_EEC_STATE_ERR() {
        return IBV_WC_INV_EEC_STATE_ERR;
    }

    private static final int IBV_WC_FATAL_ERR = (int)19L;
    /**
     * {@snippet lang=c :
     * IBV_WC_FATAL_ERR = 19
     * }
     */
    public static int IBV_WC_FATAL_ERR() {
        return IBV_WC_FATAL_ERR;
    }

    private static final int IBV_WC_RESP_TIMEOUT_ERR = (int)20L;
    /**
     * {@snippet lang=c :
     * IBV_WC_RESP_TIMEOUT_ERR = 20
     * }
     */
    public static int IBV_WC_RESP_TIMEOUT_ERR() {
        return IBV_WC_RESP_TIMEOUT_ERR;
    }

    private static final int IBV_WC_GENERAL_ERR = (int)21L;
    /**
     * {@snippet lang=c :
     * IBV_WC_GENERAL_ERR = 21
     * }
     */
    public static int IBV_WC_GENERAL_ERR() {
        return IBV_WC_GENERAL_ERR;
    }

    private static final int IBV_WC_SEND = (int)0L;
    /**
     * {@snippet lang=c :
     * IBV_WC_SEND = 0
     * }
     */
    public static int IBV_WC_SEND() {
        return IBV_WC_SEND;
    }

    private static final int IBV_WC_RDMA_WRITE = (int)1L;
    /**
     * {@snippet lang=c :
     * IBV_WC_RDMA_WRITE = 1
     * }
     */
    public static int IBV_WC_RDMA_WRITE() {
        return IBV_WC_RDMA_WRITE;
    }

    private static final int IBV_WC_RDMA_READ = (int)2L;
    /**
     * {@snippet lang=c :
     * IBV_WC_RDMA_READ = 2
     * }
     */
    public static int IBV_WC_RDMA_READ() {
        return IBV_WC_RDMA_READ;
    }

    private static final int IBV_WC_COMP_SWAP = (int)3L;
    /**
     * {@snippet lang=c :
     * IBV_WC_COMP_SWAP = 3
     * }
     */
    public static int IBV_WC_COMP_SWAP() {
        return IBV_WC_COMP_SWAP;
    }

    private static final int IBV_WC_FETCH_ADD = (int)4L;
    /**
     * {@snippet lang=c :
     * IBV_WC_FETCH_ADD = 4
     * }
     */
    public static int IBV_WC_FETCH_ADD() {
        return IBV_WC_FETCH_ADD;
    }

    private static final int IBV_WC_BIND_MW = (int)5L;
    /**
     * {@snippet lang=c :
     * IBV_WC_BIND_MW = 5
     * }
     */
    public static int IBV_WC_BIND_MW() {
        return IBV_WC_BIND_MW;
    }

    private static final int IBV_WC_LOCAL_INV = (int)6L;
    /**
     * {@snippet lang=c :
     * IBV_WC_LOCAL_INV = 6
     * }
     */
    public static int IBV_WC_LOCAL_INV() {
        return IBV_WC_LOCAL_INV;
    }

    private static final int IBV_WC_RECV = (int)128L;
    /**
     * {@snippet lang=c :
     * IBV_WC_RECV = 128
     * }
     */
    public static int IBV_WC_RECV() {
        return IBV_WC_RECV;
    }

    private static final int IBV_WC_RECV_RDMA_WITH_IMM = (int)129L;
    /**
     * {@snippet lang=c :
     * IBV_WC_RECV_RDMA_WITH_IMM = 129
     * }
     */
    public static int IBV_WC_RECV_RDMA_WITH_IMM() {
        return IBV_WC_RECV_RDMA_WITH_IMM;
    }

    private static final int IBV_WC_GRH = (int)1L;
    /**
     * {@snippet lang=c :
     * IBV_WC_GRH = 1
     * }
     */
    public static int IBV_WC_GRH() {
        return IBV_WC_GRH;
    }

    private static final int IBV_WC_WITH_IMM = (int)2L;
    /**
     * {@snippet lang=c :
     * IBV_WC_WITH_IMM = 2
     * }
     */
    public static int IBV_WC_WITH_IMM() {
        return IBV_WC_WITH_IMM;
    }

    private static final int IBV_WC_WITH_INV = (int)8L;
    /**
     * {@snippet lang=c :
     * IBV_WC_WITH_INV = 8
     * }
     */
    public static int IBV_WC_WITH_INV() {
        return IBV_WC_WITH_INV;
    }

    private static final int IBV_MTU_256 = (int)1L;
    /**
     * {@snippet lang=c :
     * IBV_MTU_256 = 1
     * }
     */
    public static int IBV_MTU_256() {
        return IBV_MTU_256;
    }

    private static final int IBV_MTU_512 = (int)2L;
    /**
     * {@snippet lang=c :
     * IBV_MTU_512 = 2
     * }
     */
    public static int IBV_MTU_512() {
        return IBV_MTU_512;
    }

    private static final int IBV_MTU_1024 = (int)3L;
    /**
     * {@snippet lang=c :
     * IBV_MTU_1024 = 3
     * }
     */
    public static int IBV_MTU_1024() {
        return IBV_MTU_1024;
    }

    private static final int IBV_MTU_2048 = (int)4L;
    /**
     * {@snippet lang=c :
     * IBV_MTU_2048 = 4
     * }
     */
    public static int IBV_MTU_2048() {
        return IBV_MTU_2048;
    }

    private static final int IBV_MTU_4096 = (int)5L;
    /**
     * {@snippet lang=c :
     * IBV_MTU_4096 = 5
     * }
     */
    public static int IBV_MTU_4096() {
        return IBV_MTU_4096;
    }

    private static final int IBV_PORT_NOP = (int)0L;
    /**
     * {@snippet lang=c :
     * IBV_PORT_NOP = 0
     * }
     */
    public static int IBV_PORT_NOP() {
        return IBV_PORT_NOP;
    }

    private static final int IBV_PORT_DOWN = (int)1L;
    /**
     * {@snippet lang=c :
     * IBV_PORT_DOWN = 1
     * }
     */
    public static int IBV_PORT_DOWN() {
        return IBV_PORT_DOWN;
    }

    private static final int IBV_PORT_INIT = (int)2L;
    /**
     * {@snippet lang=c :
     * IBV_PORT_INIT = 2
     * }
     */
    public static int IBV_PORT_INIT() {
        return IBV_PORT_INIT;
    }

    private static final int IBV_PORT_ARMED = (int)3L;
    /**
     * {@snippet lang=c :
     * IBV_PORT_ARMED = 3
     * }
     */
    public static int IBV_PORT_ARMED() {
        return IBV_PORT_ARMED;
    }

    private static final int IBV_PORT_ACTIVE = (int)4L;
    /**
     * {@snippet lang=c :
     * IBV_PORT_ACTIVE = 4
     * }
     */
    public static int IBV_PORT_ACTIVE() {
        return IBV_PORT_ACTIVE;
    }

    private static final int IBV_PORT_ACTIVE_DEFER = (int)5L;
    /**
     * {@snippet lang=c :
     * IBV_PORT_ACTIVE_DEFER = 5
     * }
     */
    public static int IBV_PORT_ACTIVE_DEFER() {
        return IBV_PORT_ACTIVE_DEFER;
    }

    private static final int IBV_LINK_LAYER_UNSPECIFIED = (int)0L;
    /**
     * {@snippet lang=c :
     * IBV_LINK_LAYER_UNSPECIFIED = 0
     * }
     */
    public static int IBV_LINK_LAYER_UNSPECIFIED() {
        return IBV_LINK_LAYER_UNSPECIFIED;
    }

    private static final int IBV_LINK_LAYER_INFINIBAND = (int)1L;
    /**
     * {@snippet lang=c :
     * IBV_LINK_LAYER_INFINIBAND = 1
     * }
     */
    public static int IBV_LINK_LAYER_INFINIBAND() {
        return IBV_LINK_LAYER_INFINIBAND;
    }

    private static final int IBV_LINK_LAYER_ETHERNET = (int)2L;
    /**
     * {@snippet lang=c :
     * IBV_LINK_LAYER_ETHERNET = 2
     * }
     */
    public static int IBV_LINK_LAYER_ETHERNET() {
        return IBV_LINK_LAYER_ETHERNET;
    }

    private static final int IBV_GID_TYPE_IB = (int)0L;
    /**
     * {@snippet lang=c :
     * IBV_GID_TYPE_IB = 0
     * }
     */
    public static int IBV_GID_TYPE_IB() {
        return IBV_GID_TYPE_IB;
    }

    private static final int IBV_GID_TYPE_ROCE_V1 = (int)1L;
    /**
     * {@snippet lang=c :
     * IBV_GID_TYPE_ROCE_V1 = 1
     * }
     */
    public static int IBV_GID_TYPE_ROCE_V1() {
        return IBV_GID_TYPE_ROCE_V1;
    }

    private static final int IBV_GID_TYPE_ROCE_V2 = (int)2L;
    /**
     * {@snippet lang=c :
     * IBV_GID_TYPE_ROCE_V2 = 2
     * }
     */
    public static int IBV_GID_TYPE_ROCE_V2() {
        return IBV_GID_TYPE_ROCE_V2;
    }

    private static final int IBV_EVENT_CQ_ERR = (int)0L;
    /**
     * {@snippet lang=c :
     * IBV_EVENT_CQ_ERR = 0
     * }
     */
    public static int IBV_EVENT_CQ_ERR() {
        return IBV_EVENT_CQ_ERR;
    }

    private static final int IBV_EVENT_QP_FATAL = (int)1L;
    /**
     * {@snippet lang=c :
     * IBV_EVENT_QP_FATAL = 1
     * }
     */
    public static int IBV_EVENT_QP_FATAL() {
        return IBV_EVENT_QP_FATAL;
    }

    private static final int IBV_EVENT_QP_REQ_ERR = (int)2L;
    /**
     * {@snippet lang=c :
     * IBV_EVENT_QP_REQ_ERR = 2
     * }
     */
    public static int IBV_EVENT_QP_REQ_ERR() {
        return IBV_EVENT_QP_REQ_ERR;
    }

    private static final int IBV_EVENT_QP_ACCESS_ERR = (int)3L;
    /**
     * {@snippet lang=c :
     * IBV_EVENT_QP_ACCESS_ERR = 3
     * }
     */
    public static int IBV_EVENT_QP_ACCESS_ERR() {
        return IBV_EVENT_QP_ACCESS_ERR;
    }

    private static final int IBV_EVENT_COMM_EST = (int)4L;
    /**
     * {@snippet lang=c :
     * IBV_EVENT_COMM_EST = 4
     * }
     */
    public static int IBV_EVENT_COMM_EST() {
        return IBV_EVENT_COMM_EST;
    }

    private static final int IBV_EVENT_SQ_DRAINED = (int)5L;
    /**
     * {@snippet lang=c :
     * IBV_EVENT_SQ_DRAINED = 5
     * }
     */
    public static int IBV_EVENT_SQ_DRAINED() {
        return IBV_EVENT_SQ_DRAINED;
    }

    private static final int IBV_EVENT_PATH_MIG = (int)6L;
    /**
     * {@snippet lang=c :
     * IBV_EVENT_PATH_MIG = 6
     * }
     */
    public static int IBV_EVENT_PATH_MIG() {
        return IBV_EVENT_PATH_MIG;
    }

    private static final int IBV_EVENT_PATH_MIG_ERR = (int)7L;
    /**
     * {@snippet lang=c :
     * IBV_EVENT_PATH_MIG_ERR = 7
     * }
     */
    public static int IBV_EVENT_PATH_MIG_ERR() {
        return IBV_EVENT_PATH_MIG_ERR;
    }

    private static final int IBV_EVENT_DEVICE_FATAL = (int)8L;
    /**
     * {@snippet lang=c :
     * IBV_EVENT_DEVICE_FATAL = 8
     * }
     */
    public static int IBV_EVENT_DEVICE_FATAL() {
        return IBV_EVENT_DEVICE_FATAL;
    }

    private static final int IBV_EVENT_PORT_ACTIVE = (int)9L;
    /**
     * {@snippet lang=c :
     * IBV_EVENT_PORT_ACTIVE = 9
     * }
     */
    public static int IBV_EVENT_PORT_ACTIVE() {
        return IBV_EVENT_PORT_ACTIVE;
    }

    private static final int IBV_EVENT_PORT_ERR = (int)10L;
    /**
     * {@snippet lang=c :
     * IBV_EVENT_PORT_ERR = 10
     * }
     */
    public static int IBV_EVENT_PORT_ERR() {
        return IBV_EVENT_PORT_ERR;
    }

    private static final int IBV_EVENT_LID_CHANGE = (int)11L;
    /**
     * {@snippet lang=c :
     * IBV_EVENT_LID_CHANGE = 11
     * }
     */
    public static int IBV_EVENT_LID_CHANGE() {
        return IBV_EVENT_LID_CHANGE;
    }

    private static final int IBV_EVENT_PKEY_CHANGE = (int)12L;
    /**
     * {@snippet lang=c :
     * IBV_EVENT_PKEY_CHANGE = 12
     * }
     */
    public static int IBV_EVENT_PKEY_CHANGE() {
        return IBV_EVENT_PKEY_CHANGE;
    }

    private static final int IBV_EVENT_SM_CHANGE = (int)13L;
    /**
     * {@snippet lang=c :
     * IBV_EVENT_SM_CHANGE = 13
     * }
     */
    public static int IBV_EVENT_SM_CHANGE() {
        return IBV_EVENT_SM_CHANGE;
    }

    private static final int IBV_EVENT_SRQ_ERR = (int)14L;
    /**
     * {@snippet lang=c :
     * IBV_EVENT_SRQ_ERR = 14
     * }
     */
    public static int IBV_EVENT_SRQ_ERR() {
        return IBV_EVENT_SRQ_ERR;
    }

    private static final int IBV_EVENT_SRQ_LIMIT_REACHED = (int)15L;
    /**
     * {@snippet lang=c :
     * IBV_EVENT_SRQ_LIMIT_REACHED = 15
     * }
     */
    public static int IBV_EVENT_SRQ_LIMIT_REACHED() {
        return IBV_EVENT_SRQ_LIMIT_REACHED;
    }

    private static final int IBV_EVENT_QP_LAST_WQE_REACHED = (int)16L;
    /**
     * {@snippet lang=c :
     * IBV_EVENT_QP_LAST_WQE_REACHED = 16
     * }
     */
    public static int IBV_EVENT_QP_LAST_WQE_REACHED() {
        return IBV_EVENT_QP_LAST_WQE_REACHED;
    }

    private static final int IBV_EVENT_CLIENT_REREGISTER = (int)17L;
    /**
     * {@snippet lang=c :
     * IBV_EVENT_CLIENT_REREGISTER = 17
     * }
     */
    public static int IBV_EVENT_CLIENT_REREGISTER() {
        return IBV_EVENT_CLIENT_REREGISTER;
    }

    private static final int IBV_EVENT_GID_CHANGE = (int)18L;
    /**
     * {@snippet lang=c :
     * IBV_EVENT_GID_CHANGE = 18
     * }
     */
    public static int IBV_EVENT_GID_CHANGE() {
        return IBV_EVENT_GID_CHANGE;
    }

    private static final int IBV_EVENT_WQ_FATAL = (int)19L;
    /**
     * {@snippet lang=c :
     * IBV_EVENT_WQ_FATAL = 19
     * }
     */
    public static int IBV_EVENT_WQ_FATAL() {
        return IBV_EVENT_WQ_FATAL;
    }

    private static final MemorySegment __VERBS_ABI_IS_EXTENDED = MemorySegment.ofAddress(-1L);
    /**
     * {@snippet lang=c :
     * #define __VERBS_ABI_IS_EXTENDED ((void*)-1)
     * }
     */
    public static MemorySegment __VERBS_ABI_IS_EXTENDED() {
        return __VERBS_ABI_IS_EXTENDED;
    }

    private static class ibv_get_device_list {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_POINTER, verbs_h.C_POINTER);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_get_device_list");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_get_device_list(...)
     * }
     */
    public static FunctionDescriptor ibv_get_device_list$descriptor() {
        return ibv_get_device_list.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_get_device_list(...)
     * }
     */
    public static MethodHandle ibv_get_device_list$handle() {
        return ibv_get_device_list.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_get_device_list(...)
     * }
     */
    public static MemorySegment ibv_get_device_list$address() {
        return ibv_get_device_list.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_get_device_list(...)
     * }
     */
    public static MemorySegment ibv_get_device_list(MemorySegment num_devices) {
        var mh$ = ibv_get_device_list.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_get_device_list", num_devices);
            }
            return (MemorySegment) mh$.invokeExact(num_devices);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_free_device_list {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(verbs_h.C_POINTER);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_free_device_list");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_free_device_list(...)
     * }
     */
    public static FunctionDescriptor ibv_free_device_list$descriptor() {
        return ibv_free_device_list.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_free_device_list(...)
     * }
     */
    public static MethodHandle ibv_free_device_list$handle() {
        return ibv_free_device_list.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_free_device_list(...)
     * }
     */
    public static MemorySegment ibv_free_device_list$address() {
        return ibv_free_device_list.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_free_device_list(...)
     * }
     */
    public static void ibv_free_device_list(MemorySegment list) {
        var mh$ = ibv_free_device_list.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_free_device_list", list);
            }
             mh$.invokeExact(list);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_get_device_name {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_POINTER, verbs_h.C_POINTER);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_get_device_name");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_get_device_name(...)
     * }
     */
    public static FunctionDescriptor ibv_get_device_name$descriptor() {
        return ibv_get_device_name.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_get_device_name(...)
     * }
     */
    public static MethodHandle ibv_get_device_name$handle() {
        return ibv_get_device_name.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_get_device_name(...)
     * }
     */
    public static MemorySegment ibv_get_device_name$address() {
        return ibv_get_device_name.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_get_device_name(...)
     * }
     */
    public static MemorySegment ibv_get_device_name(MemorySegment device) {
        var mh$ = ibv_get_device_name.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_get_device_name", device);
            }
            return (MemorySegment) mh$.invokeExact(device);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_open_device {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_POINTER, verbs_h.C_POINTER);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_open_device");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_open_device(...)
     * }
     */
    public static FunctionDescriptor ibv_open_device$descriptor() {
        return ibv_open_device.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_open_device(...)
     * }
     */
    public static MethodHandle ibv_open_device$handle() {
        return ibv_open_device.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_open_device(...)
     * }
     */
    public static MemorySegment ibv_open_device$address() {
        return ibv_open_device.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_open_device(...)
     * }
     */
    public static MemorySegment ibv_open_device(MemorySegment device) {
        var mh$ = ibv_open_device.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_open_device", device);
            }
            return (MemorySegment) mh$.invokeExact(device);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_close_device {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_INT, verbs_h.C_POINTER);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_close_device");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_close_device(...)
     * }
     */
    public static FunctionDescriptor ibv_close_device$descriptor() {
        return ibv_close_device.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_close_device(...)
     * }
     */
    public static MethodHandle ibv_close_device$handle() {
        return ibv_close_device.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_close_device(...)
     * }
     */
    public static MemorySegment ibv_close_device$address() {
        return ibv_close_device.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_close_device(...)
     * }
     */
    public static int ibv_close_device(MemorySegment context) {
        var mh$ = ibv_close_device.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_close_device", context);
            }
            return (int) mh$.invokeExact(context);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_query_device {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_INT, verbs_h.C_POINTER, verbs_h.C_POINTER);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_query_device");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_query_device(...)
     * }
     */
    public static FunctionDescriptor ibv_query_device$descriptor() {
        return ibv_query_device.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_query_device(...)
     * }
     */
    public static MethodHandle ibv_query_device$handle() {
        return ibv_query_device.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_query_device(...)
     * }
     */
    public static MemorySegment ibv_query_device$address() {
        return ibv_query_device.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_query_device(...)
     * }
     */
    public static int ibv_query_device(MemorySegment context, MemorySegment device_attr) {
        var mh$ = ibv_query_device.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_query_device", context, device_attr);
            }
            return (int) mh$.invokeExact(context, device_attr);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_query_port {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_INT, verbs_h.C_POINTER, verbs_h.C_CHAR, verbs_h.C_POINTER);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_query_port");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_query_port(...)
     * }
     */
    public static FunctionDescriptor ibv_query_port$descriptor() {
        return ibv_query_port.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_query_port(...)
     * }
     */
    public static MethodHandle ibv_query_port$handle() {
        return ibv_query_port.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_query_port(...)
     * }
     */
    public static MemorySegment ibv_query_port$address() {
        return ibv_query_port.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_query_port(...)
     * }
     */
    public static int ibv_query_port(MemorySegment context, byte port_num, MemorySegment port_attr) {
        var mh$ = ibv_query_port.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_query_port", context, port_num, port_attr);
            }
            return (int) mh$.invokeExact(context, port_num, port_attr);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_query_gid {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_INT, verbs_h.C_POINTER, verbs_h.C_CHAR, verbs_h.C_INT, verbs_h.C_POINTER);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_query_gid");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_query_gid(...)
     * }
     */
    public static FunctionDescriptor ibv_query_gid$descriptor() {
        return ibv_query_gid.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_query_gid(...)
     * }
     */
    public static MethodHandle ibv_query_gid$handle() {
        return ibv_query_gid.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_query_gid(...)
     * }
     */
    public static MemorySegment ibv_query_gid$address() {
        return ibv_query_gid.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_query_gid(...)
     * }
     */
    public static int ibv_query_gid(MemorySegment context, byte port_num, int index, MemorySegment gid) {
        var mh$ = ibv_query_gid.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_query_gid", context, port_num, index, gid);
            }
            return (int) mh$.invokeExact(context, port_num, index, gid);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class _ibv_query_gid_ex {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_INT, verbs_h.C_POINTER, verbs_h.C_INT, verbs_h.C_INT, verbs_h.C_POINTER, verbs_h.C_INT, verbs_h.C_LONG);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("_ibv_query_gid_ex");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * _ibv_query_gid_ex(...)
     * }
     */
    public static FunctionDescriptor _ibv_query_gid_ex$descriptor() {
        return _ibv_query_gid_ex.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * _ibv_query_gid_ex(...)
     * }
     */
    public static MethodHandle _ibv_query_gid_ex$handle() {
        return _ibv_query_gid_ex.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * _ibv_query_gid_ex(...)
     * }
     */
    public static MemorySegment _ibv_query_gid_ex$address() {
        return _ibv_query_gid_ex.ADDR;
    }

    /**
     * {@snippet lang=c :
     * _ibv_query_gid_ex(...)
     * }
     */
    public static int _ibv_query_gid_ex(MemorySegment context, int port_num, int gid_index, MemorySegment entry, int flags, long entry_size) {
        var mh$ = _ibv_query_gid_ex.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("_ibv_query_gid_ex", context, port_num, gid_index, entry, flags, entry_size);
            }
            return (int) mh$.invokeExact(context, port_num, gid_index, entry, flags, entry_size);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class _ibv_query_gid_table {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_LONG, verbs_h.C_POINTER, verbs_h.C_POINTER, verbs_h.C_LONG, verbs_h.C_INT, verbs_h.C_LONG);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("_ibv_query_gid_table");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * _ibv_query_gid_table(...)
     * }
     */
    public static FunctionDescriptor _ibv_query_gid_table$descriptor() {
        return _ibv_query_gid_table.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * _ibv_query_gid_table(...)
     * }
     */
    public static MethodHandle _ibv_query_gid_table$handle() {
        return _ibv_query_gid_table.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * _ibv_query_gid_table(...)
     * }
     */
    public static MemorySegment _ibv_query_gid_table$address() {
        return _ibv_query_gid_table.ADDR;
    }

    /**
     * {@snippet lang=c :
     * _ibv_query_gid_table(...)
     * }
     */
    public static long _ibv_query_gid_table(MemorySegment context, MemorySegment entries, long max_entries, int flags, long entry_size) {
        var mh$ = _ibv_query_gid_table.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("_ibv_query_gid_table", context, entries, max_entries, flags, entry_size);
            }
            return (long) mh$.invokeExact(context, entries, max_entries, flags, entry_size);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_alloc_pd {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_POINTER, verbs_h.C_POINTER);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_alloc_pd");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_alloc_pd(...)
     * }
     */
    public static FunctionDescriptor ibv_alloc_pd$descriptor() {
        return ibv_alloc_pd.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_alloc_pd(...)
     * }
     */
    public static MethodHandle ibv_alloc_pd$handle() {
        return ibv_alloc_pd.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_alloc_pd(...)
     * }
     */
    public static MemorySegment ibv_alloc_pd$address() {
        return ibv_alloc_pd.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_alloc_pd(...)
     * }
     */
    public static MemorySegment ibv_alloc_pd(MemorySegment context) {
        var mh$ = ibv_alloc_pd.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_alloc_pd", context);
            }
            return (MemorySegment) mh$.invokeExact(context);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_dealloc_pd {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_INT, verbs_h.C_POINTER);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_dealloc_pd");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_dealloc_pd(...)
     * }
     */
    public static FunctionDescriptor ibv_dealloc_pd$descriptor() {
        return ibv_dealloc_pd.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_dealloc_pd(...)
     * }
     */
    public static MethodHandle ibv_dealloc_pd$handle() {
        return ibv_dealloc_pd.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_dealloc_pd(...)
     * }
     */
    public static MemorySegment ibv_dealloc_pd$address() {
        return ibv_dealloc_pd.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_dealloc_pd(...)
     * }
     */
    public static int ibv_dealloc_pd(MemorySegment pd) {
        var mh$ = ibv_dealloc_pd.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_dealloc_pd", pd);
            }
            return (int) mh$.invokeExact(pd);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_reg_mr {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_POINTER, verbs_h.C_POINTER, verbs_h.C_POINTER, verbs_h.C_LONG, verbs_h.C_INT);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_reg_mr");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_reg_mr(...)
     * }
     */
    public static FunctionDescriptor ibv_reg_mr$descriptor() {
        return ibv_reg_mr.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_reg_mr(...)
     * }
     */
    public static MethodHandle ibv_reg_mr$handle() {
        return ibv_reg_mr.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_reg_mr(...)
     * }
     */
    public static MemorySegment ibv_reg_mr$address() {
        return ibv_reg_mr.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_reg_mr(...)
     * }
     */
    public static MemorySegment ibv_reg_mr(MemorySegment pd, MemorySegment addr, long length, int access) {
        var mh$ = ibv_reg_mr.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_reg_mr", pd, addr, length, access);
            }
            return (MemorySegment) mh$.invokeExact(pd, addr, length, access);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_dereg_mr {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_INT, verbs_h.C_POINTER);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_dereg_mr");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_dereg_mr(...)
     * }
     */
    public static FunctionDescriptor ibv_dereg_mr$descriptor() {
        return ibv_dereg_mr.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_dereg_mr(...)
     * }
     */
    public static MethodHandle ibv_dereg_mr$handle() {
        return ibv_dereg_mr.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_dereg_mr(...)
     * }
     */
    public static MemorySegment ibv_dereg_mr$address() {
        return ibv_dereg_mr.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_dereg_mr(...)
     * }
     */
    public static int ibv_dereg_mr(MemorySegment mr) {
        var mh$ = ibv_dereg_mr.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_dereg_mr", mr);
            }
            return (int) mh$.invokeExact(mr);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_create_comp_channel {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_POINTER, verbs_h.C_POINTER);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_create_comp_channel");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_create_comp_channel(...)
     * }
     */
    public static FunctionDescriptor ibv_create_comp_channel$descriptor() {
        return ibv_create_comp_channel.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_create_comp_channel(...)
     * }
     */
    public static MethodHandle ibv_create_comp_channel$handle() {
        return ibv_create_comp_channel.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_create_comp_channel(...)
     * }
     */
    public static MemorySegment ibv_create_comp_channel$address() {
        return ibv_create_comp_channel.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_create_comp_channel(...)
     * }
     */
    public static MemorySegment ibv_create_comp_channel(MemorySegment context) {
        var mh$ = ibv_create_comp_channel.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_create_comp_channel", context);
            }
            return (MemorySegment) mh$.invokeExact(context);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_destroy_comp_channel {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_INT, verbs_h.C_POINTER);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_destroy_comp_channel");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_destroy_comp_channel(...)
     * }
     */
    public static FunctionDescriptor ibv_destroy_comp_channel$descriptor() {
        return ibv_destroy_comp_channel.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_destroy_comp_channel(...)
     * }
     */
    public static MethodHandle ibv_destroy_comp_channel$handle() {
        return ibv_destroy_comp_channel.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_destroy_comp_channel(...)
     * }
     */
    public static MemorySegment ibv_destroy_comp_channel$address() {
        return ibv_destroy_comp_channel.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_destroy_comp_channel(...)
     * }
     */
    public static int ibv_destroy_comp_channel(MemorySegment channel) {
        var mh$ = ibv_destroy_comp_channel.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_destroy_comp_channel", channel);
            }
            return (int) mh$.invokeExact(channel);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_get_cq_event {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_INT, verbs_h.C_POINTER, verbs_h.C_POINTER, verbs_h.C_POINTER);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_get_cq_event");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_get_cq_event(...)
     * }
     */
    public static FunctionDescriptor ibv_get_cq_event$descriptor() {
        return ibv_get_cq_event.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_get_cq_event(...)
     * }
     */
    public static MethodHandle ibv_get_cq_event$handle() {
        return ibv_get_cq_event.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_get_cq_event(...)
     * }
     */
    public static MemorySegment ibv_get_cq_event$address() {
        return ibv_get_cq_event.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_get_cq_event(...)
     * }
     */
    public static int ibv_get_cq_event(MemorySegment channel, MemorySegment cq, MemorySegment cq_context) {
        var mh$ = ibv_get_cq_event.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_get_cq_event", channel, cq, cq_context);
            }
            return (int) mh$.invokeExact(channel, cq, cq_context);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_ack_cq_events {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(verbs_h.C_POINTER, verbs_h.C_INT);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_ack_cq_events");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_ack_cq_events(...)
     * }
     */
    public static FunctionDescriptor ibv_ack_cq_events$descriptor() {
        return ibv_ack_cq_events.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_ack_cq_events(...)
     * }
     */
    public static MethodHandle ibv_ack_cq_events$handle() {
        return ibv_ack_cq_events.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_ack_cq_events(...)
     * }
     */
    public static MemorySegment ibv_ack_cq_events$address() {
        return ibv_ack_cq_events.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_ack_cq_events(...)
     * }
     */
    public static void ibv_ack_cq_events(MemorySegment cq, int nevents) {
        var mh$ = ibv_ack_cq_events.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_ack_cq_events", cq, nevents);
            }
             mh$.invokeExact(cq, nevents);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_get_async_event {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_INT, verbs_h.C_POINTER, verbs_h.C_POINTER);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_get_async_event");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_get_async_event(...)
     * }
     */
    public static FunctionDescriptor ibv_get_async_event$descriptor() {
        return ibv_get_async_event.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_get_async_event(...)
     * }
     */
    public static MethodHandle ibv_get_async_event$handle() {
        return ibv_get_async_event.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_get_async_event(...)
     * }
     */
    public static MemorySegment ibv_get_async_event$address() {
        return ibv_get_async_event.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_get_async_event(...)
     * }
     */
    public static int ibv_get_async_event(MemorySegment context, MemorySegment event) {
        var mh$ = ibv_get_async_event.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_get_async_event", context, event);
            }
            return (int) mh$.invokeExact(context, event);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_ack_async_event {
        public static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(verbs_h.C_POINTER);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_ack_async_event");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_ack_async_event(...)
     * }
     */
    public static FunctionDescriptor ibv_ack_async_event$descriptor() {
        return ibv_ack_async_event.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_ack_async_event(...)
     * }
     */
    public static MethodHandle ibv_ack_async_event$handle() {
        return ibv_ack_async_event.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_ack_async_event(...)
     * }
     */
    public static MemorySegment ibv_ack_async_event$address() {
        return ibv_ack_async_event.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_ack_async_event(...)
     * }
     */
    public static void ibv_ack_async_event(MemorySegment event) {
        var mh$ = ibv_ack_async_event.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_ack_async_event", event);
            }
             mh$.invokeExact(event);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_create_cq {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_POINTER, verbs_h.C_POINTER, verbs_h.C_INT, verbs_h.C_POINTER, verbs_h.C_POINTER, verbs_h.C_INT);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_create_cq");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_create_cq(...)
     * }
     */
    public static FunctionDescriptor ibv_create_cq$descriptor() {
        return ibv_create_cq.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_create_cq(...)
     * }
     */
    public static MethodHandle ibv_create_cq$handle() {
        return ibv_create_cq.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_create_cq(...)
     * }
     */
    public static MemorySegment ibv_create_cq$address() {
        return ibv_create_cq.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_create_cq(...)
     * }
     */
    public static MemorySegment ibv_create_cq(MemorySegment context, int cqe, MemorySegment cq_context, MemorySegment channel, int comp_vector) {
        var mh$ = ibv_create_cq.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_create_cq", context, cqe, cq_context, channel, comp_vector);
            }
            return (MemorySegment) mh$.invokeExact(context, cqe, cq_context, channel, comp_vector);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_destroy_cq {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_INT, verbs_h.C_POINTER);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_destroy_cq");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_destroy_cq(...)
     * }
     */
    public static FunctionDescriptor ibv_destroy_cq$descriptor() {
        return ibv_destroy_cq.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_destroy_cq(...)
     * }
     */
    public static MethodHandle ibv_destroy_cq$handle() {
        return ibv_destroy_cq.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_destroy_cq(...)
     * }
     */
    public static MemorySegment ibv_destroy_cq$address() {
        return ibv_destroy_cq.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_destroy_cq(...)
     * }
     */
    public static int ibv_destroy_cq(MemorySegment cq) {
        var mh$ = ibv_destroy_cq.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_destroy_cq", cq);
            }
            return (int) mh$.invokeExact(cq);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_create_qp {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_POINTER, verbs_h.C_POINTER, verbs_h.C_POINTER);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_create_qp");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_create_qp(...)
     * }
     */
    public static FunctionDescriptor ibv_create_qp$descriptor() {
        return ibv_create_qp.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_create_qp(...)
     * }
     */
    public static MethodHandle ibv_create_qp$handle() {
        return ibv_create_qp.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_create_qp(...)
     * }
     */
    public static MemorySegment ibv_create_qp$address() {
        return ibv_create_qp.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_create_qp(...)
     * }
     */
    public static MemorySegment ibv_create_qp(MemorySegment pd, MemorySegment qp_init_attr) {
        var mh$ = ibv_create_qp.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_create_qp", pd, qp_init_attr);
            }
            return (MemorySegment) mh$.invokeExact(pd, qp_init_attr);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_modify_qp {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_INT, verbs_h.C_POINTER, verbs_h.C_POINTER, verbs_h.C_INT);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_modify_qp");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_modify_qp(...)
     * }
     */
    public static FunctionDescriptor ibv_modify_qp$descriptor() {
        return ibv_modify_qp.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_modify_qp(...)
     * }
     */
    public static MethodHandle ibv_modify_qp$handle() {
        return ibv_modify_qp.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_modify_qp(...)
     * }
     */
    public static MemorySegment ibv_modify_qp$address() {
        return ibv_modify_qp.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_modify_qp(...)
     * }
     */
    public static int ibv_modify_qp(MemorySegment qp, MemorySegment attr, int attr_mask) {
        var mh$ = ibv_modify_qp.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_modify_qp", qp, attr, attr_mask);
            }
            return (int) mh$.invokeExact(qp, attr, attr_mask);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_query_qp {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_INT, verbs_h.C_POINTER, verbs_h.C_POINTER, verbs_h.C_INT, verbs_h.C_POINTER);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_query_qp");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_query_qp(...)
     * }
     */
    public static FunctionDescriptor ibv_query_qp$descriptor() {
        return ibv_query_qp.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_query_qp(...)
     * }
     */
    public static MethodHandle ibv_query_qp$handle() {
        return ibv_query_qp.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_query_qp(...)
     * }
     */
    public static MemorySegment ibv_query_qp$address() {
        return ibv_query_qp.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_query_qp(...)
     * }
     */
    public static int ibv_query_qp(MemorySegment qp, MemorySegment attr, int attr_mask, MemorySegment init_attr) {
        var mh$ = ibv_query_qp.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_query_qp", qp, attr, attr_mask, init_attr);
            }
            return (int) mh$.invokeExact(qp, attr, attr_mask, init_attr);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_destroy_qp {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_INT, verbs_h.C_POINTER);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_destroy_qp");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_destroy_qp(...)
     * }
     */
    public static FunctionDescriptor ibv_destroy_qp$descriptor() {
        return ibv_destroy_qp.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_destroy_qp(...)
     * }
     */
    public static MethodHandle ibv_destroy_qp$handle() {
        return ibv_destroy_qp.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_destroy_qp(...)
     * }
     */
    public static MemorySegment ibv_destroy_qp$address() {
        return ibv_destroy_qp.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_destroy_qp(...)
     * }
     */
    public static int ibv_destroy_qp(MemorySegment qp) {
        var mh$ = ibv_destroy_qp.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_destroy_qp", qp);
            }
            return (int) mh$.invokeExact(qp);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_wc_status_str {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_POINTER, verbs_h.C_INT);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_wc_status_str");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_wc_status_str(...)
     * }
     */
    public static FunctionDescriptor ibv_wc_status_str$descriptor() {
        return ibv_wc_status_str.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_wc_status_str(...)
     * }
     */
    public static MethodHandle ibv_wc_status_str$handle() {
        return ibv_wc_status_str.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_wc_status_str(...)
     * }
     */
    public static MemorySegment ibv_wc_status_str$address() {
        return ibv_wc_status_str.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_wc_status_str(...)
     * }
     */
    public static MemorySegment ibv_wc_status_str(int status) {
        var mh$ = ibv_wc_status_str.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_wc_status_str", status);
            }
            return (MemorySegment) mh$.invokeExact(status);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_port_state_str {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_POINTER, verbs_h.C_INT);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_port_state_str");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_port_state_str(...)
     * }
     */
    public static FunctionDescriptor ibv_port_state_str$descriptor() {
        return ibv_port_state_str.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_port_state_str(...)
     * }
     */
    public static MethodHandle ibv_port_state_str$handle() {
        return ibv_port_state_str.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_port_state_str(...)
     * }
     */
    public static MemorySegment ibv_port_state_str$address() {
        return ibv_port_state_str.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_port_state_str(...)
     * }
     */
    public static MemorySegment ibv_port_state_str(int port_state) {
        var mh$ = ibv_port_state_str.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_port_state_str", port_state);
            }
            return (MemorySegment) mh$.invokeExact(port_state);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class ibv_event_type_str {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(verbs_h.C_POINTER, verbs_h.C_INT);

        public static final MemorySegment ADDR = verbs_h.findOrThrow("ibv_event_type_str");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * ibv_event_type_str(...)
     * }
     */
    public static FunctionDescriptor ibv_event_type_str$descriptor() {
        return ibv_event_type_str.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * ibv_event_type_str(...)
     * }
     */
    public static MethodHandle ibv_event_type_str$handle() {
        return ibv_event_type_str.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * ibv_event_type_str(...)
     * }
     */
    public static MemorySegment ibv_event_type_str$address() {
        return ibv_event_type_str.ADDR;
    }

    /**
     * {@snippet lang=c :
     * ibv_event_type_str(...)
     * }
     */
    public static MemorySegment ibv_event_type_str(int event) {
        var mh$ = ibv_event_type_str.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("ibv_event_type_str", event);
            }
            return (MemorySegment) mh$.invokeExact(event);
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }
}
