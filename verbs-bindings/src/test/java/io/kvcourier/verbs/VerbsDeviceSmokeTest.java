package io.kvcourier.verbs;

import io.kvcourier.verbs.gen.ibv_async_event;
import io.kvcourier.verbs.gen.ibv_comp_channel;
import io.kvcourier.verbs.gen.ibv_context;
import io.kvcourier.verbs.gen.ibv_device_attr;
import io.kvcourier.verbs.gen.ibv_gid;
import io.kvcourier.verbs.gen.ibv_gid_entry;
import io.kvcourier.verbs.gen.ibv_mr;
import io.kvcourier.verbs.gen.ibv_port_attr;
import io.kvcourier.verbs.gen.ibv_qp;
import io.kvcourier.verbs.gen.ibv_qp_attr;
import io.kvcourier.verbs.gen.ibv_qp_cap;
import io.kvcourier.verbs.gen.ibv_qp_init_attr;
import io.kvcourier.verbs.gen.ibv_recv_wr;
import io.kvcourier.verbs.gen.ibv_sge;
import io.kvcourier.verbs.gen.ibv_wc;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

import static io.kvcourier.verbs.gen.verbs_h.*;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The whole binding path against a real device (soft-RoCE inside the rxe VM, or hardware): open,
 * query device/port/GIDs, PD, 1 MiB MR, completion channel, CQ, RC QP to INIT, one receive posted
 * through the provider's ops, and teardown in order. Skipped where no device exists.
 */
@Tag("rdma")
class VerbsDeviceSmokeTest {

    @Test
    void openQueryRegisterCreateAndTearDownInOrder() throws Throwable {
        assumeTrue(Verbs.isAvailable(), () -> "no RDMA device: " + Verbs.unavailabilityCause());

        List<RdmaDevice> inventory = Verbs.listDevices();
        assertThat(inventory).isNotEmpty();
        assertThat(inventory.get(0).error()).isNull();
        assertThat(inventory.get(0).ports()).isNotEmpty();
        assertThat(inventory.get(0).ports().get(0).gids()).as("populated GIDs").isNotEmpty();
        System.out.println("inventory: " + inventory);

        try (Arena arena = Arena.ofShared()) {
            MemorySegment num = arena.allocate(JAVA_INT);
            MemorySegment list = ibv_get_device_list(num);
            assertThat(list.address()).isNotZero();
            try {
                assertThat(num.get(JAVA_INT, 0)).isPositive();
                MemorySegment device = list.get(ADDRESS, 0);
                assertThat(ibv_get_device_name(device).getString(0)).isEqualTo(inventory.get(0).name());
                MemorySegment ctx = ibv_open_device(device);
                assertThat(ctx.address()).as("ibv_open_device").isNotZero();
                try {
                    exercise(arena, ctx);
                } finally {
                    assertThat(ibv_close_device(ctx)).isZero();
                }
            } finally {
                ibv_free_device_list(list);
            }
        }
    }

    private static void exercise(Arena arena, MemorySegment ctx) throws Throwable {
        MemorySegment devAttr = ibv_device_attr.allocate(arena);
        assertThat(ibv_query_device(ctx, devAttr)).isZero();
        assertThat(ibv_device_attr.phys_port_cnt(devAttr)).isPositive();
        assertThat(ibv_device_attr.max_qp(devAttr)).isPositive();
        assertThat(Long.compareUnsigned(ibv_device_attr.max_mr_size(devAttr), 1 << 20)).as("max_mr_size (uint64_t; rxe: UINT64_MAX)")
                .isNotNegative();

        MemorySegment port = ibv_port_attr.allocate(arena);
        assertThat(InlineVerbs.queryPort(ctx, 1, port)).isZero();
        assertThat(ibv_port_attr.state(port)).isEqualTo(IBV_PORT_ACTIVE());
        assertThat(ibv_port_attr.active_mtu(port)).isBetween(IBV_MTU_256(), IBV_MTU_4096());
        assertThat(ibv_port_attr.gid_tbl_len(port)).isPositive();

        MemorySegment gid = ibv_gid.allocate(arena);
        assertThat(ibv_query_gid(ctx, (byte) 1, 0, gid)).isZero();
        assertThat(ibv_query_gid(ctx, (byte) 1, 1, gid)).isZero();
        MemorySegment entry = ibv_gid_entry.allocate(arena);
        assertThat(InlineVerbs.queryGidEx(ctx, 1, 1, entry)).isZero();
        assertThat(ibv_gid_entry.gid_index(entry)).isEqualTo(1);
        assertThat(ibv_gid_entry.gid_type(entry)).isIn(IBV_GID_TYPE_IB(), IBV_GID_TYPE_ROCE_V1(), IBV_GID_TYPE_ROCE_V2());
        assertThat(ibv_gid_entry.gid(entry).mismatch(gid)).as("same GID as ibv_query_gid").isEqualTo(-1);

        // the async event fd: non-blocking, and nothing pending on a fresh context
        int asyncFd = ibv_context.async_fd(ctx);
        Fcntl.setNonBlocking(asyncFd);
        MethodHandle getAsync = Errno.capturing(ibv_get_async_event$address(), ibv_get_async_event$descriptor());
        MemorySegment state = Errno.allocateState(arena);
        MemorySegment event = ibv_async_event.allocate(arena);
        assertThat((int) getAsync.invokeExact(state, ctx, event)).isEqualTo(-1);
        assertThat(Errno.get(state)).isEqualTo(Errno.EAGAIN);

        MemorySegment pd = ibv_alloc_pd(ctx);
        assertThat(pd.address()).as("ibv_alloc_pd").isNotZero();
        try {
            MemorySegment buf = arena.allocate(1 << 20, 4096);
            MemorySegment mr = ibv_reg_mr(pd, buf, 1 << 20, IBV_ACCESS_LOCAL_WRITE() | IBV_ACCESS_REMOTE_WRITE());
            assertThat(mr.address()).as("ibv_reg_mr").isNotZero();
            try {
                assertThat(ibv_mr.addr(mr).address()).isEqualTo(buf.address());
                assertThat(ibv_mr.length(mr)).isEqualTo(1 << 20);
                assertThat(ibv_mr.lkey(mr)).isNotZero();
                assertThat(ibv_mr.rkey(mr)).isNotZero();
                assertThat(ibv_mr.pd(mr).address()).isEqualTo(pd.address());
                channelCqQp(arena, ctx, pd, mr, buf);
            } finally {
                assertThat(ibv_dereg_mr(mr)).isZero();
            }
        } finally {
            assertThat(ibv_dealloc_pd(pd)).isZero();
        }
    }

