package io.kvcourier.bench;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;

/**
 * The sending end of the e2e suite's <b>floor</b> (see {@link FloorReceiver}): per request, one
 * {@value #PING_BYTES}-byte round trip (the control round trip an allocation needs) and then the request's
 * chunks as one batch — an 8-byte length and a gathering write of the chunks straight from the caller's
 * memory — acknowledged with one byte. One blocking {@link SocketChannel} (TCP_NODELAY); no allocation per
 * request. Used by one thread at a time; owns the connection, not the chunk memory.
 */
final class FloorPump implements AutoCloseable {
    /** Bytes of a ping and of its answer. */
    static final int PING_BYTES = 64;
    /** The first 8 bytes of a ping (a batch header is a length, never negative). */
    static final long PING = -1L;

    private final SocketChannel channel;
    private final ByteBuffer ping = ByteBuffer.allocateDirect(PING_BYTES).putLong(0, PING);
    private final ByteBuffer pong = ByteBuffer.allocateDirect(PING_BYTES);
    private final ByteBuffer ack = ByteBuffer.allocateDirect(1);
    private final ByteBuffer[] frame;
    private final long frameBytes;

    /**
     * @param port   the {@link FloorReceiver}'s port on 127.0.0.1
     * @param chunks the request's chunks (the caller's memory, read on every {@link #pump()})
     */
    FloorPump(int port, List<MemorySegment> chunks) throws IOException {
        channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        channel.socket().setTcpNoDelay(true);
        frame = batchFrame(chunks);
        frameBytes = frameBytes(chunks);
    }

    /** A batch as buffers for one gathering write: the 8-byte length header, then a view of each chunk. */
    static ByteBuffer[] batchFrame(List<MemorySegment> chunks) {
        ByteBuffer[] frame = new ByteBuffer[chunks.size() + 1];
        frame[0] = ByteBuffer.allocateDirect(8).putLong(0, frameBytes(chunks) - 8);
        for (int i = 0; i < chunks.size(); i++) {
            frame[i + 1] = chunks.get(i).asByteBuffer();
        }
        return frame;
    }

    /** The bytes of a batch on the wire: header plus chunks. */
    static long frameBytes(List<MemorySegment> chunks) {
        long n = 8;
        for (MemorySegment c : chunks) {
            n += c.byteSize();
        }
        return n;
    }

    /** One request of the floor: a ping answered, then the batch pumped and acknowledged. */
    void pingAndPump() throws IOException {
        ping();
        pump();
    }

    /** One {@value #PING_BYTES}-byte round trip. */
    void ping() throws IOException {
        ping.clear();
        while (ping.hasRemaining()) {
            channel.write(ping);
        }
        pong.clear();
        if (!ChildReceiver.readFully(channel, pong)) {
            throw new IOException("floor receiver closed the connection");
        }
    }

    /** The chunks as one batch, waited for until its ack byte arrives. */
    void pump() throws IOException {
        writeBatch(channel, frame, frameBytes);
        ack.clear();
        if (!ChildReceiver.readFully(channel, ack)) {
            throw new IOException("floor receiver closed the connection");
        }
    }

    static void writeBatch(SocketChannel channel, ByteBuffer[] frame, long frameBytes) throws IOException {
        for (ByteBuffer b : frame) {
            b.clear();
        }
        long left = frameBytes;
        while (left > 0) {
            left -= channel.write(frame);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
