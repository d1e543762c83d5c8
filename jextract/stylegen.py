#!/usr/bin/env python3
"""Stand-in for jextract on machines without it (see README.md in this folder).

One table below names every struct, union, function and constant kvcourier binds. From it this
script writes, in order:
  1. jextract/verbs.includes and jextract/libc.includes  (jextract --include-* argument files)
  2. jextract/layoutcheck.c                               (the C probe: S / F / C lines)
  3. jextract/layout-rdma-core44-x86_64.txt               (the probe's output, compiled with gcc here)
  4. verbs-bindings/src/main/java/io/kvcourier/verbs/gen/*.java  (jextract's generated form)

Offsets, sizes and constant values are never typed by hand: they come from the compiled probe, as
jextract takes them from clang. LayoutCheckTest re-runs the probe and checks the Java side.

Usage: python3 jextract/stylegen.py   (from the repository root; needs gcc and libibverbs-dev)
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JEX = os.path.join(ROOT, "jextract")
GEN = os.path.join(ROOT, "verbs-bindings/src/main/java/io/kvcourier/verbs/gen")
PKG = "io.kvcourier.verbs.gen"

# ---------------------------------------------------------------------------------------------
# Field type vocabulary
#   'u8' 'u16' 'i32' 'u32' 'u64' 'ptr'          scalars (enums are 'i32')
#   ('arr', 'u8', n)                           char/uint8_t array
#   ('opaque', n)                              pthread_mutex_t / pthread_cond_t (bytes only)
#   ('ref', 'name')                            a field whose type is another bound struct/union
#   ('anon_union', [fields])                   anonymous union: members are flattened (jextract does)
#   ('struct', [fields]) / ('union', [fields]) named nested struct/union: nested class
#   ('fp', ret, [(argname, argtype)...])       function pointer with a nested invoker class
# Function/descriptor types: 'void' 'int' 'u8' 'u32' 'long' 'ptr'
# ---------------------------------------------------------------------------------------------


def F(*fields):
    return list(fields)


I32 = "i32"

VERBS_STRUCTS = [
    ("union", "ibv_gid", F(
        ("raw", ("arr", "u8", 16)),
        ("global", ("struct", F(("subnet_prefix", "u64"), ("interface_id", "u64")))),
    )),
    ("struct", "ibv_gid_entry", F(
        ("gid", ("ref", "ibv_gid")), ("gid_index", "u32"), ("port_num", "u32"),
        ("gid_type", "u32"), ("ndev_ifindex", "u32"),
    )),
    ("struct", "ibv_device_attr", F(
        ("fw_ver", ("arr", "u8", 64)), ("node_guid", "u64"), ("sys_image_guid", "u64"),
        ("max_mr_size", "u64"), ("page_size_cap", "u64"), ("vendor_id", "u32"),
        ("vendor_part_id", "u32"), ("hw_ver", "u32"), ("max_qp", I32), ("max_qp_wr", I32),
        ("device_cap_flags", "u32"), ("max_sge", I32), ("max_sge_rd", I32), ("max_cq", I32),
        ("max_cqe", I32), ("max_mr", I32), ("max_pd", I32), ("max_qp_rd_atom", I32),
        ("max_ee_rd_atom", I32), ("max_res_rd_atom", I32), ("max_qp_init_rd_atom", I32),
        ("max_ee_init_rd_atom", I32), ("atomic_cap", I32), ("max_ee", I32), ("max_rdd", I32),
        ("max_mw", I32), ("max_raw_ipv6_qp", I32), ("max_raw_ethy_qp", I32),
        ("max_mcast_grp", I32), ("max_mcast_qp_attach", I32),
        ("max_total_mcast_qp_attach", I32), ("max_ah", I32), ("max_fmr", I32),
        ("max_map_per_fmr", I32), ("max_srq", I32), ("max_srq_wr", I32), ("max_srq_sge", I32),
        ("max_pkeys", "u16"), ("local_ca_ack_delay", "u8"), ("phys_port_cnt", "u8"),
    )),
    ("struct", "ibv_port_attr", F(
        ("state", I32), ("max_mtu", I32), ("active_mtu", I32), ("gid_tbl_len", I32),
        ("port_cap_flags", "u32"), ("max_msg_sz", "u32"), ("bad_pkey_cntr", "u32"),
        ("qkey_viol_cntr", "u32"), ("pkey_tbl_len", "u16"), ("lid", "u16"), ("sm_lid", "u16"),
        ("lmc", "u8"), ("max_vl_num", "u8"), ("sm_sl", "u8"), ("subnet_timeout", "u8"),
        ("init_type_reply", "u8"), ("active_width", "u8"), ("active_speed", "u8"),
        ("phys_state", "u8"), ("link_layer", "u8"), ("flags", "u8"), ("port_cap_flags2", "u16"),
    )),
    ("struct", "ibv_qp_cap", F(
        ("max_send_wr", "u32"), ("max_recv_wr", "u32"), ("max_send_sge", "u32"),
        ("max_recv_sge", "u32"), ("max_inline_data", "u32"),
    )),
    ("struct", "ibv_qp_init_attr", F(
        ("qp_context", "ptr"), ("send_cq", "ptr"), ("recv_cq", "ptr"), ("srq", "ptr"),
        ("cap", ("ref", "ibv_qp_cap")), ("qp_type", I32), ("sq_sig_all", I32),
    )),
    ("struct", "ibv_global_route", F(
        ("dgid", ("ref", "ibv_gid")), ("flow_label", "u32"), ("sgid_index", "u8"),
        ("hop_limit", "u8"), ("traffic_class", "u8"),
    )),
    ("struct", "ibv_ah_attr", F(
        ("grh", ("ref", "ibv_global_route")), ("dlid", "u16"), ("sl", "u8"),
        ("src_path_bits", "u8"), ("static_rate", "u8"), ("is_global", "u8"), ("port_num", "u8"),
    )),
    ("struct", "ibv_qp_attr", F(
        ("qp_state", I32), ("cur_qp_state", I32), ("path_mtu", I32), ("path_mig_state", I32),
        ("qkey", "u32"), ("rq_psn", "u32"), ("sq_psn", "u32"), ("dest_qp_num", "u32"),
        ("qp_access_flags", "u32"), ("cap", ("ref", "ibv_qp_cap")),
        ("ah_attr", ("ref", "ibv_ah_attr")), ("alt_ah_attr", ("ref", "ibv_ah_attr")),
        ("pkey_index", "u16"), ("alt_pkey_index", "u16"), ("en_sqd_async_notify", "u8"),
        ("sq_draining", "u8"), ("max_rd_atomic", "u8"), ("max_dest_rd_atomic", "u8"),
        ("min_rnr_timer", "u8"), ("port_num", "u8"), ("timeout", "u8"), ("retry_cnt", "u8"),
        ("rnr_retry", "u8"), ("alt_port_num", "u8"), ("alt_timeout", "u8"), ("rate_limit", "u32"),
    )),
    ("struct", "ibv_sge", F(("addr", "u64"), ("length", "u32"), ("lkey", "u32"))),
    ("struct", "ibv_mw_bind_info", F(
        ("mr", "ptr"), ("addr", "u64"), ("length", "u64"), ("mw_access_flags", "u32"),
    )),
    ("struct", "ibv_send_wr", F(
        ("wr_id", "u64"), ("next", "ptr"), ("sg_list", "ptr"), ("num_sge", I32), ("opcode", I32),
        ("send_flags", "u32"),
        ("$anon0", ("anon_union", F(("imm_data", "u32"), ("invalidate_rkey", "u32")))),
        ("wr", ("union", F(
            ("rdma", ("struct", F(("remote_addr", "u64"), ("rkey", "u32")))),
            ("atomic", ("struct", F(("remote_addr", "u64"), ("compare_add", "u64"),
                                    ("swap", "u64"), ("rkey", "u32")))),
            ("ud", ("struct", F(("ah", "ptr"), ("remote_qpn", "u32"), ("remote_qkey", "u32")))),
        ))),
        ("qp_type", ("union", F(("xrc", ("struct", F(("remote_srqn", "u32"),))),))),
        ("$anon1", ("anon_union", F(
            ("bind_mw", ("struct", F(("mw", "ptr"), ("rkey", "u32"),
                                     ("bind_info", ("ref", "ibv_mw_bind_info"))))),
            ("tso", ("struct", F(("hdr", "ptr"), ("hdr_sz", "u16"), ("mss", "u16")))),
        ))),
    )),
    ("struct", "ibv_recv_wr", F(("wr_id", "u64"), ("next", "ptr"), ("sg_list", "ptr"), ("num_sge", I32))),
    ("struct", "ibv_wc", F(
        ("wr_id", "u64"), ("status", I32), ("opcode", I32), ("vendor_err", "u32"),
        ("byte_len", "u32"),
        ("$anon0", ("anon_union", F(("imm_data", "u32"), ("invalidated_rkey", "u32")))),
        ("qp_num", "u32"), ("src_qp", "u32"), ("wc_flags", "u32"), ("pkey_index", "u16"),
        ("slid", "u16"), ("sl", "u8"), ("dlid_path_bits", "u8"),
    )),
    ("struct", "ibv_mr", F(
        ("context", "ptr"), ("pd", "ptr"), ("addr", "ptr"), ("length", "u64"), ("handle", "u32"),
        ("lkey", "u32"), ("rkey", "u32"),
    )),
    ("struct", "ibv_pd", F(("context", "ptr"), ("handle", "u32"))),
    ("struct", "ibv_comp_channel", F(("context", "ptr"), ("fd", I32), ("refcnt", I32))),
    ("struct", "ibv_cq", F(
        ("context", "ptr"), ("channel", "ptr"), ("cq_context", "ptr"), ("handle", "u32"),
        ("cqe", I32), ("mutex", ("opaque", 40)), ("cond", ("opaque", 48)),
        ("comp_events_completed", "u32"), ("async_events_completed", "u32"),
    )),
    ("struct", "ibv_qp", F(
        ("context", "ptr"), ("qp_context", "ptr"), ("pd", "ptr"), ("send_cq", "ptr"),
        ("recv_cq", "ptr"), ("srq", "ptr"), ("handle", "u32"), ("qp_num", "u32"), ("state", I32),
        ("qp_type", I32), ("mutex", ("opaque", 40)), ("cond", ("opaque", 48)),
        ("events_completed", "u32"),
    )),
    ("struct", "ibv_async_event", F(
        ("element", ("union", F(("cq", "ptr"), ("qp", "ptr"), ("srq", "ptr"), ("wq", "ptr"),
                                ("port_num", I32)))),
        ("event_type", I32),
    )),
    ("struct", "_ibv_device_ops", F(
        ("_dummy1", ("fp", "ptr", [("device", "ptr"), ("cmd_fd", "int")])),
        ("_dummy2", ("fp", "void", [("context", "ptr")])),
    )),
    ("struct", "ibv_device", F(
        ("_ops", ("ref", "_ibv_device_ops")), ("node_type", I32), ("transport_type", I32),
        ("name", ("arr", "u8", 64)), ("dev_name", ("arr", "u8", 64)),
        ("dev_path", ("arr", "u8", 256)), ("ibdev_path", ("arr", "u8", 256)),
    )),
    ("struct", "ibv_context_ops", F(
        ("_compat_query_device", ("fp", "int", [("context", "ptr"), ("device_attr", "ptr")])),
        ("_compat_query_port", ("fp", "int", [("context", "ptr"), ("port_num", "u8"), ("port_attr", "ptr")])),
        *[(n, ("fp", "ptr", [])) for n in ("_compat_alloc_pd", "_compat_dealloc_pd", "_compat_reg_mr",
                                           "_compat_rereg_mr", "_compat_dereg_mr")],
        ("alloc_mw", ("fp", "ptr", [("pd", "ptr"), ("type", "int")])),
        ("bind_mw", ("fp", "int", [("qp", "ptr"), ("mw", "ptr"), ("mw_bind", "ptr")])),
        ("dealloc_mw", ("fp", "int", [("mw", "ptr")])),
        ("_compat_create_cq", ("fp", "ptr", [])),
        ("poll_cq", ("fp", "int", [("cq", "ptr"), ("num_entries", "int"), ("wc", "ptr")])),
        ("req_notify_cq", ("fp", "int", [("cq", "ptr"), ("solicited_only", "int")])),
        *[(n, ("fp", "ptr", [])) for n in ("_compat_cq_event", "_compat_resize_cq", "_compat_destroy_cq",
                                           "_compat_create_srq", "_compat_modify_srq", "_compat_query_srq",
                                           "_compat_destroy_srq")],
        ("post_srq_recv", ("fp", "int", [("srq", "ptr"), ("recv_wr", "ptr"), ("bad_recv_wr", "ptr")])),
        *[(n, ("fp", "ptr", [])) for n in ("_compat_create_qp", "_compat_query_qp", "_compat_modify_qp",
                                           "_compat_destroy_qp")],
        ("post_send", ("fp", "int", [("qp", "ptr"), ("wr", "ptr"), ("bad_wr", "ptr")])),
        ("post_recv", ("fp", "int", [("qp", "ptr"), ("wr", "ptr"), ("bad_wr", "ptr")])),
        *[(n, ("fp", "ptr", [])) for n in ("_compat_create_ah", "_compat_destroy_ah", "_compat_attach_mcast",
                                           "_compat_detach_mcast", "_compat_async_event")],
    )),
    ("struct", "ibv_context", F(
        ("device", "ptr"), ("ops", ("ref", "ibv_context_ops")), ("cmd_fd", I32), ("async_fd", I32),
        ("num_comp_vectors", I32), ("mutex", ("opaque", 40)), ("abi_compat", "ptr"),
    )),
    ("struct", "verbs_context", F(
        ("query_port", ("fp", "int", [("context", "ptr"), ("port_num", "u8"), ("port_attr", "ptr"),
                                      ("port_attr_len", "long")])),
        # Extended ops kvcourier does not call: bound as plain pointers (no invoker class).
        *[(n, "ptr") for n in (
            "advise_mr", "alloc_null_mr", "read_counters", "attach_counters_point_flow",
            "create_counters", "destroy_counters", "reg_dm_mr", "alloc_dm", "free_dm",
            "modify_flow_action_esp", "destroy_flow_action", "create_flow_action_esp",
            "modify_qp_rate_limit", "alloc_parent_domain", "dealloc_td", "alloc_td", "modify_cq",
            "post_srq_ops", "destroy_rwq_ind_table", "create_rwq_ind_table", "destroy_wq",
            "modify_wq", "create_wq", "query_rt_values", "create_cq_ex", "priv", "query_device_ex",
            "ibv_destroy_flow", "ABI_placeholder2", "ibv_create_flow", "ABI_placeholder1", "open_qp",
            "create_qp_ex", "get_srq_num", "create_srq_ex", "open_xrcd", "close_xrcd")],
        ("_ABI_placeholder3", "u64"), ("sz", "u64"), ("context", ("ref", "ibv_context")),
    )),
]

LIBC_STRUCTS = [
    ("union", "epoll_data", F(("ptr", "ptr"), ("fd", I32), ("u32", "u32"), ("u64", "u64"))),
    # packed on x86-64 (__EPOLL_PACKED): every member is unaligned
    ("packed", "epoll_event", F(("events", "u32"), ("data", ("ref", "epoll_data")))),
]

VERBS_FUNCTIONS = [
    ("ptr", "ibv_get_device_list", [("num_devices", "ptr")]),
    ("void", "ibv_free_device_list", [("list", "ptr")]),
    ("ptr", "ibv_get_device_name", [("device", "ptr")]),
    ("ptr", "ibv_open_device", [("device", "ptr")]),
    ("int", "ibv_close_device", [("context", "ptr")]),
    ("int", "ibv_query_device", [("context", "ptr"), ("device_attr", "ptr")]),
    ("int", "ibv_query_port", [("context", "ptr"), ("port_num", "u8"), ("port_attr", "ptr")]),
    ("int", "ibv_query_gid", [("context", "ptr"), ("port_num", "u8"), ("index", "int"), ("gid", "ptr")]),
    ("int", "_ibv_query_gid_ex", [("context", "ptr"), ("port_num", "u32"), ("gid_index", "u32"),
                                  ("entry", "ptr"), ("flags", "u32"), ("entry_size", "long")]),
    ("long", "_ibv_query_gid_table", [("context", "ptr"), ("entries", "ptr"), ("max_entries", "long"),
                                      ("flags", "u32"), ("entry_size", "long")]),
    ("ptr", "ibv_alloc_pd", [("context", "ptr")]),
    ("int", "ibv_dealloc_pd", [("pd", "ptr")]),
    ("ptr", "ibv_reg_mr", [("pd", "ptr"), ("addr", "ptr"), ("length", "long"), ("access", "int")]),
    ("int", "ibv_dereg_mr", [("mr", "ptr")]),
    ("ptr", "ibv_create_comp_channel", [("context", "ptr")]),
    ("int", "ibv_destroy_comp_channel", [("channel", "ptr")]),
    ("int", "ibv_get_cq_event", [("channel", "ptr"), ("cq", "ptr"), ("cq_context", "ptr")]),
    ("void", "ibv_ack_cq_events", [("cq", "ptr"), ("nevents", "u32")]),
    ("int", "ibv_get_async_event", [("context", "ptr"), ("event", "ptr")]),
    ("void", "ibv_ack_async_event", [("event", "ptr")]),
    ("ptr", "ibv_create_cq", [("context", "ptr"), ("cqe", "int"), ("cq_context", "ptr"),
                              ("channel", "ptr"), ("comp_vector", "int")]),
    ("int", "ibv_destroy_cq", [("cq", "ptr")]),
    ("ptr", "ibv_create_qp", [("pd", "ptr"), ("qp_init_attr", "ptr")]),
    ("int", "ibv_modify_qp", [("qp", "ptr"), ("attr", "ptr"), ("attr_mask", "int")]),
    ("int", "ibv_query_qp", [("qp", "ptr"), ("attr", "ptr"), ("attr_mask", "int"), ("init_attr", "ptr")]),
    ("int", "ibv_destroy_qp", [("qp", "ptr")]),
    ("ptr", "ibv_wc_status_str", [("status", "int")]),
    ("ptr", "ibv_port_state_str", [("port_state", "int")]),
    ("ptr", "ibv_event_type_str", [("event", "int")]),
]

LIBC_FUNCTIONS = [
    ("int", "eventfd", [("__count", "u32"), ("__flags", "int")]),
    ("long", "read", [("__fd", "int"), ("__buf", "ptr"), ("__nbytes", "long")]),
    ("long", "write", [("__fd", "int"), ("__buf", "ptr"), ("__n", "long")]),
    ("int", "epoll_create1", [("__flags", "int")]),
    ("int", "epoll_ctl", [("__epfd", "int"), ("__op", "int"), ("__fd", "int"), ("__event", "ptr")]),
    ("int", "epoll_wait", [("__epfd", "int"), ("__events", "ptr"), ("__maxevents", "int"), ("__timeout", "int")]),
    ("int", "fcntl", [("__fd", "int"), ("__cmd", "int"), "..."]),
    ("int", "close", [("__fd", "int")]),
    ("ptr", "strerror", [("__errnum", "int")]),
]


def enum_names(*names):
    return list(names)


VERBS_CONSTANTS = (
    ["IBV_SYSFS_NAME_MAX", "IBV_SYSFS_PATH_MAX"]
    + ["IBV_NODE_UNKNOWN", "IBV_NODE_CA", "IBV_NODE_RNIC"]
    + ["IBV_TRANSPORT_UNKNOWN", "IBV_TRANSPORT_IB", "IBV_TRANSPORT_IWARP"]
    + ["IBV_QPT_RC", "IBV_QPT_UC", "IBV_QPT_UD", "IBV_QPT_RAW_PACKET"]
    + ["IBV_QPS_RESET", "IBV_QPS_INIT", "IBV_QPS_RTR", "IBV_QPS_RTS", "IBV_QPS_SQD", "IBV_QPS_SQE",
       "IBV_QPS_ERR", "IBV_QPS_UNKNOWN"]
    + ["IBV_MIG_MIGRATED", "IBV_MIG_REARM", "IBV_MIG_ARMED"]
    + ["IBV_QP_STATE", "IBV_QP_CUR_STATE", "IBV_QP_EN_SQD_ASYNC_NOTIFY", "IBV_QP_ACCESS_FLAGS",
       "IBV_QP_PKEY_INDEX", "IBV_QP_PORT", "IBV_QP_QKEY", "IBV_QP_AV", "IBV_QP_PATH_MTU",
       "IBV_QP_TIMEOUT", "IBV_QP_RETRY_CNT", "IBV_QP_RNR_RETRY", "IBV_QP_RQ_PSN",
       "IBV_QP_MAX_QP_RD_ATOMIC", "IBV_QP_ALT_PATH", "IBV_QP_MIN_RNR_TIMER", "IBV_QP_SQ_PSN",
       "IBV_QP_MAX_DEST_RD_ATOMIC", "IBV_QP_PATH_MIG_STATE", "IBV_QP_CAP", "IBV_QP_DEST_QPN",
       "IBV_QP_RATE_LIMIT"]
    + ["IBV_ACCESS_LOCAL_WRITE", "IBV_ACCESS_REMOTE_WRITE", "IBV_ACCESS_REMOTE_READ",
       "IBV_ACCESS_REMOTE_ATOMIC", "IBV_ACCESS_MW_BIND", "IBV_ACCESS_ZERO_BASED",
       "IBV_ACCESS_ON_DEMAND", "IBV_ACCESS_HUGETLB", "IBV_ACCESS_RELAXED_ORDERING"]
    + ["IBV_WR_RDMA_WRITE", "IBV_WR_RDMA_WRITE_WITH_IMM", "IBV_WR_SEND", "IBV_WR_SEND_WITH_IMM",
       "IBV_WR_RDMA_READ", "IBV_WR_ATOMIC_CMP_AND_SWP", "IBV_WR_ATOMIC_FETCH_AND_ADD",
       "IBV_WR_LOCAL_INV", "IBV_WR_BIND_MW", "IBV_WR_SEND_WITH_INV"]
    + ["IBV_SEND_FENCE", "IBV_SEND_SIGNALED", "IBV_SEND_SOLICITED", "IBV_SEND_INLINE"]
    + ["IBV_WC_SUCCESS", "IBV_WC_LOC_LEN_ERR", "IBV_WC_LOC_QP_OP_ERR", "IBV_WC_LOC_EEC_OP_ERR",
       "IBV_WC_LOC_PROT_ERR", "IBV_WC_WR_FLUSH_ERR", "IBV_WC_MW_BIND_ERR", "IBV_WC_BAD_RESP_ERR",
       "IBV_WC_LOC_ACCESS_ERR", "IBV_WC_REM_INV_REQ_ERR", "IBV_WC_REM_ACCESS_ERR",
       "IBV_WC_REM_OP_ERR", "IBV_WC_RETRY_EXC_ERR", "IBV_WC_RNR_RETRY_EXC_ERR",
       "IBV_WC_LOC_RDD_VIOL_ERR", "IBV_WC_REM_INV_RD_REQ_ERR", "IBV_WC_REM_ABORT_ERR",
       "IBV_WC_INV_EECN_ERR", "IBV_WC_INV_EEC_STATE_ERR", "IBV_WC_FATAL_ERR",
       "IBV_WC_RESP_TIMEOUT_ERR", "IBV_WC_GENERAL_ERR"]
    + ["IBV_WC_SEND", "IBV_WC_RDMA_WRITE", "IBV_WC_RDMA_READ", "IBV_WC_COMP_SWAP", "IBV_WC_FETCH_ADD",
       "IBV_WC_BIND_MW", "IBV_WC_LOCAL_INV", "IBV_WC_RECV", "IBV_WC_RECV_RDMA_WITH_IMM"]
    + ["IBV_WC_GRH", "IBV_WC_WITH_IMM", "IBV_WC_WITH_INV"]
    + ["IBV_MTU_256", "IBV_MTU_512", "IBV_MTU_1024", "IBV_MTU_2048", "IBV_MTU_4096"]
    + ["IBV_PORT_NOP", "IBV_PORT_DOWN", "IBV_PORT_INIT", "IBV_PORT_ARMED", "IBV_PORT_ACTIVE",
       "IBV_PORT_ACTIVE_DEFER"]
    + ["IBV_LINK_LAYER_UNSPECIFIED", "IBV_LINK_LAYER_INFINIBAND", "IBV_LINK_LAYER_ETHERNET"]
    + ["IBV_GID_TYPE_IB", "IBV_GID_TYPE_ROCE_V1", "IBV_GID_TYPE_ROCE_V2"]
    + ["IBV_EVENT_CQ_ERR", "IBV_EVENT_QP_FATAL", "IBV_EVENT_QP_REQ_ERR", "IBV_EVENT_QP_ACCESS_ERR",
       "IBV_EVENT_COMM_EST", "IBV_EVENT_SQ_DRAINED", "IBV_EVENT_PATH_MIG", "IBV_EVENT_PATH_MIG_ERR",
       "IBV_EVENT_DEVICE_FATAL", "IBV_EVENT_PORT_ACTIVE", "IBV_EVENT_PORT_ERR",
       "IBV_EVENT_LID_CHANGE", "IBV_EVENT_PKEY_CHANGE", "IBV_EVENT_SM_CHANGE", "IBV_EVENT_SRQ_ERR",
       "IBV_EVENT_SRQ_LIMIT_REACHED", "IBV_EVENT_QP_LAST_WQE_REACHED",
       "IBV_EVENT_CLIENT_REREGISTER", "IBV_EVENT_GID_CHANGE", "IBV_EVENT_WQ_FATAL"]
)
# pointer-valued macro: jextract emits it as a MemorySegment constant
VERBS_POINTER_CONSTANTS = ["__VERBS_ABI_IS_EXTENDED"]

LIBC_CONSTANTS = [
    "EFD_SEMAPHORE", "EFD_CLOEXEC", "EFD_NONBLOCK",
    "EPOLL_CLOEXEC", "EPOLL_CTL_ADD", "EPOLL_CTL_DEL", "EPOLL_CTL_MOD",
    "EPOLLIN", "EPOLLPRI", "EPOLLOUT", "EPOLLERR", "EPOLLHUP", "EPOLLRDHUP", "EPOLLONESHOT", "EPOLLET",
    "F_GETFL", "F_SETFL", "F_GETFD", "F_SETFD", "FD_CLOEXEC", "O_NONBLOCK",
    "EPERM", "ENOENT", "EINTR", "EIO", "EBADF", "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "EBUSY",
    "EEXIST", "ENODEV", "EINVAL", "EMFILE", "ENOSPC", "ENOSYS", "ENODATA", "EPROTO",
    "EOPNOTSUPP", "ETIMEDOUT", "ECONNREFUSED",
]

# ---------------------------------------------------------------------------------------------
SCALAR = {  # type -> (size, C layout constant, java type, ValueLayout class)
    "u8": (1, "C_CHAR", "byte", "OfByte"),
    "u16": (2, "C_SHORT", "short", "OfShort"),
    "i32": (4, "C_INT", "int", "OfInt"),
    "u32": (4, "C_INT", "int", "OfInt"),
    "u64": (8, "C_LONG", "long", "OfLong"),
    "ptr": (8, "C_POINTER", "MemorySegment", "AddressLayout"),
}
DESC = {  # function type -> (layout constant, java type)
    "int": ("C_INT", "int"), "u32": ("C_INT", "int"), "u8": ("C_CHAR", "byte"),
    "long": ("C_LONG", "long"), "ptr": ("C_POINTER", "MemorySegment"),
}


def probe_lines(structs):
    """C probe lines for one header's structs (S/U + one F per named field, nested ones dotted)."""
    out = []
    for kind, name, fields in structs:
        tag = "union" if kind == "union" else "struct"
        out.append(f'    SIZE({tag}, {name});')

        def walk(fields, prefix):
            for fname, ftype in fields:
                if isinstance(ftype, tuple) and ftype[0] == "anon_union":
                    walk(ftype[1], prefix)
                    continue
                path = prefix + fname
                out.append(f'    FIELD({tag}, {name}, {path});')
                if isinstance(ftype, tuple) and ftype[0] in ("struct", "union"):
                    walk(ftype[1], path + ".")
        walk(fields, "")
    return out


