package io.kvcourier.channel.verbs;

import io.kvcourier.verbs.Errno;
import io.kvcourier.verbs.gen.verbs_h;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * errno-capturing handles for the exported verbs whose failure is only visible through errno (they return
 * NULL or -1). Each takes the call-state segment ({@link Errno#allocateState}) first; callers own it.
 */
final class VerbsCalls {
    private static final MethodHandle GET_DEVICE_LIST =
            Errno.capturing(verbs_h.ibv_get_device_list$address(), verbs_h.ibv_get_device_list$descriptor());
    private static final MethodHandle OPEN_DEVICE =
            Errno.capturing(verbs_h.ibv_open_device$address(), verbs_h.ibv_open_device$descriptor());
    private static final MethodHandle ALLOC_PD =
            Errno.capturing(verbs_h.ibv_alloc_pd$address(), verbs_h.ibv_alloc_pd$descriptor());
    private static final MethodHandle REG_MR =
            Errno.capturing(verbs_h.ibv_reg_mr$address(), verbs_h.ibv_reg_mr$descriptor());
    private static final MethodHandle CREATE_COMP_CHANNEL =
            Errno.capturing(verbs_h.ibv_create_comp_channel$address(), verbs_h.ibv_create_comp_channel$descriptor());
    private static final MethodHandle CREATE_CQ =
            Errno.capturing(verbs_h.ibv_create_cq$address(), verbs_h.ibv_create_cq$descriptor());
    private static final MethodHandle CREATE_QP =
            Errno.capturing(verbs_h.ibv_create_qp$address(), verbs_h.ibv_create_qp$descriptor());

    private VerbsCalls() {
    }

    static MemorySegment getDeviceList(MemorySegment state, MemorySegment num) {
        try {
            return (MemorySegment) GET_DEVICE_LIST.invokeExact(state, num);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment openDevice(MemorySegment state, MemorySegment device) {
        try {
            return (MemorySegment) OPEN_DEVICE.invokeExact(state, device);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment allocPd(MemorySegment state, MemorySegment context) {
        try {
            return (MemorySegment) ALLOC_PD.invokeExact(state, context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment regMr(MemorySegment state, MemorySegment pd, MemorySegment addr, long length, int access) {
        try {
            return (MemorySegment) REG_MR.invokeExact(state, pd, addr, length, access);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment createCompChannel(MemorySegment state, MemorySegment context) {
        try {
            return (MemorySegment) CREATE_COMP_CHANNEL.invokeExact(state, context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment createCq(MemorySegment state, MemorySegment context, int cqe, MemorySegment cqContext,
                                  MemorySegment channel, int compVector) {
        try {
            return (MemorySegment) CREATE_CQ.invokeExact(state, context, cqe, cqContext, channel, compVector);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment createQp(MemorySegment state, MemorySegment pd, MemorySegment initAttr) {
        try {
            return (MemorySegment) CREATE_QP.invokeExact(state, pd, initAttr);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
