package io.kvcourier.channel.verbs;

import io.kvcourier.verbs.gen.verbs_h;

/** Names of {@code enum ibv_wc_status} values, as the header spells them, for error messages. */
final class WcStatus {
    private static final String[] NAMES = new String[32];

    static {
        NAMES[verbs_h.IBV_WC_SUCCESS()] = "IBV_WC_SUCCESS";
        NAMES[verbs_h.IBV_WC_LOC_LEN_ERR()] = "IBV_WC_LOC_LEN_ERR";
        NAMES[verbs_h.IBV_WC_LOC_QP_OP_ERR()] = "IBV_WC_LOC_QP_OP_ERR";
        NAMES[verbs_h.IBV_WC_LOC_EEC_OP_ERR()] = "IBV_WC_LOC_EEC_OP_ERR";
        NAMES[verbs_h.IBV_WC_LOC_PROT_ERR()] = "IBV_WC_LOC_PROT_ERR";
        NAMES[verbs_h.IBV_WC_WR_FLUSH_ERR()] = "IBV_WC_WR_FLUSH_ERR";
        NAMES[verbs_h.IBV_WC_MW_BIND_ERR()] = "IBV_WC_MW_BIND_ERR";
        NAMES[verbs_h.IBV_WC_BAD_RESP_ERR()] = "IBV_WC_BAD_RESP_ERR";
        NAMES[verbs_h.IBV_WC_LOC_ACCESS_ERR()] = "IBV_WC_LOC_ACCESS_ERR";
        NAMES[verbs_h.IBV_WC_REM_INV_REQ_ERR()] = "IBV_WC_REM_INV_REQ_ERR";
        NAMES[verbs_h.IBV_WC_REM_ACCESS_ERR()] = "IBV_WC_REM_ACCESS_ERR";
        NAMES[verbs_h.IBV_WC_REM_OP_ERR()] = "IBV_WC_REM_OP_ERR";
        NAMES[verbs_h.IBV_WC_RETRY_EXC_ERR()] = "IBV_WC_RETRY_EXC_ERR";
        NAMES[verbs_h.IBV_WC_RNR_RETRY_EXC_ERR()] = "IBV_WC_RNR_RETRY_EXC_ERR";
        NAMES[verbs_h.IBV_WC_LOC_RDD_VIOL_ERR()] = "IBV_WC_LOC_RDD_VIOL_ERR";
        NAMES[verbs_h.IBV_WC_REM_INV_RD_REQ_ERR()] = "IBV_WC_REM_INV_RD_REQ_ERR";
        NAMES[verbs_h.IBV_WC_REM_ABORT_ERR()] = "IBV_WC_REM_ABORT_ERR";
        NAMES[verbs_h.IBV_WC_INV_EECN_ERR()] = "IBV_WC_INV_EECN_ERR";
        NAMES[verbs_h.IBV_WC_INV_EEC_STATE_ERR()] = "IBV_WC_INV_EEC_STATE_ERR";
        NAMES[verbs_h.IBV_WC_FATAL_ERR()] = "IBV_WC_FATAL_ERR";
        NAMES[verbs_h.IBV_WC_RESP_TIMEOUT_ERR()] = "IBV_WC_RESP_TIMEOUT_ERR";
        NAMES[verbs_h.IBV_WC_GENERAL_ERR()] = "IBV_WC_GENERAL_ERR";
    }

    private WcStatus() {
    }

    /** {@return e.g. {@code "IBV_WC_REM_ACCESS_ERR"}, or {@code "ibv_wc_status 99"}} */
    static String name(int status) {
        String n = status >= 0 && status < NAMES.length ? NAMES[status] : null;
        return n != null ? n : "ibv_wc_status " + status;
    }
}
