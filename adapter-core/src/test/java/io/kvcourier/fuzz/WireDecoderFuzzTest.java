package io.kvcourier.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.WireCodec;
import io.kvcourier.wire.WireFormatException;

import java.util.Arrays;

/**
 * Coverage-guided fuzzing of the wire decoder (Jazzer). In a plain {@code mvn verify} this replays the corpus
 * in {@code src/test/resources/io/kvcourier/fuzz/WireDecoderFuzzTestInputs/decode/} (seeded from the golden
 * vectors of docs/PROTOCOL.md#B.3, docs/PROTOCOL.md#B.4 and our handshake messages); with {@code JAZZER_FUZZ=1} it fuzzes (see
 * {@code .ci/fuzz}). The properties: decoding any bytes either yields a message or throws
 * {@link WireFormatException} (nothing else, no hang, no huge allocation), and a decoded message re-encodes to
 * bytes that decode to the same encoding (the encoder accepts everything the decoder does).
 */
class WireDecoderFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void decode(byte[] input) {
        PdMessage m;
        try {
            m = WireCodec.decode(input);
        } catch (WireFormatException expected) {
            if (expected.getMessage() == null || expected.getMessage().isBlank()) {
                throw new AssertionError("a decode error must say what is wrong", expected);
            }
            return;
        }
        if (m == null) {
            throw new AssertionError("decode returned null for " + Arrays.toString(input));
        }
        byte[] again = WireCodec.encode(m);
        PdMessage back;
        try {
            back = WireCodec.decode(again);
        } catch (WireFormatException e) {
            throw new AssertionError("our own encoding of " + m + " does not decode: " + e.getMessage(), e);
        }
        if (!Arrays.equals(again, WireCodec.encode(back))) {
            throw new AssertionError("re-encoding is not stable for " + m);
        }
    }
}
