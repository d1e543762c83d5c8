package io.kvcourier.channel.tcp;

import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.WriteBatch;
import io.kvcourier.staging.StagingBuffer;
import io.kvcourier.wire.TcpInitResponse;
import io.kvcourier.wire.WireCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.kvcourier.channel.tcp.TcpRig.PAGE;
import static io.kvcourier.channel.tcp.TcpRig.PAGES;
import static io.kvcourier.channel.tcp.TcpRig.admitAll;
import static io.kvcourier.channel.tcp.TcpRig.same;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Batches that read from caller memory registered with {@link TcpSender#registerRegion} (zero-copy stores). */
@Timeout(60)
class TcpRegionsTest {
    private static final long WAIT_S = 10;

    private final TcpRig rig = new TcpRig();
    private final Random random = new Random(11);

    @AfterEach
    void closeAll() throws Exception {
        rig.closeAll();
    }

    private void fillRandom(MemorySegment m, long offset, long length) {
        TcpRig.fillRandom(random, m, offset, length);
    }

    @Test
    void batchesMixStagingAndRegisteredRegionsByteForByte() throws Exception {
        StagingBuffer local = rig.staging();
        fillRandom(local.segment(), 0, (long) PAGES * PAGE);
        Arena arena = rig.closing(Arena.ofShared());
        MemorySegment pool = arena.allocate(8L * PAGE, 4096);
        fillRandom(pool, 0, pool.byteSize());
        StagingBuffer remote = rig.staging();
        TcpReceiver receiver = rig.receiver(remote, admitAll());
        TcpSender sender = rig.sender(local);
        sender.registerRegion(7, pool);
        TcpConnection conn = TcpRig.connect(sender, receiver, "alice");
        // Entries at arbitrary offsets of the region (not page aligned), small and large, between staging entries.
        WriteBatch b = new WriteBatch(new int[] {7, WriteBatch.STAGING, 7, 7},
                new long[] {123, 2L * PAGE, 3L * PAGE + 5, 7L * PAGE}, new int[] {0, 1, 2, 3},
                new long[] {PAGE, PAGE, 1000, PAGE}, PAGE);
        conn.write(b).get(WAIT_S, TimeUnit.SECONDS);
        assertThat(same(pool, 123, remote.segment(), 0, PAGE)).isTrue();
        assertThat(same(local.segment(), 2L * PAGE, remote.segment(), PAGE, PAGE)).isTrue();
        assertThat(same(pool, 3L * PAGE + 5, remote.segment(), 2L * PAGE, 1000)).isTrue();
        assertThat(same(pool, 7L * PAGE, remote.segment(), 3L * PAGE, PAGE)).isTrue();

        sender.unregisterRegion(7);
        sender.unregisterRegion(7); // unknown ids are ignored
        assertThatThrownBy(() -> conn.write(b).get(WAIT_S, TimeUnit.SECONDS)).cause()
                .isInstanceOf(ChannelException.class).hasMessageContaining("region 7, which is not registered");
        assertThat(conn.isOpen()).as("a refused batch does not touch the connection").isTrue();
    }

    @Test
    void registrationRefusesWhatTheProgressThreadCannotRead() throws Exception {
        TcpSender sender = rig.sender(rig.staging());
        Arena shared = rig.closing(Arena.ofShared());
        MemorySegment ok = shared.allocate(PAGE);
        assertThatThrownBy(() -> sender.registerRegion(0, ok)).isInstanceOf(ChannelException.class)
                .hasMessageContaining("region id must be > 0");
        assertThatThrownBy(() -> sender.registerRegion(1, MemorySegment.ofArray(new byte[PAGE])))
                .isInstanceOf(ChannelException.class).hasMessageContaining("native memory");
        try (Arena confined = Arena.ofConfined()) {
            MemorySegment mine = confined.allocate(PAGE);
            assertThatThrownBy(() -> sender.registerRegion(1, mine)).isInstanceOf(ChannelException.class)
                    .hasMessageContaining("confined arena");
        }
        sender.registerRegion(1, ok);
        assertThatThrownBy(() -> sender.registerRegion(1, ok)).isInstanceOf(ChannelException.class)
                .hasMessageContaining("already registered");
        TcpReceiver receiver = rig.receiver(rig.staging(), admitAll());
        TcpConnection conn = TcpRig.connect(sender, receiver, "alice");
        WriteBatch outside = new WriteBatch(new int[] {1}, new long[] {10}, new int[] {0}, new long[] {PAGE}, PAGE);
        assertThatThrownBy(() -> conn.write(outside).get(WAIT_S, TimeUnit.SECONDS)).cause()
                .isInstanceOf(ChannelException.class).hasMessageContaining("outside local region 1");
    }

    /**
     * A region above 2 GiB (a sparse file mapping, so the test needs no RAM for it): entries at the far end and
     * across the 1 GiB view windows and the 2 GiB line land byte for byte.
     */
    @Test
    void regionsAboveTwoGibibytesAreReadThroughWindows() throws Exception {
        long size = 3L << 30;
        Path file = Files.createTempFile("kvcourier-region", ".bin");
        Arena arena = Arena.ofShared();
        try (FileChannel fc = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.DELETE_ON_CLOSE)) {
            fc.truncate(size);
            MemorySegment big = fc.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
            // Two neighbours ending at and crossing the 2 GiB line (one run, cut at the window's end), one across
            // the 1 GiB line, the last bytes of the region, one in the middle of a window.
            long[] offsets = {(2L << 30) - PAGE - 100, (2L << 30) - 100, (1L << 30) - PAGE / 2, size - PAGE,
                    (5L << 29) + 17};
            for (long o : offsets) {
                fillRandom(big, o, PAGE);
            }
            StagingBuffer remote = rig.staging();
            TcpReceiver receiver = rig.receiver(remote, admitAll());
            TcpSender sender = rig.sender(rig.staging());
            sender.registerRegion(3, big);
            TcpConnection conn = TcpRig.connect(sender, receiver, "alice");
            conn.write(new WriteBatch(new int[] {3, 3, 3, 3, 3}, offsets, new int[] {0, 1, 2, 3, 4},
                    new long[] {PAGE, PAGE, PAGE, PAGE, PAGE}, PAGE)).get(WAIT_S, TimeUnit.SECONDS);
            for (int i = 0; i < offsets.length; i++) {
                assertThat(same(big, offsets[i], remote.segment(), (long) i * PAGE, PAGE)).as("entry %d", i).isTrue();
            }
            conn.close();
            sender.unregisterRegion(3);
        } finally {
            arena.close();
        }
    }

    /**
     * Unregistering a region whose batch is still being sent (its receiver reads nothing, so the batch is stuck in
     * the middle): when unregisterRegion returns, the batch has failed and its connection is closed; the channel
     * reads the region no more.
     */
    @Test
    void unregisteringARegionFailsTheBatchStillReadingItBeforeItReturns() throws Exception {
        long entry = 4L << 20;
        int entries = 8; // 32 MiB: far more than the socket buffers take
        Arena arena = rig.closing(Arena.ofShared());
        MemorySegment pool = arena.allocate(entry * entries, 4096);
        TcpSender sender = rig.sender(rig.staging());
        sender.registerRegion(9, pool);
        try (ServerSocket stuck = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CountDownLatch started = new CountDownLatch(1);
            Thread.ofVirtual().start(() -> {
                try (Socket s = stuck.accept()) {
                    new DataInputStream(s.getInputStream()).readFully(new byte[TcpFrames.HELLO_BYTES + 5 + 1000]);
                    started.countDown(); // the batch is on the wire; read no more
                    s.getInputStream().read(new byte[0]);
                    new CountDownLatch(1).await(WAIT_S, TimeUnit.SECONDS);
                } catch (IOException | InterruptedException e) {
                    // closed by the sender
                }
            });
            ChannelSender.Handshake hs = sender.beginConnect("alice");
            TcpConnection conn = (TcpConnection) hs.complete(new TcpInitResponse(WireCodec.PROTOCOL_VERSION,
                    "127.0.0.1", stuck.getLocalPort(), new byte[TcpFrames.TOKEN_BYTES], entry));
            int[] ids = new int[entries];
            long[] offsets = new long[entries];
            int[] pages = new int[entries];
            long[] lengths = new long[entries];
            for (int i = 0; i < entries; i++) {
                ids[i] = 9;
                offsets[i] = i * entry;
                pages[i] = i;
                lengths[i] = entry;
            }
            AtomicReference<ChannelException> outcome = new AtomicReference<>();
            CountDownLatch completed = new CountDownLatch(1);
            conn.write(new WriteBatch(ids, offsets, pages, lengths, entry), (b, failure) -> {
                outcome.set(failure);
                completed.countDown();
            });
            assertThat(started.await(WAIT_S, TimeUnit.SECONDS)).isTrue();
            sender.unregisterRegion(9);
            assertThat(completed.getCount()).as("completed before unregisterRegion returned").isZero();
            assertThat(outcome.get()).isNotNull().hasMessageContaining("region 9 was unregistered while batch 0");
            assertThat(conn.isOpen()).isFalse();
        }
    }

    @Test
    void windowsCutRangesAtTheirEdges() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(10_000);
            for (int i = 0; i < 10_000; i++) {
                m.set(ValueLayout.JAVA_BYTE, i, (byte) i);
            }
            RegionViews v = new RegionViews(m, 4096);
            assertThat(v.spanInWindow(0, 10_000)).isEqualTo(4096);
            assertThat(v.spanInWindow(4000, 50)).isEqualTo(50);
            assertThat(v.spanInWindow(4000, 500)).isEqualTo(96);
            assertThat(v.spanInWindow(8192, 10_000 - 8192)).isEqualTo(10_000 - 8192);
            ByteBuffer last = v.view(9000, 1000);
            assertThat(last.remaining()).isEqualTo(1000);
            assertThat(last.get()).isEqualTo((byte) 9000);
            ByteBuffer again = v.view(8200, 10);
            assertThat(again).as("one reused view per window").isSameAs(last);
            assertThat(again.remaining()).isEqualTo(10);
            assertThat(again.get()).isEqualTo((byte) 8200);
            assertThatThrownBy(() -> new RegionViews(m, RegionViews.WINDOW_BYTES + 1))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void writesQueuedFromManyThreadsAreTakenExactlyOnce() throws Exception {
        WriteQueue q = new WriteQueue(64);
        int producers = 4;
        int each = 20_000;
        WriteBatch[] batches = new WriteBatch[producers * each];
        for (int i = 0; i < batches.length; i++) {
            batches[i] = new WriteBatch(new long[] {0}, new int[] {i}, new long[] {1}, 1);
        }
        boolean[] seen = new boolean[batches.length];
        Thread[] threads = new Thread[producers];
        for (int p = 0; p < producers; p++) {
            int first = p * each;
            threads[p] = Thread.ofPlatform().start(() -> {
                for (int i = first; i < first + each; i++) {
                    while (!q.offer(null, batches[i], (b, f) -> { })) {
                        Thread.yield(); // full: let the consumer run (4 spinning producers starve it on 2 busy cores)
                    }
                }
            });
        }
        int taken = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int[] duplicates = {0};
        while (taken < batches.length && System.nanoTime() < deadline) {
            taken += q.drain((c, b, done) -> {
                int id = b.batchId();
                if (seen[id]) {
                    duplicates[0]++;
                }
                seen[id] = true;
            });
        }
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(WAIT_S));
        }
        assertThat(taken).isEqualTo(batches.length);
        assertThat(duplicates[0]).isZero();
        assertThat(q.drain((c, b, done) -> { })).as("nothing left").isZero();
    }
}
