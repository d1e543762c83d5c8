/*
 * A fake libibverbs provider for FakeProviderDispatchTest: a verbs_context whose ops point at the
 * stubs below, so InlineVerbs' function-pointer dispatch runs without an RDMA device. The stubs read
 * the Java-built ibv_send_wr / ibv_recv_wr / ibv_sge through the real C structs and write ibv_wc /
 * ibv_port_attr through them, and export what they saw (fake_sent_get etc.).
 * Only these ops may be called on a fake context: the exported verbs (ibv_query_device, ...) would
 * dereference libibverbs' private state and crash (docs/TRAPS.md#trap-11).
 * Build: gcc -std=gnu11 -Wall -Wextra -Werror -O2 -fPIC -shared -o libfakeverbs.so fakeverbs.c
 */
#include <infiniband/verbs.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_MAX_SGE 4
#define MAX_REC 64

struct rec {
    uint64_t wr_id, remote_addr, bytes, qp;
    int opcode, num_sge;
    unsigned send_flags;
    uint32_t imm, rkey;
    uint64_t sge_addr[FAKE_MAX_SGE];
    uint32_t sge_len[FAKE_MAX_SGE], sge_lkey[FAKE_MAX_SGE];
};

static struct rec sent[MAX_REC], recvd[MAX_REC];
static int nsent, nrecv;
static struct ibv_wc queue[MAX_REC];
static int qlen;
static int notify_calls, last_solicited, poll_calls, query_port_calls, last_port, alt_poll_calls;
static size_t last_port_len;
static uint64_t last_cq;

static void record(struct rec *r, uint64_t wr_id, struct ibv_sge *sg, int num_sge, struct ibv_qp *qp) {
    memset(r, 0, sizeof *r);
    r->wr_id = wr_id;
    r->num_sge = num_sge;
    r->qp = (uint64_t)(uintptr_t)qp;
    for (int i = 0; i < num_sge; i++) {
        r->bytes += sg[i].length;
        r->sge_addr[i] = sg[i].addr;
        r->sge_len[i] = sg[i].length;
        r->sge_lkey[i] = sg[i].lkey;
    }
}

static void push_wc(uint64_t wr_id, int status, int opcode, uint32_t byte_len, uint32_t imm,
                    unsigned wc_flags, uint32_t qp_num) {
    if (qlen >= MAX_REC)
        return;
    struct ibv_wc *wc = &queue[qlen++];
    memset(wc, 0, sizeof *wc);
    wc->wr_id = wr_id;
    wc->status = (enum ibv_wc_status)status;
    wc->opcode = (enum ibv_wc_opcode)opcode;
    wc->byte_len = byte_len;
    wc->imm_data = imm;
    wc->wc_flags = wc_flags;
    wc->qp_num = qp_num;
    wc->pkey_index = 0x1234;
    wc->slid = 0xabcd;
    wc->dlid_path_bits = 0x7f;
}

static int fake_post_send(struct ibv_qp *qp, struct ibv_send_wr *wr, struct ibv_send_wr **bad_wr) {
    for (; wr; wr = wr->next) {
        if (wr->num_sge < 0 || wr->num_sge > FAKE_MAX_SGE || nsent >= MAX_REC) {
            *bad_wr = wr;
            return EINVAL;
        }
        struct rec *r = &sent[nsent++];
        record(r, wr->wr_id, wr->sg_list, wr->num_sge, qp);
        r->opcode = wr->opcode;
        r->send_flags = wr->send_flags;
        r->imm = wr->imm_data;
        r->remote_addr = wr->wr.rdma.remote_addr;
        r->rkey = wr->wr.rdma.rkey;
        if (wr->send_flags & IBV_SEND_SIGNALED) {
            int opcode = wr->opcode == IBV_WR_SEND || wr->opcode == IBV_WR_SEND_WITH_IMM ? IBV_WC_SEND
                                                                                        : IBV_WC_RDMA_WRITE;
            push_wc(wr->wr_id, IBV_WC_SUCCESS, opcode, (uint32_t)r->bytes, 0, 0, qp->qp_num);
        }
    }
    return 0;
}

static int fake_post_recv(struct ibv_qp *qp, struct ibv_recv_wr *wr, struct ibv_recv_wr **bad_wr) {
    for (; wr; wr = wr->next) {
        if (wr->num_sge < 0 || wr->num_sge > FAKE_MAX_SGE || nrecv >= MAX_REC) {
            *bad_wr = wr;
            return EINVAL;
        }
        record(&recvd[nrecv++], wr->wr_id, wr->sg_list, wr->num_sge, qp);
    }
    return 0;
}

static int fake_poll_cq(struct ibv_cq *cq, int num_entries, struct ibv_wc *wc) {
    poll_calls++;
    last_cq = (uint64_t)(uintptr_t)cq;
    int n = num_entries < qlen ? num_entries : qlen;
    if (n < 0)
        return -1;
    memcpy(wc, queue, (size_t)n * sizeof *wc);
    memmove(queue, queue + n, (size_t)(qlen - n) * sizeof *wc);
    qlen -= n;
    return n;
}

static int fake_req_notify_cq(struct ibv_cq *cq, int solicited_only) {
    notify_calls++;
    last_solicited = solicited_only;
    last_cq = (uint64_t)(uintptr_t)cq;
    return 0;
}