def write_probe():
    lines = [
        "/* Layout probe for kvcourier's FFM bindings. GENERATED by jextract/stylegen.py; do not edit.",
        " * Prints one line per fact:  S name sizeof alignof | F struct.field offset size | C NAME value",
        " * Build: gcc -std=gnu11 -Wall -Wextra -O0 -o layoutcheck layoutcheck.c   (headers only) */",
        "#define _GNU_SOURCE",
        "#include <stdio.h>", "#include <stddef.h>", "#include <stdint.h>", "#include <stdalign.h>",
        "#include <errno.h>", "#include <fcntl.h>", "#include <unistd.h>", "#include <string.h>",
        "#include <sys/epoll.h>", "#include <sys/eventfd.h>", "#include <infiniband/verbs.h>",
        "",
        '#define SIZE(tag, T) printf("S %s %zu %zu\\n", #T, sizeof(tag T), alignof(tag T))',
        '#define FIELD(tag, T, f) printf("F %s.%s %zu %zu\\n", #T, #f, offsetof(tag T, f), sizeof(((tag T *)0)->f))',
        '#define CONST(k) printf("C %s %lld\\n", #k, (long long)(k))',
        "",
        "int main(void) {",
        "    /* libibverbs (rdma-core) */",
    ]
    lines += probe_lines(VERBS_STRUCTS)
    lines += [f"    CONST({c});" for c in VERBS_CONSTANTS]
    lines += [f'    printf("C {c} %lld\\n", (long long)(intptr_t){c});' for c in VERBS_POINTER_CONSTANTS]
    lines += ["    /* libc (glibc, Linux) */"]
    lines += probe_lines(LIBC_STRUCTS)
    lines += [f"    CONST({c});" for c in LIBC_CONSTANTS]
    lines += ["    return 0;", "}", ""]
    with open(os.path.join(JEX, "layoutcheck.c"), "w") as f:
        f.write("\n".join(lines))


