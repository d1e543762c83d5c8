package io.kvcourier.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Live interop with the real msgspec (docs/TRAPS.md#trap-9, docs/TRAPS.md#trap-35): (a) Python encodes every sample and the hex equals
 * Java's encoding; (b) Python strictly decodes Java's bytes with {@code msgspec.msgpack.decode(...,
 * type=Union)}, compares every field with its own sample and re-encodes to the same bytes.
 */
class WireInteropTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void pythonEncodingEqualsJavaEncoding() throws Exception {
        PythonPeer.interpreter();
        Map<String, String> python = new LinkedHashMap<>();
        try (PythonPeer peer = PythonPeer.start("wire_interop.py", "encode")) {
            for (String line : peer.remainingLines(TIMEOUT)) {
                String[] parts = line.split(" ", 2);
                python.put(parts[0], parts[1]);
            }
            assertThat(peer.waitFor(TIMEOUT)).as("exit code; stderr: %s", peer.stderr()).isZero();
        }
        assertThat(python.keySet()).containsExactlyElementsOf(WireSamples.CASES.keySet());
        for (var e : WireSamples.CASES.entrySet()) {
            WireSamples.Sample s = e.getValue();
            String java = HexFormat.of().formatHex(WireCodec.encode(s.message(), s.schema()));
            assertThat(java).as(e.getKey()).isEqualTo(python.get(e.getKey()));
        }
    }

    @Test
    void pythonDecodesJavaBytesStrictly() throws Exception {
        PythonPeer.interpreter();
        StringBuilder input = new StringBuilder();
        for (var e : WireSamples.CASES.entrySet()) {
            WireSamples.Sample s = e.getValue();
            input.append(e.getKey()).append(' ')
                    .append(HexFormat.of().formatHex(WireCodec.encode(s.message(), s.schema()))).append('\n');
        }
        try (PythonPeer peer = PythonPeer.start("wire_interop.py", "decode")) {
            peer.sendInputAndClose(input.toString());
            List<String> lines = peer.remainingLines(TIMEOUT);
            assertThat(lines).hasSize(WireSamples.CASES.size());
            for (String line : lines) {
                assertThat(line).as("python verdict").matches("\\S+ OK .*");
            }
            assertThat(lines.stream().map(l -> l.split(" ", 2)[0]).toList())
                    .containsExactlyElementsOf(WireSamples.CASES.keySet());
            assertThat(lines).anySatisfy(l -> assertThat(l).startsWith(
                    "verbs_init_resp OK VerbsInitResponse(version=1, qp_nums=[7], psns=[8388608]"));
            assertThat(peer.waitFor(TIMEOUT)).isZero();
        }
    }
}
