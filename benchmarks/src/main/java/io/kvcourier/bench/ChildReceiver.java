package io.kvcourier.bench;

import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.WireCodec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The receiving JVM of the channel and e2e suites, started by the driver as a child process; it lives until its
 * stdin closes. Three modes:
 * <ul>
 *   <li>{@code raw PAGE_BYTES PAGES}: the raw loopback TCP pump's receiver. Prints {@code PORT n}; per
 *       connection, repeatedly reads an 8-byte big-endian length, reads that many bytes into its pages, and
 *       answers one byte.</li>
 *   <li>{@code channel KIND PAGE_BYTES PAGES}: a kvcourier channel receiver of that kind over a staging buffer,
 *       admitting every write. Prints {@code READY}; for every stdin line {@code HS hex} (an encoded handshake
 *       request) prints {@code HS hex} (the encoded reply).</li>
 *   <li>{@code adapter PAGE_BYTES PAGES}: a receiver adapter over tcp with a decode loop, beside a floor receiver
 *       (the e2e suite's two-JVM rows); see {@link AdapterChild}.</li>
 * </ul>
 */
public final class ChildReceiver {
    private ChildReceiver() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        switch (args[0]) {
            case "raw" -> raw(Long.parseLong(args[1]), Integer.parseInt(args[2]), out, in);
            case "channel" -> channel(args[1], Long.parseLong(args[2]), Integer.parseInt(args[3]), out, in);
            case "adapter" -> AdapterChild.run(Long.parseLong(args[1]), Integer.parseInt(args[2]), out, in);
            default -> throw new IllegalArgumentException("mode must be raw, channel or adapter, got " + args[0]);
        }
    }

    private static void raw(long pageBytes, int pages, PrintStream out, BufferedReader in) throws IOException {
        try (Arena arena = Arena.ofShared();
             ServerSocketChannel server = ServerSocketChannel.open()) {
            MemorySegment memory = arena.allocate(pageBytes * pages, 4096);
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            Thread acceptor = Thread.ofPlatform().daemon(true).name("raw-pump-acceptor").start(() -> {
                try {
                    while (true) {
                        SocketChannel c = server.accept();
                        Thread.ofPlatform().daemon(true).name("raw-pump-reader")
                                .start(() -> pump(c, memory, pageBytes));
                    }
                } catch (IOException e) {
                    // server closed: the run is over
                }
            });
            out.println("PORT " + ((InetSocketAddress) server.getLocalAddress()).getPort());
            while (in.readLine() != null) {
                // wait for the driver to close stdin
            }
            acceptor.interrupt();
        }
    }

    private static void pump(SocketChannel c, MemorySegment memory, long pageBytes) {
        try (c) {
            c.socket().setTcpNoDelay(true);
            ByteBuffer header = ByteBuffer.allocateDirect(8);
            ByteBuffer ack = ByteBuffer.allocateDirect(1);
            long pages = memory.byteSize() / pageBytes;
            ByteBuffer[] views = new ByteBuffer[(int) pages];
            for (int i = 0; i < pages; i++) {
                views[i] = memory.asSlice(i * pageBytes, pageBytes).asByteBuffer();
            }
            while (true) {
                header.clear();
                if (!readFully(c, header)) {
                    return;
                }
                long left = header.getLong(0);
                int page = 0;
                while (left > 0) {
                    ByteBuffer v = views[page % views.length].clear();
                    v.limit((int) Math.min(left, v.capacity()));
                    if (!readFully(c, v)) {
                        return;
                    }
                    left -= v.limit();
                    page++;
                }
                ack.clear();
                ack.put(0, (byte) 1);
                while (ack.hasRemaining()) {
                    c.write(ack);
                }
            }
        } catch (IOException e) {
            // the sender went away
        }
    }

    static boolean readFully(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                return false;
            }
        }
        return true;
    }

    private static void channel(String kind, long pageBytes, int pages, PrintStream out, BufferedReader in)
            throws Exception {
        try (StagingBuffer staging = new StagingBuffer(pageBytes * pages)) {
            staging.fixPageSize(pageBytes);
            ChannelReceiver receiver = TcpChannelSuite.factory(kind).openReceiver(TcpChannelSuite.SETTINGS, staging,
                    AdmitAll.INSTANCE);
            HexFormat hex = HexFormat.of();
            out.println("READY");
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("HS ")) {
                    PdMessage request = WireCodec.decode(hex.parseHex(line.substring(3)));
                    out.println("HS " + hex.formatHex(WireCodec.encode(receiver.handshake(request))));
                }
            }
            receiver.close();
        }
    }
}
