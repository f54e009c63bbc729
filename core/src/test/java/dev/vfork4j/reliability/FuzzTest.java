package dev.vfork4j.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vfork4j.Child;
import dev.vfork4j.Command;
import dev.vfork4j.ExitStatus;
import dev.vfork4j.Mechanism;
import dev.vfork4j.Output;
import dev.vfork4j.Redirect;
import dev.vfork4j.linux.Posix;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Issue 6, "fuzz": arbitrary Unicode argv and environments reach the child byte for byte, and
 * random Redirect/keepFd combinations never leak an fd of this JVM nor deadlock.
 * Tries: 50 per property in CI, 2,000 under {@code -Dvfork4j.reliability=long}.
 */
@Tag("reliability")
@AddLifecycleHook(value = FuzzTest.ScaledTries.class, propagateTo = net.jqwik.api.lifecycle.PropagationMode.DIRECT_DESCENDANTS)
class FuzzTest {

    /** Sets each property's tries from the load, since {@code @Property(tries)} is a constant. */
    public static class ScaledTries implements AroundPropertyHook {
        @Override
        public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
            context.attributes().setTries(TRIES);
            return property.execute();
        }
    }

    static final int TRIES = Load.scale(50, 2000);
    /** A try that takes this long is a deadlock. */
    static final long TRY_BOUND_SECONDS = 30;

    static final Map<String, AtomicInteger> TRIED = new LinkedHashMap<>();
    static final Map<String, AtomicLong> NANOS = new HashMap<>();
    static final Map<String, Integer> FD_DELTA = new HashMap<>();

    /** Mechanisms that can carry non-ASCII text: the JDK's encodes argv with sun.jnu.encoding. */
    static List<Mechanism> unicodeMechanisms() {
        boolean jdkUtf8 = "UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding"));
        return Arrays.stream(Mechanism.values()).filter(Mechanism::isAvailable)
            .filter(m -> m != Mechanism.JDK || jdkUtf8).toList();
    }

    /** Code points of every plane, no NUL and no surrogate, with ASCII and shell-special characters weighted up. */
    static Arbitrary<String> unicodeText(int maxCodePoints, boolean forName) {
        Arbitrary<Integer> ascii = Arbitraries.integers().between(1, 0x7f);
        Arbitrary<Integer> special = Arbitraries.of((int) ' ', (int) '\n', (int) '\t', (int) '"', (int) '\'',
            (int) '\\', (int) '$', (int) '%', (int) '*', (int) '-', 0x7f, 0x80, 0xff, 0xfeff, 0xfffd, 0xffff);
        Arbitrary<Integer> bmp = Arbitraries.integers().between(0x80, 0xffff).filter(c -> c < 0xd800 || c > 0xdfff);
        Arbitrary<Integer> astral = Arbitraries.integers().between(0x10000, 0x10ffff);
        @SuppressWarnings("unchecked")
        Arbitrary<Integer> cp = Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(4, ascii), net.jqwik.api.Tuple.of(2, special),
            net.jqwik.api.Tuple.of(3, bmp), net.jqwik.api.Tuple.of(2, astral));
        Arbitrary<Integer> filtered = forName ? cp.filter(c -> c != '=') : cp;
        return filtered.list().ofMinSize(forName ? 1 : 0).ofMaxSize(maxCodePoints).map(FuzzTest::fromCodePoints);
    }

    private static String fromCodePoints(List<Integer> cps) {
        StringBuilder sb = new StringBuilder();
        cps.forEach(sb::appendCodePoint);
        return sb.toString();
    }

    @Provide
    Arbitrary<List<String>> argvTail() {
        return unicodeText(40, false).list().ofMaxSize(12);
    }

    @Provide
    Arbitrary<Map<String, String>> environments() {
        return Arbitraries.maps(unicodeText(16, true), unicodeText(40, false)).ofMaxSize(12);
    }

    @Provide
    Arbitrary<Mechanism> unicodeMechanism() {
        return Arbitraries.of(unicodeMechanisms());
    }

    @BeforeContainer
    static void warmUp() throws Exception {
        Command.of("true").output(); // the loop's own fds, opened once
    }

    @Property(seed = "")
    void argvReachesTheChildExactly(@ForAll("argvTail") List<String> args, @ForAll("unicodeMechanism") Mechanism m)
        throws Exception {
        long t0 = System.nanoTime();
        List<String> argv = new ArrayList<>(List.of("/usr/bin/printf", "%s\\0"));
        argv.addAll(args);
        Output out = bounded(() -> Command.of(argv).mechanism(m).env("LC_ALL", "C").output());
        assertThat(out.status().success()).as(out.stderrText()).isTrue();
        StringBuilder expected = new StringBuilder();
        for (String a : args) {
            expected.append(a).append('\0');
        }
        if (args.isEmpty()) {
            expected.append('\0'); // printf uses its format once even with no arguments
        }
        assertThat(new String(out.stdout(), StandardCharsets.UTF_8)).isEqualTo(expected.toString());
        assertThat(out.stdout()).isEqualTo(expected.toString().getBytes(StandardCharsets.UTF_8));
        count("argv: Unicode arguments echoed by printf '%s\\0'", t0, 0);
    }

    @Property(seed = "")
    void environmentReachesTheChildExactly(@ForAll("environments") Map<String, String> env,
                                           @ForAll("unicodeMechanism") Mechanism m) throws Exception {
        long t0 = System.nanoTime();
        Output out = bounded(() -> Command.of("/usr/bin/env", "-0").mechanism(m).environment(env).output());
        assertThat(out.status().success()).as(out.stderrText()).isTrue();
        Map<String, String> seen = new LinkedHashMap<>();
        String text = new String(out.stdout(), StandardCharsets.UTF_8);
        for (String entry : text.split("\0")) {
            if (!entry.isEmpty()) {
                int eq = entry.indexOf('=');
                seen.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        assertThat(seen).isEqualTo(env);
        count("environment: Unicode names and values echoed by env -0", t0, 0);
    }

    // ---- redirects and keepFd ----

    enum Verb { OUTPUT, RUN, START }

    record Plan(Mechanism mechanism, Verb verb, String stdin, String stdout, String stderr, List<int[]> kept) {
        @Override
        public String toString() {
            StringBuilder k = new StringBuilder();
            for (int[] p : kept) {
                k.append(p[0] == 0 ? "r" : "w").append("->").append(p[1]).append(' ');
            }
            return mechanism + " " + verb + " stdin=" + stdin + " stdout=" + stdout + " stderr=" + stderr + " keep=[" + k.toString().trim() + "]";
        }
    }

    @Provide
    Arbitrary<Plan> plans() {
        List<Mechanism> mechanisms = Arrays.stream(Mechanism.values()).filter(Mechanism::isAvailable).toList();
        Arbitrary<List<int[]>> kept = Arbitraries.integers().between(3, 60).set().ofMaxSize(3)
            .flatMap(targets -> Arbitraries.integers().between(0, 1).list().ofSize(targets.size()).map(ends -> {
                List<int[]> k = new ArrayList<>();
                int i = 0;
                for (int t : targets) {
                    k.add(new int[] {ends.get(i++), t});
                }
                return k;
            }));
        return Combinators.combine(Arbitraries.of(mechanisms), Arbitraries.of(Verb.values()),
            Arbitraries.of("INHERIT", "PIPE", "DISCARD", "file"),
            Arbitraries.of("INHERIT", "PIPE", "DISCARD", "file", "append"),
            Arbitraries.of("INHERIT", "PIPE", "DISCARD", "STDOUT", "file"), kept)
            .as((m, verb, in, out, err, k) -> new Plan(m, verb, in, out, err, m == Mechanism.JDK ? List.of() : k));
    }

    private static Redirect redirect(String name, Path file, boolean input) {
        return switch (name) {
            case "INHERIT" -> Redirect.INHERIT;
            case "PIPE" -> Redirect.PIPE;
            case "DISCARD" -> Redirect.DISCARD;
            case "STDOUT" -> Redirect.STDOUT;
            case "append" -> Redirect.appendTo(file);
            default -> input ? Redirect.from(file) : Redirect.to(file);
        };
    }

    @Property(seed = "")
    void redirectsAndKeptFdsNeverLeakNorDeadlock(@ForAll("plans") Plan plan) throws Exception {
        long t0 = System.nanoTime();
        Path tmp = Files.createTempDirectory("vfork4j-fuzz");
        Path in = Files.writeString(tmp.resolve("in"), "input\n");
        int[] pipe = Posix.pipe();
        try {
            // Settled first, then compared fd by fd: an fd of an earlier test class closing meanwhile
            // (a Cleaner, the JDK's reaper) made the count 6 fewer after than before in two full builds.
            Health.quietFds();
            Map<Integer, String> before = Health.fdTable();
            // The child lists its fds on stdout unless stdout is this JVM's own (surefire reads it).
            boolean quiet = plan.stdout().equals("INHERIT") || plan.stderr().equals("INHERIT");
            Command c = (quiet ? Command.of("true") : Command.of("/bin/sh", "-c", "ls /proc/self/fd >&2; ls /proc/self/fd"))
                .mechanism(plan.mechanism())
                .stdin(plan.stdin().equals("INHERIT") ? Redirect.DISCARD : redirect(plan.stdin(), in, true))
                .stdout(redirect(plan.stdout(), tmp.resolve("out"), false))
                .stderr(redirect(plan.stderr(), tmp.resolve("err"), false));
            for (int[] k : plan.kept()) {
                c = c.keepFd(pipe[k[0]], k[1]);
            }
            Command command = c;
            ExitStatus status = bounded(() -> switch (plan.verb()) {
                case OUTPUT -> command.output().status();
                case RUN -> command.run();
                case START -> {
                    Child child = command.start();
                    child.getOutputStream().close();
                    child.getInputStream().readAllBytes();
                    child.getErrorStream().readAllBytes();
                    child.waitFor();
                    child.getInputStream().close();
                    child.getErrorStream().close();
                    yield child.exitStatus();
                }
            });
            assertThat(status.success()).as(plan.toString()).isTrue();
            Map<Integer, String> opened = Health.fdsOpenedSince(before, 2000);
            assertThat(opened).as("fds opened by " + plan + " and still open").isEmpty();
            count("redirects: stdin/stdout/stderr among INHERIT, PIPE, DISCARD, STDOUT, file; 0-3 keepFd of pipe ends to fds 3..60;"
                + " output()/run()/start()", t0, opened.size());
        } finally {
            Posix.close(pipe[0]);
            Posix.close(pipe[1]);
            try (var files = Files.list(tmp)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(tmp);
        }
    }

    @FunctionalInterface
    interface Body<T> {
        T call() throws Exception;
    }

    /** Runs {@code body} on a virtual thread and fails if it takes longer than {@link #TRY_BOUND_SECONDS}. */
    static <T> T bounded(Body<T> body) throws Exception {
        try (var exec = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<T> f = new CompletableFuture<>();
            exec.submit(() -> {
                try {
                    f.complete(body.call());
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            });
            try {
                return f.get(TRY_BOUND_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("deadlock: a try took more than " + TRY_BOUND_SECONDS + " s", e);
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof Exception ex) {
                    throw ex;
                }
                throw new AssertionError(e.getCause());
            }
        }
    }

    private static synchronized void count(String what, long t0, int fdDelta) {
        TRIED.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
        NANOS.computeIfAbsent(what, k -> new AtomicLong()).addAndGet(System.nanoTime() - t0);
        FD_DELTA.merge(what, Math.abs(fdDelta), Math::max);
    }

    @AfterContainer
    static void report() {
        String mechanisms = String.join(", ", unicodeMechanisms().stream().map(Enum::name).toList());
        TRIED.forEach((what, n) -> Report.record("Fuzz", what,
            what.startsWith("redirects") ? "random among all available" : mechanisms + " (random per try)",
            Load.MODE, n + " tries (random, jqwik)", "all exact / no leak, no deadlock (each try bounded at " + TRY_BOUND_SECONDS + " s)",
            String.format("%.1f ms/try, largest fd delta %d", NANOS.get(what).get() / 1e6 / n.get(), FD_DELTA.get(what))));
        Report.flush("Fuzz");
    }
}
