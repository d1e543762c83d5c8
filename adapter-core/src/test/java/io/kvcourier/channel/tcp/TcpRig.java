package io.kvcourier.channel.tcp;

import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.ChannelSettings;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.staging.StagingBuffer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Random;

/**
 * What the tcp channel tests open — staging buffers of {@value #PAGES} pages of {@value #PAGE} bytes, receivers,
 * senders, arenas — closed by {@link #closeAll} (after each test) in reverse order of opening.
 */
final class TcpRig {
    static final int PAGE = 64 * 1024;
    static final int PAGES = 16;

    private final Deque<AutoCloseable> toClose = new ArrayDeque<>();

    /** Loopback settings with a handshake deadline of {@code handshakeSec} seconds and a 5 s shutdown deadline. */
    static ChannelSettings settings(double handshakeSec) {
        return settings(handshakeSec, "127.0.0.1");
    }

    static ChannelSettings settings(double handshakeSec, String bindHost) {
        return new ChannelSettings(bindHost, "127.0.0.1", Duration.ofNanos(Math.round(handshakeSec * 1e9)),
                Duration.ofSeconds(5), 2, "", 1, -1);
    }

    /** A sender's connection to {@code receiver}, through a handshake made directly (no init server). */
    static TcpConnection connect(TcpSender sender, TcpReceiver receiver, String senderId) throws Exception {
        ChannelSender.Handshake hs = sender.beginConnect(senderId);
        return (TcpConnection) hs.complete(receiver.handshake(hs.request()));
    }

    /** Closes {@code c} with the rig. */
    <T extends AutoCloseable> T closing(T c) {
        toClose.push(c);
        return c;
    }

    StagingBuffer staging() {
        StagingBuffer s = closing(new StagingBuffer((long) PAGES * PAGE));
        s.fixPageSize(PAGE);
        return s;
    }

    /** A staging buffer of {@code pages} pages of {@code pageBytes} bytes. */
    StagingBuffer staging(int pages, int pageBytes) {
        StagingBuffer s = closing(new StagingBuffer((long) pages * pageBytes));
        s.fixPageSize(pageBytes);
        return s;
    }

    TcpReceiver receiver(StagingBuffer staging, LandingListener listener, double handshakeSec) throws Exception {
        return closing(new TcpReceiver(settings(handshakeSec), staging, listener));
    }

    /** A receiver with a 5 s handshake deadline. */
    TcpReceiver receiver(StagingBuffer staging, LandingListener listener) throws Exception {
        return receiver(staging, listener, 5);
    }

    TcpSender sender(StagingBuffer staging) throws Exception {
        return closing(new TcpSender(settings(5), staging));
    }

    /** Fills {@code [offset, offset + length)} of {@code m} with bytes from {@code random}. */
    static void fillRandom(Random random, MemorySegment m, long offset, long length) {
        byte[] data = new byte[(int) length];
        random.nextBytes(data);
        MemorySegment.copy(data, 0, m, ValueLayout.JAVA_BYTE, offset, data.length);
    }

    /** Whether {@code len} bytes of {@code a} at {@code aOff} equal those of {@code b} at {@code bOff}. */
    static boolean same(MemorySegment a, long aOff, MemorySegment b, long bOff, long len) {
        return a.asSlice(aOff, len).mismatch(b.asSlice(bOff, len)) == -1;
    }

    /** A landing listener that admits every write and commits every batch. */
    static LandingListener admitAll() {
        return new LandingListener() {
            @Override
            public boolean admitWrite(String senderId, int batchId, int page, long offsetInPage, long length) {
                return true;
            }

            @Override
            public boolean onBatchLanded(String senderId, int batchId) {
                return true;
            }
        };
    }

    void closeAll() throws Exception {
        while (!toClose.isEmpty()) {
            toClose.pop().close();
        }
    }
}
