package dev.vfork4j.conformance;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The child's environment: inherited, added to, removed from, cleared, odd names and values. */
final class EnvironmentCases {

    private EnvironmentCases() {}

    static void register(Cases c) {
        c.add("env/inherited-equals-System.getenv", t -> {
            Map<String, String> seen = childEnv(t, new ProcessBuilder("env", "-0"));
            t.line("equal", seen.equals(new TreeMap<>(System.getenv())));
            t.line("count equal", seen.size() == System.getenv().size());
        });
        c.add("env/builder-copy-equals-System.getenv", t -> {
            ProcessBuilder pb = new ProcessBuilder("env", "-0");
            t.line("environment() equals getenv", pb.environment().equals(System.getenv()));
            Map<String, String> seen = childEnv(t, pb);
            t.line("child equals getenv", seen.equals(new TreeMap<>(System.getenv())));
        });
        c.add("env/cleared", t -> {
            ProcessBuilder pb = new ProcessBuilder("env", "-0");
            pb.environment().clear();
            t.line("child", childEnv(t, pb));
        });
        c.add("env/cleared-then-one", t -> {
            ProcessBuilder pb = new ProcessBuilder("env", "-0");
            pb.environment().clear();
            pb.environment().put("ONLY", "one value");
            t.line("child", childEnv(t, pb));
        });
        c.add("env/added", t -> {
            ProcessBuilder pb = new ProcessBuilder("env", "-0");
            pb.environment().put("VFORK4J_ADDED", "yes");
            pb.environment().put("VFORK4J_EMPTY", "");
            Map<String, String> seen = childEnv(t, pb);
            t.line("added", seen.get("VFORK4J_ADDED"));
            t.line("empty", Transcript.quote(seen.get("VFORK4J_EMPTY")));
            t.line("count is getenv+2", seen.size() == System.getenv().size() + 2);
        });
        c.add("env/removed-path-and-home", t -> {
            ProcessBuilder pb = new ProcessBuilder("env", "-0");
            pb.environment().remove("PATH");
            pb.environment().remove("HOME");
            Map<String, String> seen = childEnv(t, pb);
            t.line("PATH", seen.get("PATH"));
            t.line("HOME", seen.get("HOME"));
        });
        c.add("env/replaced-value", t -> {
            ProcessBuilder pb = new ProcessBuilder("sh", "-c", "printf '%s' \"$HOME\"");
            pb.environment().put("HOME", "/elsewhere");
            ProgramCases.runAndShow(t, pb);
        });
        c.add("env/odd-names-and-values", t -> {
            ProcessBuilder pb = new ProcessBuilder("env", "-0");
            pb.environment().clear();
            for (String[] kv : new String[][] {{"lower", "1"}, {"WITH SPACE", "2"}, {"1DIGIT", "3"}, {"dash-name", "4"},
                {"dot.name", "5"}, {"ünï", "çödé"}, {"EMOJI", "🙂"}, {"NEWLINE", "a\nb"}, {"EQUALS_IN_VALUE", "a=b=c"},
                {"TAB", "\t"}, {"LONG", "v".repeat(100_000)}}) {
                pb.environment().put(kv[0], kv[1]);
            }
            Map<String, String> seen = childEnv(t, pb);
            seen.replaceAll((k, v) -> v.length() > 100 ? "<" + v.length() + " chars>" : Transcript.quote(v));
            t.line("child", seen);
        });
        c.add("env/empty-name", t -> {
            ProcessBuilder pb = new ProcessBuilder("env", "-0");
            pb.environment().clear();
            t.line("put empty name", attempt(t, () -> pb.environment().put("", "value")));
            Process p = t.start("env", pb);
            if (p != null) {
                t.line("raw", Transcript.quote(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)));
                t.exit("env", p);
            }
        });
        c.add("env/invalid-names-and-values", t -> {
            Map<String, String> env = new ProcessBuilder().environment();
            t.line("name with =", attempt(t, () -> env.put("A=B", "x")));
            t.line("name with NUL", attempt(t, () -> env.put("A\0B", "x")));
            t.line("value with NUL", attempt(t, () -> env.put("AB", "x\0y")));
            t.line("null name", attempt(t, () -> env.put(null, "x")));
            t.line("null value", attempt(t, () -> env.put("AB", null)));
            t.line("get of non-string", attempt(t, () -> env.get(Integer.valueOf(1))));
        });
        c.add("env/many-variables", t -> {
            ProcessBuilder pb = new ProcessBuilder("sh", "-c", "env | grep -c '^VFORK4J_MANY_'");
            for (int i = 0; i < 3000; i++) {
                pb.environment().put("VFORK4J_MANY_" + i, "value" + i);
            }
            ProgramCases.runAndShow(t, pb);
        });
        c.add("env/environment-changed-after-start-does-not-reach-child", t -> {
            ProcessBuilder pb = new ProcessBuilder("sh", "-c", "read x; printf '%s' \"$LATE\"");
            Process p = t.start("sh", pb);
            pb.environment().put("LATE", "too late");
            if (p != null) {
                p.getOutputStream().write('\n');
                p.getOutputStream().close();
                t.drain("stdout", p.getInputStream());
                t.exit("sh", p);
            }
        });
        c.add("env/order-of-names", t -> {
            // env prints the array execve was given in its order: untouched, the JVM's environ;
            // touched, the JDK's copy in its map's order.
            t.line("untouched", namesInOrder(t, new ProcessBuilder("env", "-0")));
            ProcessBuilder pb = new ProcessBuilder("env", "-0");
            pb.environment().put("VFORK4J_ADDED", "1");
            t.line("touched", namesInOrder(t, pb));
        });
        c.add("env/undecodable-inherited-bytes", t -> {
            // AgentConformanceTest starts the runner with VFORK4J_CONF_RAW = 61 ff fe 62, which no
            // charset the JDK uses for sun.jnu.encoding here decodes (but ISO-8859-1): the child
            // gets the bytes, the environment touched or not.
            t.line("getenv has it", System.getenv().containsKey("VFORK4J_CONF_RAW"));
            String od = "printf '%s' \"$VFORK4J_CONF_RAW\" | od -An -tx1";
            ProgramCases.runAndShow(t, new ProcessBuilder("sh", "-c", od));
            ProcessBuilder touched = new ProcessBuilder("sh", "-c", od);
            touched.environment().put("VFORK4J_ADDED", "1");
            ProgramCases.runAndShow(t, touched);
        });
        c.add("env/non-ascii-value-bytes", t -> {
            ProcessBuilder pb = new ProcessBuilder("sh", "-c", "printf '%s' \"$X\" | od -An -tx1");
            pb.environment().put("X", "é日");
            ProgramCases.runAndShow(t, pb);
        });
    }

    /** Runs an {@code env -0} builder and parses what the child saw, sorted by name. */
    static Map<String, String> childEnv(Transcript t, ProcessBuilder pb) throws Exception {
        Process p = t.start("env", pb);
        Map<String, String> seen = new TreeMap<>();
        if (p == null) {
            return seen;
        }
        String raw = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        t.exit("env", p);
        Arrays.stream(raw.split("\0")).filter(s -> !s.isEmpty()).forEach(s -> {
            int eq = s.indexOf('=', 1);
            seen.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? "" : s.substring(eq + 1));
        });
        return seen;
    }

    /** The names of the variables an {@code env -0} builder's child saw, in the order it saw them. */
    static List<String> namesInOrder(Transcript t, ProcessBuilder pb) throws Exception {
        Process p = t.start("env", pb);
        if (p == null) {
            return List.of();
        }
        String raw = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        t.exit("env", p);
        return Arrays.stream(raw.split("\0")).filter(s -> !s.isEmpty()).map(s -> s.substring(0, Math.max(s.indexOf('='), 0)))
            .toList();
    }

    static String attempt(Transcript t, Runnable r) {
        try {
            r.run();
            return "accepted";
        } catch (RuntimeException e) {
            return t.describe(e);
        }
    }
}
