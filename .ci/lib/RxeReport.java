import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Summarises the JUnit console launcher's legacy XML reports of the rxe VM runs of one .ci/rxe run.
 *
 * <pre>java RxeReport.java REPORTS_DIR COUNTS_FILE LAUNCHER_RC [REPORTS_DIR LAUNCHER_RC]...</pre>
 *
 * Prints one line per test case ({@code rxe: PASS|FAIL|SKIP class.method() time}; for the runs after the
 * first, the name of the reports dir's parent follows in brackets, e.g. {@code [sender]}), then
 * {@code rxe: N passed, N failed, N skipped} over all runs, and writes {@code "passed failed skipped"} to
 * COUNTS_FILE. In each run, a launcher that exited non-zero although no test case failed (a failed
 * container, a crash, the time limit), and a run in which no test ran at all, count as one failure each, so
 * that CI's total shows them. Exit status 0 only when at least one test passed, none failed and none was
 * skipped; 1 otherwise; 2 for bad arguments.
 */
public final class RxeReport {
    private RxeReport() {}

    private static int passed;
    private static int failed;
    private static int skipped;

    public static void main(String[] args) throws Exception {
        if (args.length < 3 || args.length % 2 == 0) {
            System.err.println("usage: java RxeReport.java REPORTS_DIR COUNTS_FILE LAUNCHER_RC [REPORTS_DIR LAUNCHER_RC]...");
            System.exit(2);
        }
        Path counts = Path.of(args[1]);
        tally(Path.of(args[0]), args[2], "");
        for (int i = 3; i < args.length; i += 2) {
            Path dir = Path.of(args[i]);
            Path parent = dir.toAbsolutePath().getParent();
            tally(dir, args[i + 1], "  [" + (parent == null ? dir : parent.getFileName()) + "]");
        }
        Files.writeString(counts, passed + " " + failed + " " + skipped + "\n", StandardCharsets.US_ASCII);
        System.out.printf("rxe: %d passed, %d failed, %d skipped%n", passed, failed, skipped);
        System.exit(passed > 0 && failed == 0 && skipped == 0 ? 0 : 1);
    }

    /** Counts one launcher run's reports in {@code dir}; {@code label} follows each line it prints. */
    private static void tally(Path dir, String launcherRcText, String label) throws Exception {
        int launcherRc;
        try {
            launcherRc = Integer.parseInt(launcherRcText.trim());
        } catch (NumberFormatException e) {
            launcherRc = -1; // no status recorded: the launcher did not finish
        }
        List<Path> reports = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "TEST-*.xml")) {
                ds.forEach(reports::add);
            }
        }
        reports.sort(null);

        int runPassed = 0;
        int runFailed = 0;
        int runSkipped = 0;
        var factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        for (Path report : reports) {
            Element suite;
            try {
                suite = factory.newDocumentBuilder().parse(report.toFile()).getDocumentElement();
            } catch (Exception e) {
                System.out.println("rxe: FAIL  unreadable report " + report + ": " + e.getMessage());
                runFailed++;
                continue;
            }
            NodeList cases = suite.getElementsByTagName("testcase");
            for (int i = 0; i < cases.getLength(); i++) {
                Element tc = (Element) cases.item(i);
                String name = tc.getAttribute("classname") + "." + tc.getAttribute("name");
                String time = tc.getAttribute("time");
                Element problem = firstChild(tc, "failure", "error");
                Element skip = firstChild(tc, "skipped");
                if (problem != null) {
                    runFailed++;
                    System.out.printf("rxe: FAIL  %s  %s s  %s%s%n", name, time, firstLine(describe(problem)), label);
                } else if (skip != null) {
                    runSkipped++;
                    System.out.printf("rxe: SKIP  %s  %s%s%n", name, firstLine(describe(skip)), label);
                } else {
                    runPassed++;
                    System.out.printf("rxe: PASS  %s  %s s%s%n", name, time, label);
                }
            }
        }
        if (reports.isEmpty()) {
            System.out.println("rxe: no TEST-*.xml report in " + dir);
        }
        int ran = runPassed + runFailed + runSkipped;
        if (runFailed == 0 && (ran == 0 || launcherRc != 0)) {
            runFailed++;
            String why;
            if (launcherRc == 124 || launcherRc == 137) {
                why = "the JUnit run was killed at its time limit (RXE_TEST_TIMEOUT)";
            } else if (launcherRc < 0) {
                why = "the JUnit run did not finish (no exit status: VM failure or time limit)";
            } else if (ran == 0) {
                why = "no test ran (wrong tag, classpath or scan roots?)";
            } else {
                why = "the console launcher exited with status " + launcherRc + " although no test failed";
            }
            System.out.println("rxe: FAIL  " + why + label);
        }
        passed += runPassed;
        failed += runFailed;
        skipped += runSkipped;
    }

    private static Element firstChild(Element parent, String... names) {
        for (var n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                for (String name : names) {
                    if (e.getTagName().equals(name)) {
                        return e;
                    }
                }
            }
        }
        return null;
    }

    private static String describe(Element e) {
        String message = e.getAttribute("message");
        if (!message.isBlank()) {
            return message;
        }
        String type = e.getAttribute("type");
        String text = e.getTextContent() == null ? "" : e.getTextContent().strip();
        return text.isEmpty() ? type : text;
    }

    private static String firstLine(String s) {
        String line = s.strip().lines().findFirst().orElse("");
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