def run_probe():
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "layoutcheck")
        subprocess.check_call(["gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O0", "-o", exe,
                               os.path.join(JEX, "layoutcheck.c")])
        out = subprocess.check_output([exe], text=True)
    with open(os.path.join(JEX, "layout-rdma-core44-x86_64.txt"), "w") as f:
        f.write(out)
    facts = {"S": {}, "F": {}, "C": {}}
    for line in out.splitlines():
        k, name, *vals = line.split()
        facts[k][name] = tuple(int(v) for v in vals)
    return facts


def write_includes():
    def block(structs, functions, constants, header):
        out = [f"# jextract argument file ({header}). GENERATED by jextract/stylegen.py from its table.",
               "# Every line names something bound in io.kvcourier.verbs.gen; AllowListTest enforces it."]
        for kind, name, _ in structs:
            out.append(f"--include-{'union' if kind == 'union' else 'struct'} {name}")
        for ret, name, args in functions:
            out.append(f"--include-function {name}")
        for c in constants:
            out.append(f"--include-constant {c}")
        return "\n".join(out) + "\n"
    with open(os.path.join(JEX, "verbs.includes"), "w") as f:
        f.write(block(VERBS_STRUCTS, VERBS_FUNCTIONS, VERBS_CONSTANTS + VERBS_POINTER_CONSTANTS,
                      "infiniband/verbs.h, header class verbs_h"))
    with open(os.path.join(JEX, "libc.includes"), "w") as f:
        f.write(block(LIBC_STRUCTS, LIBC_FUNCTIONS, LIBC_CONSTANTS, "jextract/libc.h, header class libc_h"))


