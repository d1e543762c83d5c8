package io.kvcourier.notify;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A TCP server that writes a fixed script to every connection it accepts and then leaves it open (so a client must
 * judge the bytes, not an EOF); the accepted connections are handed to the test. Runs on a platform thread. Its static
 * methods are the pieces tests write a ZMTP peer's bytes with by hand, on either side.
 */
final class FakeZmtpPeer implements AutoCloseable {
    private final ServerSocketChannel server;
    private final byte[] script;
    private final BlockingQueue<SocketChannel> accepted = new LinkedBlockingQueue<>();
    private final Thread thread;

    FakeZmtpPeer(byte[] script) throws IOException {
        this.script = script.clone();
        server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        thread = Thread.ofPlatform().daemon().name("fake-zmtp-peer").start(this::serve);
    }

    /** {@return a PULL server's greeting and READY, as a well-behaved ZMTP 3.0 peer sends them} */
    static byte[] pullHandshake() {
        byte[] b = ZmtpCodec.clientHandshake();
        byte[] pull = "PULL".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(pull, 0, b, b.length - 4, 4);
        return b;
    }

    /** {@return the concatenation of the parts} */
    static byte[] concat(byte[]... parts) {
        ByteBuffer b = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    /** {@return one ZMTP message frame: {@code flags} (a short or, over 255 bytes, a long header) and the body} */
    static byte[] frame(int flags, byte[] body) {
        if (body.length > 255) {
            return concat(new byte[] {(byte) (flags | ZmtpCodec.FLAG_LONG)},
                    ByteBuffer.allocate(8).putLong(body.length).array(), body);
        }
        return concat(new byte[] {(byte) flags, (byte) body.length}, body);
    }

    /**
     * {@return a plain socket to a PULL server on {@code port} that has read the server's greeting and READY and
     * sent a PUSH's}; its reads time out after {@code readTimeout}
     */
    static Socket handshakenPush(int port, Duration readTimeout) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout((int) readTimeout.toMillis());
        s.getInputStream().readNBytes(ZmtpCodec.serverHandshake().length);
        s.getOutputStream().write(ZmtpCodec.clientHandshake());
        return s;
    }

    /** Reads and discards until EOF; false if the peer kept the connection open past the socket's read timeout. */
    static boolean readUntilClosed(InputStream in) {
        try {
            while (in.read() >= 0) {
                // what the server sent before it hung up (its greeting and READY, when not read yet)
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset: closed as well
        }
    }

    int port() {
        try {
            return ((InetSocketAddress) server.getLocalAddress()).getPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    BlockingQueue<SocketChannel> accepted() {
        return accepted;
    }

    private void serve() {
        while (server.isOpen()) {
            try {
                SocketChannel c = server.accept();
                accepted.add(c);
                c.write(ByteBuffer.wrap(script));
            } catch (IOException e) {
                // closed by the client or by close(): go on accepting until the server closes
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (SocketChannel c; (c = accepted.poll()) != null; ) {
            c.close();
        }
    }
}