    private static void channelCqQp(Arena arena, MemorySegment ctx, MemorySegment pd, MemorySegment mr,
                                    MemorySegment buf) {
        MemorySegment channel = ibv_create_comp_channel(ctx);
        assertThat(channel.address()).as("ibv_create_comp_channel").isNotZero();
        int channelFd = ibv_comp_channel.fd(channel);
        Fcntl.setNonBlocking(channelFd);
        assertThat(Fcntl.isNonBlocking(channelFd)).isTrue();
        try {
            MemorySegment cq = ibv_create_cq(ctx, 16, MemorySegment.NULL, channel, 0);
            assertThat(cq.address()).as("ibv_create_cq").isNotZero();
            try {
                assertThat(InlineVerbs.reqNotifyCq(cq, false)).isZero();
                assertThat(InlineVerbs.pollCq(cq, 4, ibv_wc.allocateArray(4, arena))).isZero();

                MemorySegment init = ibv_qp_init_attr.allocate(arena);
                ibv_qp_init_attr.send_cq(init, cq);
                ibv_qp_init_attr.recv_cq(init, cq);
                MemorySegment cap = ibv_qp_init_attr.cap(init);
                ibv_qp_cap.max_send_wr(cap, 16);
                ibv_qp_cap.max_recv_wr(cap, 16);
                ibv_qp_cap.max_send_sge(cap, 1);
                ibv_qp_cap.max_recv_sge(cap, 1);
                ibv_qp_init_attr.qp_type(init, IBV_QPT_RC());
                MemorySegment qp = ibv_create_qp(pd, init);
                assertThat(qp.address()).as("ibv_create_qp").isNotZero();
                try {
                    assertThat(ibv_qp.qp_num(qp)).isNotZero();
                    MemorySegment attr = ibv_qp_attr.allocate(arena);
                    ibv_qp_attr.qp_state(attr, IBV_QPS_INIT());
                    ibv_qp_attr.pkey_index(attr, (short) 0);
                    ibv_qp_attr.port_num(attr, (byte) 1);
                    ibv_qp_attr.qp_access_flags(attr, IBV_ACCESS_LOCAL_WRITE() | IBV_ACCESS_REMOTE_WRITE());
                    assertThat(ibv_modify_qp(qp, attr,
                            IBV_QP_STATE() | IBV_QP_PKEY_INDEX() | IBV_QP_PORT() | IBV_QP_ACCESS_FLAGS())).isZero();
                    MemorySegment queried = ibv_qp_attr.allocate(arena);
                    assertThat(ibv_query_qp(qp, queried, IBV_QP_STATE(), ibv_qp_init_attr.allocate(arena))).isZero();
                    assertThat(ibv_qp_attr.qp_state(queried)).isEqualTo(IBV_QPS_INIT());

                    // a receive may be posted in INIT: the provider's post_recv through ops
                    MemorySegment sge = ibv_sge.allocate(arena);
                    ibv_sge.addr(sge, buf.address());
                    ibv_sge.length(sge, 4096);
                    ibv_sge.lkey(sge, ibv_mr.lkey(mr));
                    MemorySegment wr = ibv_recv_wr.allocate(arena);
                    ibv_recv_wr.wr_id(wr, 1);
                    ibv_recv_wr.sg_list(wr, sge);
                    ibv_recv_wr.num_sge(wr, 1);
                    assertThat(InlineVerbs.postRecv(qp, wr, arena.allocate(ADDRESS))).isZero();
                } finally {
                    assertThat(ibv_destroy_qp(qp)).isZero();
                }
            } finally {
                assertThat(ibv_destroy_cq(cq)).isZero();
            }
        } finally {
            assertThat(ibv_destroy_comp_channel(channel)).isZero();
        }
        assertThat(Files.exists(Path.of("/proc/self/fd/" + channelFd), LinkOption.NOFOLLOW_LINKS))
                .as("completion channel fd released").isFalse();
    }
}
