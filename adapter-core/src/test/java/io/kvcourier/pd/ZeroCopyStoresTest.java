package io.kvcourier.pd;

import io.kvcourier.channel.MockMemoryChannel;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.channel.tcp.TcpChannel;
import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.testkit.PdPair;
import io.kvcourier.testkit.TaskWaiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stores from unregistered memory on channels that read caller segments as they are (tcp, mock_memory): native
 * chunks are sent straight from the caller's memory, with no staging copy, and land byte for byte; heap chunks,
 * chunks of at most 16 KiB on tcp, and every chunk with {@code sender_zero_copy: false}, go through staging as
 * before.
 */
@Timeout(60)
class ZeroCopyStoresTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Consumer<Map<String, Object>> TCP = m -> m.put("transfer_channel", "tcp");

    /** Stores {@code src} under fresh keys, then overwrites the caller's memory and checks what the receiver has. */
    private static void storeOverwriteAndLoad(PdPair p, TaskWaiter ws, TaskWaiter wr, String name,
                                              List<MemoryObj> src) {
        List<ObjectKey> keys = PdPair.keys(name, src.size());
        List<byte[]> sent = new ArrayList<>();
        for (MemoryObj o : src) {
            sent.add(o.segment().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
        assertThat(ws.awaitStore(p.sender.submitStoreTask(keys, src), WAIT)).isTrue();
        for (MemoryObj o : src) {
            o.segment().fill((byte) 0x5A); // the caller's memory is its own again once the store completed
        }
        List<MemoryObj> dst = new ArrayList<>();
        for (MemoryObj o : src) {
            dst.add(p.emptyChunk(o.segment().byteSize()));
        }
        assertThat(wr.awaitLoad(p.receiver.submitLoadTask(keys, dst), WAIT).popcount()).isEqualTo(src.size());
        for (int i = 0; i < src.size(); i++) {
            assertThat(MemorySegment.ofArray(sent.get(i)).mismatch(dst.get(i).segment()))
                    .as("first byte of chunk %d that differs from what was stored", i).isEqualTo(-1L);
        }
    }

    private static List<MemoryObj> heapChunks(int n) {
        Random random = new Random(5);
        List<MemoryObj> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] data = new byte[(int) PdPair.CHUNK];
            random.nextBytes(data);
            out.add(MemoryObj.ofBytes(MemorySegment.ofArray(data)));
        }
        return out;
    }

    @Test
    void nativeChunksAreSentStraightFromTheCallersMemoryAndHeapChunksAreStaged() {
        for (TransferChannelFactory factory : List.of(TcpChannel.FACTORY, MockMemoryChannel.FACTORY)) {
            Consumer<Map<String, Object>> kind = factory == TcpChannel.FACTORY ? TCP : m -> { };
            try (PdPair p = new PdPair(factory, kind, kind); TaskWaiter ws = new TaskWaiter(p.sender);
                 TaskWaiter wr = new TaskWaiter(p.receiver)) {
                String name = factory.getClass().getSimpleName();
                storeOverwriteAndLoad(p, ws, wr, "native-" + name, p.randomChunks(4));
                assertThat(PdPair.status(p.sender, "zero_copy_batches")).as(name).isEqualTo(1);
                assertThat(PdPair.status(p.sender, "staged_batches")).as(name).isZero();
                assertThat(PdPair.status(p.sender, "registered_regions")).as(name).isZero();

                storeOverwriteAndLoad(p, ws, wr, "heap-" + name, heapChunks(2));
                assertThat(PdPair.status(p.sender, "zero_copy_batches")).as(name).isEqualTo(1);
                assertThat(PdPair.status(p.sender, "staged_batches")).as(name).isEqualTo(1);
                assertThat(PdPair.status(p.sender, "staging_pages_free"))
                        .isEqualTo(PdPair.status(p.sender, "staging_pages"));
            }
        }
    }

    /**
     * Chunks of at most 16 KiB would go through the tcp writer's bounce buffer anyway: tcp stages them (their copy
     * overlaps the allocation round trip); mock_memory reads them in place.
     */
    @Test
    void tcpStagesSmallChunks() {
        for (TransferChannelFactory factory : List.of(TcpChannel.FACTORY, MockMemoryChannel.FACTORY)) {
            boolean tcp = factory == TcpChannel.FACTORY;
            Consumer<Map<String, Object>> kind = tcp ? TCP : m -> { };
            try (PdPair p = new PdPair(PdPair.SMALL_CHUNK, factory, kind, kind); TaskWaiter ws = new TaskWaiter(p.sender);
                 TaskWaiter wr = new TaskWaiter(p.receiver)) {
                List<MemoryObj> small = List.of(p.randomChunk(PdPair.SMALL_CHUNK), p.randomChunk(PdPair.SMALL_CHUNK));
                storeOverwriteAndLoad(p, ws, wr, "small-" + tcp, small);
                assertThat(PdPair.status(p.sender, "staged_batches")).as("tcp %s", tcp).isEqualTo(tcp ? 1 : 0);
                assertThat(PdPair.status(p.sender, "zero_copy_batches")).as("tcp %s", tcp).isEqualTo(tcp ? 0 : 1);
            }
        }
    }

    @Test
    void withSenderZeroCopyOffNativeChunksAreStagedToo() {
        try (PdPair p = new PdPair(TcpChannel.FACTORY, TCP, TCP.andThen(m -> m.put("sender_zero_copy", "False")));
             TaskWaiter ws = new TaskWaiter(p.sender); TaskWaiter wr = new TaskWaiter(p.receiver)) {
            storeOverwriteAndLoad(p, ws, wr, "staged", p.randomChunks(3));
            assertThat(PdPair.status(p.sender, "zero_copy_batches")).isZero();
            assertThat(PdPair.status(p.sender, "staged_batches")).isEqualTo(1);
        }
    }
}