# ---------------------------------------------------------------------------------------------
# Java emission
class Ctx:
    def __init__(self, facts, header, all_structs):
        self.facts = facts
        self.header = header
        self.structs = {n: (k, f) for k, n, f in all_structs}

    def size_of(self, struct_name):
        return self.facts["S"][struct_name][0]

    def align_of(self, struct_name):
        return self.facts["S"][struct_name][1]


def field_align(ctx, ftype):
    if isinstance(ftype, str):
        return SCALAR[ftype][0]
    k = ftype[0]
    if k in ("arr", "opaque"):
        return 1
    if k == "ref":
        return ctx.align_of(ftype[1])
    if k == "fp":
        return 8
    return max(field_align(ctx, t) for _, t in ftype[1])


def leaf_layout(ctx, ftype, packed):
    if isinstance(ftype, str):
        expr = f"{ctx.header}.{SCALAR[ftype][1]}"
    elif ftype[0] == "fp":
        expr = f"{ctx.header}.C_POINTER"
    elif ftype[0] in ("arr", "opaque"):
        n = ftype[2] if ftype[0] == "arr" else ftype[1]
        expr = f"MemoryLayout.sequenceLayout({n}, {ctx.header}.C_CHAR)"
    else:
        raise ValueError(ftype)
    if packed and not expr.startswith("MemoryLayout.sequence"):
        expr += ".withByteAlignment(1)"
    return expr


