package dev.vfork4j.conformance;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Runs every conformance case in this JVM, one after another, and writes their transcripts:
 * {@code java -cp conformance/target/classes dev.vfork4j.conformance.CaseRunner OUT SCRATCH [PREFIX]}.
 *
 * <p>OUT gets one block per case, {@code === name} then its lines; {@code OUT.started} the number
 * of children the cases started. SCRATCH is an empty directory the cases may write in. PREFIX
 * (a comma-separated list) runs only the cases whose name starts with one of them. When the
 * environment has VFORK4J_CONF_PATH_DIRS (two directories, colon-separated, that lead this
 * JVM's PATH), the PATH search cases put programs there; without it they say so and do nothing. Run it once on the plain JDK and once with the
 * agent and compare the two OUT files: every line must match. Each case runs on a thread of its
 * own and gets 180 s (a loaded machine runs the loops slowly); one that runs out is recorded as
 * TIMEOUT, its children are killed, and the run goes on. With {@code -Dvfork4j.conformance.awaitAgent=true}
 * it waits for the agent's thread to end before the first case.
 */
public final class CaseRunner {

    private static final long CASE_MILLIS = 180_000;

    private CaseRunner() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: CaseRunner OUT SCRATCH [PREFIX]");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        Path scratch = Path.of(args[1]).toAbsolutePath();
        List<String> prefixes = List.of((args.length > 2 ? args[2] : "").split(","));
        Files.createDirectories(scratch);
        Map<String, Case> cases = Cases.suite(scratch).all();
        if (Boolean.getBoolean("vfork4j.conformance.awaitAgent")) {
            awaitAgentThread();
        }
        long began = System.nanoTime();
        int ran = 0;
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8))) {
            for (Map.Entry<String, Case> e : cases.entrySet()) {
                if (prefixes.stream().noneMatch(e.getKey()::startsWith)) {
                    continue;
                }
                ran++;
                w.println("=== " + e.getKey());
                long caseBegan = System.nanoTime();
                List<String> lines = run(e.getKey(), e.getValue(), scratch);
                long millis = (System.nanoTime() - caseBegan) / 1_000_000;
                if (millis > 1000) {
                    System.err.printf("CaseRunner: %s took %d ms%n", e.getKey(), millis);
                }
                for (String line : lines) {
                    w.println(line);
                }
                w.flush();
            }
        }
        Files.writeString(Path.of(out + ".started"), Transcript.STARTED.get() + "\n");
        System.err.printf("CaseRunner: %d cases, %d children, %.1f s%n", ran, Transcript.STARTED.get(),
            (System.nanoTime() - began) / 1e9);
    }

    /**
     * Until the agent's thread (its warm-up, then the rewrite of ProcessImpl) has ended, when
     * there is one: from then on every start reaches the agent and is counted in its stats.
     */
    private static void awaitAgentThread() throws InterruptedException {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("vfork4j-agent")) {
                t.join();
            }
        }
    }

    private static List<String> run(String name, Case body, Path scratch) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(scratch.resolve(name));
        Transcript t = new Transcript(scratch, dir);
        Thread thread = Thread.ofPlatform().name("case " + name).daemon().unstarted(() -> {
            try {
                body.run(t);
            } catch (Throwable e) {
                t.line("case threw", t.describe(e));
            }
        });
        thread.start();
        thread.join(CASE_MILLIS);
        List<String> lines;
        if (thread.isAlive()) {
            thread.interrupt();
            lines = new java.util.ArrayList<>(t.lines());
            lines.add("TIMEOUT after " + CASE_MILLIS / 1000 + " s");
        } else {
            lines = t.lines();
        }
        for (Process p : t.started()) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
        // Interrupt status left by a case must not leak into the next: each runs on its own thread.
        return lines;
    }
}
