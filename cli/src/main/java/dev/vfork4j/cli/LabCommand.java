package dev.vfork4j.cli;

import dev.vfork4j.cli.lab.Claim;
import dev.vfork4j.cli.lab.Finding;
import dev.vfork4j.cli.lab.Lab;
import dev.vfork4j.cli.lab.Plural;
import dev.vfork4j.cli.lab.Verdict;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vfork4j lab [--quick] [--only ID,...] [--heaps SIZE,...] [--json]}: published claims
 * about vfork (man pages, question-and-answer sites, an explainer), measured live on this machine,
 * each with a verdict and cited by its public source. Always exits 0 when it ran: a refuted claim
 * is a finding, not a failure; 2 for a usage error.
 */
@CommandLine.Command(
    name = "lab",
    mixinStandardHelpOptions = true,
    description = {
        "Puts published claims about vfork (the Linux and NetBSD man pages, Stack Overflow and Unix & Linux "
            + "answers, an explainer) to the test on this machine: for each, the claim (quoted, with its source), "
            + "what was measured, and a verdict: confirmed, refuted or not-testable.",
        "Anything that could harm a JVM, or needs a big heap, runs in a disposable JVM. The default run "
            + "starts parent JVMs with 256 MB, 2 GB and 8 GB pre-touched heaps (one at a time; a size that does "
            + "not fit in the available memory is skipped) and takes about a minute.",
    })
final class LabCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--json", description = "Prints {\"experiments\": [{\"id\", \"claim\", \"source\": {\"title\", "
        + "\"url\"}, \"measured\", \"verdict\", \"why\"}]} instead of text.")
    private boolean json;

    @Option(names = "--quick", description = "Smaller parent JVMs (128 MB and 1 GB heaps) and fewer samples: "
        + "the same experiments in a fraction of the time, with less contrast in the size-related ones.")
    private boolean quick;

    @Option(names = "--only", split = ",", paramLabel = "ID",
        description = "Runs only these experiments (comma-separated): ${COMPLETION-CANDIDATES}.",
        completionCandidates = Ids.class)
    private List<String> only;

    @Option(names = "--heaps", split = ",", paramLabel = "SIZE",
        description = "Parent heap sizes for the size-related experiments, such as 256m,2g,8g (suffix m or g).")
    private List<String> heaps;

    /** The experiment ids, for the help text. */
    static final class Ids extends ArrayList<String> {
        private static final long serialVersionUID = 1L;

        Ids() {
            for (Claim c : Claim.values()) {
                add(c.id());
            }
        }
    }

    private static final Pattern SIZE = Pattern.compile("(\\d{1,7})([mg])", Pattern.CASE_INSENSITIVE);

    @Override
    public Integer call() {
        Set<Claim> claims = selected();
        Lab.Options options = options();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long t0 = System.nanoTime();
        Lab lab = new Lab(options, what -> {
            err.println("lab: measuring " + what);
            err.flush();
        });
        if (!json) {
            out.println("vfork4j lab: " + Plural.count(claims.size(), "published claim") + " about vfork, measured on "
                + "this machine (" + System.getProperty("os.arch") + ", Linux " + System.getProperty("os.version") + ")");
            out.flush();
        }
        List<Finding> findings = lab.run(claims, f -> {
            if (!json) {
                out.println();
                out.print(text(f));
                out.flush();
            }
        });
        if (json) {
            out.println(Json.write(Map.of("experiments", findings.stream().map(LabCommand::toJson).toList())));
        } else {
            Map<Verdict, Long> counts = new EnumMap<>(Verdict.class);
            for (Finding f : findings) {
                counts.merge(f.verdict(), 1L, Long::sum);
            }
            out.println();
            out.println(Plural.count(findings.size(), "experiment") + " in "
                + Math.round((System.nanoTime() - t0) / 1e9) + " s: "
                + counts.entrySet().stream().map(e -> e.getValue() + " " + e.getKey().json())
                    .collect(Collectors.joining(", ")));
        }
        out.flush();
        return 0;
    }

    private Set<Claim> selected() {
        if (only == null || only.isEmpty()) {
            return EnumSet.allOf(Claim.class);
        }
        Set<Claim> claims = EnumSet.noneOf(Claim.class);
        for (String id : only) {
            Claim c = Claim.byId(id.trim());
            if (c == null) {
                throw new ParameterException(spec.commandLine(), "Unknown experiment '" + id + "' for --only; valid: "
                    + String.join(", ", new Ids()));
            }
            claims.add(c);
        }
        return claims;
    }

    private Lab.Options options() {
        Lab.Options base = quick ? Lab.Options.quick() : Lab.Options.standard();
        if (heaps == null || heaps.isEmpty()) {
            return base;
        }
        List<Integer> mb = new ArrayList<>();
        for (String h : heaps) {
            Matcher m = SIZE.matcher(h.trim());
            long size = m.matches() ? Long.parseLong(m.group(1)) * (m.group(2).equalsIgnoreCase("g") ? 1024 : 1) : -1;
            if (size < 64 || size > 1024 * 1024) {
                throw new ParameterException(spec.commandLine(), "Invalid heap size '" + h + "' for --heaps: "
                    + "a number followed by m or g, from 64m to 1024g, such as 256m or 8g");
            }
            mb.add((int) size);
        }
        return new Lab.Options(mb, base.samples());
    }

    static Map<String, Object> toJson(Finding f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", f.id());
        m.put("claim", f.claim().quote());
        // The source replaces the seed file name the lab used to give, which named a file that
        // exists only in the project's working area: nothing a reader could open.
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("title", f.claim().source().title());
        f.claim().source().url().ifPresent(url -> source.put("url", url));
        m.put("source", source);
        m.put("measured", f.measured());
        m.put("verdict", f.verdict().json());
        m.put("why", f.why());
        return m;
    }

    static String text(Finding f) {
        StringBuilder sb = new StringBuilder();
        sb.append(f.id()).append(": ").append(f.verdict().json().toUpperCase(Locale.ROOT)).append('\n');
        wrap(sb, "claim", "\"" + f.claim().quote() + "\"");
        wrap(sb, "source", f.claim().source().citation());
        if (!f.measured().isEmpty()) {
            wrap(sb, "measured", Json.compact(f.measured()));
        }
        wrap(sb, "why", f.why());
        return sb.toString();
    }

    private static final int WIDTH = 100;
    private static final String INDENT = "            ";

    /** {@code label} and {@code text}, word-wrapped at {@value #WIDTH} columns under a hanging indent. */
    private static void wrap(StringBuilder sb, String label, String text) {
        StringBuilder line = new StringBuilder("  " + label + " ".repeat(INDENT.length() - 2 - label.length()));
        int start = line.length();
        for (String word : text.split(" ")) {
            if (line.length() > start && line.length() + 1 + word.length() > WIDTH) {
                sb.append(line).append('\n');
                line = new StringBuilder(INDENT);
                start = line.length();
            }
            if (line.length() > start) {
                line.append(' ');
            }
            line.append(word);
        }
        sb.append(line).append('\n');
    }
}
