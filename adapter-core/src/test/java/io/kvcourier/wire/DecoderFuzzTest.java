package io.kvcourier.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * Random bytes and random mutations of valid messages: the decoder either returns a message or
 * throws {@link WireFormatException}, never another exception, and it stays fast.
 */
class DecoderFuzzTest {
    private static final List<byte[]> SEEDS = List.of(
            WireCodec.encode(new AllocRequest(List.of("k0", "k1"), 1, new long[] {2, 32, 256, 1024}, "bfloat16", 100,
                    "r1", true, 3)),
            WireCodec.encode(new AllocResponse(new int[] {5, -1, 70000}, new int[] {1})),
            WireCodec.encode(new ProxyNotif("cmpl-abc")),
            WireCodec.encode(new CancelNotif("r", List.of("a", "b"))),
            WireCodec.encode(new VerbsInitResponse(1, new int[] {1, 2}, new int[] {3, 4}, new byte[16], 1, 5, 1L << 40,
                    7, 4096)),
            WireCodec.encode(new TcpInitResponse(1, "h", 9, new byte[] {1, 2}, 4096)));

    private static void decodeSafely(byte[] b) {
        try {
            PdMessage m = WireCodec.decode(b);
            assertThat(m).isNotNull();
        } catch (WireFormatException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @Test
    void randomBytesOnlyEverGiveWireFormatException() {
        SplittableRandom rnd = new SplittableRandom(42);
        for (int i = 0; i < 200_000; i++) {
            byte[] b = new byte[rnd.nextInt(64)];
            for (int j = 0; j < b.length; j++) {
                b[j] = (byte) rnd.nextInt(256);
            }
            if (b.length > 0 && rnd.nextBoolean()) {
                b[0] = (byte) (0x80 | rnd.nextInt(16)); // a map, to get further into the decoder
            }
            decodeSafely(b);
        }
    }

    @Test
    void mutatedMessagesOnlyEverGiveWireFormatException() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 300_000; i++) {
            byte[] seed = SEEDS.get(rnd.nextInt(SEEDS.size()));
            byte[] b = seed.clone();
            int edits = 1 + rnd.nextInt(4);
            for (int e = 0; e < edits; e++) {
                switch (rnd.nextInt(4)) {
                    case 0 -> b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                    case 1 -> b[rnd.nextInt(b.length)] = (byte) (0xc0 + rnd.nextInt(64)); // header bytes
                    case 2 -> b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length + 1)); // truncate
                    default -> {
                        byte[] longer = java.util.Arrays.copyOf(b, b.length + 1 + rnd.nextInt(8));
                        longer[b.length] = (byte) rnd.nextInt(256);
                        b = longer;
                    }
                }
                if (b.length == 0) {
                    break;
                }
            }
            decodeSafely(b);
        }
    }
}
