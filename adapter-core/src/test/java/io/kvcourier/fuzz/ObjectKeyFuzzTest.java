package io.kvcourier.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kvcourier.l2.ObjectKey;

import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of the key-string parser, which reads every key of every AllocRequest and CancelNotif
 * from the network (docs/ARCHITECTURE.md#decision-2). Property: {@link ObjectKey#parse} either throws
 * {@link IllegalArgumentException} (nothing else) or returns a key whose canonical form is exactly the input
 * (parsing is strict and round-trips). Corpus: {@code src/test/resources/io/kvcourier/fuzz/ObjectKeyFuzzTestInputs/parse/}.
 */
class ObjectKeyFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void parse(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        ObjectKey key;
        try {
            key = ObjectKey.parse(text);
        } catch (IllegalArgumentException expected) {
            return;
        }
        String canonical = key.toCanonicalString();
        if (!canonical.equals(text)) {
            throw new AssertionError("parse is not strict: '" + text + "' parsed as '" + canonical + "'");
        }
        if (!ObjectKey.parse(canonical).equals(key)) {
            throw new AssertionError("round trip changed the key: " + text);
        }
    }
}
