package io.kvcourier.channel.verbs;

import io.kvcourier.verbs.Errno;
import io.kvcourier.verbs.NativeException;
import io.kvcourier.verbs.gen.ibv_mr;
import io.kvcourier.verbs.gen.verbs_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One endpoint's registered memory, by region id: region 0 is the staging buffer, registered once at open with
 * {@link VerbsEndpoint#ACCESS} (its rkey is what a receiver hands its senders); regions {@code > 0} are caller
 * memory a sender writes from, registered later with local access only — the receiver never sees them.
 *
 * <p>Threading: {@link #register}, {@link #unregister} and {@link #close} run on the progress thread (or before it
 * starts / after it stopped). The address, size and lkey arrays are replaced, never modified in place, so any
 * thread reads a consistent snapshot through {@link #addresses}, {@link #lkeys} and {@link #contains}.
 *
 * <p>Ownership: the endpoint; {@link #close()} deregisters every MR (before the PD goes) and is idempotent.
 */
final class MemoryRegions implements AutoCloseable {
    private final String owner;
    private final MemorySegment pd;
    private final MemorySegment callState;
    /** Nanoseconds the staging buffer's {@code ibv_reg_mr} took. */
    final long registrationNanos;
    final long bufferAddr;
    final long bufferSize;
    /** The staging MR's keys. */
    final int lkey;
    final int rkey;
    private MemorySegment mr;
    /** Local memory write batches read from, by region id (0 = the staging buffer): address, size, lkey, MR. */
    private volatile long[] regionAddr = new long[1];
    private volatile long[] regionSize = new long[1];
    private volatile int[] regionLkey = new int[1];
    private MemorySegment[] regionMr = new MemorySegment[1];

    /**
     * Registers {@code buffer} as region 0 with {@code pd}.
     *
     * @param owner the endpoint's name, for logs
     * @throws NativeException when {@code ibv_reg_mr} fails (with a hint at {@code RLIMIT_MEMLOCK} where it applies)
     */
    MemoryRegions(String owner, MemorySegment pd, MemorySegment buffer, Arena arena) {
        this.owner = owner;
        this.pd = pd;
        this.callState = Errno.allocateState(arena);
        long t0 = System.nanoTime();
        MemorySegment m = VerbsCalls.regMr(callState, pd, buffer, buffer.byteSize(), VerbsEndpoint.ACCESS);
        this.registrationNanos = System.nanoTime() - t0;
        if (m.equals(MemorySegment.NULL)) {
            throw registrationFailed(buffer.byteSize() + " bytes");
        }
        this.mr = m.reinterpret(ibv_mr.sizeof());
        this.lkey = ibv_mr.lkey(mr);
        this.rkey = ibv_mr.rkey(mr);
        this.bufferAddr = buffer.address();
        this.bufferSize = buffer.byteSize();
        regionAddr[0] = bufferAddr;
        regionSize[0] = bufferSize;
        regionLkey[0] = lkey;
    }

    private NativeException registrationFailed(String what) {
        int errno = Errno.get(callState);
        return new NativeException("ibv_reg_mr", errno, what
                + (errno == Errno.ENOMEM || errno == Errno.EPERM ? " (check RLIMIT_MEMLOCK: ulimit -l)" : ""));
    }

    /**
     * Registers caller memory as local region {@code id} (progress thread): an MR with the endpoint's PD, local
     * access only.
     *
     * @throws IllegalArgumentException when {@code id <= 0} or already registered
     * @throws NativeException          when {@code ibv_reg_mr} fails
     */
    void register(int id, MemorySegment segment) {
        if (id <= 0) {
            throw new IllegalArgumentException("region id must be > 0, got " + id);
        }
        if (id < regionMr.length && regionMr[id] != null) {
            throw new IllegalArgumentException("region " + id + " is already registered");
        }
        MemorySegment m = VerbsCalls.regMr(callState, pd, segment, segment.byteSize(), 0);
        if (m.equals(MemorySegment.NULL)) {
            throw registrationFailed(segment.byteSize() + " bytes of caller memory");
        }
        m = m.reinterpret(ibv_mr.sizeof());
        int n = Math.max(regionMr.length, id + 1);
        long[] addr = Arrays.copyOf(regionAddr, n);
        long[] size = Arrays.copyOf(regionSize, n);
        int[] keys = Arrays.copyOf(regionLkey, n);
        regionMr = Arrays.copyOf(regionMr, n);
        regionMr[id] = m;
        addr[id] = segment.address();
        size[id] = segment.byteSize();
        keys[id] = ibv_mr.lkey(m);
        regionAddr = addr;
        regionSize = size;
        regionLkey = keys;
    }

    /** Deregisters region {@code id} (progress thread); unknown ids are ignored. */
    void unregister(int id) {
        if (id <= 0 || id >= regionMr.length || regionMr[id] == null) {
            return;
        }
        long[] size = regionSize.clone();
        size[id] = 0; // no batch can pass the bounds check any more
        regionSize = size;
        VerbsEndpoint.warnIf(owner, "ibv_dereg_mr", verbs_h.ibv_dereg_mr(regionMr[id]));
        regionMr[id] = null;
    }

    /** Region base addresses by id (0 = staging); a snapshot, never modified. */
    long[] addresses() {
        return regionAddr;
    }

    /** Region lkeys by id; a snapshot, never modified. */
    int[] lkeys() {
        return regionLkey;
    }

    /** Whether {@code length} bytes at {@code offset} of region {@code id} lie inside registered memory. */
    boolean contains(int id, long offset, long length) {
        long[] size = regionSize;
        return id >= 0 && id < size.length && offset >= 0 && length >= 0 && offset <= size[id] - length;
    }

    /** Deregisters the caller regions, then the staging buffer (failures are logged). Idempotent. */
    @Override
    public void close() {
        for (int i = 1; i < regionMr.length; i++) {
            if (regionMr[i] != null) {
                VerbsEndpoint.warnIf(owner, "ibv_dereg_mr", verbs_h.ibv_dereg_mr(regionMr[i]));
                regionMr[i] = null;
            }
        }
        if (!mr.equals(MemorySegment.NULL)) {
            VerbsEndpoint.warnIf(owner, "ibv_dereg_mr", verbs_h.ibv_dereg_mr(mr));
            mr = MemorySegment.NULL;
        }
    }
}
