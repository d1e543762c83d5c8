/**
 * The RDMA verbs transfer channel: RC queue pairs over libibverbs through FFM
 * ({@code io.kvcourier.verbs}).
 *
 * <p>Shape: {@link io.kvcourier.channel.verbs.VerbsChannel#FACTORY} opens a sender or receiver half; each
 * half is one {@code VerbsEndpoint} — device context and one protection domain ({@code VerbsDevice}), the
 * adapter's staging buffer registered once ({@code LOCAL_WRITE | REMOTE_WRITE}; {@code MemoryRegions}), the QP
 * state machine ({@code QueuePairs}), one completion channel ({@code CompletionEvents}) and one platform progress
 * thread ({@code ProgressLoop}) — plus one {@code QpSet} (a CQ and {@code num_qps} RC QPs) per peer: a
 * {@code VerbsConnection} on the sender, a {@code VerbsSession} on the receiver. QP numbers, PSNs, GID, LID, MTU
 * and the receiver's buffer address and rkey travel in {@code VerbsInitRequest} / {@code VerbsInitResponse}.
 *
 * <p>Data path: a batch goes onto one QP as RDMA WRITEs (adjacent pages coalesced), the last being
 * {@code RDMA_WRITE_WITH_IMM} with the batch id as a big-endian immediate. The receiver's receive completion
 * of it commits the batch ({@code LandingListener.onBatchLanded}) and the receiver answers with a
 * zero-length {@code SEND_WITH_IMM} (same id; top bit set when it did not commit); the sender's future
 * completes on that acknowledgement. A failed work completion fails the batches of its QP with the
 * {@code ibv_wc_status} name; closing a connection or fencing a sender destroys the QPs, after which nothing
 * more is read from or written to staging memory through them.
 *
 * <p>System property {@code kvcourier.verbs.busyPollMicros} (default 0) keeps the progress thread polling
 * the CQs that long after the last completion before it arms them and sleeps in epoll.
 */
package io.kvcourier.channel.verbs;
