package io.kvcourier.channel.tcp;

import io.kvcourier.channel.WriteBatch;
import io.kvcourier.staging.StagingBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How {@link FrameWriter} cuts a batch into socket writes: the descriptor block with the first payload bytes, then
 * runs of neighbouring entries merged into one write each, never more than {@link FrameWriter#MAX_WRITE_BYTES}.
 * (That the bytes arrive whole and in place is {@code TcpChannelTest}'s.)
 */
@Timeout(60)
class FrameWriterTest {
    private static final int MIB = 1 << 20;

    private final TcpRig rig = new TcpRig();

    @AfterEach
    void closeAll() throws Exception {
        rig.closeAll();
    }

    /** Eight neighbouring 1 MiB staging pages: after the lead piece, runs of two pages per write, not one 8 MiB write. */
    @Test
    void neighbouringEntriesMergeUpToTheCap() throws Exception {
        List<Integer> pieces = pieces(8, MIB, MIB);
        assertThat(pieces.getFirst()).isGreaterThan(FrameWriter.LEAD_BYTES); // the descriptor block and the lead
        assertThat(pieces.subList(1, pieces.size()))
                .containsExactly(2 * MIB - FrameWriter.LEAD_BYTES, 2 * MIB, 2 * MIB, 2 * MIB);
    }

    /** One 5 MiB entry: the lead, then writes of the cap and what is left. */
    @Test
    void aLargeEntryGoesOutInPiecesOfTheCap() throws Exception {
        List<Integer> pieces = pieces(1, 5 * MIB, 5 * MIB);
        assertThat(pieces.subList(1, pieces.size()))
                .containsExactly(2 * MIB, 2 * MIB, MIB - FrameWriter.LEAD_BYTES);
    }

    /** The sizes of the pieces a batch of {@code n} staging pages (each {@code length} bytes) is written in. */
    private List<Integer> pieces(int n, int pageBytes, long length) throws Exception {
        StagingBuffer local = rig.staging(n, pageBytes);
        FrameWriter writer = new FrameWriter(rig.sender(local));
        long[] offsets = new long[n];
        int[] pages = new int[n];
        long[] lengths = new long[n];
        for (int i = 0; i < n; i++) {
            offsets[i] = local.pageOffset(i);
            pages[i] = i;
            lengths[i] = length;
        }
        WriteBatch batch = new WriteBatch(offsets, pages, lengths, pageBytes);
        assertThat(writer.resolveRegions(batch)).isNull();
        List<Integer> sizes = new ArrayList<>();
        for (ByteBuffer piece = writer.start(batch, (b, failure) -> { }); piece != null; piece = writer.nextPiece()) {
            sizes.add(piece.remaining());
            writer.pieceWritten();
        }
        writer.finish();
        long payload = sizes.stream().mapToLong(Integer::longValue).sum() - (sizes.getFirst() - FrameWriter.LEAD_BYTES);
        assertThat(payload).as("every payload byte is in exactly one piece").isEqualTo(n * length);
        return sizes;
    }
}
