package io.kvcourier.bench;

import io.kvcourier.bench.Metric.Better;
import io.kvcourier.channel.BatchCompletion;
import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelKind;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.ChannelSettings;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.channel.TransferChannels;
import io.kvcourier.channel.WriteBatch;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.WireCodec;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Suite <b>channel</b>, between two JVMs: the kvcourier tcp channel (sender here, receiver in a child JVM)
 * beside a raw loopback TCP pump (plain blocking {@code SocketChannel}s, one length header and one ack byte per
 * batch, same child-JVM arrangement) for the same chunk sizes and batches, measured back to back in this run
 * with plain timed loops: warm-up, then {@code iterations × iterationSeconds} of batches, each batch waited
 * for (tcp: the receiver's commit acknowledgement; raw: the ack byte).
 */
final class TcpChannelSuite {
    private TcpChannelSuite() {
    }

    /** Both halves' channel settings: loopback, a 30 s handshake, a 5 s shutdown, the device defaults. */
    static final ChannelSettings SETTINGS = new ChannelSettings("127.0.0.1", "127.0.0.1", Duration.ofSeconds(30),
            Duration.ofSeconds(5), 2, "", 1, -1);

    /** The channel named {@code kind}, as {@code transfer_channel} names it ({@code tcp}, {@code verbs}). */
    static TransferChannelFactory factory(String kind) {
        return TransferChannels.factoryFor(List.of(ChannelKind.valueOf(kind.toUpperCase(Locale.ROOT))), kind);
    }

    /** Alternating measurement slices per implementation and case; the median slice is reported. */
    static final int SLICES = 3;

    static void run(Settings settings, Report report, PrintStream log) throws Exception {
        String tcpUnsupported = TransferChannels.unsupportedReason(ChannelKind.TCP);
        if (tcpUnsupported != null) {
            report.skip(new Skip("channel", "tcp channel (two JVMs)", tcpUnsupported));
        }
        for (long size : settings.channelSizes()) {
            for (int batch : settings.channelBatches()) {
                long bytes = size * batch;
                if (bytes > settings.maxBatchBytes()) {
                    continue;
                }
                String label = "tcp " + Settings.bytes(size) + " x " + batch;
                double[] result = measure(settings, size, batch, tcpUnsupported == null);
                report.add(new Metric("channel", label, "kvcourier tcp channel (2 JVMs)", "GB/s", Better.HIGHER,
                        result[1], "raw loopback TCP pump (2 JVMs)", result[0]));
                report.add(new Metric("channel", label, "kvcourier tcp channel (2 JVMs), next batch from the "
                        + "completion", "GB/s", Better.HIGHER, result[2], "raw loopback TCP pump (2 JVMs)", result[0]));
                log.printf("  %s: raw %.2f GB/s, tcp channel %s GB/s, next batch from the completion %s GB/s%n",
                        label, result[0], Double.isNaN(result[1]) ? "-" : String.format("%.2f", result[1]),
                        Double.isNaN(result[2]) ? "-" : String.format("%.2f", result[2]));
            }
        }
        report.note("channel", "tcp rows: plain timed loops (not JMH), sender in the driver JVM, receiver in a child "
                + "JVM, one batch in flight (each waits for its acknowledgement); raw pump and tcp channel are warmed "
                + "up, then measured in " + SLICES + " alternating slices each, and the median slice is reported; "
                + "'next batch from the completion' writes each batch from the completion of the one before, on the "
                + "channel's progress thread (where the adapter handles its own completions), instead of waking this "
                + "thread for it: the raw pump's one thread reads its own ack");
    }

    /**
     * {raw GB/s, tcp channel GB/s, tcp channel chained from its completions GB/s (both NaN when not measured)} for
     * one case, measured in alternating slices.
     */
    static double[] measure(Settings settings, long size, int batch, boolean withTcp) throws Exception {
        long warmNanos = TimeUnit.SECONDS.toNanos((long) settings.warmups() * settings.warmupSeconds());
        long sliceNanos = TimeUnit.SECONDS.toNanos((long) settings.iterations() * settings.iterationSeconds()) / SLICES;
        try (RawPump raw = new RawPump(size, batch);
             ChannelPump tcp = withTcp ? new ChannelPump("tcp", size, batch) : null) {
            timed(raw, size * batch, warmNanos);
            if (tcp != null) {
                timed(tcp, size * batch, warmNanos);
                tcp.chained(size * batch, warmNanos);
            }
            double[] rawSlices = new double[SLICES];
            double[] tcpSlices = new double[SLICES];
            double[] chainedSlices = new double[SLICES];
            for (int i = 0; i < SLICES; i++) {
                rawSlices[i] = timed(raw, size * batch, sliceNanos);
                tcpSlices[i] = tcp == null ? Double.NaN : timed(tcp, size * batch, sliceNanos);
                chainedSlices[i] = tcp == null ? Double.NaN : tcp.chained(size * batch, sliceNanos);
            }
            return new double[] {median(rawSlices), median(tcpSlices), median(chainedSlices)};
        }
    }

    static double median(double[] v) {
        double[] c = v.clone();
        java.util.Arrays.sort(c);
        return c[c.length / 2];
    }

    /** One batch sent and acknowledged. */
    interface Op {
        void run() throws IOException;
    }

    /** The raw loopback TCP pump: a child JVM receiver and one blocking connection to it. */
    static final class RawPump implements Op, AutoCloseable {
        private final ChildJvm child;
        private final StagingBuffer local;
        private final SocketChannel channel;
        private final ByteBuffer[] frame;
        private final ByteBuffer ack = ByteBuffer.allocateDirect(1);
        private final long frameBytes;

        RawPump(long size, int batch) throws Exception {
            child = new ChildJvm("raw", Long.toString(size), Integer.toString(batch));
            local = new StagingBuffer(size * batch);
            channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", Integer.parseInt(child.expect("PORT "))));
            channel.socket().setTcpNoDelay(true);
            frame = new ByteBuffer[batch + 1];
            frame[0] = ByteBuffer.allocateDirect(8).putLong(0, size * batch);
            for (int i = 0; i < batch; i++) {
                frame[i + 1] = local.segment().asSlice(i * size, size).asByteBuffer();
            }
            frameBytes = 8 + size * batch;
        }

        @Override
        public void run() throws IOException {
            for (ByteBuffer b : frame) {
                b.clear();
            }
            long left = frameBytes;
            while (left > 0) {
                left -= channel.write(frame);
            }
            ack.clear();
            if (!ChildReceiver.readFully(channel, ack)) {
                throw new IOException("raw pump receiver closed the connection");
            }
        }

        @Override
        public void close() throws IOException {
            try (child; local) {
                channel.close();
            }
        }
    }

    /** A kvcourier channel of one kind: sender here, receiver in a child JVM, one connection. */
    static final class ChannelPump implements Op, AutoCloseable {
        private final ChildJvm child;
        private final StagingBuffer local;
        private final ChannelSender sender;
        private final ChannelConnection connection;
        private final WriteBatch writes;

        ChannelPump(String kind, long size, int batch) throws Exception {
            child = new ChildJvm("channel", kind, Long.toString(size), Integer.toString(batch));
            local = new StagingBuffer(size * batch);
            child.expect("READY");
            local.fixPageSize(size);
            HexFormat hex = HexFormat.of();
            sender = factory(kind).openSender(SETTINGS, local);
            ChannelSender.Handshake hs = sender.beginConnect("bench-sender-" + ProcessHandle.current().pid());
            child.send("HS " + hex.formatHex(WireCodec.encode(hs.request())));
            connection = hs.complete(WireCodec.decode(hex.parseHex(child.expect("HS "))));
            long[] offsets = new long[batch];
            int[] pages = new int[batch];
            long[] lengths = new long[batch];
            for (int i = 0; i < batch; i++) {
                offsets[i] = local.pageOffset(i);
                pages[i] = i;
                lengths[i] = size;
            }
            writes = new WriteBatch(offsets, pages, lengths, size);
        }

        @Override
        public void run() throws IOException {
            try {
                connection.write(writes).get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IOException("channel write failed: " + e, e);
            }
        }

        /**
         * Batches back to back for {@code nanos}, one in flight, each written from the completion of the one before
         * (on the channel's progress thread); this thread waits only for the end. Returns GB/s.
         */
        double chained(long bytesPerOp, long nanos) throws IOException {
            CountDownLatch over = new CountDownLatch(1);
            AtomicReference<ChannelException> failed = new AtomicReference<>();
            long start = System.nanoTime();
            long end = start + nanos;
            long[] opsAndStop = new long[2];
            BatchCompletion next = new BatchCompletion() {
                @Override
                public void batchDone(WriteBatch b, ChannelException failure) {
                    long now = System.nanoTime();
                    if (failure == null) {
                        opsAndStop[0]++;
                    }
                    if (failure != null || now >= end) {
                        failed.set(failure);
                        opsAndStop[1] = now;
                        over.countDown();
                        return;
                    }
                    connection.write(writes, this);
                }
            };
            connection.write(writes, next);
            try {
                if (!over.await(nanos + TimeUnit.SECONDS.toNanos(60), TimeUnit.NANOSECONDS)) {
                    throw new IOException("chained channel writes did not finish within 60 s of their slice");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            if (failed.get() != null) {
                throw new IOException("channel write failed: " + failed.get(), failed.get());
            }
            return opsAndStop[0] * (double) bytesPerOp / ((opsAndStop[1] - start) / 1e9) / 1e9;
        }

        @Override
        public void close() throws IOException {
            try (child; local) {
                connection.close();
                sender.close();
            }
        }
    }

    /** Runs {@code op} back to back for {@code nanos}; returns GB/s. */
    static double timed(Op op, long bytesPerOp, long nanos) throws IOException {
        long start = System.nanoTime();
        long end = start + nanos;
        long ops = 0;
        long now;
        do {
            op.run();
            ops++;
            now = System.nanoTime();
        } while (now < end);
        return ops * (double) bytesPerOp / ((now - start) / 1e9) / 1e9;
    }
}