def group_layout(ctx, struct, kind, fields, base_path, base_off, size, packed, indent):
    """Layout expression of a group whose members sit at probe offsets (relative to base_off)."""
    pad = " " * indent
    members = []
    cursor = 0
    is_union = kind in ("union", "anon_union")
    for fname, ftype in fields:
        off, fsize = member_off_size(ctx, struct, base_path, fname, ftype)
        rel = off - base_off
        if not is_union and rel > cursor:
            members.append(f"MemoryLayout.paddingLayout({rel - cursor})")
        members.append(member_layout(ctx, struct, base_path, base_off, fname, ftype, packed, indent + 4))
        cursor = rel + fsize if not is_union else max(cursor, fsize)
    if size > cursor:
        if is_union:
            members.append(f"MemoryLayout.paddingLayout({size})")
        else:
            members.append(f"MemoryLayout.paddingLayout({size - cursor})")
    fn = "unionLayout" if is_union else "structLayout"
    inner = (",\n" + pad + "    ").join(members)
    return f"MemoryLayout.{fn}(\n{pad}    {inner}\n{pad})"


def member_off_size(ctx, struct, base_path, fname, ftype):
    if isinstance(ftype, tuple) and ftype[0] == "anon_union":
        offs = [member_off_size(ctx, struct, base_path, n, t) for n, t in ftype[1]]
        off = offs[0][0]
        al = field_align(ctx, ftype)
        sz = max(s for _, s in offs)
        sz = (sz + al - 1) // al * al
        return off, sz
    return ctx.facts["F"][f"{struct}.{base_path}{fname}"]


def member_layout(ctx, struct, base_path, base_off, fname, ftype, packed, indent):
    if isinstance(ftype, tuple) and ftype[0] == "anon_union":
        off, sz = member_off_size(ctx, struct, base_path, fname, ftype)
        lay = group_layout(ctx, struct, "anon_union", ftype[1], base_path, off, sz, packed, indent)
        return f'{lay}.withName("{fname.replace("$anon", "$anon$")}")'
    if isinstance(ftype, tuple) and ftype[0] in ("struct", "union"):
        off, sz = ctx.facts["F"][f"{struct}.{base_path}{fname}"]
        lay = group_layout(ctx, struct, ftype[0], ftype[1], base_path + fname + ".", off, sz, packed, indent)
        return f'{lay}.withName("{fname}")'
    if isinstance(ftype, tuple) and ftype[0] == "ref":
        ref = ftype[1]
        if packed:
            # a packed struct embeds its members unaligned (epoll_event.data)
            rk, rf = ctx.structs[ref]
            lay = group_layout(ctx, ref, rk, rf, "", 0, ctx.size_of(ref), True, indent)
            return f'{lay}.withName("{fname}")'
        return f'{ref}.layout().withName("{fname}")'
    return f'{leaf_layout(ctx, ftype, packed)}.withName("{fname}")'


