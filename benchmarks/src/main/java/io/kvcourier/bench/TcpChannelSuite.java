package io.kvcourier.bench;

import io.kvcourier.bench.Metric.Better;
import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.TransferChannels;
import io.kvcourier.channel.WriteBatch;
import io.kvcourier.pd.ChannelKind;
import io.kvcourier.pd.PdL2AdapterConfig;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.WireCodec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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

    static PdL2AdapterConfig config(String role, String kind, long pageBytes, int pages) {
        Map<String, Object> m = new HashMap<>();
        m.put("type", "pd");
        m.put("role", role);
        m.put("peer_host", "127.0.0.1");
        m.put("bind_host", "127.0.0.1");
        // The suite does the channel handshake itself; a sender's ports only need to be valid.
        int port = "sender".equals(role) ? 1 : 0;
        m.put("peer_init_port", List.of(port));
        m.put("peer_alloc_port", List.of(port));
        m.put("transfer_channel", kind);
        m.put("buffer_size", pageBytes * pages);
        m.put("chunk_bytes", pageBytes);
        m.put("proxy_port", 0);
        m.put("transfer_timeout_sec", 30);
        m.put("handshake_timeout_sec", 30);
        return PdL2AdapterConfig.fromMap(m);
    }

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
                double raw = rawPump(settings, size, batch);
                double tcp = tcpUnsupported == null ? tcpChannel(settings, size, batch) : Double.NaN;
                report.add(new Metric("channel", label, "kvcourier tcp channel (2 JVMs)", "GB/s", Better.HIGHER, tcp,
                        "raw loopback TCP pump (2 JVMs)", raw));
                log.printf("  %s: raw %.2f GB/s, tcp channel %s GB/s%n", label, raw,
                        Double.isNaN(tcp) ? "-" : String.format("%.2f", tcp));
            }
        }
        report.note("channel", "tcp rows: plain timed loops (not JMH), sender in the driver JVM, receiver in a child "
                + "JVM; each batch waits for its acknowledgement before the next is sent");
    }

    /** A child JVM running {@link ChildReceiver}; closes it by closing its stdin. */
    private static final class Child implements AutoCloseable {
        final Process process;
        final BufferedReader out;
        final Writer in;

        Child(String... args) throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(List.of(JmhRunner.JVM_FLAGS));
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(ChildReceiver.class.getName());
            cmd.addAll(List.of(args));
            process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        }

        /** The next line starting with {@code prefix} (other lines are logging); fails if the child exits. */
        String expect(String prefix) throws IOException {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(prefix)) {
                    return line.substring(prefix.length()).trim();
                }
            }
            throw new IOException("child receiver exited before printing " + prefix.trim());
        }

        void send(String line) throws IOException {
            in.write(line);
            in.write('\n');
            in.flush();
        }

        @Override
        public void close() throws IOException, InterruptedException {
            in.close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Raw pump throughput in GB/s. */
    static double rawPump(Settings settings, long size, int batch) throws Exception {
        try (Child child = new Child("raw", Long.toString(size), Integer.toString(batch));
             StagingBuffer local = new StagingBuffer(size * batch)) {
            int port = Integer.parseInt(child.expect("PORT "));
            try (SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
                c.socket().setTcpNoDelay(true);
                ByteBuffer[] frame = new ByteBuffer[batch + 1];
                ByteBuffer header = ByteBuffer.allocateDirect(8).putLong(0, size * batch);
                frame[0] = header;
                for (int i = 0; i < batch; i++) {
                    frame[i + 1] = local.segment().asSlice(i * size, size).asByteBuffer();
                }
                ByteBuffer ack = ByteBuffer.allocateDirect(1);
                return timed(settings, size * batch, () -> {
                    for (ByteBuffer b : frame) {
                        b.clear();
                    }
                    long left = 8 + size * batch;
                    while (left > 0) {
                        left -= c.write(frame);
                    }
                    ack.clear();
                    if (!ChildReceiver.readFully(c, ack)) {
                        throw new IOException("raw pump receiver closed the connection");
                    }
                });
            }
        }
    }

    /** kvcourier tcp channel throughput in GB/s. */
    static double tcpChannel(Settings settings, long size, int batch) throws Exception {
        try (Child child = new Child("channel", "tcp", Long.toString(size), Integer.toString(batch));
             StagingBuffer local = new StagingBuffer(size * batch)) {
            child.expect("READY");
            local.fixPageSize(size);
            PdL2AdapterConfig config = config("sender", "tcp", size, batch);
            HexFormat hex = HexFormat.of();
            try (ChannelSender sender = TransferChannels.factoryFor(config).openSender(config, local)) {
                ChannelSender.Handshake hs = sender.beginConnect("bench-sender-" + ProcessHandle.current().pid());
                child.send("HS " + hex.formatHex(WireCodec.encode(hs.request())));
                ChannelConnection conn = hs.complete(WireCodec.decode(hex.parseHex(child.expect("HS "))));
                long[] offsets = new long[batch];
                int[] pages = new int[batch];
                long[] lengths = new long[batch];
                for (int i = 0; i < batch; i++) {
                    offsets[i] = local.pageOffset(i);
                    pages[i] = i;
                    lengths[i] = size;
                }
                WriteBatch writes = new WriteBatch(offsets, pages, lengths, size);
                try {
                    return timed(settings, size * batch, () -> {
                        try {
                            conn.write(writes).get(60, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            throw new IOException("tcp channel write failed: " + e, e);
                        }
                    });
                } finally {
                    conn.close();
                }
            }
        }
    }

    interface Op {
        void run() throws IOException;
    }

    /** Runs {@code op} for the warm-up, then for the measurement time; returns measured GB/s. */
    static double timed(Settings settings, long bytesPerOp, Op op) throws IOException {
        long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos((long) settings.warmups() * settings.warmupSeconds());
        while (System.nanoTime() < warmEnd) {
            op.run();
        }
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos((long) settings.iterations() * settings.iterationSeconds());
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
