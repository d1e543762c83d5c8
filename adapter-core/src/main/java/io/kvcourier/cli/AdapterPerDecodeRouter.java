package io.kvcourier.cli;

import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * A {@link DecodeRouter} with one sender adapter per decode node, each configured with that node as its peer
 * ({@code peer_host}, {@code peer_init_port}, {@code peer_alloc_port}). Stand-in for one adapter with per-request
 * receiver targets. Owns the adapters.
 */
final class AdapterPerDecodeRouter implements DecodeRouter {
    private final List<PdL2Adapter> adapters;
    private boolean closed;

    private AdapterPerDecodeRouter(List<PdL2Adapter> adapters) {
        this.adapters = adapters;
    }

    /**
     * Starts one sender adapter per target from {@code base} (a sender config) with the target's host and ports.
     *
     * @throws UsageException  when the config is refused
     * @throws CommandFailure  when an adapter does not start
     */
    static AdapterPerDecodeRouter start(PdL2AdapterConfig base, List<DecodeTarget> targets)
            throws UsageException, CommandFailure {
        List<PdL2Adapter> adapters = new ArrayList<>();
        try {
            for (DecodeTarget t : targets) {
                Map<String, Object> m = new java.util.LinkedHashMap<>(base.toMap());
                m.put("peer_host", t.host());
                m.put("peer_init_port", t.initPorts());
                m.put("peer_alloc_port", t.allocPorts());
                PdL2AdapterConfig config;
                try {
                    config = PdL2AdapterConfig.fromMap(m);
                } catch (io.kvcourier.pd.ConfigException e) {
                    throw new UsageException("--config (key " + e.field() + "): " + e.getMessage());
                }
                adapters.add(Adapters.create(config));
            }
        } catch (UsageException | CommandFailure | RuntimeException e) {
            adapters.forEach(PdL2Adapter::close);
            throw e;
        }
        return new AdapterPerDecodeRouter(List.copyOf(adapters));
    }

    @Override
    public int decodeNodes() {
        return adapters.size();
    }

    @Override
    public CompletionStage<Boolean> store(List<ObjectKey> keys, List<MemoryObj> objects, TransferSpec spec, int decode) {
        return adapters.get(decode).async().store(keys, objects, spec);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            adapters.forEach(PdL2Adapter::close);
        }
    }
}
