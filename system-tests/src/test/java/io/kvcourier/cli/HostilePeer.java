package io.kvcourier.cli;

import io.kvcourier.channel.tcp.RawTcpClient;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.TcpInitRequest;
import io.kvcourier.wire.TcpInitResponse;
import io.kvcourier.wire.WireCodec;
import io.kvcourier.wire.WireFormatException;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.SplittableRandom;

/**
 * Sends hostile input to every port of a receiver: raw bytes that are not ZMTP to the alloc and init ports,
 * garbage and truncated msgpack through a ZMQ DEALER (alloc) and REQ (init), and on the tcp data port (learned
 * from a real init handshake) a connection without a HELLO and one with a valid HELLO followed by garbage. It
 * asserts nothing: the receiver may be dead or stalled at that moment; the soak judges by what is stored and
 * verified afterwards. One instance per thread; owns its ZMQ context.
 */
final class HostilePeer implements AutoCloseable {
    private static final int REPLY_TIMEOUT_MS = 500;
    private final ZContext zmq = new ZContext();
    private final SplittableRandom random;

    HostilePeer(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** Sends one round to the receiver on these ports; returns how many hostile frames or connections went out. */
    int attack(int allocPort, int initPort) {
        int sent = 0;
        sent += raw(allocPort, garbage(1 + random.nextInt(512)));
        sent += raw(initPort, garbage(1 + random.nextInt(512)));
        byte[][] allocFrames = {garbage(1 + random.nextInt(2048)), {(byte) 0xdf, (byte) 0xff, (byte) 0xff, (byte) 0xff,
                (byte) 0xff}, {(byte) 0x92, (byte) 0xa5, 'A', 'l', 'l', 'o', 'c', (byte) 0xc0}};
        ZMQ.Socket dealer = socket(SocketType.DEALER, allocPort);
        try {
            for (byte[] frame : allocFrames) {
                dealer.sendMore(new byte[0]);
                dealer.send(frame, 0);
                sent++;
            }
            drain(dealer);
        } catch (RuntimeException e) {
            // the receiver is gone or stalled
        } finally {
            dealer.close();
        }
        ZMQ.Socket req = socket(SocketType.REQ, initPort);
        try {
            req.send(garbage(1 + random.nextInt(256)), 0);
            sent++;
            req.recv(); // an InitError, or nothing (a REQ takes one reply)
        } catch (RuntimeException e) {
            // the receiver is gone or stalled
        } finally {
            req.close();
        }
        TcpInitResponse init = handshake(initPort);
        if (init != null) {
            sent += raw(init.port(), garbage(1 + random.nextInt(4096))); // no HELLO
            try (RawTcpClient c = new RawTcpClient(init.host(), init.port())) {
                c.hello(init.sessionToken(), "soak-hostile").bytes(garbage(16 + random.nextInt(256)));
                sent++;
            } catch (IOException | RuntimeException e) {
                // the receiver dropped us (expected) or is gone
            }
        }
        return sent;
    }

    private TcpInitResponse handshake(int initPort) {
        ZMQ.Socket req = socket(SocketType.REQ, initPort);
        try {
            req.send(WireCodec.encode(new TcpInitRequest(WireCodec.PROTOCOL_VERSION, "soak-hostile")), 0);
            byte[] reply = req.recv();
            if (reply == null) {
                return null;
            }
            PdMessage m = WireCodec.decode(reply);
            return m instanceof TcpInitResponse r ? r : null;
        } catch (WireFormatException | RuntimeException e) {
            return null;
        } finally {
            req.close();
        }
    }

    private ZMQ.Socket socket(SocketType type, int port) {
        ZMQ.Socket s = zmq.createSocket(type);
        s.setLinger(0);
        s.setReceiveTimeOut(REPLY_TIMEOUT_MS);
        s.setSendTimeOut(REPLY_TIMEOUT_MS);
        s.connect("tcp://127.0.0.1:" + port);
        return s;
    }

    private static void drain(ZMQ.Socket s) {
        while (s.recv() != null) {
            // replies (AllocResponse -1s, InitError) or nothing: either is fine
        }
    }

    private static int raw(int port, byte[] bytes) {
        try (SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                c.write(b);
            }
            return 1;
        } catch (IOException e) {
            return 0; // nobody listening (killed) or the peer closed on us
        }
    }

    private byte[] garbage(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    @Override
    public void close() {
        zmq.close();
    }
}
