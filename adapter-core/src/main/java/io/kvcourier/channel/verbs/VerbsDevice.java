package io.kvcourier.channel.verbs;

import io.kvcourier.verbs.Errno;
import io.kvcourier.verbs.InlineVerbs;
import io.kvcourier.verbs.NativeException;
import io.kvcourier.verbs.gen.ibv_context;
import io.kvcourier.verbs.gen.ibv_device_attr;
import io.kvcourier.verbs.gen.ibv_gid;
import io.kvcourier.verbs.gen.ibv_port_attr;
import io.kvcourier.verbs.gen.verbs_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * One endpoint's opened RDMA device: the device context, one protection domain, and what was queried at open
 * from the device and the chosen port (active MTU, LID, source GID, queue depths, CQ and message size limits).
 *
 * <p>Ownership: the endpoint. {@link #close()} deallocates the PD and closes the context; it must run after every
 * QP, CQ, MR and the completion channel made from them are gone (docs/TRAPS.md#trap-13), and is idempotent.
 * A constructor that fails releases what it had opened.
 */
final class VerbsDevice implements AutoCloseable {
    private final String owner;
    final DeviceChoice choice;
    /** The port's active MTU as an {@code ibv_mtu} value (1..5; bytes = 128 << value). */
    final int activeMtu;
    final int lid;
    /** The source GID ({@code choice.gidIndex()}), 16 bytes. */
    final byte[] gid;
    /** Largest byte count one RDMA WRITE may carry: the port's {@code max_msg_sz}, at most 1 GiB. */
    final long maxWrBytes;
    /** Send-queue depth of every QP (work requests). */
    final int sqDepth;
    /** Receive-queue depth of every QP (work requests). */
    final int rqDepth;
    /** The device's {@code max_cqe}, or 0 when it reports none. */
    final int maxCqe;
    private final MemorySegment callState;
    private MemorySegment context = MemorySegment.NULL;
    private MemorySegment pd = MemorySegment.NULL;

    /**
     * Opens {@code choice.device()}, queries it and allocates a PD; scratch comes from {@code arena}.
     *
     * @param owner the endpoint's name, for logs
     * @throws NativeException naming the verbs call that failed (nothing stays open)
     */
    VerbsDevice(String owner, DeviceChoice choice, Arena arena) {
        this.owner = owner;
        this.choice = choice;
        this.callState = Errno.allocateState(arena);
        try {
            this.context = openDevice(choice.device(), arena);
            MemorySegment dattr = ibv_device_attr.allocate(arena);
            check("ibv_query_device", verbs_h.ibv_query_device(context, dattr));
            MemorySegment pattr = ibv_port_attr.allocate(arena);
            check("ibv_query_port", InlineVerbs.queryPort(context, choice.port(), pattr));
            this.activeMtu = ibv_port_attr.active_mtu(pattr);
            this.lid = Short.toUnsignedInt(ibv_port_attr.lid(pattr));
            long maxMsg = Integer.toUnsignedLong(ibv_port_attr.max_msg_sz(pattr));
            this.maxWrBytes = Math.min(maxMsg == 0 ? 1L << 30 : maxMsg, 1L << 30);
            MemorySegment g = ibv_gid.allocate(arena);
            check("ibv_query_gid", verbs_h.ibv_query_gid(context, (byte) choice.port(), choice.gidIndex(), g));
            this.gid = g.toArray(ValueLayout.JAVA_BYTE);
            int maxQpWr = ibv_device_attr.max_qp_wr(dattr);
            this.sqDepth = Math.max(2, Math.min(128, maxQpWr));
            this.rqDepth = Math.max(2, Math.min(64, maxQpWr));
            this.maxCqe = ibv_device_attr.max_cqe(dattr);
            this.pd = VerbsCalls.allocPd(callState, context);
            if (pd.equals(MemorySegment.NULL)) {
                throw new NativeException("ibv_alloc_pd", Errno.get(callState), choice.device());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private MemorySegment openDevice(String device, Arena arena) {
        MemorySegment num = arena.allocate(JAVA_INT);
        MemorySegment list = VerbsCalls.getDeviceList(callState, num);
        if (list.equals(MemorySegment.NULL)) {
            throw new NativeException("ibv_get_device_list", Errno.get(callState));
        }
        try {
            int n = num.get(JAVA_INT, 0);
            MemorySegment devices = list.reinterpret(ADDRESS.byteSize() * (n + 1L));
            for (int i = 0; i < n; i++) {
                MemorySegment d = devices.getAtIndex(ADDRESS, i);
                String dn = verbs_h.ibv_get_device_name(d).reinterpret(256).getString(0);
                if (dn.equals(device)) {
                    MemorySegment ctx = VerbsCalls.openDevice(callState, d);
                    if (ctx.equals(MemorySegment.NULL)) {
                        throw new NativeException("ibv_open_device", Errno.get(callState), device);
                    }
                    return ctx.reinterpret(ibv_context.sizeof());
                }
            }
            throw new NativeException("ibv_get_device_list", Errno.ENODEV, device + " went away");
        } finally {
            verbs_h.ibv_free_device_list(list);
        }
    }

    /** The device context ({@code struct ibv_context *}); NULL once closed. */
    MemorySegment context() {
        return context;
    }

    /** The protection domain every MR and QP of the endpoint belongs to; NULL once closed. */
    MemorySegment pd() {
        return pd;
    }

    /** Deallocates the PD and closes the device context (failures are logged). Idempotent. */
    @Override
    public void close() {
        if (!pd.equals(MemorySegment.NULL)) {
            VerbsEndpoint.warnIf(owner, "ibv_dealloc_pd", verbs_h.ibv_dealloc_pd(pd));
            pd = MemorySegment.NULL;
        }
        if (!context.equals(MemorySegment.NULL)) {
            VerbsEndpoint.warnIf(owner, "ibv_close_device", verbs_h.ibv_close_device(context));
            context = MemorySegment.NULL;
        }
    }

    private static void check(String call, int rc) {
        if (rc != 0) {
            throw new NativeException(call, rc);
        }
    }
}
