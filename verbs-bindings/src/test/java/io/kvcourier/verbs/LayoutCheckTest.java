package io.kvcourier.verbs;

import io.kvcourier.verbs.gen.libc_h;
import io.kvcourier.verbs.gen.verbs_h;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compiles and runs {@code jextract/layoutcheck.c} against the installed C headers and checks every
 * fact it prints against the Java side: each struct's size and alignment ({@code S}), every field's
 * offset and size ({@code F}, found in {@code layout()} and through the generated {@code $offset()}
 * accessors), every constant ({@code C}); and that every constant the header classes bind has a
 * {@code C} line and every gen struct class an {@code S} line.
 */
class LayoutCheckTest {
    private static final Map<String, long[]> STRUCTS = new LinkedHashMap<>();
    private static final Map<String, long[]> FIELDS = new LinkedHashMap<>();
    private static final Map<String, Long> CONSTANTS = new LinkedHashMap<>();
    private static List<String> probeOutput;

    @BeforeAll
    static void runProbe() throws Exception {
        Path gcc = NativeTestSupport.requireGccAndHeaders();
        Path dir = NativeTestSupport.nativeBuildDir();
        Path exe = NativeTestSupport.compile(gcc, NativeTestSupport.repoRoot().resolve("jextract/layoutcheck.c"),
                dir.resolve("layoutcheck"), "-O0");
        probeOutput = NativeTestSupport.run(List.of(exe.toString())).lines().toList();
        for (String line : probeOutput) {
            String[] p = line.split(" ");
            switch (p[0]) {
                case "S" -> STRUCTS.put(p[1], new long[]{Long.parseLong(p[2]), Long.parseLong(p[3])});
                case "F" -> FIELDS.put(p[1], new long[]{Long.parseLong(p[2]), Long.parseLong(p[3])});
                case "C" -> CONSTANTS.put(p[1], Long.parseLong(p[2]));
                default -> throw new AssertionError("unexpected probe line: " + line);
            }
        }
        assertThat(STRUCTS).as("probe structs").isNotEmpty();
        assertThat(FIELDS).as("probe fields").isNotEmpty();
        assertThat(CONSTANTS).as("probe constants").isNotEmpty();
    }

    @Test
    void everyStructHasTheCSizeAndAlignment() throws Exception {
        List<String> errors = new ArrayList<>();
        for (var e : STRUCTS.entrySet()) {
            Class<?> cls = GenBindings.genClass(e.getKey());
            GroupLayout layout = (GroupLayout) cls.getMethod("layout").invoke(null);
            long sizeof = (long) cls.getMethod("sizeof").invoke(null);
            check(errors, "sizeof " + e.getKey(), e.getValue()[0], layout.byteSize());
            check(errors, "sizeof() " + e.getKey(), e.getValue()[0], sizeof);
            check(errors, "alignof " + e.getKey(), e.getValue()[1], layout.byteAlignment());
        }
        assertTrue(errors.isEmpty(), () -> String.join("\n", errors));
    }

    @Test
    void everyFieldHasTheCOffsetAndSize() throws Exception {
        List<String> errors = new ArrayList<>();
        for (var e : FIELDS.entrySet()) {
            String[] path = e.getKey().split("\\.");
            Class<?> cls = GenBindings.genClass(path[0]);
            GroupLayout layout = (GroupLayout) cls.getMethod("layout").invoke(null);
            long[] found = resolve(layout, path, 1, 0);
            if (found == null) {
                errors.add("[" + e.getKey() + "] not in " + path[0] + ".layout()");
                continue;
            }
            check(errors, "offset " + e.getKey(), e.getValue()[0], found[0]);
            check(errors, "size " + e.getKey(), e.getValue()[1], found[1]);
            // the generated accessor's offset is relative to its (nested) class
            String owner = String.join("$", java.util.Arrays.copyOf(path, path.length - 1));
            String field = path[path.length - 1];
            long parentOffset = path.length == 2 ? 0
                    : FIELDS.get(String.join(".", java.util.Arrays.copyOf(path, path.length - 1)))[0];
            long accessorOffset = (long) GenBindings.genClass(owner).getMethod(field + "$offset").invoke(null);
            check(errors, "accessor " + owner + "." + field + "$offset()", e.getValue()[0] - parentOffset, accessorOffset);
        }
        assertTrue(errors.isEmpty(), () -> String.join("\n", errors));
    }

