package io.kvcourier.fuzz;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.channel.ChannelSettings;
import io.kvcourier.channel.ControlRequestHandler;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.channel.tcp.TcpChannel;
import io.kvcourier.channel.tcp.TcpFrames;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.TcpInitRequest;
import io.kvcourier.wire.TcpInitResponse;
import io.kvcourier.wire.WireCodec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The receiver-and-handshake harness of the tcp fuzz targets ({@link TcpFrameFuzzTest},
 * {@link TcpControlFrameFuzzTest}): a real tcp receiver over four 4 KiB staging pages whose allocation model admits
 * exactly one range (sender {@value #SENDER}, batch 1, page 1), and one exchange per input: a HELLO with a fresh
 * token, the fuzzer's bytes, our EOF, then everything the receiver sends until it closes.
 */
final class TcpFuzzReceiver implements AutoCloseable {
    static final long PAGE = 4096;
    static final int PAGES = 4;
    static final String SENDER = "fuzz";

    private final StagingBuffer staging;
    private final ChannelReceiver receiver;

    /** One receiver per fuzz target, opened by its first input and closed after the target's last. */
    static final class Shared {
        private final ControlRequestHandler handler;
        private TcpFuzzReceiver harness;

        /** @param handler answers CONTROL frames; null for none */
        Shared(ControlRequestHandler handler) {
            this.handler = handler;
        }

        synchronized TcpFuzzReceiver get() throws Exception {
            if (harness == null) {
                harness = new TcpFuzzReceiver(handler);
            }
            return harness;
        }

        /**
         * One input: a fresh handshake for data version {@code version} (version 2 as a peer from before the field
         * asks: without it), a check that the receiver chose it, then {@link TcpFuzzReceiver#exchange}.
         */
        void exchange(short version, byte[] input) throws Exception {
            try (SilentCloseable _ = allowLoopback()) {
                TcpFuzzReceiver h = get();
                PdMessage reply = h.receiver().handshake(version == TcpFrames.VERSION
                        ? new TcpInitRequest(WireCodec.PROTOCOL_VERSION, SENDER)
                        : new TcpInitRequest(WireCodec.PROTOCOL_VERSION, SENDER, version));
                if (!(reply instanceof TcpInitResponse init) || init.dataVersion() != version) {
                    throw new AssertionError("the receiver stopped answering version-" + version + " handshakes: "
                            + reply);
                }
                h.exchange(init, version, input);
            }
        }

        synchronized void close() {
            if (harness != null) {
                harness.close();
                harness = null;
            }
        }
    }

    /**
     * Lets this thread connect to loopback while it is open: Jazzer's SSRF detector would flag it, and connecting
     * to the receiver under test on loopback is the point of these targets.
     */
    static SilentCloseable allowLoopback() {
        return BugDetectors.allowNetworkConnections((host, port) -> host.equals("127.0.0.1")
                || host.equals("localhost"));
    }

    /** Opens the receiver; {@code handler} (null for none) answers its CONTROL frames. */
    TcpFuzzReceiver(ControlRequestHandler handler) throws Exception {
        staging = new StagingBuffer(PAGES * PAGE);
        staging.fixPageSize(PAGE);
        ChannelSettings settings = new ChannelSettings("127.0.0.1", "127.0.0.1", Duration.ofSeconds(2),
                Duration.ofSeconds(5), 2, "", 1, -1);
        receiver = TcpChannel.FACTORY.openReceiver(settings, staging, new LandingListener() {
            @Override
            public boolean admitWrite(String senderId, int batchId, int page, long offsetInPage, long length) {
                return SENDER.equals(senderId) && batchId == 1 && page == 1 && offsetInPage >= 0 && length >= 0
                        && offsetInPage + length <= PAGE;
            }

            @Override
            public boolean onBatchLanded(String senderId, int batchId) {
                return SENDER.equals(senderId) && batchId == 1;
            }
        });
        if (handler != null) {
            receiver.setControlHandler(handler);
        }
    }

    ChannelReceiver receiver() {
        return receiver;
    }

    /**
     * Connects to the port {@code init} announced, sends a HELLO of data version {@code version} with its token,
     * then {@code input} and EOF, and reads until the receiver closes. Fails when it neither closes nor finishes
     * within 10 s, or when a byte landed outside the admitted page.
     */
    void exchange(TcpInitResponse init, short version, byte[] input) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(init.host(), init.port()), 5_000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            byte[] id = SENDER.getBytes(StandardCharsets.UTF_8);
            out.write(ByteBuffer.allocate(TcpFrames.HELLO_BYTES + id.length).putInt(TcpFrames.MAGIC)
                    .putShort(version).putShort((short) id.length).put(init.sessionToken()).put(id).array());
            try {
                out.write(input);
                out.flush();
                s.shutdownOutput();
            } catch (IOException closedByReceiver) {
                // the receiver refused something and closed the connection: fine
            }
            InputStream in = s.getInputStream();
            byte[] sink = new byte[4096];
            try {
                while (in.read(sink) >= 0) {
                    // ACKs (and control replies); the receiver closes once it has seen our EOF or a bad frame
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the receiver neither closed nor finished the connection within 10 s");
            } catch (IOException reset) {
                // closed by the receiver with unread data: fine
            }
        }
        // The connection is closed; the receiver's thread may still be finishing this input's last frame, so the
        // check below covers everything earlier inputs did and, at the latest with the next input, this one.
        if (staging.segment().asSlice(0, PAGE).mismatch(MemorySegment.ofArray(new byte[(int) PAGE])) != -1
                || staging.segment().asSlice(2 * PAGE, 2 * PAGE)
                        .mismatch(MemorySegment.ofArray(new byte[(int) (2 * PAGE)])) != -1) {
            throw new AssertionError("bytes landed outside the admitted page");
        }
    }

    @Override
    public void close() {
        receiver.close();
        staging.close();
    }
}
