package io.kvcourier.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The floor's wire protocol in one JVM (no timing is asserted): pings are answered, batches of any length are
 * read whole and acknowledged, so pings and batches can follow each other on one connection, and batches can be
 * pipelined.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FloorPumpTest {

    @Test
    void pingsAndBatchesAlternateOnOneConnection() throws Exception {
        try (Arena arena = Arena.ofConfined();
             FloorReceiver receiver = new FloorReceiver(4096, 4)) {
            // 3 chunks of odd sizes: 12,301 bytes, more than the receiver's ring of 4 x 4 KiB pages
            List<MemorySegment> chunks = List.of(arena.allocate(5000), arena.allocate(7000), arena.allocate(301));
            // non-zero bytes: a receiver that lost the framing would read them as a huge length and never answer
            chunks.forEach(c -> c.fill((byte) 0x11));
            assertThat(FloorPump.frameBytes(chunks)).isEqualTo(8 + 12_301);
            try (FloorPump pump = new FloorPump(receiver.port(), chunks)) {
                for (int i = 0; i < 5; i++) {
                    pump.pingAndPump();
                }
                pump.pump();
                pump.ping(); // framing still in step after back-to-back batches
            }
        }
    }

    @Test
    void aNegativeHeaderOtherThanPingClosesTheConnection() throws Exception {
        try (FloorReceiver receiver = new FloorReceiver(4096, 1);
             SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", receiver.port()))) {
            ByteBuffer bad = ByteBuffer.allocate(8).putLong(0, -2L);
            while (bad.hasRemaining()) {
                c.write(bad);
            }
            assertThat(c.read(ByteBuffer.allocate(1))).isEqualTo(-1);
        }
    }

    @Test
    void pipelinedBatchesAreAllAcknowledged() throws Exception {
        try (Arena arena = Arena.ofShared();
             FloorReceiver receiver = new FloorReceiver(64 * 1024, 8)) {
            List<MemorySegment> chunks = List.of(arena.allocate(64 * 1024), arena.allocate(64 * 1024));
            try (PipelinedPump pump = new PipelinedPump(receiver.port(), chunks, 4)) {
                assertThat(pump.batchBytes()).isEqualTo(128 * 1024);
                assertThat(pump.run(TimeUnit.MILLISECONDS.toNanos(50))).isPositive(); // throws if an ack is missing
                assertThat(pump.run(TimeUnit.MILLISECONDS.toNanos(10))).isPositive();
            }
        }
    }

    @Test
    void closeIsIdempotent() throws IOException, InterruptedException {
        FloorReceiver receiver = new FloorReceiver(4096, 1);
        receiver.close();
        receiver.close();
    }
}
