package io.kvcourier.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every reference in the repository can be followed from a clone: comments and documents cite
 * {@code docs/TRAPS.md#trap-N}, {@code docs/ARCHITECTURE.md#decision-N}, {@code docs/PROTOCOL.md#X.N} (and Markdown
 * links), each of which must exist; old-style citations of documents that are not in the repository, and paths
 * outside it, are refused. The walk covers every module's sources, the docs, {@code .ci/} and {@code jextract/}.
 */
@Timeout(60)
class CitationsTest {

    /** These two files spell the refused forms out on purpose. */
    private static final Set<Path> SELF = Set.of(
            Path.of("adapter-core/src/test/java/io/kvcourier/docs/CitationsTest.java"),
            Path.of("adapter-core/src/test/java/io/kvcourier/docs/CitationChecker.java"));

    private static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("docs/ARCHITECTURE.md")) && Files.isRegularFile(p.resolve("pom.xml"))
                    && Files.isDirectory(p.resolve("adapter-core"))) {
                return p;
            }
        }
        return fail("no repository root (a folder with pom.xml, adapter-core/ and docs/ARCHITECTURE.md) above "
                + Path.of("").toAbsolutePath());
    }

    @Test
    void everyCitationInTheRepositoryResolves() throws IOException {
        Path root = repositoryRoot();
        assertThat(CitationChecker.check(root, SELF)).isEmpty();
        assertThat(SELF).allSatisfy(p -> assertThat(root.resolve(p)).isRegularFile());
    }

    @Test
    void theDocumentsCarryEveryNumberTheCodeUsedToCite() throws IOException {
        Path root = repositoryRoot();
        Set<String> traps = CitationChecker.anchorsIn(Files.readString(root.resolve("docs/TRAPS.md")));
        for (int n = 1; n <= 35; n++) {
            assertThat(traps).contains("trap-" + n);
        }
        Set<String> decisions = CitationChecker.anchorsIn(Files.readString(root.resolve("docs/ARCHITECTURE.md")));
        for (int n = 1; n <= 23; n++) {
            assertThat(decisions).contains("decision-" + n);
        }
        assertThat(CitationChecker.anchorsIn(Files.readString(root.resolve("docs/PROTOCOL.md"))))
                .contains("A.1", "B.1", "B.2", "B.3", "B.4", "C.1", "D.1", "E.1");
    }

    @Test
    void citationsThatResolvePass(@TempDir Path repo) throws IOException {
        docs(repo);
        write(repo, "m/src/main/java/A.java", """
                /** Closed by flag (docs/TRAPS.md#trap-3); trust: docs/ARCHITECTURE.md#decision-20; docs/PROTOCOL.md#B.3. */
                """);
        write(repo, "README.md", "See [docs/TRAPS.md#trap-3](docs/TRAPS.md#trap-3) and [the rule](docs/TRAPS.md).\n");
        write(repo, "docs/OTHER.md", "[here](TRAPS.md#trap-3), [there](#top), [web](https://example.org/x#y)\n# Top\n");

        assertThat(CitationChecker.check(repo, Set.of())).isEmpty();
    }

    @Test
    void aTrapDecisionOrSectionThatDoesNotExistIsReported(@TempDir Path repo) throws IOException {
        docs(repo);
        write(repo, "m/src/test/java/A.java", """
                // docs/TRAPS.md#trap-4
                // docs/ARCHITECTURE.md#decision-99 and docs/PROTOCOL.md#B.9
                // docs/WIRE.md#B.3
                """);
        write(repo, "docs/OTHER.md", "[x](TRAPS.md#trap-7)\n");

        assertThat(CitationChecker.check(repo, Set.of())).containsExactly(
                "docs/OTHER.md:1: 'TRAPS.md#trap-7': docs/TRAPS.md has no anchor 'trap-7'",
                "m/src/test/java/A.java:1: 'docs/TRAPS.md#trap-4': docs/TRAPS.md has no anchor 'trap-4'",
                "m/src/test/java/A.java:2: 'docs/ARCHITECTURE.md#decision-99': docs/ARCHITECTURE.md has no anchor "
                        + "'decision-99'",
                "m/src/test/java/A.java:2: 'docs/PROTOCOL.md#B.9': docs/PROTOCOL.md has no anchor 'B.9'",
                "m/src/test/java/A.java:3: 'docs/WIRE.md#B.3': no such file in the repository");
    }

    @Test
    void oldStyleCitationsAreReported(@TempDir Path repo) throws IOException {
        docs(repo);
        write(repo, "m/src/main/java/A.java", """
                // never interrupt (traps 3)
                // trust (ARCHITECTURE decision 20), allocation-free (decision 21)
                // golden vectors of spec §B.3; upstream §E.1; crashes (traps.md 11)
                // bare §C.1
                """);
        write(repo, "m/src/test/python/p.py", "# copied (spec lmcache-pd.md §B.2)\n");

        assertThat(CitationChecker.check(repo, Set.of())).containsExactlyInAnyOrder(
                "m/src/main/java/A.java:1: 'traps 3': cite docs/TRAPS.md#trap-N",
                "m/src/main/java/A.java:3: 'traps.md 11': cite docs/TRAPS.md#trap-N",
                "m/src/main/java/A.java:2: 'decision 20': cite docs/ARCHITECTURE.md#decision-N",
                "m/src/main/java/A.java:2: 'decision 21': cite docs/ARCHITECTURE.md#decision-N",
                "m/src/main/java/A.java:2: 'ARCHITECTURE': cite docs/ARCHITECTURE.md",
                "m/src/main/java/A.java:3: 'spec §': cite docs/PROTOCOL.md#X.N",
                "m/src/main/java/A.java:3: 'upstream §': cite docs/PROTOCOL.md#X.N",
                "m/src/main/java/A.java:3: 'traps.md': cite the file under docs/",
                "m/src/main/java/A.java:3: '§B': cite docs/PROTOCOL.md#X.N",
                "m/src/main/java/A.java:3: '§E': cite docs/PROTOCOL.md#X.N",
                "m/src/main/java/A.java:4: '§C': cite docs/PROTOCOL.md#X.N",
                "m/src/test/python/p.py:1: 'lmcache-pd.md': cite the file under docs/",
                "m/src/test/python/p.py:1: '§B': cite docs/PROTOCOL.md#X.N");
    }

    @Test
    void pathsOutsideTheRepositoryAreReported(@TempDir Path repo) throws IOException {
        docs(repo);
        write(repo, ".ci/tool.sh", """
                # copied from /work/shared/tools/x.sh
                # see ../shared/ARCHITECTURE.md and spec/notes.md
                """);
        write(repo, "docs/OTHER.md", "[up](../../elsewhere/README.md)\n");

        List<String> problems = CitationChecker.check(repo, Set.of());

        assertThat(problems).contains(
                ".ci/tool.sh:1: '/work/': a path outside the repository",
                ".ci/tool.sh:1: 'shared/tools/': a path outside the repository",
                ".ci/tool.sh:2: '../shared': a path outside the repository",
                ".ci/tool.sh:2: 'spec/notes.md': a path outside the repository",
                "docs/OTHER.md:1: '../../elsewhere/README.md': a path outside the repository");
    }

    @Test
    void buildOutputHiddenFoldersBinariesAndExclusionsAreNotRead(@TempDir Path repo) throws IOException {
        docs(repo);
        write(repo, "m/target/classes/A.txt", "traps 3\n");
        write(repo, ".git/info/x", "traps 3\n");
        write(repo, "wt/.git", "gitdir: /work/main/.git/worktrees/wt\n");
        write(repo, "m/src/test/resources/golden.bin", "traps 3\0\n");
        write(repo, "m/src/test/java/Self.java", "traps 3\n");

        assertThat(CitationChecker.check(repo, Set.of(Path.of("m/src/test/java/Self.java")))).isEmpty();
    }

    private static void docs(Path repo) throws IOException {
        write(repo, "docs/TRAPS.md", "# Traps\n<a id=\"trap-3\"></a>\n### 3. Never interrupt\n");
        write(repo, "docs/ARCHITECTURE.md", "# Architecture\n<a id=\"decision-20\"></a>\n**20. Trust.**\n");
        write(repo, "docs/PROTOCOL.md", "# Protocol\n<a id=\"B.3\"></a>\n### §B.3 Bytes\n");
    }

    private static void write(Path repo, String path, String text) throws IOException {
        Path p = repo.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }
}
