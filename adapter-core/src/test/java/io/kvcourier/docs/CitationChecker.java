package io.kvcourier.docs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds citations in a repository that a reader with only a clone cannot follow. A citation names a document of the
 * repository by path and, optionally, an anchor in it: {@code docs/TRAPS.md#trap-23},
 * {@code docs/ARCHITECTURE.md#decision-20}, {@code docs/PROTOCOL.md#B.3}; in Markdown also a relative link
 * {@code [label](TRAPS.md#trap-23)}. An anchor exists when the file has {@code <a id="...">} with it, or a heading
 * whose GitHub slug it is. Reported: a cited file or anchor that does not exist, an old-style citation of the
 * documents that used to live outside the repository ("traps 23", "ARCHITECTURE decision 20", "spec §B.3"), and a
 * path outside the repository.
 */
final class CitationChecker {

    /** A cited repository document, with an optional anchor ({@code B.3}, {@code trap-23}). */
    private static final Pattern DOC_REF =
            Pattern.compile("docs/([A-Za-z0-9_-]+\\.md)(?:#([A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]+)*))?");
    /** A Markdown link: label, then target. */
    private static final Pattern MD_LINK = Pattern.compile("\\[([^\\]\\n]*)\\]\\(([^)\\s]+)\\)");
    private static final Pattern ANCHOR_TAG = Pattern.compile("<a\\s+(?:id|name)=\"([^\"]+)\"");
    private static final Pattern HEADING = Pattern.compile("(?m)^#{1,6}[ \\t]+(.+?)[ \\t]*$");

    private record Rule(Pattern pattern, String advice) {
    }

    /** Old-style citations and outside paths, checked in every file. */
    private static final List<Rule> STALE = List.of(
            new Rule(Pattern.compile("(?i)\\btraps?(?:\\.md)?[ \\t]+\\d+"), "cite docs/TRAPS.md#trap-N"),
            new Rule(Pattern.compile("(?i)\\bdecisions?[ \\t]+\\d+"), "cite docs/ARCHITECTURE.md#decision-N"),
            new Rule(Pattern.compile("\\bARCHITECTURE\\b(?!\\.md)"), "cite docs/ARCHITECTURE.md"),
            new Rule(Pattern.compile("\\b(?:spec|upstream)[ \\t]*§"), "cite docs/PROTOCOL.md#X.N"),
            new Rule(Pattern.compile("\\b(?:lmcache-pd|ffm-verbs|rxe-vm|traps)\\.md"), "cite the file under docs/"),
            new Rule(Pattern.compile("/work/"), "a path outside the repository"),
            new Rule(Pattern.compile("\\.\\./shared\\b"), "a path outside the repository"),
            new Rule(Pattern.compile("\\bshared/(?:spec|tools)/"), "a path outside the repository"),
            new Rule(Pattern.compile("(?<![\\w/])spec/[\\w-]+\\.md"), "a path outside the repository"));
    /** Outside Markdown a section sign is only ever a citation of the old spec. */
    private static final Rule BARE_SECTION = new Rule(Pattern.compile("§[A-Z0-9]"), "cite docs/PROTOCOL.md#X.N");

    private static final Set<String> BINARY = Set.of("class", "jar", "so", "o", "png", "jpg", "gz", "zip", "jfr");

    private final Path root;
    private final Set<Path> excluded;
    private final Map<Path, Set<String>> anchors = new HashMap<>();
    private final List<String> problems = new ArrayList<>();

    private CitationChecker(Path root, Set<Path> excluded) {
        this.root = root.toAbsolutePath().normalize();
        this.excluded = excluded;
    }

    /**
     * Checks every text file under {@code root}, skipping build output ({@code target/}, {@code out/}), hidden
     * directories other than {@code .ci}, binary files and {@code excluded} (paths relative to {@code root}).
     *
     * @return one line per problem, {@code path:line: what}, in path order; empty when every citation resolves
     */
    static List<String> check(Path root, Set<Path> excluded) throws IOException {
        CitationChecker c = new CitationChecker(root, excluded);
        List<Path> files = c.files();
        for (Path f : files) {
            String text = c.read(f);
            if (text != null) {
                c.checkFile(c.root.relativize(f), text);
            }
        }
        return List.copyOf(c.problems);
    }

    private List<Path> files() throws IOException {
        List<Path> out = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
                boolean hidden = name.startsWith(".") && !name.equals(".ci");
                if (!dir.equals(root) && (hidden || name.equals("target") || root.relativize(dir).toString().equals("out"))) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                String name = file.getFileName().toString();
                int dot = name.lastIndexOf('.');
                String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
                boolean gitLink = name.equals(".git"); // a worktree's pointer to its repository
                if (attrs.isRegularFile() && !gitLink && !BINARY.contains(ext)
                        && !excluded.contains(root.relativize(file))) {
                    out.add(file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        out.sort(null);
        return out;
    }

    /** The file as UTF-8 text, or {@code null} for binary content (a NUL byte or invalid UTF-8). */
    private String read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        for (byte b : bytes) {
            if (b == 0) {
                return null;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private void checkFile(Path rel, String text) throws IOException {
        boolean markdown = rel.toString().endsWith(".md");
        String scanned = text;
        if (markdown) {
            // A link's target must resolve; its label is free text and is not read as a citation.
            StringBuilder sb = new StringBuilder();
            Matcher m = MD_LINK.matcher(text);
            while (m.find()) {
                checkLink(rel, lineOf(text, m.start()), m.group(2));
                m.appendReplacement(sb, Matcher.quoteReplacement("(" + m.group(2) + ")"));
            }
            m.appendTail(sb);
            scanned = sb.toString();
        }
        Matcher ref = DOC_REF.matcher(scanned);
        while (ref.find()) {
            if (ref.start() > 0 && isPathChar(scanned.charAt(ref.start() - 1))) {
                continue; // part of a longer relative path, e.g. ../docs/X.md: checked as a link
            }
            checkTarget(rel, lineOf(scanned, ref.start()), root.resolve("docs").resolve(ref.group(1)), ref.group(2),
                    ref.group());
        }
        List<Rule> rules = new ArrayList<>(STALE);
        if (!markdown) {
            rules.add(BARE_SECTION);
        }
        for (Rule r : rules) {
            Matcher m = r.pattern().matcher(scanned);
            while (m.find()) {
                problems.add(rel + ":" + lineOf(scanned, m.start()) + ": '" + m.group() + "': " + r.advice());
            }
        }
    }

    private static boolean isPathChar(char c) {
        return c == '/' || c == '.' || Character.isLetterOrDigit(c) || c == '-' || c == '_';
    }

    private void checkLink(Path rel, int line, String target) throws IOException {
        if (target.matches("(?i)^[a-z][a-z0-9+.-]*:.*")) {
            return; // https:, mailto: ...
        }
        int hash = target.indexOf('#');
        String path = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path dir = rel.getParent() == null ? root : root.resolve(rel.getParent());
        Path file = path.isEmpty() ? root.resolve(rel) : dir.resolve(path).normalize();
        checkTarget(rel, line, file, anchor, target);
    }

    private void checkTarget(Path rel, int line, Path file, String anchor, String cited) throws IOException {
        Path normal = file.toAbsolutePath().normalize();
        if (!normal.startsWith(root)) {
            problems.add(rel + ":" + line + ": '" + cited + "': a path outside the repository");
        } else if (!Files.exists(normal)) {
            problems.add(rel + ":" + line + ": '" + cited + "': no such file in the repository");
        } else if (anchor != null && !anchor.isEmpty() && normal.toString().endsWith(".md")
                && !anchorsOf(normal).contains(anchor)) {
            problems.add(rel + ":" + line + ": '" + cited + "': " + root.relativize(normal) + " has no anchor '"
                    + anchor + "'");
        }
    }

    private Set<String> anchorsOf(Path markdown) throws IOException {
        Set<String> known = anchors.get(markdown);
        if (known == null) {
            known = anchorsIn(Files.readString(markdown));
            anchors.put(markdown, known);
        }
        return known;
    }

    /** Explicit {@code <a id>} anchors and the GitHub slugs of the headings. */
    static Set<String> anchorsIn(String markdown) {
        Set<String> out = new HashSet<>();
        Matcher a = ANCHOR_TAG.matcher(markdown);
        while (a.find()) {
            out.add(a.group(1));
        }
        Matcher h = HEADING.matcher(markdown);
        while (h.find()) {
            out.add(h.group(1).toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'));
        }
        return out;
    }

    private static int lineOf(String text, int index) {
        int line = 1;
        for (int i = 0; i < index; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }
}
