package io.kvcourier.verbs;

import io.kvcourier.verbs.gen.ibv_context;
import io.kvcourier.verbs.gen.ibv_context_ops;
import io.kvcourier.verbs.gen.ibv_cq;
import io.kvcourier.verbs.gen.ibv_gid_entry;
import io.kvcourier.verbs.gen.ibv_port_attr;
import io.kvcourier.verbs.gen.ibv_qp;
import io.kvcourier.verbs.gen.verbs_context;
import io.kvcourier.verbs.gen.verbs_h;

import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The {@code static inline} verbs of {@code <infiniband/verbs.h>}, which are not symbols of
 * {@code libibverbs.so.1}: they call the provider through function pointers in the context, and so
 * does this class. Each call re-reads the pointer ({@code obj->context->ops.op}) and invokes it through
 * one address-less downcall handle per signature, exactly as the C inline does. Pointers are read
 * by absolute address (no segment per call); the last pointer seen per op is kept as a segment.
 *
 * <p>The data-path calls ({@link #postSend}, {@link #postRecv}, {@link #pollCq},
 * {@link #reqNotifyCq}) use {@code Linker.Option.critical(false)}: they are short, never block and
 * never call back into Java. They return result codes and never throw for a provider error, and
 * allocate nothing in steady state (a new provider's pointer costs one small object, once).
 * Segments must point at live objects of a real (or test) provider: the context pointer and the op
 * are read from raw memory without bounds checks, as C does.
 *
 * <p>Threading: as in C. A QP's send queue, a QP's receive queue and a CQ each need external
 * serialisation if used from several threads (providers lock internally, but ordering is yours).
 */
public final class InlineVerbs {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CRITICAL = Linker.Option.critical(false);

    private static final MethodHandle POST_SEND =
            LINKER.downcallHandle(ibv_context_ops.post_send.descriptor(), CRITICAL);
    private static final MethodHandle POST_RECV =
            LINKER.downcallHandle(ibv_context_ops.post_recv.descriptor(), CRITICAL);
    private static final MethodHandle POLL_CQ =
            LINKER.downcallHandle(ibv_context_ops.poll_cq.descriptor(), CRITICAL);
    private static final MethodHandle REQ_NOTIFY_CQ =
            LINKER.downcallHandle(ibv_context_ops.req_notify_cq.descriptor(), CRITICAL);
    private static final MethodHandle QUERY_PORT = LINKER.downcallHandle(verbs_context.query_port.descriptor());

    private static final long OPS = ibv_context.ops$offset();
    private static final long POST_SEND_FP = OPS + ibv_context_ops.post_send$offset();
    private static final long POST_RECV_FP = OPS + ibv_context_ops.post_recv$offset();
    private static final long POLL_CQ_FP = OPS + ibv_context_ops.poll_cq$offset();
    private static final long REQ_NOTIFY_CQ_FP = OPS + ibv_context_ops.req_notify_cq$offset();
    private static final long QP_CONTEXT = ibv_qp.context$offset();
    private static final long CQ_CONTEXT = ibv_cq.context$offset();
    private static final long CONTEXT_SIZE = ibv_context.sizeof();
    // All of the address space, for reading pointers by absolute address without creating segments.
    private static final MemorySegment MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private static FnPtr postSendFp = FnPtr.of(0);
    private static FnPtr postRecvFp = FnPtr.of(0);
    private static FnPtr pollCqFp = FnPtr.of(0);
    private static FnPtr reqNotifyCqFp = FnPtr.of(0);
    // verbs_get_ctx(): the ibv_context is the last member of verbs_context
    private static final long VCTX_TO_CTX = verbs_context.context$offset();
    private static final long ABI_IS_EXTENDED = verbs_h.__VERBS_ABI_IS_EXTENDED().address();

    private InlineVerbs() {
    }

    /**
     * {@code ibv_post_send(qp, wr, bad_wr)}: posts a chain of {@code ibv_send_wr}.
     *
     * @param qp an {@code ibv_qp*}
     * @param wr the first {@code ibv_send_wr} of a chain linked by {@code next}
     * @param badWr an 8-byte slot; on failure the provider stores the first WR it did not post
     * @return 0, or a <em>positive</em> errno (e.g. ENOMEM when the send queue is full)
     */
    public static int postSend(MemorySegment qp, MemorySegment wr, MemorySegment badWr) {
        long address = op(qp, QP_CONTEXT, POST_SEND_FP);
        FnPtr fn = postSendFp;
        if (fn.address() != address) {
            postSendFp = fn = FnPtr.of(address);
        }
        MemorySegment fp = fn.segment();
        try {
            return (int) POST_SEND.invokeExact(fp, qp, wr, badWr);
        } catch (Throwable t) {
            throw Syscalls.rethrow(t);
        }
    }

    /**
     * {@code ibv_post_recv(qp, wr, bad_wr)}: posts a chain of {@code ibv_recv_wr}.
     *
     * @param qp the {@code ibv_qp}
     * @param wr the first {@code ibv_recv_wr} of the chain
     * @param badWr a pointer-sized segment
     * @return 0, or a <em>positive</em> errno; {@code badWr} then holds the first WR not posted
     */
    public static int postRecv(MemorySegment qp, MemorySegment wr, MemorySegment badWr) {
        long address = op(qp, QP_CONTEXT, POST_RECV_FP);
        FnPtr fn = postRecvFp;
        if (fn.address() != address) {
            postRecvFp = fn = FnPtr.of(address);
        }
        MemorySegment fp = fn.segment();
        try {
            return (int) POST_RECV.invokeExact(fp, qp, wr, badWr);
        } catch (Throwable t) {
            throw Syscalls.rethrow(t);
        }
    }

    /**
     * {@code ibv_poll_cq(cq, n, wc)}: moves up to {@code numEntries} completions into {@code wc}.
     *
     * @param wc an array of at least {@code numEntries} {@code ibv_wc}
     * @param cq the {@code ibv_cq}
     * @param numEntries the most completions to take
     * @return the number of completions written (0..numEntries), or a negative value on error
     */
    public static int pollCq(MemorySegment cq, int numEntries, MemorySegment wc) {
        long address = op(cq, CQ_CONTEXT, POLL_CQ_FP);
        FnPtr fn = pollCqFp;
        if (fn.address() != address) {
            pollCqFp = fn = FnPtr.of(address);
        }
        MemorySegment fp = fn.segment();
        try {
            return (int) POLL_CQ.invokeExact(fp, cq, numEntries, wc);
        } catch (Throwable t) {
            throw Syscalls.rethrow(t);
        }
    }

    /**
     * {@code ibv_req_notify_cq(cq, solicited_only)}: arms the CQ so that its next completion raises
     * an event on its completion channel.
     *
     * @param cq the {@code ibv_cq}
     * @param solicitedOnly whether only solicited completions raise the event
     * @return 0, or an error number
     */
    public static int reqNotifyCq(MemorySegment cq, boolean solicitedOnly) {
        long address = op(cq, CQ_CONTEXT, REQ_NOTIFY_CQ_FP);
        FnPtr fn = reqNotifyCqFp;
        if (fn.address() != address) {
            reqNotifyCqFp = fn = FnPtr.of(address);
        }
        MemorySegment fp = fn.segment();
        try {
            return (int) REQ_NOTIFY_CQ.invokeExact(fp, cq, solicitedOnly ? 1 : 0);
        } catch (Throwable t) {
            throw Syscalls.rethrow(t);
        }
    }

    /**
     * {@code ibv_query_port(ctx, port, attr)} as the header's macro does it: through
     * {@code verbs_context.query_port} (which fills the whole {@code ibv_port_attr}, including
     * {@code port_cap_flags2}) when the context is extended ({@code abi_compat == -1}) and its
     * {@code sz} covers that op; otherwise the exported compat {@code ibv_query_port} after zeroing
     * {@code attr}. Not a data-path call (no {@code critical}).
     *
     * @param attr at least {@code ibv_port_attr.sizeof()} (52) bytes
     * @param portNum the port number, 1-based, 1..255
     * @param context the {@code ibv_context}
     * @return 0, or an error number
     */
    public static int queryPort(MemorySegment context, int portNum, MemorySegment attr) {
        if (portNum < 1 || portNum > 255) {
            throw new IllegalArgumentException("portNum must be 1..255, was " + portNum);
        }
        MemorySegment ctx = sized(context, CONTEXT_SIZE);
        if (ctx.get(ADDRESS, ibv_context.abi_compat$offset()).address() == ABI_IS_EXTENDED) {
            MemorySegment vctx = MemorySegment.ofAddress(ctx.address() - VCTX_TO_CTX)
                    .reinterpret(verbs_context.sizeof());
            MemorySegment fp = verbs_context.query_port(vctx);
            // verbs_get_ctx_op(): usable only if vctx->sz reaches the op and it is set
            if (verbs_context.sz(vctx) >= verbs_context.sizeof() - verbs_context.query_port$offset()
                    && !fp.equals(MemorySegment.NULL)) {
                try {
                    return (int) QUERY_PORT.invokeExact(fp, context, (byte) portNum, attr, ibv_port_attr.sizeof());
                } catch (Throwable t) {
                    throw Syscalls.rethrow(t);
                }
            }
        }
        sized(attr, ibv_port_attr.sizeof()).asSlice(0, ibv_port_attr.sizeof()).fill((byte) 0);
        return verbs_h.ibv_query_port(context, (byte) portNum, attr);
    }

    /**
     * {@code ibv_query_gid_ex(ctx, port, index, entry, 0)}: one GID table entry with its type
     * ({@code IBV_GID_TYPE_IB}, {@code _ROCE_V1}, {@code _ROCE_V2}). The public replacement for the
     * private {@code ibv_query_gid_type}.
     *
     * @param entry at least {@code ibv_gid_entry.sizeof()} bytes
     * @param context the {@code ibv_context}
     * @param portNum the port number, 1-based
     * @param gidIndex the GID table index
     * @return 0, or an error number (ENODATA for an empty entry)
     */
    public static int queryGidEx(MemorySegment context, int portNum, int gidIndex, MemorySegment entry) {
        return verbs_h._ibv_query_gid_ex(context, portNum, gidIndex, entry, 0, ibv_gid_entry.sizeof());
    }

    /**
     * {@code ibv_query_gid_table(ctx, entries, max, 0)}: every valid GID entry of every port.
     *
     * @param entries an array of at least {@code maxEntries} {@code ibv_gid_entry}
     * @param context the {@code ibv_context}
     * @param maxEntries how many entries {@code entries} holds
     * @return the number of entries written, or a negative errno
     */
    public static long queryGidTable(MemorySegment context, MemorySegment entries, long maxEntries) {
        return verbs_h._ibv_query_gid_table(context, entries, maxEntries, 0, ibv_gid_entry.sizeof());
    }

    /** {@code obj->context->ops.<op>} as a raw address: two plain loads, no segment objects. */
    private static long op(MemorySegment obj, long contextOffset, long opOffset) {
        long ctx = MEMORY.get(JAVA_LONG, obj.address() + contextOffset);
        return MEMORY.get(JAVA_LONG, ctx + opOffset);
    }

    /**
     * The last function pointer seen for one op, as a segment. The pointer is re-read on every call
     * and compared; a new segment is made only when it changes (another provider), so steady-state
     * calls allocate nothing even where escape analysis does not run. Immutable, so a racy
     * publication through a plain static field is safe.
     */
    private record FnPtr(long address, MemorySegment segment) {
        static FnPtr of(long address) {
            return new FnPtr(address, MemorySegment.ofAddress(address));
        }
    }

    private static MemorySegment sized(MemorySegment s, long size) {
        return s.byteSize() >= size ? s : s.reinterpret(size);
    }
}
