package io.kvcourier.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The run settings and fork flags (no benchmark runs). */
class SettingsTest {

    @Test
    void quickIsTheIssuesBudget() {
        Settings q = Settings.quick();
        assertThat(q.forks()).isEqualTo(1);
        assertThat(q.warmups() * q.warmupSeconds()).isEqualTo(1);
        assertThat(q.iterations()).isEqualTo(3);
        assertThat(q.iterationSeconds()).isEqualTo(1);
        assertThat(q.copySizes()).hasSize(3);
        assertThat(q.channelSizes()).hasSize(3).contains(64 * Settings.KIB, 32 * Settings.MIB);
    }

    @Test
    void bothModesMeasureIssue12sEndToEndRows() {
        for (Settings s : List.of(Settings.quick(), Settings.full())) {
            assertThat(s.e2eRates()).contains(50, 200);
            assertThat(s.e2eShapes()).containsExactly(1, 16);
            assertThat(s.e2eChunkBytes()).isEqualTo(256 * Settings.KIB);
            assertThat(s.e2eShape(16)).isEqualTo("16 x 256 KiB");
            assertThat(s.stream().chunks()).isEqualTo(8);
            assertThat(s.stream().chunkBytes()).isEqualTo(2 * Settings.MIB);
            assertThat(s.stream().window()).isEqualTo(4);
            assertThat(s.stream().label()).isEqualTo("8 x 2 MiB, 4 in flight");
            Settings.ChunkCount cc = s.chunkCount();
            assertThat(cc.requestBytes()).isEqualTo(4 * Settings.MIB);
            // the first shape is the baseline the others are divided by
            assertThat(cc.chunkBytes()).containsExactly(512 * Settings.KIB, 8 * Settings.KIB);
            assertThat(cc.chunks(8 * Settings.KIB)).isEqualTo(512);
            assertThat(cc.label(512 * Settings.KIB)).isEqualTo("8 x 512 KiB");
        }
    }

    @Test
    void fullSweepsTheIssuesRanges() {
        Settings f = Settings.full();
        assertThat(f.channelSizes()).startsWith(64 * Settings.KIB).endsWith(32 * Settings.MIB);
        assertThat(f.channelBatches()).startsWith(1).endsWith(32);
        assertThat(f.forks()).isGreaterThan(1);
        assertThat(f.iterations() * f.iterationSeconds()).isGreaterThan(3);
    }

    @Test
    void forksGetNativeAccessMsgpackAndTheOutputDirectory() {
        List<String> flags = List.of(JmhRunner.forkFlags(Path.of("/tmp/x")));
        assertThat(flags).contains("--enable-native-access=ALL-UNNAMED", "-Dmsgpack.universal-buffer=true",
                "-D" + BenchOut.DIR_PROPERTY + "=/tmp/x");
        if (Runtime.version().feature() >= 23) {
            assertThat(flags).contains("--sun-misc-unsafe-memory-access=allow");
        }
    }

    @Test
    void sideValuesRoundTripThroughTheOutputDirectory(@org.junit.jupiter.api.io.TempDir Path dir) {
        String old = System.getProperty(BenchOut.DIR_PROPERTY);
        System.setProperty(BenchOut.DIR_PROPERTY, dir.toString());
        try {
            BenchOut.write("x.bytes", 765.25);
        } finally {
            if (old == null) {
                System.clearProperty(BenchOut.DIR_PROPERTY);
            } else {
                System.setProperty(BenchOut.DIR_PROPERTY, old);
            }
        }
        assertThat(BenchOut.read(dir, "x.bytes")).hasValue(765.25);
        assertThat(BenchOut.read(dir, "missing")).isEmpty();
        assertThat(BenchMain.bytes(0.004)).isZero();
        assertThat(BenchMain.bytes(764.6)).isEqualTo(765.0);
        assertThat(BenchMain.bytes(Double.NaN)).isNaN();
    }
}
