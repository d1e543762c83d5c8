package io.kvcourier.pd;

import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.channel.TransferChannels;
import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.L2Adapter;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * LMCache's PD L2 adapter in Java: a <b>sender</b> (prefill) stores KV chunks into a remote
 * <b>receiver</b> (decode) through a ZMQ control plane and a transfer channel, and tells the proxy when a
 * request's KV has landed; a receiver serves the allocations, commits what lands, and answers lookups and
 * loads from its staging buffer.
 *
 * <p>The task contract is {@link L2Adapter}'s. Role by operation (docs/ARCHITECTURE.md#decision-19): a receiver's
 * store completes at once with {@code true} (it is filled by senders); a sender's lookup and load complete
 * at once with all-zero bitmaps and its unlock does nothing.
 *
 * <p>Threads: a store task is planned on the adapter's control thread, which owns every ZMQ socket, and completed
 * by the channel's progress thread on the receiver's commit acknowledgement; loads run on virtual threads; lookups
 * and unlocks run on the caller's thread (short, in-memory) and are signalled before {@code submit} returns. The
 * adapter owns a ZMQ context, its staging buffer (native memory), its channel half, and on a sender the proxy
 * notifier.
 *
 * <p>The same engine is offered as {@link java.util.concurrent.CompletionStage}s by {@link #async()}, for runtimes
 * that are not LMCache controllers: its tasks never appear in pop/query results and never signal the eventfds.
 */
public final class PdL2Adapter implements L2Adapter {
    private static final System.Logger LOG = System.getLogger(PdL2Adapter.class.getName());

    private final PdL2AdapterConfig config;
    private final TaskLedger ledger;
    private final ExecutorService executor;
    private final SenderEngine sender;
    private final ReceiverEngine receiver;
    /** A receiver's lookups, loads and commit listener; null on a sender. */
    private final ReceiverTasks receiverTasks;
    /** The role's engine and, on a sender, the proxy notifier and notification tracker. */
    private final AdapterParts parts;
    /** Tasks in flight, and the failures recorded for those close gives up on. */
    private final InflightTasks tasks = new InflightTasks();
    /** Ids of async store tasks: their own counter, so the eventfd contract's ids stay 0, 1, 2, ... */
    private final AtomicLong asyncIds = new AtomicLong();
    /** Where dependents of async stages run: the task executor, or a fresh virtual thread once it is shut down. */
    private final Executor dependents;
    private final AsyncPdAdapter async;
    private volatile boolean closed;
    private boolean closeDone;

    /**
     * Creates an adapter with the first channel in {@code config.channelPreferences()} this machine supports.
     *
     * @param config the configuration
     * @return a running adapter; close it to release its threads, sockets and memory
     * @throws IllegalArgumentException      for a configuration this machine cannot serve (e.g. verbs without
     *                                       an RDMA device, a CUDA buffer), naming the reason
     * @throws IllegalStateException         if a port cannot be bound or the channel cannot start
     */
    public static PdL2Adapter create(PdL2AdapterConfig config) {
        return new PdL2Adapter(config,
                TransferChannels.factoryFor(config.channelPreferences(), config.transferChannel()));
    }

    /**
     * Creates an adapter over the given channel factory (tests use a controllable one).
     *
     * @param config the configuration
     * @param channels the transfer channel implementation (an internal SPI, not exported)
     */
    @SuppressWarnings("exports") // the channel SPI is internal: tests and in-process channels use this constructor
    public PdL2Adapter(PdL2AdapterConfig config, TransferChannelFactory channels) {
        this.config = Objects.requireNonNull(config, "config");
        if (!"cpu".equals(config.bufferDevice())) {
            throw new IllegalArgumentException("buffer_device '" + config.bufferDevice()
                    + "' is not supported yet (use 'cpu')");
        }
        LOG.log(System.Logger.Level.INFO, "Initializing PdL2Adapter: role={0}, peer_host={1}",
                config.role().wireName(), config.peerHost());
        this.ledger = new TaskLedger();
        this.executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("kvcourier-task-", 0).factory());
        this.dependents = InflightTasks.dependentsOn(executor);
        this.async = new AsyncPdAdapter(this);
        this.parts = new AdapterParts(config, channels, executor, ledger, tasks);
        this.sender = parts.sender;
        this.receiver = parts.receiver;
        this.receiverTasks = receiver == null ? null : new ReceiverTasks(receiver.store(), executor, ledger, tasks);
    }

    /**
     * The {@link java.util.concurrent.CompletionStage} view of this adapter: stores, lookups and loads whose
     * results complete stages instead of signalling the eventfds. One view per adapter; it lives as long as the
     * adapter does.
     *
     * @return this adapter's async view
     */
    public AsyncPdAdapter async() {
        return async;
    }

    /**
     * {@return the configuration this adapter was created with}
     */
    public PdL2AdapterConfig config() {
        return config;
    }

    /**
     * {@return whether this adapter sends (prefill) or receives (decode)}
     */
    public Role role() {
        return config.role();
    }

    /** {@return the receiver's bound alloc ports, one per rank (the real ports when 0 was configured)} */
    public List<Integer> allocPorts() {
        requireRole(Role.RECEIVER, "allocPorts");
        return receiver.allocPorts();
    }

    /** {@return the receiver's bound init (handshake) ports, one per rank} */
    public List<Integer> initPorts() {
        requireRole(Role.RECEIVER, "initPorts");
        return receiver.initPorts();
    }

    /**
     * Receiver only: {@code listener} is told the keys of every batch once it committed (visible to lookup) and
     * the channel acknowledged the commit, so nothing it starts delays the sender. It runs on a virtual thread of
     * the adapter, one call per batch, possibly concurrently; it may call back into the adapter (e.g. lookup-and-lock,
     * load, unlock). Until the call returns, the batch's keys are pinned: admission cannot evict them before the
     * listener had its chance to lock them. Replaces any earlier listener; {@code null} removes it. A decode loop
     * uses it to learn what arrived without polling.
     *
     * @param listener the listener, or {@code null} to remove it
     */
    public void setCommitListener(Consumer<List<ObjectKey>> listener) {
        requireRole(Role.RECEIVER, "setCommitListener");
        receiverTasks.setCommitListener(listener);
    }

    // ---------------------------------------------------------------------------------------------- store

    @Override
    public long submitStoreTask(List<ObjectKey> keys, List<MemoryObj> objects, TransferSpec spec) {
        return submitStoreTask(keys, objects, spec, null);
    }

    /**
     * Stores to the receiver the proxy chose for this request (xPyD), otherwise exactly as {@link
     * #submitStoreTask(List, List, TransferSpec)}. The first store naming a receiver connects to it (handshake on
     * its init ports, alloc sockets); later stores naming the same host and init ports reuse that connection,
     * until it has been idle for {@code peer_idle_timeout_sec}. A key's TP rank selects the entry of the target's
     * port lists, and the proxy gets one notification per entry. Stores to different receivers proceed
     * independently: one receiver's failure or slowness fails or slows only the stores sent to it.
     *
     * <p>The task completes {@code false} at once (its eventfd is written) when {@code max_peers} receivers are open
     * and none is idle, or while the receiver's back-off runs after a failed connect or a lost receiver
     * ({@code peer_retry_backoff_sec}). {@code reportStatus()} lists every receiver in use under {@code peers}.
     *
     * @param keys    the chunk keys
     * @param objects the chunks, one per key (caller-owned until the task completes)
     * @param spec    the request ({@link TransferSpec#NONE} for none)
     * @param target  the receiver, or {@code null} for the configured peer ({@code peer_host}, {@code peer_*_port})
     * @return the task id, for {@link #popCompletedStoreTasks()}
     * @throws IllegalArgumentException as {@link #submitStoreTask(List, List, TransferSpec)}
     * @throws IllegalStateException    when the adapter is closed
     */
    public long submitStoreTask(List<ObjectKey> keys, List<MemoryObj> objects, TransferSpec spec,
                                ReceiverTarget target) {
        AdapterArgs.checkArgs(keys, objects);
        AdapterArgs.checkSpec(spec);
        ensureOpen();
        long id = ledger.nextId();
        if (sender == null) {
            ledger.completeStore(id, true);
            return id;
        }
        tasks.started();
        sender.submit(new StoreTask(sender, id, keys, objects, spec, target, null));
        return id;
    }

    @Override
    public Map<Long, Boolean> popCompletedStoreTasks() {
        return ledger.popStores();
    }

    /**
     * Sender only: tells every receiver rank to drop what it allocated for {@code reqId}
     * ({@code CancelNotif}). Blocks for at most the allocation deadline per rank; call it off hot paths.
     *
     * @param reqId the request
     * @return how many ranks acknowledged
     */
    public int cancelRequest(String reqId) {
        requireRole(Role.SENDER, "cancelRequest");
        ensureOpen();
        try {
            return sender.cancel(Objects.requireNonNull(reqId, "reqId"))
                    .get(config.allocationTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } catch (ExecutionException | TimeoutException e) {
            return 0;
        }
    }

    /**
     * Sender only: registers caller memory (a runtime's KV pool) for zero-copy stores. A store task whose
     * objects all lie inside one registered region is written straight from that memory, with no copy into
     * the staging buffer (verbs: the region is registered with the RDMA device once, here). The caller keeps
     * the segment alive and registered until every store task reading from it has completed (its result was
     * popped), then calls {@link #unregisterMemory}.
     *
     * @param segment native memory from a shared, global or automatic arena
     * @throws IllegalArgumentException for a heap segment, an empty one, or one that overlaps a registered region
     * @throws IllegalStateException    when the channel cannot register it, naming the limit (e.g. RLIMIT_MEMLOCK)
     */
    public void registerMemory(MemorySegment segment) {
        requireRole(Role.SENDER, "registerMemory");
        ensureOpen();
        Objects.requireNonNull(segment, "segment");
        try {
            sender.registerMemory(segment);
        } catch (ChannelException e) {
            throw new IllegalStateException("cannot register memory with the " + config.transferChannel()
                    + " channel: " + e.getMessage(), e);
        }
    }

    /**
     * Sender only: forgets memory registered with {@link #registerMemory} (exactly the same segment bounds).
     * No store task reading from it may still be in flight.
     *
     * @param segment the same segment that was registered
     * @return whether it was registered
     */
    public boolean unregisterMemory(MemorySegment segment) {
        requireRole(Role.SENDER, "unregisterMemory");
        Objects.requireNonNull(segment, "segment");
        return !closed && sender.unregisterMemory(segment);
    }

    // ----------------------------------------------------------------------------------------------- async

    CompletionStage<Boolean> storeAsync(List<ObjectKey> keys, List<MemoryObj> objects, TransferSpec spec,
                                        ReceiverTarget target) {
        AdapterArgs.checkArgs(keys, objects);
        AdapterArgs.checkSpec(spec);
        ensureOpen();
        AdapterFuture<Boolean> stage = AdapterFuture.owned(dependents);
        if (sender == null) {
            stage.succeed(Boolean.TRUE);
            return stage;
        }
        tasks.started();
        sender.submit(new StoreTask(sender, asyncIds.getAndIncrement(), keys, objects, spec, target,
                (task, ok) -> StoreResults.completeStage(stage, sender.storeOutcome(task, ok), task)));
        return stage;
    }

    CompletionStage<Bitmap> lookupAsync(List<ObjectKey> keys) {
        Objects.requireNonNull(keys, "keys");
        ensureOpen();
        AdapterFuture<Bitmap> stage = AdapterFuture.owned(dependents);
        stage.succeed(receiver == null ? new Bitmap(keys.size()) : receiver.store().lookupAndLock(keys));
        return stage;
    }

    CompletionStage<Bitmap> loadAsync(List<ObjectKey> keys, List<MemoryObj> objects) {
        AdapterArgs.checkArgs(keys, objects);
        ensureOpen();
        AdapterFuture<Bitmap> stage = AdapterFuture.owned(dependents);
        if (receiver == null) {
            stage.succeed(new Bitmap(keys.size()));
            return stage;
        }
        receiverTasks.loadAsync(keys, objects, stage);
        return stage;
    }

    CompletionStage<Integer> cancelAsync(String reqId) {
        requireRole(Role.SENDER, "cancelRequest");
        ensureOpen();
        AdapterFuture<Integer> stage = AdapterFuture.owned(dependents);
        sender.cancel(reqId).whenComplete((acks, failure) -> stage.succeed(failure == null ? acks : 0));
        return stage;
    }

    // --------------------------------------------------------------------------------------------- lookup

    @Override
    public long submitLookupAndLockTask(List<ObjectKey> keys) {
        Objects.requireNonNull(keys, "keys");
        ensureOpen();
        long id = ledger.nextId();
        if (receiver == null) {
            ledger.completeLookup(id, new Bitmap(keys.size()));
            return id;
        }
        receiverTasks.lookupAndLock(id, keys);
        return id;
    }

    @Override
    public Bitmap queryLookupAndLockResult(long taskId) {
        return ledger.takeLookup(taskId);
    }

    @Override
    public void submitUnlock(List<ObjectKey> keys) {
        Objects.requireNonNull(keys, "keys");
        if (receiver != null && !closed) {
            receiver.store().unlock(keys);
        }
    }

    // ----------------------------------------------------------------------------------------------- load

    @Override
    public long submitLoadTask(List<ObjectKey> keys, List<MemoryObj> objects) {
        AdapterArgs.checkArgs(keys, objects);
        ensureOpen();
        long id = ledger.nextId();
        if (receiver == null) {
            ledger.completeLoad(id, new Bitmap(keys.size()));
            return id;
        }
        receiverTasks.load(id, keys, objects);
        return id;
    }

    @Override
    public Bitmap queryLoadResult(long taskId) {
        return ledger.takeLoad(taskId);
    }

    @Override
    public int storeEventFd() {
        return ledger.storeFd();
    }

    @Override
    public int lookupAndLockEventFd() {
        return ledger.lookupFd();
    }

    @Override
    public int loadEventFd() {
        return ledger.loadFd();
    }

    @Override
    public Map<String, Object> reportStatus() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("is_healthy", !closed);
        m.put("type", "PdL2Adapter");
        m.put("role", config.role().wireName());
        m.put("transfer_channel", config.transferChannel());
        m.put("inflight_tasks", tasks.count());
        m.put("results_expired", ledger.resultsExpired.get());
        m.put("locks_released_by_ttl", receiverTasks == null ? 0L : receiverTasks.locksReleasedByTtl.get());
        if (sender != null) {
            m.putAll(sender.status());
            m.put("proxy", parts.notifier.isEnabled() ? parts.notifier.endpoint() : "disabled");
            m.putAll(parts.notifier.counters().toMap());
            m.put("proxy_notif_pending_requests", parts.tracker.pendingRequests());
        }
        if (receiver != null) {
            m.putAll(receiver.status());
            m.put("data_count", receiver.store().committedKeys());
        }
        return m;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("PdL2Adapter is closed");
        }
    }

    private void requireRole(Role role, String what) {
        if (config.role() != role) {
            throw new IllegalStateException(what + " is for a " + role.wireName() + "; this adapter is a "
                    + config.role().wireName());
        }
    }

    /**
     * Stops accepting work; waits up to the shutdown deadline for in-flight tasks, then fences the channel
     * so that tasks still waiting fail (their results are recorded as failures); stops the servers, the
     * notifier (flushing within the deadline) and the executor; frees native memory; and only then closes
     * the event fds. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closeDone) {
            return;
        }
        closed = true;
        Duration deadline = config.shutdownTimeout();
        tasks.awaitIdle(deadline.toNanos() / 2);
        if (sender != null) {
            sender.close(); // fails what is still in flight: connections fenced, alloc waits end
        }
        tasks.awaitIdle(deadline.toNanos() / 2);
        tasks.failPending(); // still running past the deadline: announced as failed, late results dropped
        tasks.failAsyncLoads(() -> InflightTasks.closedBeforeDone("load")); // likewise; a late result is ignored
        if (parts.deadlineChecks != null) {
            parts.deadlineChecks.shutdownNow(); // its virtual thread owns no socket; interrupting it is safe
        }
        if (parts.notifier != null) {
            parts.notifier.close(); // flushes queued notifications within the shutdown deadline
        }
        if (receiver != null) {
            receiver.close();
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "{0} tasks still running after the shutdown deadline",
                        tasks.count());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ledger.close();
        closeDone = true;
    }
}
