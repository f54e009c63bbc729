package dev.vfork4j.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The reliability group's report writer. Each test records rows; {@link #flush(String)} writes one
 * class's rows to {@code target/reliability/CLASS.json} (one JSON object a line) and renders every
 * class's rows found there into {@code target/reliability/RELIABILITY.md}.
 *
 * <p>With {@code -Dvfork4j.reliability.publish=true} the rows are also kept, per load, in
 * {@code docs/reliability/CLASS-LOAD.json} (with {@code LOAD.txt}: the command, machine and
 * time of that run), and {@code docs/RELIABILITY.md} is rendered from everything kept there: a
 * {@code ci} run and a {@code long} run each replace only their own rows.
 */
final class Report {
    private Report() {}

    /** One line of the table. Figures are free text such as {@code "1520 spawns/s, fds +0"}. */
    record Row(String group, String test, String mechanism, String load, String tried, String result, String figures) {
        private static final List<String> KEYS = List.of("group", "test", "mechanism", "load", "tried", "result", "figures");

        List<String> values() {
            return List.of(group, test, mechanism, load, tried, result, figures);
        }
    }

    private static final Map<String, List<Row>> ROWS = new ConcurrentHashMap<>();

    static void record(String group, String test, String mechanism, String load, String tried, String result, String figures) {
        ROWS.computeIfAbsent(group, g -> java.util.Collections.synchronizedList(new ArrayList<>()))
            .add(new Row(group, test, mechanism, load, tried, result, figures));
    }

    static Path dir() {
        return Path.of(System.getProperty("basedir", ".")).resolve("target/reliability");
    }

    static synchronized void flush(String group) {
        try {
            Files.createDirectories(dir());
            List<Row> rows = ROWS.getOrDefault(group, List.of());
            StringBuilder json = new StringBuilder();
            synchronized (rows) {
                for (Row r : rows) {
                    json.append(toJson(r)).append('\n');
                }
            }
            String slug = group.toLowerCase(java.util.Locale.ROOT).replaceAll("\\W+", "-");
            Files.writeString(dir().resolve(slug + ".json"), json);
            Files.writeString(dir().resolve("RELIABILITY.md"), render(readAll(dir()), Map.of(Load.MODE, runLine())));
            if (Boolean.getBoolean("vfork4j.reliability.publish")) {
                Path docs = Path.of(System.getProperty("basedir", ".")).resolve("../docs").normalize();
                Path kept = docs.resolve("reliability");
                Files.createDirectories(kept);
                Files.writeString(kept.resolve(slug + "-" + Load.MODE + ".json"), json);
                Files.writeString(kept.resolve(Load.MODE + ".txt"), runLine() + "\n");
                Map<String, String> runs = new java.util.TreeMap<>();
                for (String mode : List.of("ci", "long")) {
                    Path line = kept.resolve(mode + ".txt");
                    if (Files.exists(line)) {
                        runs.put(mode, Files.readString(line).strip());
                    }
                }
                Files.writeString(docs.resolve("RELIABILITY.md"), render(readAll(kept), runs));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This run: the command that makes it, the machine, the time. */
    static String runLine() {
        return "`" + System.getProperty("vfork4j.reliability.command",
                "./mvnw -B -pl core test -Dtest='dev.vfork4j.reliability.*Test' -Dvfork4j.reliability="
                    + Load.MODE + " -Dvfork4j.reliability.publish=true")
            + "` on " + System.getProperty("os.name") + ' ' + System.getProperty("os.version") + ", "
            + System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " CPUs, Java "
            + System.getProperty("java.version") + ", finished " + Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }

    /** Every row of every {@code *.json} in {@code dir}, ci rows before long ones within a group. */
    static List<Row> readAll(Path dir) throws IOException {
        List<Row> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        all.add(fromJson(line));
                    }
                }
            }
        }
        all.sort(java.util.Comparator.comparing(r -> !r.load().equals("ci"))); // stable: file order otherwise
        return all;
    }

    /** The page: {@code runs} maps each load present ("ci", "long") to its {@link #runLine()}. */
    static String render(List<Row> rows, Map<String, String> runs) {
        StringBuilder md = new StringBuilder();
        md.append("# vfork4j reliability report\n\n");
        md.append("Generated by the test run, not typed by hand: the `reliability` test group (JUnit/jqwik tag\n");
        md.append("`reliability`, classes in `core/src/test/java/dev/vfork4j/reliability/`) writes one JSON row per\n");
        md.append("check and renders this page from them; a published run keeps its rows in `docs/reliability/`.\n");
        md.append("`load` is `ci` for the bounded form the normal build runs and `long` for `-Dvfork4j.reliability=long`.\n\n");
        for (var run : runs.entrySet()) {
            md.append("- `").append(run.getKey()).append("` rows: ").append(run.getValue()).append(".\n");
        }
        Map<String, List<Row>> byGroup = new LinkedHashMap<>();
        for (Row r : rows) {
            byGroup.computeIfAbsent(r.group(), g -> new ArrayList<>()).add(r);
        }
        for (var e : byGroup.entrySet()) {
            md.append("\n## ").append(e.getKey()).append("\n\n");
            md.append("| test | mechanism | load | tried / injected | result | figures |\n");
            md.append("|---|---|---|---|---|---|\n");
            for (Row r : e.getValue()) {
                md.append("| ").append(cell(r.test())).append(" | ").append(cell(r.mechanism())).append(" | ")
                    .append(cell(r.load())).append(" | ").append(cell(r.tried())).append(" | ")
                    .append(cell(r.result())).append(" | ").append(cell(r.figures())).append(" |\n");
            }
        }
        return md.toString();
    }

    private static String cell(String s) {
        return s.replace("|", "\\|").replace("\n", " ").replace("\0", "\\0");
    }

    static String toJson(Row r) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < Row.KEYS.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append('"').append(Row.KEYS.get(i)).append("\": \"").append(escape(r.values().get(i))).append('"');
        }
        return sb.append('}').toString();
    }

    private static final Pattern FIELD = Pattern.compile("\"(\\w+)\": \"((?:[^\"\\\\]|\\\\.)*)\"");

    static Row fromJson(String line) {
        Map<String, String> f = new LinkedHashMap<>();
        Matcher m = FIELD.matcher(line);
        while (m.find()) {
            f.put(m.group(1), unescape(m.group(2)));
        }
        return new Row(f.getOrDefault("group", ""), f.getOrDefault("test", ""), f.getOrDefault("mechanism", ""),
            f.getOrDefault("load", ""), f.getOrDefault("tried", ""), f.getOrDefault("result", ""),
            f.getOrDefault("figures", ""));
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }

    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char n = s.charAt(++i);
            switch (n) {
                case 'n' -> sb.append('\n');
                case 'u' -> {
                    sb.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> sb.append(n);
            }
        }
        return sb.toString();
    }
}
