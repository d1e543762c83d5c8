package io.kvcourier.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * Suite <b>control</b>: what one allocation round trip costs on the control plane before any work is done. A
 * jeromq DEALER (its own context, as a sender adapter has) sends {@code ["", 64 bytes]} to a ROUTER (another
 * context, as a receiver has) whose thread echoes it back — the request crosses the client's and the server's
 * jeromq I/O threads both ways. Floor: a 64-byte ping-pong over a plain loopback TCP socket with a blocking echo
 * thread, the least a cross-thread network round trip costs. Both in this JVM.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ControlRoundTripBenchmark {
    static final int PAYLOAD = 64;

    /** A DEALER and an echoing ROUTER in two contexts. */
    @State(Scope.Thread)
    public static class Zmq {
        ZContext serverContext;
        ZContext clientContext;
        ZMQ.Socket dealer;
        Thread echo;
        volatile boolean running = true;
        final byte[] payload = new byte[PAYLOAD];
        static final byte[] EMPTY = new byte[0];

        @Setup(Level.Trial)
        public void open() {
            serverContext = new ZContext(1);
            clientContext = new ZContext(1);
            ZMQ.Socket router = serverContext.createSocket(SocketType.ROUTER);
            router.setReceiveTimeOut(100);
            router.bind("tcp://127.0.0.1:*");
            String endpoint = router.getLastEndpoint();
            echo = Thread.ofPlatform().name("bench-router-echo").daemon(true).start(() -> {
                while (running) {
                    byte[] id = router.recv();
                    if (id == null) {
                        continue;
                    }
                    byte[] delimiter = router.recv();
                    byte[] body = router.recv();
                    router.sendMore(id);
                    router.sendMore(delimiter);
                    router.send(body);
                }
                router.close();
            });
            dealer = clientContext.createSocket(SocketType.DEALER);
            dealer.connect(endpoint);
        }

        @TearDown(Level.Trial)
        public void close() throws InterruptedException {
            running = false;
            echo.join(5_000);
            dealer.close();
            clientContext.close();
            serverContext.close();
        }
    }

    /** A blocking loopback TCP socket pair with an echo thread. */
    @State(Scope.Thread)
    public static class Tcp {
        ServerSocketChannel server;
        SocketChannel client;
        Thread echo;
        final ByteBuffer buf = ByteBuffer.allocateDirect(PAYLOAD);

        @Setup(Level.Trial)
        public void open() throws IOException {
            server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
            echo = Thread.ofPlatform().name("bench-tcp-echo").daemon(true).start(() -> {
                try (SocketChannel c = server.accept()) {
                    c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    ByteBuffer b = ByteBuffer.allocateDirect(PAYLOAD);
                    while (true) {
                        b.clear();
                        while (b.hasRemaining()) {
                            if (c.read(b) < 0) {
                                return;
                            }
                        }
                        b.flip();
                        while (b.hasRemaining()) {
                            c.write(b);
                        }
                    }
                } catch (IOException e) {
                    // closed at tear-down
                }
            });
            client = SocketChannel.open(server.getLocalAddress());
            client.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException, InterruptedException {
            client.close();
            server.close();
            echo.join(5_000);
        }
    }

    @Benchmark
    public byte[] jeromqDealerRouterRoundTrip(Zmq s) {
        s.dealer.send(Zmq.EMPTY, ZMQ.SNDMORE);
        s.dealer.send(s.payload, 0);
        s.dealer.recv();
        return s.dealer.recv();
    }

    @Benchmark
    public int rawTcpRoundTrip(Tcp s) throws IOException {
        ByteBuffer b = s.buf;
        b.clear();
        while (b.hasRemaining()) {
            s.client.write(b);
        }
        b.clear();
        while (b.hasRemaining()) {
            if (s.client.read(b) < 0) {
                throw new IOException("echo closed");
            }
        }
        return b.position();
    }
}
