package io.kvcourier.bench;

import io.kvcourier.pd.PdL2Adapter;
import io.kvcourier.pd.PdL2AdapterConfig;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The receiving JVM of the e2e suite's two-JVM rows ({@link ChildReceiver} mode {@code adapter PAGE_BYTES PAGES}):
 * a receiver {@link PdL2Adapter} over tcp on ephemeral ports with a {@link DecodeLoop} that frees what lands,
 * and, in the same JVM, a {@link FloorReceiver} for the floor and raw-pump rows.
 *
 * <p>Prints {@code READY alloc=PORT init=PORT floor=PORT}; answers every stdin line {@code STATUS} with
 * {@code STATUS batches=N loaded_keys=N unlocked_keys=N missing_keys=N peak_pages_in_use=N page_count=N}, and
 * {@code LOADS on} or {@code LOADS off} ({@link DecodeLoop#loads(boolean)}) with the same line once the decode
 * loop has it; stops at stdin EOF.
 */
final class AdapterChild {
    /** Memory of the floor receiver's page ring, bytes (at least one page). */
    static final long FLOOR_BYTES = 16L << 20;

    private AdapterChild() {
    }

    static void run(long pageBytes, int pages, PrintStream out, BufferedReader in) throws Exception {
        java.util.logging.Logger log = java.util.logging.Logger.getLogger("io.kvcourier");
        log.setLevel(java.util.logging.Level.WARNING); // the adapter logs its start at INFO
        Map<String, Object> m = AdapterPair.base("receiver", "tcp", pageBytes, pages);
        m.put("peer_init_port", List.of(0));
        m.put("peer_alloc_port", List.of(0));
        PdL2AdapterConfig config = PdL2AdapterConfig.fromMap(m);
        try (PdL2Adapter adapter = PdL2Adapter.create(config);
             FloorReceiver floor = new FloorReceiver(pageBytes, (int) Math.max(1, FLOOR_BYTES / pageBytes))) {
            DecodeLoop decode = new DecodeLoop(adapter, pageBytes, Duration.ofSeconds(30));
            try {
                out.println("READY alloc=" + join(adapter.allocPorts()) + " init=" + join(adapter.initPorts())
                        + " floor=" + floor.port());
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.equals("STATUS")) {
                        out.println("STATUS batches=" + decode.batches.get() + " loaded_keys=" + decode.loadedKeys.get()
                                + " unlocked_keys=" + decode.unlockedKeys.get() + " missing_keys="
                                + decode.missingKeys.get() + " peak_pages_in_use=" + decode.peakPagesInUse.get()
                                + " page_count=" + adapter.reportStatus().get("page_count"));
                    } else if (line.equals("LOADS on") || line.equals("LOADS off")) {
                        decode.loads(line.endsWith("on"));
                        out.println(line);
                    }
                }
            } finally {
                decode.close();
            }
        }
    }

    private static String join(List<Integer> ports) {
        return ports.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    /** {@code key=value} fields of a line such as the READY and STATUS lines. */
    static Map<String, String> fields(String line) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String f : line.trim().split("\\s+")) {
            int eq = f.indexOf('=');
            if (eq > 0) {
                out.put(f.substring(0, eq), f.substring(eq + 1));
            }
        }
        return out;
    }

    static IOException missing(String field, String line) {
        return new IOException("the receiver child's line has no " + field + ": " + line);
    }
}
