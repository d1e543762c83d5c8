package io.kvcourier.cli;

import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;
import io.kvcourier.pd.ReceiverTarget;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A {@link DecodeRouter} with one sender adapter for every decode node: each request names its decode node as a
 * {@link ReceiverTarget} (that node's host and per-rank init/alloc ports), so the adapter connects to a node on its
 * first request and reuses the connection after. The config's own peer ({@code peer_host}, {@code peer_*_port}) is
 * never used. Owns the adapter.
 */
final class TargetDecodeRouter implements DecodeRouter {
    private final PdL2Adapter adapter;
    private final List<ReceiverTarget> targets;
    private boolean closed;

    /**
     * @param adapter a started sender adapter; owned from here on (closed by {@link #close()})
     * @param targets the decode nodes, index {@code d} for decode node {@code d}
     * @throws IllegalArgumentException when a target is invalid (see {@link ReceiverTarget})
     */
    TargetDecodeRouter(PdL2Adapter adapter, List<DecodeTarget> targets) {
        this.adapter = adapter;
        this.targets = targets.stream().map(t -> ReceiverTarget.of(t.host(), t.initPorts(), t.allocPorts())).toList();
    }

    /**
     * Starts the sender adapter from {@code config} (a sender config) and routes to {@code targets} through it.
     *
     * @throws UsageException  when the config or a target is refused
     * @throws CommandFailure  when the adapter does not start
     */
    static TargetDecodeRouter start(PdL2AdapterConfig config, List<DecodeTarget> targets)
            throws UsageException, CommandFailure {
        try {
            targets.forEach(t -> ReceiverTarget.of(t.host(), t.initPorts(), t.allocPorts()));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--targets: " + e.getMessage());
        }
        return new TargetDecodeRouter(Adapters.create(config), targets);
    }

    /** {@return the sender adapter every request goes through (still owned by this router)} */
    PdL2Adapter adapter() {
        return adapter;
    }

    @Override
    public int decodeNodes() {
        return targets.size();
    }

    @Override
    public CompletionStage<Boolean> store(List<ObjectKey> keys, List<MemoryObj> objects, TransferSpec spec,
            int decode) {
        return adapter.async().store(keys, objects, spec, targets.get(decode));
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            adapter.close();
        }
    }
}
