package io.kvcourier.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Java's encoding of every interop sample equals the bytes msgspec 0.22 produced for it (committed
 * in {@code wire/msgspec-golden.txt}, regenerated with {@code wire_interop.py encode}), and those
 * bytes decode back to the sample. Runs without Python; {@link WireInteropTest} checks it live.
 */
class MsgspecGoldenFileTest {

    static Map<String, String> golden() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (InputStream in = MsgspecGoldenFileTest.class.getResourceAsStream("/wire/msgspec-golden.txt");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    String[] parts = line.split(" ", 2);
                    out.put(parts[0], parts[1]);
                }
            }
        }
        return out;
    }

    @Test
    void everySampleMatchesMsgspecByteForByte() throws Exception {
        Map<String, String> golden = golden();
        assertThat(golden.keySet()).containsExactlyElementsOf(WireSamples.CASES.keySet());
        for (var e : WireSamples.CASES.entrySet()) {
            WireSamples.Sample s = e.getValue();
            assertThat(HexFormat.of().formatHex(WireCodec.encode(s.message(), s.schema())))
                    .as(e.getKey()).isEqualTo(golden.get(e.getKey()));
            assertThat(WireCodec.decode(HexFormat.of().parseHex(golden.get(e.getKey()))))
                    .as(e.getKey()).isEqualTo(s.message());
        }
    }
}
