package io.kvcourier.bench;

import io.kvcourier.event.CompletionPoller;
import io.kvcourier.l2.Bitmap;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.pd.PdL2Adapter;

import java.lang.foreign.Arena;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The decode side of a receiver adapter in the e2e suite's child JVM: for every batch the adapter commits, it
 * looks the keys up and locks them (submitted from the commit listener, while the batch is still pinned), loads
 * them into reused buffers and unlocks them, which frees their pages — so a run never fills the receiver's buffer
 * and admission never has to evict. It does not check the bytes (the demo does). With {@link #loads(boolean)
 * loads(false)} it unlocks what it locked without loading it: the keys stay committed until admission evicts them,
 * oldest first, for their pages, and the decode side's copy of every byte (a memcpy on the same cores as the
 * transfer) is left out of what a row measures.
 *
 * <p>Threads: the commit listener (an adapter virtual thread) submits the lookup and queues the batch; one
 * platform thread ({@code bench-decode}) owns a {@link CompletionPoller} over the adapter's fds and does lookup
 * result, load and unlock. Owns that thread and the load buffers, not the adapter.
 */
final class DecodeLoop implements AutoCloseable {
    private static final long POLL_MS = 100;

    private record Committed(List<ObjectKey> keys, long lookupId) {
    }

    private final PdL2Adapter adapter;
    private final long pageBytes;
    private final Duration taskTimeout;
    private final LinkedBlockingQueue<Committed> committed = new LinkedBlockingQueue<>();
    private final Arena arena = Arena.ofShared();
    private final List<MemoryObj> buffers = new ArrayList<>();
    private final Thread thread;
    private volatile boolean stopping;
    private volatile boolean loads = true;

    final AtomicLong batches = new AtomicLong();
    final AtomicLong loadedKeys = new AtomicLong();
    /** Keys locked and unlocked without a load ({@link #loads(boolean) loads(false)}). */
    final AtomicLong unlockedKeys = new AtomicLong();
    /** Keys committed but not found at lookup (evicted before the decode side locked them) or not loaded. */
    final AtomicLong missingKeys = new AtomicLong();
    /** The most pages in use (allocated, reserved or committed) seen after a batch was decoded. */
    final AtomicLong peakPagesInUse = new AtomicLong();

    DecodeLoop(PdL2Adapter adapter, long pageBytes, Duration taskTimeout) {
        this.adapter = adapter;
        this.pageBytes = pageBytes;
        this.taskTimeout = taskTimeout;
        this.thread = Thread.ofPlatform().daemon(true).name("bench-decode").unstarted(this::run);
        adapter.setCommitListener(keys -> {
            if (!stopping) {
                try {
                    committed.add(new Committed(keys, adapter.submitLookupAndLockTask(keys)));
                } catch (IllegalStateException closing) {
                    // the adapter is closing
                }
            }
        });
        thread.start();
    }

    /** Whether the batches decoded from now on are loaded (the default) or only locked and unlocked. */
    void loads(boolean on) {
        loads = on;
    }

    private void run() {
        try (CompletionPoller poller = CompletionPoller.forAdapter(adapter)) {
            while (!stopping) {
                Committed c = committed.poll(POLL_MS, TimeUnit.MILLISECONDS);
                if (c != null) {
                    decode(c, poller);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void decode(Committed c, CompletionPoller poller) {
        Bitmap found = await(poller, c.lookupId(), true);
        List<ObjectKey> locked = new ArrayList<>(c.keys().size());
        for (int i = 0; i < c.keys().size(); i++) {
            if (found != null && found.test(i)) {
                locked.add(c.keys().get(i));
            }
        }
        long missing = c.keys().size() - locked.size();
        try {
            if (!locked.isEmpty() && !loads) {
                unlockedKeys.addAndGet(locked.size());
            } else if (!locked.isEmpty()) {
                while (buffers.size() < locked.size()) {
                    buffers.add(MemoryObj.ofBytes(arena.allocate(pageBytes, 64)));
                }
                Bitmap loaded = await(poller, adapter.submitLoadTask(locked, buffers.subList(0, locked.size())), false);
                int ok = loaded == null ? 0 : loaded.popcount();
                loadedKeys.addAndGet(ok);
                missing += locked.size() - ok;
            }
        } finally {
            if (!locked.isEmpty()) {
                adapter.submitUnlock(locked); // loaded and unlocked: the pages are freed
            }
        }
        missingKeys.addAndGet(missing);
        batches.incrementAndGet();
        Map<String, Object> status = adapter.reportStatus();
        if (status.get("pages_in_use") instanceof Number n) {
            peakPagesInUse.accumulateAndGet(n.longValue(), Math::max);
        }
    }

    private Bitmap await(CompletionPoller poller, long id, boolean lookup) {
        long deadline = System.nanoTime() + taskTimeout.toNanos();
        while (true) {
            Bitmap b = lookup ? adapter.queryLookupAndLockResult(id) : adapter.queryLoadResult(id);
            long left = deadline - System.nanoTime();
            if (b != null || left <= 0) {
                return b;
            }
            poller.await(Duration.ofNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(POLL_MS))));
        }
    }

    /** Stops the loop (queued batches are not decoded) and frees the buffers; call before closing the adapter. */
    @Override
    public void close() {
        stopping = true;
        try {
            thread.join(taskTimeout.plusSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the loop may still run: its memory stays allocated
        }
        if (!thread.isAlive()) {
            arena.close();
        }
    }
}
