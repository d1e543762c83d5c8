package io.kvcourier.pd;

import io.kvcourier.control.AllocExchange;
import io.kvcourier.control.ControlAgent;
import io.kvcourier.wire.CancelNotif;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.WireEncoder;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends {@code CancelNotif(reqId, keys)} to every rank of every receiver in use, on the ranks' alloc pools
 * (control thread): for a caller's {@link #cancel}, and for a request {@link HeldKeys} aborts after a failed
 * allocation.
 */
final class RequestCancels implements HeldKeys.Canceller {
    private static final System.Logger LOG = System.getLogger(SenderEngine.class.getName());

    private final ControlAgent control;
    private final HeldKeys held;
    private final PeerRegistry peers;
    private final long allocTimeoutNanos;

    RequestCancels(SenderEngine engine) {
        this.control = engine.control;
        this.held = engine.held;
        this.peers = engine.peers;
        this.allocTimeoutNanos = engine.allocTimeoutNanos;
    }

    /**
     * Tells every receiver rank to drop the keys it allocated for {@code reqId} ({@code CancelNotif}). The
     * future completes with how many ranks acknowledged, within the allocation deadline.
     */
    CompletableFuture<Integer> cancel(String reqId) {
        CompletableFuture<Integer> acked = new CompletableFuture<>();
        if (!control.execute(() -> send(reqId, held.release(reqId, List.of()), acked))) {
            acked.complete(0);
        }
        return acked;
    }

    /** Control thread: an aborted request's CancelNotif, to every rank; failures are logged. */
    @Override
    public void cancel(String reqId, List<String> keys) {
        send(reqId, keys, null);
    }

    private void send(String reqId, List<String> keys, CompletableFuture<Integer> result) {
        // Every receiver in use: a receiver that holds nothing for the request (the request went elsewhere) frees
        // nothing and acknowledges.
        List<RankPeer> ranks = new ArrayList<>();
        for (ReceiverPeer p : peers.used()) {
            ranks.addAll(List.of(p.ranks));
        }
        if (ranks.isEmpty()) {
            if (result != null) {
                result.complete(0);
            }
            return;
        }
        AtomicInteger left = new AtomicInteger(ranks.size());
        AtomicInteger acks = new AtomicInteger();
        long deadline = System.nanoTime() + allocTimeoutNanos;
        for (RankPeer peer : ranks) {
            peer.alloc.submit(new AllocExchange() {
                @Override
                protected ByteBuffer encode(WireEncoder enc) {
                    return enc.encode(new CancelNotif(reqId, keys));
                }

                @Override
                protected void onReply(PdMessage reply) {
                    acks.incrementAndGet();
                    done();
                }

                @Override
                protected void onFailure(String why, boolean timedOut) {
                    LOG.log(System.Logger.Level.WARNING, "rank {0}: CancelNotif for ''{1}'' failed: {2}", peer.rank,
                            reqId, why);
                    done();
                }

                private void done() {
                    if (left.decrementAndGet() == 0 && result != null) {
                        result.complete(acks.get());
                    }
                }
            }, deadline);
        }
    }
}