def jdesc(header, ret, args):
    arg_layouts = [f"{header}.{DESC[t][0]}" for _, t in args]
    if ret == "void":
        return f"FunctionDescriptor.ofVoid({', '.join(arg_layouts)})"
    return f"FunctionDescriptor.of({', '.join([header + '.' + DESC[ret][0]] + arg_layouts)})"


def fp_class(header, name, ret, args, ind):
    p = " " * ind
    jret = "void" if ret == "void" else DESC[ret][1]
    params = ", ".join(f"{DESC[t][1]} {n}" for n, t in args)
    names = ", ".join(n for n, _ in args)
    call_args = ", ".join(["funcPtr"] + [n for n, _ in args])
    ret_stmt = "" if ret == "void" else f"return ({jret}) "
    return f"""
{p}/**
{p} * {{@snippet lang=c :
{p} * function pointer field {name}
{p} * }}
{p} */
{p}public static class {name} {{

{p}    {name}() {{
{p}        // Should not be called directly
{p}    }}

{p}    /**
{p}     * The function pointer signature, expressed as a functional interface
{p}     */
{p}    public interface Function {{
{p}        {jret} apply({params});
{p}    }}

{p}    private static final FunctionDescriptor $DESC = {jdesc(header, ret, args)};

{p}    /**
{p}     * The descriptor for this function pointer
{p}     */
{p}    public static FunctionDescriptor descriptor() {{
{p}        return $DESC;
{p}    }}

{p}    private static final MethodHandle UP$MH = {header}.upcallHandle({name}.Function.class, "apply", $DESC);

{p}    /**
{p}     * Allocates a new upcall stub, whose implementation is defined by {{@code fi}}.
{p}     * The lifetime of the returned segment is managed by {{@code arena}}
{p}     */
{p}    public static MemorySegment allocate({name}.Function fi, Arena arena) {{
{p}        return Linker.nativeLinker().upcallStub(UP$MH.bindTo(fi), $DESC, arena);
{p}    }}

{p}    private static final MethodHandle DOWN$MH = Linker.nativeLinker().downcallHandle($DESC);

{p}    /**
{p}     * Invoke the upcall stub {{@code funcPtr}}, with given parameters
{p}     */
{p}    public static {jret} invoke({", ".join(["MemorySegment funcPtr"] + ([params] if params else []))}) {{
{p}        try {{
{p}            {ret_stmt}DOWN$MH.invokeExact({call_args});
{p}        }} catch (Throwable ex$) {{
{p}            throw new AssertionError("should not reach here", ex$);
{p}        }}
{p}    }}
{p}}}
"""


def accessors(ctx, struct, fields, base_path, base_off, group_expr_path, ind):
    """Static accessors for the fields of one group class (anonymous unions flattened)."""
    p = " " * ind
    out = []
    for fname, ftype in fields:
        if isinstance(ftype, tuple) and ftype[0] == "anon_union":
            out.append(accessors(ctx, struct, ftype[1], base_path, base_off,
                                 group_expr_path + [fname.replace("$anon", "$anon$")], ind))
            continue
        off, fsize = ctx.facts["F"][f"{struct}.{base_path}{fname}"]
        rel = off - base_off
        sel = ", ".join(f'groupElement("{e}")' for e in group_expr_path + [fname])
        if isinstance(ftype, str) or ftype[0] == "fp":
            key = "ptr" if not isinstance(ftype, str) else ftype
            _, _, jt, lc = SCALAR[key]
            lcq = lc if lc == "AddressLayout" else f"{lc}"
            out.append(f"""
{p}private static final {lcq} {fname}$LAYOUT = ({lcq})$LAYOUT.select({sel});

{p}/**
{p} * Layout for field {fname}
{p} */
{p}public static final {lcq} {fname}$layout() {{
{p}    return {fname}$LAYOUT;
{p}}}

{p}private static final long {fname}$OFFSET = {rel};

{p}/**
{p} * Offset for field {fname}
{p} */
{p}public static final long {fname}$offset() {{
{p}    return {fname}$OFFSET;
{p}}}

{p}/**
{p} * Getter for field {fname}
{p} */
{p}public static {jt} {fname}(MemorySegment struct) {{
{p}    return struct.get({fname}$LAYOUT, {fname}$OFFSET);
{p}}}

{p}/**
{p} * Setter for field {fname}
{p} */
{p}public static void {fname}(MemorySegment struct, {jt} fieldValue) {{
{p}    struct.set({fname}$LAYOUT, {fname}$OFFSET, fieldValue);
{p}}}
""")
            if not isinstance(ftype, str):
                out.append(fp_class(ctx.header, fname, ftype[1], ftype[2], ind))
            continue
        kind = ftype[0]
        if kind in ("arr", "opaque"):
            n = ftype[2] if kind == "arr" else ftype[1]
            out.append(f"""
{p}private static final SequenceLayout {fname}$LAYOUT = (SequenceLayout)$LAYOUT.select({sel});

{p}/**
{p} * Layout for field {fname}
{p} */
{p}public static final SequenceLayout {fname}$layout() {{
{p}    return {fname}$LAYOUT;
{p}}}

{p}private static final long {fname}$OFFSET = {rel};

{p}/**
{p} * Offset for field {fname}
{p} */
{p}public static final long {fname}$offset() {{
{p}    return {fname}$OFFSET;
{p}}}

{p}/**
{p} * Getter for field {fname} (a slice of {{@code struct}})
{p} */
{p}public static MemorySegment {fname}(MemorySegment struct) {{
{p}    return struct.asSlice({fname}$OFFSET, {fname}$LAYOUT.byteSize());
{p}}}

{p}/**
{p} * Setter for field {fname} (copies {{@code fieldValue}})
{p} */
{p}public static void {fname}(MemorySegment struct, MemorySegment fieldValue) {{
{p}    MemorySegment.copy(fieldValue, 0L, struct, {fname}$OFFSET, {fname}$LAYOUT.byteSize());
{p}}}

{p}private static long[] {fname}$DIMS = {{ {n} }};

{p}/**
{p} * Dimensions for array field {fname}
{p} */
{p}public static long[] {fname}$dimensions() {{
{p}    return {fname}$DIMS;
{p}}}

{p}private static final VarHandle {fname}$ELEM_HANDLE = {fname}$LAYOUT.varHandle(sequenceElement());

{p}/**
{p} * Indexed getter for field {fname}
{p} */
{p}public static byte {fname}(MemorySegment struct, long index0) {{
{p}    return (byte){fname}$ELEM_HANDLE.get(struct, {fname}$OFFSET, index0);
{p}}}

{p}/**
{p} * Indexed setter for field {fname}
{p} */
{p}public static void {fname}(MemorySegment struct, long index0, byte fieldValue) {{
{p}    {fname}$ELEM_HANDLE.set(struct, {fname}$OFFSET, index0, fieldValue);
{p}}}
""")
            continue
        # ref / nested struct / nested union: slice accessors (+ nested class for nested ones)
        out.append(f"""
{p}private static final GroupLayout {fname}$LAYOUT = (GroupLayout)$LAYOUT.select({sel});

{p}/**
{p} * Layout for field {fname}
{p} */
{p}public static final GroupLayout {fname}$layout() {{
{p}    return {fname}$LAYOUT;
{p}}}

{p}private static final long {fname}$OFFSET = {rel};

{p}/**
{p} * Offset for field {fname}
{p} */
{p}public static final long {fname}$offset() {{
{p}    return {fname}$OFFSET;
{p}}}

{p}/**
{p} * Getter for field {fname} (a slice of {{@code struct}})
{p} */
{p}public static MemorySegment {fname}(MemorySegment struct) {{
{p}    return struct.asSlice({fname}$OFFSET, {fname}$LAYOUT.byteSize());
{p}}}

{p}/**
{p} * Setter for field {fname} (copies {{@code fieldValue}})
{p} */
{p}public static void {fname}(MemorySegment struct, MemorySegment fieldValue) {{
{p}    MemorySegment.copy(fieldValue, 0L, struct, {fname}$OFFSET, {fname}$LAYOUT.byteSize());
{p}}}
""")
        if kind in ("struct", "union"):
            out.append(group_class(ctx, struct, fname, kind, ftype[1], base_path + fname + ".", off,
                                   f"{fname}$LAYOUT", ind, nested=True))
    return "".join(out)


