package io.kvcourier.verbs;

import io.kvcourier.verbs.gen.ibv_context;
import io.kvcourier.verbs.gen.ibv_context_ops;
import io.kvcourier.verbs.gen.ibv_port_attr;
import io.kvcourier.verbs.gen.ibv_recv_wr;
import io.kvcourier.verbs.gen.ibv_send_wr;
import io.kvcourier.verbs.gen.ibv_sge;
import io.kvcourier.verbs.gen.ibv_wc;
import io.kvcourier.verbs.gen.verbs_h;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Drives {@link InlineVerbs} through a fake provider ({@code src/test/c/fakeverbs.c}, built with gcc
 * here): a real {@code verbs_context} whose ops are C stubs that read the Java-built work requests
 * through the C structs and report what they saw. Proves the dispatch path (pointer offsets,
 * descriptors, argument order) and, a second time, the struct layouts. Only the ops the fake fills
 * in are called: an exported verb on a fake context would crash the JVM (docs/TRAPS.md#trap-11).
 */
class FakeProviderDispatchTest {
    private static final Linker LINKER = Linker.nativeLinker();
    private static Arena libArena;
    private static MethodHandle openContext, closeContext, createCq, createQp, free, reset, pushWc,
            sentGet, recvGet, stat;
    private static MemorySegment pollCqAlt;

    private Arena arena;
    private MemorySegment ctx;
    private MemorySegment cq;
    private MemorySegment qp;

    @BeforeAll
    static void buildFakeProvider() throws Exception {
        Path gcc = NativeTestSupport.requireGccAndHeaders();
        Path so = NativeTestSupport.compile(gcc,
                NativeTestSupport.repoRoot().resolve("verbs-bindings/src/test/c/fakeverbs.c"),
                NativeTestSupport.nativeBuildDir().resolve("libfakeverbs.so"), "-fPIC", "-shared");
        libArena = Arena.ofShared();
        SymbolLookup lib = SymbolLookup.libraryLookup(so, libArena);
        openContext = handle(lib, "fake_open_context", FunctionDescriptor.of(ADDRESS));
        closeContext = handle(lib, "fake_close_context", FunctionDescriptor.ofVoid(ADDRESS));
        createCq = handle(lib, "fake_create_cq", FunctionDescriptor.of(ADDRESS, ADDRESS));
        createQp = handle(lib, "fake_create_qp", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
        free = handle(lib, "fake_free", FunctionDescriptor.ofVoid(ADDRESS));
        reset = handle(lib, "fake_reset", FunctionDescriptor.ofVoid());
        pushWc = handle(lib, "fake_push_wc", FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT));
        sentGet = handle(lib, "fake_sent_get", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT));
        recvGet = handle(lib, "fake_recv_get", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT));
        stat = handle(lib, "fake_stat", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
        pollCqAlt = lib.find("fake_poll_cq_alt").orElseThrow();
    }

    @AfterAll
    static void unload() {
        if (libArena != null) {
            libArena.close();
        }
    }

    @BeforeEach
    void openFakeContext() throws Throwable {
        reset.invokeExact();
        arena = Arena.ofShared(); // SEPARATE_THREAD timeouts: lifecycle methods and tests run on different threads
        ctx = (MemorySegment) openContext.invokeExact();
        assertThat(ctx.address()).isNotZero();
        cq = (MemorySegment) createCq.invokeExact(ctx);
        qp = (MemorySegment) createQp.invokeExact(ctx, cq, 0xC0FFEE);
    }

    @AfterEach
    void closeFakeContext() throws Throwable {
        free.invokeExact(qp);
        free.invokeExact(cq);
        closeContext.invokeExact(ctx);
        arena.close();
    }

    @Test
    void postSendWalksTheChainWithEverySgeAndPollCqReturnsTheSignaledOnes() throws Throwable {
        MemorySegment buf = arena.allocate(4096, 4096);
        MemorySegment wrs = ibv_send_wr.allocateArray(3, arena);
        MemorySegment sges = ibv_sge.allocateArray(6, arena);
        int[] sgeCounts = {2, 3, 1};
        int[] opcodes = {verbs_h.IBV_WR_RDMA_WRITE(), verbs_h.IBV_WR_RDMA_WRITE(), verbs_h.IBV_WR_RDMA_WRITE_WITH_IMM()};
        int[] flags = {verbs_h.IBV_SEND_SIGNALED(), 0, verbs_h.IBV_SEND_SIGNALED()};
        int sgeIndex = 0;
        for (int w = 0; w < 3; w++) {
            MemorySegment wr = ibv_send_wr.asSlice(wrs, w);
            MemorySegment first = ibv_sge.asSlice(sges, sgeIndex);
            for (int s = 0; s < sgeCounts[w]; s++, sgeIndex++) {
                MemorySegment sge = ibv_sge.asSlice(sges, sgeIndex);
                ibv_sge.addr(sge, buf.address() + 100L * sgeIndex);
                ibv_sge.length(sge, 10 + sgeIndex);
                ibv_sge.lkey(sge, 0x1000 + sgeIndex);
            }
            ibv_send_wr.wr_id(wr, 100 + w);
            ibv_send_wr.next(wr, w < 2 ? ibv_send_wr.asSlice(wrs, w + 1) : MemorySegment.NULL);
            ibv_send_wr.sg_list(wr, first);
            ibv_send_wr.num_sge(wr, sgeCounts[w]);
            ibv_send_wr.opcode(wr, opcodes[w]);
            ibv_send_wr.send_flags(wr, flags[w]);
            MemorySegment rdma = ibv_send_wr.wr.rdma(ibv_send_wr.wr(wr));
            ibv_send_wr.wr.rdma.remote_addr(rdma, 0x1122_3344_5566_0000L + w);
            ibv_send_wr.wr.rdma.rkey(rdma, 0xCAFE + w);
        }
        ibv_send_wr.imm_data(ibv_send_wr.asSlice(wrs, 2), 0x0403_0201); // network order is the caller's job
        MemorySegment badWr = arena.allocate(ADDRESS);

        assertThat(InlineVerbs.postSend(qp, wrs, badWr)).isZero();

        assertThat(stat(0)).as("WRs the provider saw").isEqualTo(3);
        sgeIndex = 0;
        for (int w = 0; w < 3; w++) {
            assertThat(sent(w, 0)).as("wr_id").isEqualTo(100 + w);
            assertThat(sent(w, 1)).as("opcode").isEqualTo(opcodes[w]);
            assertThat(sent(w, 2)).as("num_sge").isEqualTo(sgeCounts[w]);
            assertThat(sent(w, 3)).as("send_flags").isEqualTo(flags[w]);
            assertThat(sent(w, 5)).as("wr.rdma.remote_addr").isEqualTo(0x1122_3344_5566_0000L + w);
            assertThat(sent(w, 6)).as("wr.rdma.rkey").isEqualTo(0xCAFE + w);
            assertThat(sent(w, 8)).as("qp").isEqualTo(qp.address());
            long bytes = 0;
            for (int s = 0; s < sgeCounts[w]; s++, sgeIndex++) {
                assertThat(sent(w, 10 + s)).as("sge addr").isEqualTo(buf.address() + 100L * sgeIndex);
                assertThat(sent(w, 20 + s)).as("sge length").isEqualTo(10 + sgeIndex);
                assertThat(sent(w, 30 + s)).as("sge lkey").isEqualTo(0x1000 + sgeIndex);
                bytes += 10 + sgeIndex;
            }
            assertThat(sent(w, 7)).as("bytes").isEqualTo(bytes);
        }
        assertThat(sent(2, 4)).as("imm_data").isEqualTo(0x0403_0201L);

        MemorySegment wc = ibv_wc.allocateArray(4, arena);
        assertThat(InlineVerbs.pollCq(cq, 4, wc)).isEqualTo(2);
        assertThat(stat(8)).as("cq the provider saw").isEqualTo(cq.address());
        MemorySegment wc0 = ibv_wc.asSlice(wc, 0);
        MemorySegment wc1 = ibv_wc.asSlice(wc, 1);
        assertThat(ibv_wc.wr_id(wc0)).isEqualTo(100);
        assertThat(ibv_wc.wr_id(wc1)).isEqualTo(102);
        assertThat(ibv_wc.status(wc0)).isEqualTo(verbs_h.IBV_WC_SUCCESS());
        assertThat(ibv_wc.opcode(wc1)).isEqualTo(verbs_h.IBV_WC_RDMA_WRITE());
        assertThat(ibv_wc.byte_len(wc0)).isEqualTo(10 + 11);
        assertThat(ibv_wc.qp_num(wc1)).isEqualTo(0xC0FFEE);
        assertThat(ibv_wc.pkey_index(wc0)).isEqualTo((short) 0x1234);
        assertThat(ibv_wc.slid(wc0)).isEqualTo((short) 0xabcd);
        assertThat(ibv_wc.dlid_path_bits(wc0)).isEqualTo((byte) 0x7f);
        assertThat(InlineVerbs.pollCq(cq, 4, wc)).as("drained").isZero();
    }

    @Test
    void postSendStopsAtTheFirstBadWrAndReportsItWithAPositiveErrno() {
        MemorySegment wrs = ibv_send_wr.allocateArray(3, arena);
        MemorySegment sges = ibv_sge.allocateArray(8, arena);
        int[] counts = {1, 5, 1}; // the fake accepts at most 4 SGEs per WR
        for (int w = 0; w < 3; w++) {
            MemorySegment wr = ibv_send_wr.asSlice(wrs, w);
            ibv_send_wr.wr_id(wr, w);
            ibv_send_wr.next(wr, w < 2 ? ibv_send_wr.asSlice(wrs, w + 1) : MemorySegment.NULL);
            ibv_send_wr.sg_list(wr, sges);
            ibv_send_wr.num_sge(wr, counts[w]);
            ibv_send_wr.opcode(wr, verbs_h.IBV_WR_RDMA_WRITE());
        }
        MemorySegment badWr = arena.allocate(ADDRESS);

        int rc = InlineVerbs.postSend(qp, wrs, badWr);

        assertThat(rc).isEqualTo(Errno.EINVAL);
        assertThat(badWr.get(ADDRESS, 0).address()).as("bad_wr").isEqualTo(ibv_send_wr.asSlice(wrs, 1).address());
        assertThat(stat(0)).as("WRs posted before the bad one").isEqualTo(1);
    }

    @Test
    void postRecvPostsTheChainAndReportsABadWr() throws Throwable {
        MemorySegment wrs = ibv_recv_wr.allocateArray(2, arena);
        MemorySegment sges = ibv_sge.allocateArray(4, arena);
        for (int i = 0; i < 4; i++) {
            ibv_sge.length(ibv_sge.asSlice(sges, i), 64 * (i + 1));
            ibv_sge.lkey(ibv_sge.asSlice(sges, i), 77);
        }
        for (int w = 0; w < 2; w++) {
            MemorySegment wr = ibv_recv_wr.asSlice(wrs, w);
            ibv_recv_wr.wr_id(wr, 500 + w);
            ibv_recv_wr.next(wr, w == 0 ? ibv_recv_wr.asSlice(wrs, 1) : MemorySegment.NULL);
            ibv_recv_wr.sg_list(wr, ibv_sge.asSlice(sges, 2 * w));
            ibv_recv_wr.num_sge(wr, 2);
        }
        MemorySegment badWr = arena.allocate(ADDRESS);
        assertThat(InlineVerbs.postRecv(qp, wrs, badWr)).isZero();
        assertThat(stat(1)).isEqualTo(2);
        assertThat((long) recvGet.invokeExact(1, 0)).as("wr_id").isEqualTo(501);
        assertThat((long) recvGet.invokeExact(1, 7)).as("bytes").isEqualTo(64 * 3 + 64 * 4);
        assertThat((long) recvGet.invokeExact(0, 30)).as("lkey").isEqualTo(77);

        ibv_recv_wr.num_sge(ibv_recv_wr.asSlice(wrs, 0), 9);
        assertThat(InlineVerbs.postRecv(qp, wrs, badWr)).isEqualTo(Errno.EINVAL);
        assertThat(badWr.get(ADDRESS, 0).address()).isEqualTo(wrs.address());
    }

    @Test
    void pollCqReadsEveryWcFieldOfAReceiveWithImmediate() throws Throwable {
        pushWc.invokeExact(0xABCDEF01_23456789L, verbs_h.IBV_WC_SUCCESS(), verbs_h.IBV_WC_RECV_RDMA_WITH_IMM(),
                65536, 0x7F00_0001, verbs_h.IBV_WC_WITH_IMM(), 0x42);
        pushWc.invokeExact(7L, verbs_h.IBV_WC_WR_FLUSH_ERR(), verbs_h.IBV_WC_RECV(), 0, 0, 0, 0x42);
        MemorySegment wc = ibv_wc.allocateArray(1, arena);

        assertThat(InlineVerbs.pollCq(cq, 1, wc)).as("at most numEntries").isEqualTo(1);
        assertThat(ibv_wc.wr_id(wc)).isEqualTo(0xABCDEF01_23456789L);
        assertThat(ibv_wc.opcode(wc)).isEqualTo(verbs_h.IBV_WC_RECV_RDMA_WITH_IMM());
        assertThat(ibv_wc.byte_len(wc)).isEqualTo(65536);
        assertThat(ibv_wc.imm_data(wc)).isEqualTo(0x7F00_0001);
        assertThat(ibv_wc.wc_flags(wc) & verbs_h.IBV_WC_WITH_IMM()).isNotZero();
        assertThat(ibv_wc.qp_num(wc)).isEqualTo(0x42);

        assertThat(InlineVerbs.pollCq(cq, 1, wc)).isEqualTo(1);
        assertThat(ibv_wc.status(wc)).isEqualTo(verbs_h.IBV_WC_WR_FLUSH_ERR());
        assertThat(InlineVerbs.pollCq(cq, 1, wc)).isZero();
    }

    @Test
    void reqNotifyCqPassesSolicitedOnly() {
        assertThat(InlineVerbs.reqNotifyCq(cq, true)).isZero();
        assertThat(stat(3)).isEqualTo(1);
        assertThat(InlineVerbs.reqNotifyCq(cq, false)).isZero();
        assertThat(stat(3)).isZero();
        assertThat(stat(2)).as("calls").isEqualTo(2);
        assertThat(stat(8)).as("cq").isEqualTo(cq.address());
    }

    @Test
    void queryPortGoesThroughVerbsContextWithTheFullStructSize() {
        MemorySegment attr = ibv_port_attr.allocate(arena);
        assertThat(InlineVerbs.queryPort(ctx, 1, attr)).isZero();
        assertThat(stat(4)).as("verbs_context.query_port calls").isEqualTo(1);
        assertThat(stat(5)).as("port").isEqualTo(1);
        assertThat(stat(6)).as("port_attr_len").isEqualTo(ibv_port_attr.sizeof());
        assertThat(ibv_port_attr.state(attr)).isEqualTo(verbs_h.IBV_PORT_ACTIVE());
        assertThat(ibv_port_attr.max_mtu(attr)).isEqualTo(verbs_h.IBV_MTU_4096());
        assertThat(ibv_port_attr.active_mtu(attr)).isEqualTo(verbs_h.IBV_MTU_1024());
        assertThat(ibv_port_attr.gid_tbl_len(attr)).isEqualTo(128);
        assertThat(ibv_port_attr.port_cap_flags(attr)).isEqualTo(0x12345678);
        assertThat(ibv_port_attr.max_msg_sz(attr)).isEqualTo(0x40000000);
        assertThat(ibv_port_attr.pkey_tbl_len(attr)).isEqualTo((short) 64);
        assertThat(ibv_port_attr.lid(attr)).isEqualTo((short) 0x1234);
        assertThat(ibv_port_attr.active_speed(attr)).isEqualTo((byte) 0x20);
        assertThat(ibv_port_attr.phys_state(attr)).isEqualTo((byte) 5);
        assertThat(ibv_port_attr.link_layer(attr)).isEqualTo((byte) verbs_h.IBV_LINK_LAYER_ETHERNET());
        assertThat(ibv_port_attr.port_cap_flags2(attr)).as("only the extended op fills this").isEqualTo((short) 0xbeef);

        assertThat(InlineVerbs.queryPort(ctx, 255, attr)).isZero();
        assertThat(stat(5)).as("port is passed as uint8_t").isEqualTo(255);
        assertThatThrownBy(() -> InlineVerbs.queryPort(ctx, 0, attr)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("portNum");
    }

    @Test
    void theOpPointerIsReadOnEveryCall() {
        MemorySegment ops = ibv_context.ops(ctx.reinterpret(ibv_context.sizeof()));
        MemorySegment original = ibv_context_ops.poll_cq(ops);
        MemorySegment wc = ibv_wc.allocate(arena);
        assertThat(InlineVerbs.pollCq(cq, 1, wc)).isZero();
        assertThat(stat(7)).isEqualTo(1);

        ibv_context_ops.poll_cq(ops, pollCqAlt);
        assertThat(InlineVerbs.pollCq(cq, 1, wc)).isZero();
        assertThat(stat(9)).as("the swapped-in op was called").isEqualTo(1);
        assertThat(stat(7)).as("the original op was not").isEqualTo(1);

        ibv_context_ops.poll_cq(ops, original);
        assertThat(InlineVerbs.pollCq(cq, 1, wc)).isZero();
        assertThat(stat(7)).isEqualTo(2);
    }

    @Test
    void theGeneratedFunctionPointerInvokerCallsTheSameOp() {
        MemorySegment ops = ibv_context.ops(ctx.reinterpret(ibv_context.sizeof()));
        MemorySegment wc = ibv_wc.allocate(arena);
        assertThat(ibv_context_ops.poll_cq.invoke(ibv_context_ops.poll_cq(ops), cq, 1, wc)).isZero();
        assertThat(stat(7)).isEqualTo(1);
    }

    @Test
    void theDataPathAllocatesNothingOnceCompiled() {
        MemorySegment wc = ibv_wc.allocateArray(4, arena);
        MemorySegment sendWr = ibv_send_wr.allocate(arena); // no SGE, unsignaled
        MemorySegment recvWr = ibv_recv_wr.allocate(arena);
        MemorySegment badWr = arena.allocate(ADDRESS);
        int[] sink = new int[1];
        long least = NativeTestSupport.leastBytesAllocatedPerRound(() -> {
            sink[0] += InlineVerbs.postSend(qp, sendWr, badWr); // EINVAL once the fake's record is full
            sink[0] += InlineVerbs.postRecv(qp, recvWr, badWr);
            sink[0] += InlineVerbs.pollCq(cq, 4, wc);
            sink[0] += InlineVerbs.reqNotifyCq(cq, false);
        }, 20_000, 30);
        assertThat(least).as("bytes allocated by 20k post_send+post_recv+poll_cq+req_notify_cq (best round)").isZero();
        assertThat(sink[0]).isPositive();
    }

    private static long sent(int i, int field) {
        try {
            return (long) sentGet.invokeExact(i, field);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static long stat(int which) {
        try {
            return (long) stat.invokeExact(which);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static MethodHandle handle(SymbolLookup lib, String name, FunctionDescriptor desc) {
        return LINKER.downcallHandle(lib.find(name).orElseThrow(() -> new AssertionError(name + " not in fake .so")), desc);
    }
}