    @Test
    void everyConstantHasTheCValueAndEveryBoundConstantIsProbed() throws Exception {
        Map<String, Long> java = new LinkedHashMap<>(GenBindings.constants(verbs_h.class));
        Map<String, Long> libc = GenBindings.constants(libc_h.class);
        assertThat(java.keySet()).as("names bound by both headers").doesNotContainAnyElementsOf(libc.keySet());
        java.putAll(libc);
        List<String> errors = new ArrayList<>();
        for (var e : CONSTANTS.entrySet()) {
            Long value = java.get(e.getKey());
            if (value == null) {
                errors.add("[" + e.getKey() + "] probed but not bound in verbs_h/libc_h");
            } else if (!sameValue(e.getValue(), value)) {
                errors.add("[" + e.getKey() + "] expected " + e.getValue() + " but Java has " + value);
            }
        }
        Set<String> unprobed = new TreeSet<>(java.keySet());
        unprobed.removeAll(CONSTANTS.keySet());
        assertThat(unprobed).as("bound constants without a C line in layoutcheck.c").isEmpty();
        assertTrue(errors.isEmpty(), () -> String.join("\n", errors));
    }

    @Test
    void everyGeneratedStructClassIsProbed() {
        Set<String> classes = new TreeSet<>(NativeTestSupport.genClassNames());
        classes.removeAll(List.of("verbs_h", "libc_h"));
        assertThat(classes).as("gen struct classes").isEqualTo(new TreeSet<>(STRUCTS.keySet()));
    }

    @Test
    void probeOutputEqualsTheCommittedGoldenFile() throws Exception {
        NativeTestSupport.requireOrSkip("amd64".equals(System.getProperty("os.arch")),
                "the golden file is for x86_64; this is " + System.getProperty("os.arch"));
        Path golden = NativeTestSupport.repoRoot().resolve("jextract/layout-rdma-core44-x86_64.txt");
        List<String> expected = Files.readAllLines(golden);
        assertThat(probeOutput).as("layoutcheck output vs " + golden + " (a different rdma-core/glibc?)")
                .containsExactlyElementsOf(expected);
    }

    /** Offset and size of a C field path in a Java layout; anonymous unions ($anon$N) are transparent. */
    static long[] resolve(GroupLayout group, String[] path, int i, long base) {
        long cursor = 0;
        for (MemoryLayout m : group.memberLayouts()) {
            long offset = base + (group instanceof StructLayout ? cursor : 0);
            cursor += m.byteSize();
            String name = m.name().orElse("");
            if (name.equals(path[i])) {
                if (i == path.length - 1) {
                    return new long[]{offset, m.byteSize()};
                }
                return m instanceof GroupLayout g ? resolve(g, path, i + 1, offset) : null;
            }
            if (name.startsWith("$anon$") && m instanceof GroupLayout g) {
                long[] found = resolve(g, path, i, offset);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /** Equal, or an int-typed Java constant holding an unsigned 32-bit C value (EPOLLET = 0x80000000). */
    private static boolean sameValue(long c, long java) {
        return c == java || (c > Integer.MAX_VALUE && c <= 0xFFFF_FFFFL && java == (int) c);
    }

    private static void check(List<String> errors, String what, long expected, long actual) {
        if (expected != actual) {
            errors.add("[" + what + "] expected: " + expected + "L but was: " + actual + "L");
        }
    }
}