static int fake_query_port(struct ibv_context *context, uint8_t port_num, struct ibv_port_attr *attr,
                           size_t attr_len) {
    (void)context;
    query_port_calls++;
    last_port = port_num;
    last_port_len = attr_len;
    if (attr_len != sizeof(struct ibv_port_attr))
        return EINVAL;
    memset(attr, 0, sizeof *attr);
    attr->state = IBV_PORT_ACTIVE;
    attr->max_mtu = IBV_MTU_4096;
    attr->active_mtu = IBV_MTU_1024;
    attr->gid_tbl_len = 128;
    attr->port_cap_flags = 0x12345678;
    attr->max_msg_sz = 0x40000000;
    attr->pkey_tbl_len = 64;
    attr->lid = 0x1234;
    attr->active_speed = 0x20;
    attr->phys_state = 5;
    attr->link_layer = IBV_LINK_LAYER_ETHERNET;
    attr->port_cap_flags2 = 0xbeef;
    return 0;
}

/* An alternative poll_cq the test swaps into ops to prove the pointer is read per call. */
int fake_poll_cq_alt(struct ibv_cq *cq, int num_entries, struct ibv_wc *wc) {
    (void)cq; (void)num_entries; (void)wc;
    alt_poll_calls++;
    return 0;
}

struct ibv_context *fake_open_context(void) {
    struct verbs_context *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->sz = sizeof *v;
    v->query_port = fake_query_port;
    v->context.abi_compat = __VERBS_ABI_IS_EXTENDED;
    v->context.ops.post_send = fake_post_send;
    v->context.ops.post_recv = fake_post_recv;
    v->context.ops.poll_cq = fake_poll_cq;
    v->context.ops.req_notify_cq = fake_req_notify_cq;
    return &v->context;
}

void fake_close_context(struct ibv_context *ctx) {
    free((char *)ctx - offsetof(struct verbs_context, context));
}

struct ibv_cq *fake_create_cq(struct ibv_context *ctx) {
    struct ibv_cq *cq = calloc(1, sizeof *cq);
    if (cq) {
        cq->context = ctx;
        cq->cqe = MAX_REC;
    }
    return cq;
}

struct ibv_qp *fake_create_qp(struct ibv_context *ctx, struct ibv_cq *cq, uint32_t qp_num) {
    struct ibv_qp *qp = calloc(1, sizeof *qp);
    if (qp) {
        qp->context = ctx;
        qp->send_cq = cq;
        qp->recv_cq = cq;
        qp->qp_num = qp_num;
        qp->qp_type = IBV_QPT_RC;
    }
    return qp;
}

void fake_free(void *p) {
    free(p);
}

void fake_reset(void) {
    nsent = nrecv = qlen = 0;
    notify_calls = last_solicited = poll_calls = query_port_calls = last_port = alt_poll_calls = 0;
    last_port_len = 0;
    last_cq = 0;
}

void fake_push_wc(uint64_t wr_id, int status, int opcode, uint32_t byte_len, uint32_t imm, unsigned wc_flags,
                  uint32_t qp_num) {
    push_wc(wr_id, status, opcode, byte_len, imm, wc_flags, qp_num);
}

/* field: 0 wr_id, 1 opcode, 2 num_sge, 3 send_flags, 4 imm, 5 remote_addr, 6 rkey, 7 bytes, 8 qp,
 * 10+j sge_addr[j], 20+j sge_len[j], 30+j sge_lkey[j] */
static uint64_t rec_get(const struct rec *r, int field) {
    switch (field) {
    case 0: return r->wr_id;
    case 1: return (uint64_t)r->opcode;
    case 2: return (uint64_t)r->num_sge;
    case 3: return r->send_flags;
    case 4: return r->imm;
    case 5: return r->remote_addr;
    case 6: return r->rkey;
    case 7: return r->bytes;
    case 8: return r->qp;
    default:
        if (field >= 10 && field < 10 + FAKE_MAX_SGE) return r->sge_addr[field - 10];
        if (field >= 20 && field < 20 + FAKE_MAX_SGE) return r->sge_len[field - 20];
        if (field >= 30 && field < 30 + FAKE_MAX_SGE) return r->sge_lkey[field - 30];
        return UINT64_MAX;
    }
}

uint64_t fake_sent_get(int i, int field) {
    return i >= 0 && i < nsent ? rec_get(&sent[i], field) : UINT64_MAX;
}

uint64_t fake_recv_get(int i, int field) {
    return i >= 0 && i < nrecv ? rec_get(&recvd[i], field) : UINT64_MAX;
}

/* which: 0 sent, 1 received, 2 notify calls, 3 last solicited_only, 4 query_port calls, 5 last port,
 * 6 last port_attr_len, 7 poll calls, 8 last cq, 9 alt poll calls, 10 queued completions */
uint64_t fake_stat(int which) {
    switch (which) {
    case 0: return (uint64_t)nsent;
    case 1: return (uint64_t)nrecv;
    case 2: return (uint64_t)notify_calls;
    case 3: return (uint64_t)last_solicited;
    case 4: return (uint64_t)query_port_calls;
    case 5: return (uint64_t)last_port;
    case 6: return last_port_len;
    case 7: return (uint64_t)poll_calls;
    case 8: return last_cq;
    case 9: return (uint64_t)alt_poll_calls;
    case 10: return (uint64_t)qlen;
    default: return UINT64_MAX;
    }
}
