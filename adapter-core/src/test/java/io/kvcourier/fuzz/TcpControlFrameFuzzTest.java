package io.kvcourier.fuzz;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.channel.ChannelSettings;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.channel.tcp.TcpChannel;
import io.kvcourier.channel.tcp.TcpFrames;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.TcpInitRequest;
import io.kvcourier.wire.TcpInitResponse;
import io.kvcourier.wire.WireCodec;
import org.junit.jupiter.api.AfterAll;

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
import java.util.Arrays;
import java.util.List;

/**
 * Coverage-guided fuzzing of the tcp data port at data version 3 (CONTROL frames beside DATA frames), as {@link
 * TcpFrameFuzzTest} does for version 2: a real tcp receiver whose control handler answers each request with its own
 * bytes — at once when its length is odd, later from another thread when even — and whose allocation model admits
 * only sender {@code fuzz}, batch 1, page 1. Per input: a fresh handshake asking for version 3, a valid HELLO, then
 * the fuzzer's bytes. Properties: no byte lands outside page 1, the receiver keeps answering handshakes, and the
 * connection always ends. Corpus: {@code src/test/resources/io/kvcourier/fuzz/TcpControlFrameFuzzTestInputs/controlFrames/}.
 */
class TcpControlFrameFuzzTest {
    private static final long PAGE = 4096;
    private static final int PAGES = 4;
    private static final String SENDER = "fuzz";

    private static StagingBuffer staging;
    private static ChannelReceiver receiver;

    private static synchronized ChannelReceiver receiver() throws Exception {
        if (receiver == null) {
            staging = new StagingBuffer(PAGES * PAGE);
            staging.fixPageSize(PAGE);
            ChannelSettings config = new ChannelSettings("127.0.0.1", "127.0.0.1", Duration.ofSeconds(2),
                    Duration.ofSeconds(5), 2, "", 1, -1);
            receiver = TcpChannel.FACTORY.openReceiver(config, staging, new LandingListener() {
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
            receiver.setControlHandler((senderId, bytes, offset, length, replier) -> {
                byte[] copy = Arrays.copyOfRange(bytes, offset, offset + length);
                if (length % 2 == 1) {
                    replier.reply(copy, 0, copy.length);
                } else {
                    Thread.ofVirtual().start(() -> replier.reply(copy, 0, copy.length));
                }
            });
        }
        return receiver;
    }

    @AfterAll
    static synchronized void close() {
        if (receiver != null) {
            receiver.close();
            staging.close();
            receiver = null;
        }
    }

    @FuzzTest(maxDuration = "60s")
    void controlFrames(byte[] input) throws Exception {
        // Jazzer's SSRF detector: connecting to the receiver under test on loopback is the point of this target.
        try (SilentCloseable _ = BugDetectors.allowNetworkConnections(
                (host, port) -> host.equals("127.0.0.1") || host.equals("localhost"))) {
            exchange(input);
        }
    }

    private static void exchange(byte[] input) throws Exception {
        ChannelReceiver r = receiver();
        PdMessage reply = r.handshake(new TcpInitRequest(WireCodec.PROTOCOL_VERSION, SENDER,
                TcpFrames.VERSION_CONTROL));
        if (!(reply instanceof TcpInitResponse init) || init.dataVersion() != TcpFrames.VERSION_CONTROL) {
            throw new AssertionError("the receiver stopped answering version-3 handshakes: " + reply);
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(init.host(), init.port()), 5_000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            byte[] id = SENDER.getBytes(StandardCharsets.UTF_8);
            out.write(ByteBuffer.allocate(TcpFrames.HELLO_BYTES + id.length).putInt(TcpFrames.MAGIC)
                    .putShort(TcpFrames.VERSION_CONTROL).putShort((short) id.length).put(init.sessionToken()).put(id)
                    .array());
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
                    // ACKs and control replies; the receiver closes once it has seen our EOF or a bad frame
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the receiver neither closed nor finished the connection within 10 s");
            } catch (IOException reset) {
                // closed by the receiver with unread data: fine
            }
        }
        if (staging.segment().asSlice(0, PAGE).mismatch(MemorySegment.ofArray(new byte[(int) PAGE])) != -1
                || staging.segment().asSlice(2 * PAGE, 2 * PAGE)
                        .mismatch(MemorySegment.ofArray(new byte[(int) (2 * PAGE)])) != -1) {
            throw new AssertionError("bytes landed outside the admitted page");
        }
    }
}