def common_methods(p):
    return f"""
{p}/**
{p} * Obtains a slice of {{@code arrayParam}} which selects the array element at {{@code index}}.
{p} * The returned segment has address {{@code arrayParam.address() + index * layout().byteSize()}}
{p} */
{p}public static MemorySegment asSlice(MemorySegment array, long index) {{
{p}    return array.asSlice(layout().byteSize() * index);
{p}}}

{p}/**
{p} * The size (in bytes) of this struct
{p} */
{p}public static long sizeof() {{ return layout().byteSize(); }}

{p}/**
{p} * Allocate a segment of size {{@code layout().byteSize()}} using {{@code allocator}}
{p} */
{p}public static MemorySegment allocate(SegmentAllocator allocator) {{
{p}    return allocator.allocate(layout());
{p}}}

{p}/**
{p} * Allocate an array of size {{@code elementCount}} using {{@code allocator}}.
{p} * The returned segment has size {{@code elementCount * layout().byteSize()}}.
{p} */
{p}public static MemorySegment allocateArray(long elementCount, SegmentAllocator allocator) {{
{p}    return allocator.allocate(MemoryLayout.sequenceLayout(elementCount, layout()));
{p}}}

{p}/**
{p} * Reinterprets {{@code addr}} using target {{@code arena}} and {{@code cleanupAction}} (if any).
{p} * The returned segment has size {{@code layout().byteSize()}}
{p} */
{p}public static MemorySegment reinterpret(MemorySegment addr, Arena arena, Consumer<MemorySegment> cleanup) {{
{p}    return reinterpret(addr, 1, arena, cleanup);
{p}}}

{p}/**
{p} * Reinterprets {{@code addr}} using target {{@code arena}} and {{@code cleanupAction}} (if any).
{p} * The returned segment has size {{@code elementCount * layout().byteSize()}}
{p} */
{p}public static MemorySegment reinterpret(MemorySegment addr, long elementCount, Arena arena, Consumer<MemorySegment> cleanup) {{
{p}    return addr.reinterpret(layout().byteSize() * elementCount, arena, cleanup);
{p}}}
"""


def group_class(ctx, struct, name, kind, fields, base_path, base_off, layout_src, ind, nested):
    p = " " * ind
    if nested:
        layout_decl = f"{p}    private static final GroupLayout $LAYOUT = {layout_src};"
    else:
        layout_decl = f"{p}    private static final GroupLayout $LAYOUT = {layout_src};"
    ctag = "union" if kind == "union" else "struct"
    return f"""
{p}/**
{p} * {{@snippet lang=c :
{p} * {ctag} {name} (layout from the C probe, see jextract/layoutcheck.c)
{p} * }}
{p} */
{p}public{' static' if nested else ''} class {name} {{

{p}    {name}() {{
{p}        // Should not be called directly
{p}    }}

{layout_decl}

{p}    /**
{p}     * The layout of this {ctag}
{p}     */
{p}    public static final GroupLayout layout() {{
{p}        return $LAYOUT;
{p}    }}
{accessors(ctx, struct, fields, base_path, base_off, [], ind + 4)}{common_methods(p + '    ')}{p}}}
"""


IMPORTS = """import java.lang.invoke.*;
import java.lang.foreign.*;
import java.nio.ByteOrder;
import java.util.*;
import java.util.function.*;
import java.util.stream.*;

import static java.lang.foreign.ValueLayout.*;
import static java.lang.foreign.MemoryLayout.PathElement.*;
"""


def write_struct_file(ctx, kind, name, fields):
    size = ctx.size_of(name)
    packed = kind == "packed"
    gkind = "union" if kind == "union" else "struct"
    lay = group_layout(ctx, name, gkind, fields, "", 0, size, packed, 4)
    lay = f'{lay}.withName("{name}")'
    body = group_class(ctx, name, name, gkind, fields, "", 0, lay, 0, nested=False)
    src = f"// Generated in jextract's form by jextract/stylegen.py. DO NOT EDIT.\n\npackage {PKG};\n\n{IMPORTS}{body}"
    with open(os.path.join(GEN, name + ".java"), "w") as f:
        f.write(src)


def fn_wrapper(header, ret, name, args):
    variadic = "..." in args
    args = [a for a in args if a != "..."]
    jret = "void" if ret == "void" else DESC[ret][1]
    params = ", ".join(f"{DESC[t][1]} {n}" for n, t in args)
    names = ", ".join(n for n, _ in args)
    ret_stmt = "" if ret == "void" else f"return ({jret})"
    if variadic:
        base = jdesc(header, ret, args)
        return f"""
    /**
     * Variadic invoker class for:
     * {{@snippet lang=c :
     * {name}(...)
     * }}
     */
    public static class {name} {{
        private static final FunctionDescriptor BASE_DESC = {base};
        private static final MemorySegment ADDR = {header}.findOrThrow("{name}");

        private final MethodHandle handle;
        private final FunctionDescriptor descriptor;
        private final MethodHandle spreader;

        private {name}(MethodHandle handle, FunctionDescriptor descriptor, MethodHandle spreader) {{
            this.handle = handle;
            this.descriptor = descriptor;
            this.spreader = spreader;
        }}

        /**
         * Variadic invoker factory for:
         * {{@snippet lang=c :
         * {name}(...)
         * }}
         */
        public static {name} makeInvoker(MemoryLayout... layouts) {{
            FunctionDescriptor desc$ = BASE_DESC.appendArgumentLayouts(layouts);
            Linker.Option fva$ = Linker.Option.firstVariadicArg(BASE_DESC.argumentLayouts().size());
            var mh$ = Linker.nativeLinker().downcallHandle(ADDR, desc$, fva$);
            var spreader$ = mh$.asSpreader(Object[].class, layouts.length);
            return new {name}(mh$, desc$, spreader$);
        }}

        /**
         * {{@return the address}}
         */
        public static MemorySegment address() {{
            return ADDR;
        }}

        /**
         * {{@return the specialized method handle}}
         */
        public MethodHandle handle() {{
            return handle;
        }}

        /**
         * {{@return the specialized descriptor}}
         */
        public FunctionDescriptor descriptor() {{
            return descriptor;
        }}

        public {jret} apply({params}, Object... x2) {{
            try {{
                if (TRACE_DOWNCALLS) {{
                    traceDowncall("{name}", {names}, x2);
                }}
                {ret_stmt} spreader.invokeExact({names}, x2);
            }} catch (IllegalArgumentException | ClassCastException ex$)  {{
                throw ex$; // rethrow IAE from passing wrong number/type of args
            }} catch (Throwable ex$) {{
                throw new AssertionError("should not reach here", ex$);
            }}
        }}
    }}
"""
    return f"""
    private static class {name} {{
        public static final FunctionDescriptor DESC = {jdesc(header, ret, args)};

        public static final MemorySegment ADDR = {header}.findOrThrow("{name}");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }}

    /**
     * Function descriptor for:
     * {{@snippet lang=c :
     * {name}(...)
     * }}
     */
    public static FunctionDescriptor {name}$descriptor() {{
        return {name}.DESC;
    }}

    /**
     * Downcall method handle for:
     * {{@snippet lang=c :
     * {name}(...)
     * }}
     */
    public static MethodHandle {name}$handle() {{
        return {name}.HANDLE;
    }}

    /**
     * Address for:
     * {{@snippet lang=c :
     * {name}(...)
     * }}
     */
    public static MemorySegment {name}$address() {{
        return {name}.ADDR;
    }}

    /**
     * {{@snippet lang=c :
     * {name}(...)
     * }}
     */
    public static {jret} {name}({params}) {{
        var mh$ = {name}.HANDLE;
        try {{
            if (TRACE_DOWNCALLS) {{
                traceDowncall("{name}"{', ' + names if names else ''});
            }}
            {ret_stmt} mh$.invokeExact({names});
        }} catch (Throwable ex$) {{
           throw new AssertionError("should not reach here", ex$);
        }}
    }}
"""


