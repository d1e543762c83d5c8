package io.kvcourier.verbs;

import io.kvcourier.verbs.gen.libc_h;
import io.kvcourier.verbs.gen.verbs_h;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.UnionLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The jextract allow-lists ({@code jextract/verbs.includes}, {@code jextract/libc.includes}) name
 * exactly what the gen classes bind: the same functions and constants per header class, the same
 * structs and unions. Adding a binding without listing it (or the reverse) fails here.
 */
class AllowListTest {

    @Test
    void verbsIncludesNameExactlyWhatVerbsHBinds() throws Exception {
        Map<String, Set<String>> inc = parse(NativeTestSupport.repoRoot().resolve("jextract/verbs.includes"));
        assertThat(GenBindings.functions(verbs_h.class)).as("verbs_h functions")
                .isEqualTo(inc.getOrDefault("function", Set.of()));
        assertThat(GenBindings.constants(verbs_h.class).keySet()).as("verbs_h constants")
                .isEqualTo(inc.getOrDefault("constant", Set.of()));
    }

    @Test
    void libcIncludesNameExactlyWhatLibcHBinds() throws Exception {
        Map<String, Set<String>> inc = parse(NativeTestSupport.repoRoot().resolve("jextract/libc.includes"));
        assertThat(GenBindings.functions(libc_h.class)).as("libc_h functions")
                .isEqualTo(inc.getOrDefault("function", Set.of()));
        assertThat(GenBindings.constants(libc_h.class).keySet()).as("libc_h constants")
                .isEqualTo(inc.getOrDefault("constant", Set.of()));
    }

    @Test
    void structAndUnionIncludesNameExactlyTheGenClasses() throws Exception {
        Set<String> structs = new TreeSet<>();
        Set<String> unions = new TreeSet<>();
        for (String file : new String[]{"verbs.includes", "libc.includes"}) {
            Map<String, Set<String>> inc = parse(NativeTestSupport.repoRoot().resolve("jextract/" + file));
            structs.addAll(inc.getOrDefault("struct", Set.of()));
            unions.addAll(inc.getOrDefault("union", Set.of()));
        }
        Set<String> genStructs = new TreeSet<>();
        Set<String> genUnions = new TreeSet<>();
        for (String name : NativeTestSupport.genClassNames()) {
            if (name.equals("verbs_h") || name.equals("libc_h")) {
                continue;
            }
            GroupLayout layout = (GroupLayout) GenBindings.genClass(name).getMethod("layout").invoke(null);
            (layout instanceof UnionLayout ? genUnions : genStructs).add(name);
        }
        assertThat(genStructs).as("gen struct classes vs --include-struct").isEqualTo(structs);
        assertThat(genUnions).as("gen union classes vs --include-union").isEqualTo(unions);
    }

    /** {@code --include-KIND NAME} lines by kind; comments and blank lines ignored; duplicates rejected. */
    static Map<String, Set<String>> parse(Path file) throws IOException {
        Map<String, Set<String>> byKind = new TreeMap<>();
        for (String raw : Files.readAllLines(file)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            assertThat(parts).as(file + ": " + line).hasSize(2);
            assertThat(parts[0]).as(file + ": " + line).startsWith("--include-");
            String kind = parts[0].substring("--include-".length());
            assertThat(kind).as(file + ": " + line).isIn("function", "constant", "struct", "union", "typedef", "var");
            assertThat(byKind.computeIfAbsent(kind, k -> new TreeSet<>()).add(parts[1]))
                    .as(file + ": duplicate " + line).isTrue();
        }
        return byKind;
    }
}
