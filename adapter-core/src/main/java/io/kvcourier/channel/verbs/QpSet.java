package io.kvcourier.channel.verbs;

import java.lang.foreign.MemorySegment;

/**
 * The queue pairs of a verbs channel towards one peer: a completion queue and the RC QPs that share it, created,
 * driven and destroyed on the channel's progress thread ({@link VerbsEndpoint}). Subclasses handle completions
 * for their side: {@link VerbsConnection} (a sender's connection to one receiver rank: write credits and commit
 * acknowledgements) and {@link VerbsSession} (a receiver's session with one sender connection: landed batches).
 */
abstract class QpSet {
    final VerbsEndpoint endpoint;
    MemorySegment cq = MemorySegment.NULL;
    Qp[] qps = new Qp[0];
    /** Set on the progress thread when the set must be torn down after the current poll. */
    boolean destroyRequested;
    /** True once its native objects are destroyed. */
    volatile boolean destroyed;
    /** Completes once its native objects are destroyed. */
    final java.util.concurrent.CompletableFuture<Void> gone = new java.util.concurrent.CompletableFuture<>();

    QpSet(VerbsEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    /** The QP with number {@code qpn}, or null (a completion of an already destroyed QP). */
    final Qp qp(int qpn) {
        Qp[] q = qps;
        for (int i = 0; i < q.length; i++) {
            if (q[i].qpn == qpn) {
                return q[i];
            }
        }
        return null;
    }

    /**
     * One work completion of {@code qp}. {@code imm} is the host-order immediate (valid with
     * {@code IBV_WC_WITH_IMM} in {@code wcFlags}). Called on the progress thread; must not allocate on the
     * success path.
     */
    abstract void onCompletion(Qp qp, int status, int opcode, long wrId, int imm, int wcFlags, int vendorErr);

    /** {@code qp} failed (async event, post error): fail what depends on it. Progress thread. */
    abstract void onQpFailed(Qp qp, String why);

    /** Posts queued work if any (sender); called every loop turn on the progress thread. */
    void pump() {
    }

    /** Called once on the progress thread just before the set's native objects are destroyed. */
    abstract void onDestroy(String why);
}
