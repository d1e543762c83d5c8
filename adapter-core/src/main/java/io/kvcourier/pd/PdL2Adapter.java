package io.kvcourier.pd;

import io.kvcourier.agent.CloseHelper;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.channel.TransferChannels;
import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.L2Adapter;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;
import io.kvcourier.notify.NotificationTracker;
import io.kvcourier.notify.ProxyNotifier;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

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
    /** Notifications waiting for the proxy socket; more are dropped and counted (offer never blocks). */
    private static final int NOTIFY_QUEUE_CAPACITY = 4096;

    private final PdL2AdapterConfig config;
    private final TaskLedger ledger;
    private final ExecutorService executor;
    private final SenderEngine sender;
    private final ReceiverEngine receiver;
    private final ProxyNotifier notifier;
    private final NotificationTracker tracker;
    private final java.util.concurrent.ScheduledExecutorService deadlineChecks;
    private final ReentrantLock inflightLock = new ReentrantLock();
    private final Condition idle = inflightLock.newCondition();
    private final AtomicInteger inflight = new AtomicInteger();
    private final java.util.concurrent.ConcurrentHashMap<Long, Runnable> pending = new java.util.concurrent.ConcurrentHashMap<>();
    /** Ids of async store tasks: their own counter, so the eventfd contract's ids stay 0, 1, 2, ... */
    private final java.util.concurrent.atomic.AtomicLong asyncIds = new java.util.concurrent.atomic.AtomicLong();
    /** Async loads not finished yet: failed by {@link #close()} if still there after the shutdown deadline. */
    private final java.util.Set<AdapterFuture<?>> asyncLoads = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Where dependents of async stages run: the task executor, or a fresh virtual thread once it is shut down. */
    private final java.util.concurrent.Executor dependents;
    private final AsyncPdAdapter async;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicLong locksReleasedByTtl = new java.util.concurrent.atomic.AtomicLong();
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
            throw new IllegalArgumentException("buffer_device '" + config.bufferDevice() + "' is not supported yet (use 'cpu')");
        }
        LOG.log(System.Logger.Level.INFO, "Initializing PdL2Adapter: role={0}, peer_host={1}",
                config.role().wireName(), config.peerHost());
        this.ledger = new TaskLedger();
        this.executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("kvcourier-task-", 0).factory());
        this.dependents = this::runDependent;
        this.async = new AsyncPdAdapter(this);
        SenderEngine s = null;
        ReceiverEngine r = null;
        ProxyNotifier n = null;
        NotificationTracker t = null;
        java.util.concurrent.ScheduledExecutorService checks = null;
        try {
            if (config.role() == Role.SENDER) {
                n = config.proxyEnabled()
                        ? ProxyNotifier.create(config.proxyHost(), config.proxyPort(), config.notifyTimeout(),
                                config.shutdownTimeout(), NOTIFY_QUEUE_CAPACITY)
                        : ProxyNotifier.disabled();
                ProxyNotifier notifierRef = n;
                // The proxy waits for one notification per decode rank (len(peer_init_port)).
                int ranks = Math.max(config.peerInitPort().size(), config.peerAllocPort().size());
                t = new NotificationTracker(ranks, config.requestTimeout(), System::nanoTime, notifierRef::offer);
                checks = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                        Thread.ofVirtual().name("kvcourier-notify-deadlines").factory());
                Duration period = config.requestTimeout().dividedBy(4).compareTo(Duration.ofSeconds(1)) < 0
                        ? config.requestTimeout().dividedBy(4) : Duration.ofSeconds(1);
                t.scheduleDeadlineChecks(checks, period);
                NotificationTracker trackerRef = t;
                s = new SenderEngine(config, channels, executor, (task, ok) -> {
                    try {
                        if (task.completion == null) {
                            ledger.completeStore(task.id, ok);
                        } else {
                            task.completion.storeDone(task, ok);
                        }
                    } finally {
                        // Whatever happened above, the request's notification attempt is not lost.
                        try {
                            trackerRef.onBatchDone(task.spec.reqId(), task.spec.isLastPrefill(),
                                    task.spec.totalChunks(), task.keys.length, ok, task.receiverRanks());
                        } finally {
                            taskDone();
                        }
                    }
                });
            } else {
                r = new ReceiverEngine(config, executor, channels);
                checks = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                        Thread.ofVirtual().name("kvcourier-result-ttl").factory());
            }
            // Uncollected lookup/load results expire after result_ttl_sec (their locks are released).
            long ttl = config.resultTtl().toNanos();
            long every = Math.max(1, Math.min(TimeUnit.SECONDS.toNanos(1), ttl / 4));
            checks.scheduleAtFixedRate(() -> ledger.expire(System.nanoTime(), ttl), every, every, TimeUnit.NANOSECONDS);
        } catch (ChannelException | RuntimeException e) {
            RuntimeException thrown = e instanceof ChannelException
                    ? new IllegalStateException("cannot open the " + config.transferChannel() + " channel: "
                            + e.getMessage(), e)
                    : (RuntimeException) e;
            // Reverse order of opening: the engine (a sender's before its deadline checks, a receiver's after).
            CloseHelper.closeOnFailure(thrown, s, checks == null ? null : checks::shutdownNow, r, n,
                    executor::shutdown, ledger);
            throw thrown;
        }
        this.sender = s;
        this.receiver = r;
        this.notifier = n;
        this.tracker = t;
        this.deadlineChecks = checks;
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
     * Receiver only: {@code listener} is told the keys of every batch right after it commits (its keys are
     * then visible to lookup). It runs on a virtual thread of the adapter, one call per batch, possibly
     * concurrently; it may call back into the adapter (e.g. lookup-and-lock, load, unlock). Until the call
     * returns, the batch's keys are pinned: admission cannot evict them before the listener had its chance to
     * lock them. Replaces any earlier listener; {@code null} removes it. A decode loop uses it to learn what
     * arrived without polling.
     *
     * @param listener the listener, or {@code null} to remove it
     */
    public void setCommitListener(java.util.function.Consumer<List<ObjectKey>> listener) {
        requireRole(Role.RECEIVER, "setCommitListener");
        ReceiverStore store = receiver.store();
        if (listener == null) {
            store.setCommitListener(null);
            return;
        }
        store.setCommitListener(keys -> {
            try {
                executor.execute(() -> {
                    try {
                        listener.accept(keys);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "commit listener failed", e);
                    } finally {
                        store.unlock(keys); // the pin
                    }
                });
            } catch (RuntimeException e) {
                store.unlock(keys); // adapter closing: release the pin at once
            }
        });
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
        checkArgs(keys, objects);
        checkSpec(spec);
        ensureOpen();
        long id = ledger.nextId();
        if (sender == null) {
            ledger.completeStore(id, true);
            return id;
        }
        inflight.incrementAndGet();
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
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
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
    public void registerMemory(java.lang.foreign.MemorySegment segment) {
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
    public boolean unregisterMemory(java.lang.foreign.MemorySegment segment) {
        requireRole(Role.SENDER, "unregisterMemory");
        Objects.requireNonNull(segment, "segment");
        return !closed && sender.unregisterMemory(segment);
    }

    // ----------------------------------------------------------------------------------------------- async

    CompletionStage<Boolean> storeAsync(List<ObjectKey> keys, List<MemoryObj> objects, TransferSpec spec,
                                        ReceiverTarget target) {
        checkArgs(keys, objects);
        checkSpec(spec);
        ensureOpen();
        AdapterFuture<Boolean> stage = AdapterFuture.owned(dependents);
        if (sender == null) {
            stage.succeed(Boolean.TRUE);
            return stage;
        }
        inflight.incrementAndGet();
        sender.submit(new StoreTask(sender, asyncIds.getAndIncrement(), keys, objects, spec, target,
                (task, ok) -> completeAsyncStore(stage, task, ok)));
        return stage;
    }

    /** The task's thread (progress, control, or closing): the stage gets the store's outcome. */
    private void completeAsyncStore(AdapterFuture<Boolean> stage, StoreTask task, boolean ok) {
        switch (sender.storeOutcome(task, ok)) {
            case "committed" -> stage.succeed(Boolean.TRUE);
            case "closed" -> stage.fail(closedBeforeDone("store"));
            case "timed_out" -> stage.fail(new java.util.concurrent.TimeoutException(task.failure()));
            default -> stage.succeed(Boolean.FALSE);
        }
    }

    CompletionStage<Bitmap> lookupAsync(List<ObjectKey> keys) {
        Objects.requireNonNull(keys, "keys");
        ensureOpen();
        AdapterFuture<Bitmap> stage = AdapterFuture.owned(dependents);
        stage.succeed(receiver == null ? new Bitmap(keys.size()) : receiver.store().lookupAndLock(keys));
        return stage;
    }

    CompletionStage<Bitmap> loadAsync(List<ObjectKey> keys, List<MemoryObj> objects) {
        checkArgs(keys, objects);
        ensureOpen();
        AdapterFuture<Bitmap> stage = AdapterFuture.owned(dependents);
        if (receiver == null) {
            stage.succeed(new Bitmap(keys.size()));
            return stage;
        }
        List<ObjectKey> k = List.copyOf(keys);
        List<MemoryObj> o = List.copyOf(objects);
        asyncLoads.add(stage);
        inflight.incrementAndGet();
        try {
            executor.execute(() -> {
                try {
                    stage.succeed(receiver.store().load(k, o));
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "async load failed", e);
                    stage.fail(e);
                } finally {
                    asyncLoads.remove(stage);
                    taskDone();
                }
            });
        } catch (RuntimeException e) {
            asyncLoads.remove(stage);
            taskDone();
            stage.fail(closedBeforeDone("load"));
        }
        return stage;
    }

    CompletionStage<Integer> cancelAsync(String reqId) {
        requireRole(Role.SENDER, "cancelRequest");
        ensureOpen();
        AdapterFuture<Integer> stage = AdapterFuture.owned(dependents);
        sender.cancel(reqId).whenComplete((acks, failure) -> stage.succeed(failure == null ? acks : 0));
        return stage;
    }

    private static IllegalStateException closedBeforeDone(String what) {
        return new IllegalStateException("PdL2Adapter was closed before the " + what + " finished");
    }

    /** Runs a dependent of an async stage on the task executor; after close, on a fresh virtual thread. */
    private void runDependent(Runnable r) {
        try {
            executor.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            Thread.ofVirtual().name("kvcourier-async-after-close").start(r);
        }
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
        ReceiverStore store = receiver.store();
        Bitmap bits = store.lookupAndLock(keys);
        List<ObjectKey> locked = bits.popcount() == 0 ? List.of() : lockedKeys(keys, bits);
        ledger.completeLookup(id, bits, locked.isEmpty() ? null : () -> {
            store.unlock(locked); // nobody collected the result within result_ttl_sec: its locks go too
            locksReleasedByTtl.addAndGet(locked.size());
        });
        return id;
    }

    private static List<ObjectKey> lockedKeys(List<ObjectKey> keys, Bitmap bits) {
        List<ObjectKey> out = new java.util.ArrayList<>(bits.popcount());
        for (int i = 0; i < keys.size(); i++) {
            if (bits.test(i)) {
                out.add(keys.get(i));
            }
        }
        return out;
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
        checkArgs(keys, objects);
        ensureOpen();
        long id = ledger.nextId();
        if (receiver == null) {
            ledger.completeLoad(id, new Bitmap(keys.size()));
            return id;
        }
        List<ObjectKey> k = List.copyOf(keys);
        List<MemoryObj> o = List.copyOf(objects);
        runTask(id, () -> {
            Bitmap bits = receiver.store().load(k, o);
            finish(id, () -> ledger.completeLoad(id, bits));
        }, () -> ledger.completeLoad(id, new Bitmap(k.size())));
        return id;
    }

    @Override
    public Bitmap queryLoadResult(long taskId) {
        return ledger.takeLoad(taskId);
    }

    // ---------------------------------------------------------------------------------------------- misc

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
        m.put("inflight_tasks", inflight.get());
        m.put("results_expired", ledger.resultsExpired.get());
        m.put("locks_released_by_ttl", locksReleasedByTtl.get());
        if (sender != null) {
            m.putAll(sender.status());
            m.put("proxy", notifier.isEnabled() ? notifier.endpoint() : "disabled");
            m.putAll(notifier.counters().toMap());
            m.put("proxy_notif_pending_requests", tracker.pendingRequests());
        }
        if (receiver != null) {
            m.putAll(receiver.status());
            m.put("data_count", receiver.store().committedKeys());
        }
        return m;
    }

    /**
     * Runs a task on its own virtual thread. {@code failure} records a failed result; it runs instead of the
     * task's own result if the task cannot start or is still running when {@link #close()} gives up on it.
     * Whichever comes first wins (see {@link #finish}), so each task completes exactly once.
     */
    private void runTask(long id, Runnable task, Runnable failure) {
        pending.put(id, failure);
        inflight.incrementAndGet();
        try {
            executor.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "task " + id + " failed", e);
                    failPending(id);
                } finally {
                    taskDone();
                }
            });
        } catch (RuntimeException e) {
            taskDone();
            failPending(id);
        }
    }

    /** Records a task's own result unless close() already failed it. */
    private void finish(long id, Runnable record) {
        if (pending.remove(id) != null) {
            record.run();
        }
    }

    private void failPending(long id) {
        Runnable failure = pending.remove(id);
        if (failure != null) {
            failure.run();
        }
    }

    private void taskDone() {
        if (inflight.decrementAndGet() == 0) {
            inflightLock.lock();
            try {
                idle.signalAll();
            } finally {
                inflightLock.unlock();
            }
        }
    }

    private static void checkSpec(TransferSpec spec) {
        Objects.requireNonNull(spec, "spec");
        if (!spec.reqId().isEmpty() && spec.totalChunks() <= 0) {
            throw new IllegalArgumentException("TransferSpec.totalChunks must be > 0 when reqId is set, got 0 for reqId '"
                    + spec.reqId() + "': the receiver reserves pages for the whole request and refuses total_chunks 0");
        }
    }

    private static void checkArgs(List<ObjectKey> keys, List<MemoryObj> objects) {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(objects, "objects");
        if (keys.size() != objects.size()) {
            throw new IllegalArgumentException("keys and objects differ in length: " + keys.size() + " vs " + objects.size());
        }
        for (int i = 0; i < keys.size(); i++) {
            if (keys.get(i) == null || objects.get(i) == null) {
                throw new IllegalArgumentException("null key or object at position " + i);
            }
        }
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
        awaitIdle(deadline.toNanos() / 2);
        if (sender != null) {
            sender.close(); // fails what is still in flight: connections fenced, alloc waits end
        }
        awaitIdle(deadline.toNanos() / 2);
        for (Long id : List.copyOf(pending.keySet())) {
            failPending(id); // still running past the deadline: announced as failed, late results dropped
        }
        for (AdapterFuture<?> stage : List.copyOf(asyncLoads)) {
            stage.fail(closedBeforeDone("load")); // likewise; a late result is ignored (first completion wins)
        }
        if (deadlineChecks != null) {
            deadlineChecks.shutdownNow(); // its virtual thread owns no socket; interrupting it is safe
        }
        if (notifier != null) {
            notifier.close(); // flushes queued notifications within the shutdown deadline
        }
        if (receiver != null) {
            receiver.close();
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "{0} tasks still running after the shutdown deadline", inflight.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ledger.close();
        closeDone = true;
    }

    private void awaitIdle(long nanos) {
        long deadline = System.nanoTime() + nanos;
        inflightLock.lock();
        try {
            while (inflight.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                idle.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inflightLock.unlock();
        }
    }
}
