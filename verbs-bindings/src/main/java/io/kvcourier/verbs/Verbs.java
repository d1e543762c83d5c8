package io.kvcourier.verbs;

import io.kvcourier.verbs.gen.ibv_device_attr;
import io.kvcourier.verbs.gen.ibv_gid;
import io.kvcourier.verbs.gen.ibv_gid_entry;
import io.kvcourier.verbs.gen.ibv_port_attr;
import io.kvcourier.verbs.gen.verbs_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Whether RDMA verbs can be used on this machine, probed once (Netty style), and a read-only
 * inventory of the devices for the {@code doctor} command and for device selection.
 *
 * <p>Nothing here throws on a machine without RDMA: {@link #isAvailable()} is false,
 * {@link #unavailabilityCause()} says why, {@link #listDevices()} is empty. Thread-safe.
 */
public final class Verbs {
    /** The runtime library kvcourier binds (package {@code libibverbs1}; the unversioned .so is -dev only). */
    public static final String LIBRARY = "libibverbs.so.1";

    private Verbs() {
    }

    /** {@return whether {@code libibverbs.so.1} can be loaded (probed once)} */
    public static boolean libibverbsPresent() {
        return Probe.LIBRARY_PRESENT;
    }

    /**
     * {@return whether at least one RDMA device was found when first asked (probed once per JVM)}
     */
    public static boolean isAvailable() {
        return Probe.CAUSE == null;
    }

    /**
     * {@return why verbs are unavailable, readable, e.g. "libibverbs.so.1 not found (install
     * libibverbs1)", "ibv_get_device_list: no RDMA subsystem in this kernel (ENOSYS)" or "no RDMA
     * devices"; {@code null} when {@link #isAvailable()}}
     */
    public static String unavailabilityCause() {
        return Probe.CAUSE;
    }

    /**
     * Lists the RDMA devices now present with their ports and GID tables. Opens and closes each
     * device; never throws for a missing library, kernel support or device (returns an empty list;
     * see {@link #unavailabilityCause()}), and reports a device that cannot be queried with its
     * {@link RdmaDevice#error()}. Not for hot paths.
     *
     * @return the devices, possibly none
     */
    public static List<RdmaDevice> listDevices() {
        if (!libibverbsPresent()) {
            return List.of();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Errno.allocateState(arena);
            MemorySegment num = arena.allocate(JAVA_INT);
            MemorySegment list = Lib.getDeviceList(state, num);
            if (list.equals(MemorySegment.NULL)) {
                return List.of(); // ENOSYS: no RDMA in this kernel; never ibv_free_device_list(NULL)
            }
            try {
                int n = num.get(JAVA_INT, 0);
                MemorySegment devices = list.reinterpret(ADDRESS.byteSize() * (n + 1L));
                List<RdmaDevice> result = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    result.add(describe(devices.getAtIndex(ADDRESS, i), arena, state));
                }
                return List.copyOf(result);
            } finally {
                verbs_h.ibv_free_device_list(list);
            }
        } catch (RuntimeException | LinkageError e) {
            return List.of();
        }
    }

    private static RdmaDevice describe(MemorySegment device, Arena arena, MemorySegment state) {
        String name = cString(verbs_h.ibv_get_device_name(device), "?");
        MemorySegment ctx = Lib.openDevice(state, device);
        if (ctx.equals(MemorySegment.NULL)) {
            String cause = new NativeException("ibv_open_device", Errno.get(state)).getMessage();
            return new RdmaDevice(name, List.of(), cause);
        }
        try {
            MemorySegment attr = ibv_device_attr.allocate(arena);
            int rc = verbs_h.ibv_query_device(ctx, attr);
            if (rc != 0) {
                return new RdmaDevice(name, List.of(), new NativeException("ibv_query_device", rc).getMessage());
            }
            int portCount = Byte.toUnsignedInt(ibv_device_attr.phys_port_cnt(attr));
            MemorySegment[] portAttrs = new MemorySegment[portCount + 1];
            long gidSlots = 0;
            StringBuilder errors = new StringBuilder();
            for (int port = 1; port <= portCount; port++) {
                MemorySegment pattr = ibv_port_attr.allocate(arena);
                rc = InlineVerbs.queryPort(ctx, port, pattr);
                if (rc != 0) {
                    errors.append(new NativeException("ibv_query_port", rc, "port " + port).getMessage()).append("; ");
                    continue;
                }
                portAttrs[port] = pattr;
                gidSlots += Math.max(0, ibv_port_attr.gid_tbl_len(pattr));
            }
            List<List<GidEntry>> gids = gids(ctx, portAttrs, gidSlots, arena);
            List<RdmaPort> ports = new ArrayList<>(portCount);
            for (int port = 1; port <= portCount; port++) {
                MemorySegment pattr = portAttrs[port];
                if (pattr == null) {
                    continue;
                }
                int mtu = ibv_port_attr.active_mtu(pattr);
                int linkLayer = Byte.toUnsignedInt(ibv_port_attr.link_layer(pattr));
                int stateValue = ibv_port_attr.state(pattr);
                ports.add(new RdmaPort(port, stateValue, cString(verbs_h.ibv_port_state_str(stateValue), "?"),
                        mtu >= 1 && mtu <= 5 ? 128 << mtu : 0, linkLayer, linkLayerName(linkLayer), gids.get(port)));
            }
            return new RdmaDevice(name, ports, errors.isEmpty() ? null : errors.substring(0, errors.length() - 2));
        } finally {
            verbs_h.ibv_close_device(ctx);
        }
    }

    /**
     * Populated GID entries per port: one {@code ibv_query_gid_table} call (all ports; slow verbs
     * per index matter under emulation), else {@code ibv_query_gid_ex} per index.
     */
    private static List<List<GidEntry>> gids(MemorySegment ctx, MemorySegment[] portAttrs, long slots, Arena arena) {
        List<List<GidEntry>> byPort = new ArrayList<>(portAttrs.length);
        for (int i = 0; i < portAttrs.length; i++) {
            byPort.add(new ArrayList<>());
        }
        MemorySegment zero = ibv_gid.allocate(arena);
        if (slots > 0) {
            MemorySegment table = ibv_gid_entry.allocateArray(slots, arena);
            long n = InlineVerbs.queryGidTable(ctx, table, slots);
            if (n >= 0) {
                for (long i = 0; i < n; i++) {
                    MemorySegment entry = ibv_gid_entry.asSlice(table, i);
                    int port = ibv_gid_entry.port_num(entry);
                    if (port > 0 && port < portAttrs.length) {
                        addIfPopulated(byPort.get(port), entry, ibv_gid_entry.gid_index(entry), zero);
                    }
                }
                byPort.forEach(l -> l.sort(java.util.Comparator.comparingInt(GidEntry::index)));
                return byPort;
            }
        }
        MemorySegment entry = ibv_gid_entry.allocate(arena);
        for (int port = 1; port < portAttrs.length; port++) {
            int length = portAttrs[port] == null ? 0 : ibv_port_attr.gid_tbl_len(portAttrs[port]);
            for (int index = 0; index < length; index++) {
                if (InlineVerbs.queryGidEx(ctx, port, index, entry) == 0) { // ENODATA: empty slot
                    addIfPopulated(byPort.get(port), entry, index, zero);
                }
            }
        }
        return byPort;
    }

    private static void addIfPopulated(List<GidEntry> out, MemorySegment entry, int index, MemorySegment zero) {
        MemorySegment gid = ibv_gid_entry.gid(entry);
        if (gid.mismatch(zero) != -1) {
            int type = ibv_gid_entry.gid_type(entry);
            out.add(new GidEntry(index, formatGid(gid), type, gidTypeName(type)));
        }
    }

    /** {@return a GID as eight groups of four hex digits separated by colons} */
    static String formatGid(MemorySegment gid) {
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 16; i += 2) {
            if (i > 0) {
                sb.append(':');
            }
            sb.append(String.format("%02x%02x", ibv_gid.raw(gid, i), ibv_gid.raw(gid, i + 1)));
        }
        return sb.toString();
    }

    static String gidTypeName(int type) {
        if (type == verbs_h.IBV_GID_TYPE_IB()) {
            return "IB";
        }
        if (type == verbs_h.IBV_GID_TYPE_ROCE_V1()) {
            return "RoCE v1";
        }
        return type == verbs_h.IBV_GID_TYPE_ROCE_V2() ? "RoCE v2" : "type " + type;
    }

    static String linkLayerName(int linkLayer) {
        if (linkLayer == verbs_h.IBV_LINK_LAYER_INFINIBAND()) {
            return "InfiniBand";
        }
        return linkLayer == verbs_h.IBV_LINK_LAYER_ETHERNET() ? "Ethernet" : "unspecified";
    }

    private static String cString(MemorySegment s, String ifNull) {
        return s.equals(MemorySegment.NULL) ? ifNull : s.reinterpret(4096).getString(0);
    }

    /** The once-per-JVM probe. */
    private static final class Probe {
        static final boolean LIBRARY_PRESENT;
        static final String CAUSE;

        static {
            boolean present;
            try (Arena arena = Arena.ofConfined()) {
                SymbolLookup.libraryLookup(LIBRARY, arena);
                present = true;
            } catch (IllegalArgumentException e) {
                present = false;
            }
            LIBRARY_PRESENT = present;
            CAUSE = present ? probeDevices() : LIBRARY + " not found (install libibverbs1)";
        }

        private static String probeDevices() {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = Errno.allocateState(arena);
                MemorySegment num = arena.allocate(JAVA_INT);
                MemorySegment list = Lib.getDeviceList(state, num);
                if (list.equals(MemorySegment.NULL)) {
                    int errno = Errno.get(state);
                    if (errno == Errno.ENOSYS) {
                        return "ibv_get_device_list: no RDMA subsystem in this kernel (ENOSYS)";
                    }
                    return new NativeException("ibv_get_device_list", errno).getMessage();
                }
                int n = num.get(JAVA_INT, 0);
                verbs_h.ibv_free_device_list(list);
                return n > 0 ? null : "no RDMA devices";
            } catch (RuntimeException | LinkageError e) {
                return "probing " + LIBRARY + " failed: " + e;
            }
        }
    }

    /** errno-capturing handles for the verbs whose failure is only visible through errno. */
    private static final class Lib {
        static final MethodHandle GET_DEVICE_LIST = Errno.capturing(
                verbs_h.ibv_get_device_list$address(), verbs_h.ibv_get_device_list$descriptor());
        static final MethodHandle OPEN_DEVICE = Errno.capturing(
                verbs_h.ibv_open_device$address(), verbs_h.ibv_open_device$descriptor());

        static MemorySegment getDeviceList(MemorySegment state, MemorySegment num) {
            try {
                return (MemorySegment) GET_DEVICE_LIST.invokeExact(state, num);
            } catch (Throwable t) {
                throw Syscalls.rethrow(t);
            }
        }

        static MemorySegment openDevice(MemorySegment state, MemorySegment device) {
            try {
                return (MemorySegment) OPEN_DEVICE.invokeExact(state, device);
            } catch (Throwable t) {
                throw Syscalls.rethrow(t);
            }
        }
    }
}