def write_header(ctx, cls, functions, constants, pointer_constants, lookup_comment, lookup_expr):
    parts = [f"""// Generated in jextract's form by jextract/stylegen.py. DO NOT EDIT.

package {PKG};

{IMPORTS}
public class {cls} {{

    {cls}() {{
        // Should not be called directly
    }}

    static final Arena LIBRARY_ARENA = Arena.ofAuto();
    static final boolean TRACE_DOWNCALLS = Boolean.getBoolean("jextract.trace.downcalls");

    static void traceDowncall(String name, Object... args) {{
         String traceArgs = Arrays.stream(args)
                       .map(Object::toString)
                       .collect(Collectors.joining(", "));
         System.out.printf("%s(%s)\\n", name, traceArgs);
    }}

    static MemorySegment findOrThrow(String symbol) {{
        return Library.SYMBOL_LOOKUP.find(symbol)
            .orElseThrow(() -> new UnsatisfiedLinkError("unresolved symbol: " + symbol + Library.PROBLEM));
    }}

    static MethodHandle upcallHandle(Class<?> fi, String name, FunctionDescriptor fdesc) {{
        try {{
            return MethodHandles.lookup().findVirtual(fi, name, fdesc.toMethodType());
        }} catch (ReflectiveOperationException ex) {{
            throw new AssertionError(ex);
        }}
    }}

    static MemoryLayout align(MemoryLayout layout, long align) {{
        return switch (layout) {{
            case PaddingLayout p -> p;
            case ValueLayout v -> v.withByteAlignment(align);
            case GroupLayout g -> {{
                MemoryLayout[] alignedMembers = g.memberLayouts().stream()
                        .map(m -> align(m, align)).toArray(MemoryLayout[]::new);
                yield g instanceof StructLayout ?
                        MemoryLayout.structLayout(alignedMembers) : MemoryLayout.unionLayout(alignedMembers);
            }}
            case SequenceLayout s -> MemoryLayout.sequenceLayout(s.elementCount(), align(s.elementLayout(), align));
        }};
    }}

    // kvcourier deviation from jextract's output: the library is looked up lazily, on the first
    // function call, so that constants and layouts load on machines without it. {lookup_comment}
    private static final class Library {{
        static final String PROBLEM;
        static final SymbolLookup SYMBOL_LOOKUP;
        static {{
            SymbolLookup lookup;
            String problem = "";
            try {{
                lookup = {lookup_expr};
            }} catch (IllegalArgumentException | IllegalCallerException e) {{
                lookup = name -> Optional.empty();
                problem = " (" + e.getMessage() + ")";
            }}
            SYMBOL_LOOKUP = lookup;
            PROBLEM = problem;
        }}
    }}

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
"""]
    for c in constants:
        v = ctx.facts["C"][c][0]
        iv = v if -2**31 <= v < 2**31 else (v - 2**32 if v < 2**32 else None)
        if iv is None:
            parts.append(f"""
    private static final long {c} = {v}L;
    /**
     * {{@snippet lang=c :
     * {c} = {v}
     * }}
     */
    public static long {c}() {{
        return {c};
    }}
""")
        else:
            parts.append(f"""
    private static final int {c} = (int){v}L;
    /**
     * {{@snippet lang=c :
     * {c} = {v}
     * }}
     */
    public static int {c}() {{
        return {c};
    }}
""")
    for c in pointer_constants:
        v = ctx.facts["C"][c][0]
        parts.append(f"""
    private static final MemorySegment {c} = MemorySegment.ofAddress({v}L);
    /**
     * {{@snippet lang=c :
     * #define {c} ((void*){v})
     * }}
     */
    public static MemorySegment {c}() {{
        return {c};
    }}
""")
    for ret, name, args in functions:
        parts.append(fn_wrapper(cls, ret, name, args))
    parts.append("}\n")
    with open(os.path.join(GEN, cls + ".java"), "w") as f:
        f.write("".join(parts))


def main():
    os.makedirs(GEN, exist_ok=True)
    write_includes()
    write_probe()
    facts = run_probe()
    for f in os.listdir(GEN):
        if f.endswith(".java") and f != "package-info.java":
            os.remove(os.path.join(GEN, f))
    vctx = Ctx(facts, "verbs_h", VERBS_STRUCTS)
    for kind, name, fields in VERBS_STRUCTS:
        write_struct_file(vctx, kind, name, fields)
    write_header(vctx, "verbs_h", VERBS_FUNCTIONS, VERBS_CONSTANTS, VERBS_POINTER_CONSTANTS,
                 "On machines without libibverbs1 every function call throws UnsatisfiedLinkError.",
                 'SymbolLookup.libraryLookup("libibverbs.so.1", LIBRARY_ARENA)')
    lctx = Ctx(facts, "libc_h", LIBC_STRUCTS)
    for kind, name, fields in LIBC_STRUCTS:
        write_struct_file(lctx, kind, name, fields)
    write_header(lctx, "libc_h", LIBC_FUNCTIONS, LIBC_CONSTANTS, [],
                 "(libc is always there; kept lazy for symmetry.)",
                 "SymbolLookup.loaderLookup().or(Linker.nativeLinker().defaultLookup())")
    print(f"wrote {len(VERBS_STRUCTS) + len(LIBC_STRUCTS)} struct classes, verbs_h, libc_h; "
          f"{sum(len(v) for v in facts.values())} probe facts")


if __name__ == "__main__":
    main()
