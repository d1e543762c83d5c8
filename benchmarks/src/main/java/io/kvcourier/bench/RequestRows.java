package io.kvcourier.bench;

import io.kvcourier.bench.Metric.Anchor;
import io.kvcourier.bench.Metric.Better;
import io.kvcourier.l2.MemoryObj;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The e2e suite's whole-adapter rows over tcp between two JVMs ({@link RemotePair}) that are not open-loop grids:
 * <ul>
 *   <li><b>request streaming</b>: requests of {@code chunks × chunkBytes} with {@code window} in flight (each done
 *       when its ProxyNotif arrives), GB/s, beside the raw pump moving the same bytes with as many batches in
 *       flight ({@link PipelinedPump}) between the same two JVMs; once more with the receiver's decode side
 *       locking and unlocking each request without loading it ({@link DecodeLoop#loads(boolean)}), as the pump's
 *       receiver never reads what it received (admission then evicts those keys for their pages);</li>
 *   <li><b>chunk count</b>: the same request bytes cut into few large and many small chunks, one request at a time
 *       (submit to ProxyNotif arrival), p50 and p99, each compared with the first (few large chunks) shape.</li>
 * </ul>
 * Both measure in alternating slices after a warm-up each, like the channel suite's tcp rows, so that a change of
 * load on the machine hits both sides of a ratio alike.
 */
final class RequestRows {
    static final int SLICES = TcpChannelSuite.SLICES;

    private RequestRows() {
    }

    static void stream(Settings settings, Report report, PrintStream log) throws Exception {
        Settings.Stream st = settings.stream();
        int inFlightPages = st.window() * st.chunks();
        Arrivals arrivals = new Arrivals();
        long warm = TimeUnit.SECONDS.toNanos(st.warmupSeconds());
        long slice = TimeUnit.SECONDS.toNanos(st.seconds()) / SLICES;
        try (RemotePair pair = new RemotePair(st.chunkBytes(), inFlightPages * 4, inFlightPages * 2, arrivals)) {
            List<MemoryObj> objs = pair.chunks(st.chunks());
            StoreDriver driver = new StoreDriver("s", pair.sender, objs, arrivals);
            StoreDriver zeroCopy = new StoreDriver("z", pair.sender, pair.registeredChunks(st.chunks()), arrivals);
            try (PipelinedPump raw = new PipelinedPump(pair.floorPort, objs.stream().map(MemoryObj::segment).toList(),
                    st.window())) {
                driver.stream(st.window(), warm);
                zeroCopy.stream(st.window(), warm);
                raw.run(warm);
                double[] ours = new double[SLICES];
                double[] registered = new double[SLICES];
                double[] theirs = new double[SLICES];
                double[] unloaded = new double[SLICES];
                for (int i = 0; i < SLICES; i++) {
                    ours[i] = driver.stream(st.window(), slice);
                    registered[i] = zeroCopy.stream(st.window(), slice);
                    theirs[i] = raw.run(slice);
                    pair.decodeLoads(false);
                    unloaded[i] = driver.stream(st.window(), slice);
                    pair.decodeLoads(true);
                }
                double k = TcpChannelSuite.median(ours);
                double z = TcpChannelSuite.median(registered);
                double r = TcpChannelSuite.median(theirs);
                double u = TcpChannelSuite.median(unloaded);
                String pump = "raw TCP pump, " + st.window() + " batches in flight (same 2 JVMs)";
                report.add(new Metric("e2e", "stream " + st.label(),
                        "kvcourier tcp (2 JVMs), alloc+write+commit+notify", "GB/s", Better.HIGHER, k, pump, r,
                        Anchor.CEILING));
                report.add(new Metric("e2e", "stream " + st.label(),
                        "kvcourier tcp (2 JVMs), chunks in a registered region (zero-copy)", "GB/s", Better.HIGHER, z,
                        pump, r, Anchor.CEILING));
                report.add(new Metric("e2e", "stream " + st.label(),
                        "kvcourier tcp (2 JVMs), alloc+write+commit+notify, no load on the decode side",
                        "GB/s", Better.HIGHER, u, pump, r, Anchor.CEILING));
                log.printf(Locale.ROOT, "  stream %s: raw pump %.2f GB/s, kvcourier %.2f GB/s, from a registered "
                        + "region %.2f GB/s, no load on the decode side %.2f GB/s%n", st.label(), r, k, z, u);
            }
            if (zeroCopy.failedStores() > 0) {
                report.note("e2e", "stream (registered region): " + zeroCopy.failedStores()
                        + " store tasks failed (still counted as done)");
            }
            if (driver.failedStores() > 0) {
                report.note("e2e", "stream: " + driver.failedStores() + " store tasks failed (still counted as done)");
            }
            EndToEndSuite.receiverNote(pair, "streaming", report);
        }
        report.note("e2e", "stream: GB/s of request payload from the first submit to the last ProxyNotif (kvcourier) "
                + "or ack (raw pump: 8-byte length + the same chunks per batch, one blocking connection, acks read by "
                + "a second thread); the zero-copy row stores chunks that lie in one block registered with "
                + "registerMemory (no L1 -> staging copy), as a runtime that registers its KV pool does; the "
                + "receiver child loads every committed request before it frees its pages (a memcpy of every byte on "
                + "the same cores, which the pump's receiver does not do), except in the 'no load' row, where it locks "
                + "and unlocks each request's keys and copies nothing (admission evicts them, oldest first, when it "
                + "needs their pages); warmed up, "
                + "then " + SLICES + " alternating slices each (staging, zero-copy, raw pump, no load), median "
                + "reported");
    }

    /** The chunks of a chunk-count shape: the caller's own allocations (staged when small), or a registered block. */
    private enum Memory {
        CALLER("c", "", ""),
        REGISTERED("cr", ", registered region", ", chunks in one registered block (zero-copy at any size)");

        /** The prefix of the driver's request ids. */
        final String id;
        final String label;
        final String detail;

        Memory(String id, String label, String detail) {
            this.id = id;
            this.label = label;
            this.detail = detail;
        }
    }

    /** One chunk-count shape in one kind of memory, and its latency (one value per measured request). */
    private record Shape(long chunk, Memory memory, StoreDriver driver, Histogram latency) {
    }

    static void chunkCount(Settings settings, Report report, PrintStream log) throws Exception {
        Settings.ChunkCount cc = settings.chunkCount();
        Arrivals arrivals = new Arrivals();
        Map<Long, RemotePair> pairs = new LinkedHashMap<>();
        List<Shape> shapes = new ArrayList<>();
        try {
            for (long chunk : cc.chunkBytes()) {
                int n = cc.chunks(chunk);
                RemotePair pair = new RemotePair(chunk, n * 8, n * 2, arrivals);
                pairs.put(chunk, pair);
                for (Memory m : Memory.values()) {
                    List<MemoryObj> objs = m == Memory.CALLER ? pair.chunks(n) : pair.registeredChunks(n);
                    shapes.add(new Shape(chunk, m, new StoreDriver(m.id + chunk, pair.sender, objs, arrivals),
                            Arrivals.histogram()));
                }
            }
            for (Map.Entry<Long, RemotePair> e : pairs.entrySet()) {
                // Each pair's receiver is a fresh JVM: bring its per-request path to C2 with one-chunk requests
                // (fast at either chunk size) before the shape's own warm-up, as the e2e rows do.
                RemotePair pair = e.getValue();
                StoreDriver jit = new StoreDriver("cj" + e.getKey(), pair.sender, pair.chunks(1), arrivals);
                if (jit.warmUp(settings.e2eJitWarmupRequests()) == null) {
                    throw new IOException("chunk count " + cc.label(e.getKey())
                            + ": a JIT warm-up request got no ProxyNotif within 10 s");
                }
            }
            for (Shape s : shapes) {
                s.driver().closedLoop(TimeUnit.SECONDS.toNanos(cc.warmupSeconds()), Arrivals.histogram());
            }
            long slice = TimeUnit.SECONDS.toNanos(cc.seconds()) / SLICES;
            for (int i = 0; i < SLICES; i++) {
                for (Shape s : shapes) {
                    s.driver().closedLoop(slice, s.latency());
                }
            }
            for (Shape s : shapes) {
                log.printf(Locale.ROOT, "  chunk count %s%s: %d requests, p50 %.0f us, p99 %.0f us%n",
                        cc.label(s.chunk()), s.memory().label, s.latency().getTotalCount(),
                        EndToEndSuite.micros(s.latency(), 50), EndToEndSuite.micros(s.latency(), 99));
            }
            report.note("e2e", "chunk count: submit -> ProxyNotif arrival, one request at a time, " + SLICES
                    + " alternating slices per shape after a warm-up each (" + settings.e2eJitWarmupRequests()
                    + " one-chunk requests, then the shape's own closed loop); cost of many small chunks "
                    + String.join(", ", chunkCountRows(cc, shapes, report)) + " (issue 12 target for p50: <= 1.25)");
            for (Shape s : shapes) {
                if (s.driver().failedStores() > 0) {
                    report.note("e2e", "chunk count " + cc.label(s.chunk()) + s.memory().label + ": "
                            + s.driver().failedStores() + " store tasks failed");
                }
            }
            for (Map.Entry<Long, RemotePair> e : pairs.entrySet()) {
                EndToEndSuite.receiverNote(e.getValue(), "chunk count " + cc.label(e.getKey()), report);
            }
        } finally {
            for (RemotePair p : pairs.values()) {
                p.close();
            }
        }
    }

    /** Adds each shape's p50 and p99 beside the first shape's in the same memory; returns the ratios as text. */
    private static List<String> chunkCountRows(Settings.ChunkCount cc, List<Shape> shapes, Report report) {
        long base = cc.chunkBytes().getFirst();
        List<String> ratios = new ArrayList<>();
        for (Shape s : shapes) {
            if (s.chunk() == base) {
                continue;
            }
            Shape ref = shapes.stream().filter(r -> r.chunk() == base && r.memory() == s.memory()).findFirst()
                    .orElseThrow();
            String baseName = "kvcourier, same " + Settings.bytes(cc.requestBytes()) + " as " + cc.label(base)
                    + s.memory().label;
            for (double pct : new double[] {50, 99}) {
                double ours = EndToEndSuite.micros(s.latency(), pct);
                double theirs = EndToEndSuite.micros(ref.latency(), pct);
                report.add(new Metric("e2e", Settings.bytes(cc.requestBytes()) + " as " + cc.label(s.chunk())
                        + s.memory().label + " p" + BenchMain.pct(pct), "kvcourier tcp (2 JVMs), one request at a time"
                        + s.memory().detail, "us", Better.LOWER, ours, baseName, theirs, Anchor.BASELINE));
                ratios.add(String.format(Locale.ROOT, "(%s%s p%s) / (%s%s p%s) = %.2f", cc.label(s.chunk()),
                        s.memory().label, BenchMain.pct(pct), cc.label(base), s.memory().label, BenchMain.pct(pct),
                        ours / theirs));
            }
        }
        return ratios;
    }
}
