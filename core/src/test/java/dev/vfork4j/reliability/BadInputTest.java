package dev.vfork4j.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.vfork4j.Command;
import dev.vfork4j.Mechanism;
import dev.vfork4j.Redirect;
import dev.vfork4j.Resource;
import dev.vfork4j.Signal;
import dev.vfork4j.SpawnException;
import java.io.File;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 6, "bad input": every malformed Command fails with its exception type and a message that
 * says what was wrong, on every mechanism where it applies; no child is spawned and no fd leaks.
 * One row per bad input.
 */
@Tag("reliability")
@Timeout(60)
class BadInputTest {

    /** What a row does with a Command of {@code true} on the mechanism under test. */
    @FunctionalInterface
    interface Attempt {
        void run(Command base, Mechanism m) throws Exception;
    }

    /**
     * @param applies which mechanisms the row makes sense on
     * @param type    the exception expected
     * @param message text the message must contain (what was wrong)
     */
    record Bad(String name, Predicate<Mechanism> applies, Attempt attempt, Class<? extends Throwable> type,
               String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final Predicate<Mechanism> ALL = m -> true;
    private static final Predicate<Mechanism> NATIVE = m -> m != Mechanism.JDK;
    private static final String MISSING = "vfork4j-no-such-dir-" + ProcessHandle.current().pid();
    private static final Path TMP = Path.of(System.getProperty("java.io.tmpdir"));

    static List<Bad> rows() {
        List<Bad> rows = new ArrayList<>();
        // NUL bytes: where they enter
        rows.add(new Bad("NUL in the program", ALL, (c, m) -> Command.of("tr\0ue").mechanism(m),
            IllegalArgumentException.class, "the program name must not contain a NUL byte: tr\\0ue"));
        rows.add(new Bad("NUL in an argument", ALL, (c, m) -> Command.of("echo", "ok", "a\0b").mechanism(m),
            IllegalArgumentException.class, "argument 2 must not contain a NUL byte: a\\0b"));
        rows.add(new Bad("NUL in an argument (List)", ALL, (c, m) -> Command.of(List.of("echo", "\0")).mechanism(m),
            IllegalArgumentException.class, "argument 1 must not contain a NUL byte"));
        rows.add(new Bad("NUL in an argument (ProcessBuilder)", ALL,
            (c, m) -> Command.from(new ProcessBuilder("echo", "x\0")).mechanism(m),
            IllegalArgumentException.class, "argument 1 must not contain a NUL byte"));
        rows.add(new Bad("NUL in an env name", ALL, (c, m) -> c.env("A\0B", "x"),
            IllegalArgumentException.class, "environment variable name must not contain a NUL byte: A\\0B"));
        rows.add(new Bad("NUL in an env value", ALL, (c, m) -> c.env("A", "x\0y"),
            IllegalArgumentException.class, "the value of environment variable A must not contain a NUL byte: x\\0y"));
        rows.add(new Bad("NUL in an env value (environment(Map))", ALL, (c, m) -> c.environment(Map.of("A", "\0")),
            IllegalArgumentException.class, "the value of environment variable A must not contain a NUL byte"));
        rows.add(new Bad("NUL in an env name (removeEnv)", ALL, (c, m) -> c.removeEnv("\0"),
            IllegalArgumentException.class, "environment variable name must not contain a NUL byte"));
        // A java.nio Path cannot hold a NUL on Linux: Path.of refuses it before vfork4j sees it, and
        // a java.io.File (which can) is refused when Command.from turns it into a Path.
        rows.add(new Bad("NUL in the directory (Path)", ALL, (c, m) -> c.directory(Path.of("/tmp/a\0b")),
            InvalidPathException.class, "Nul character not allowed"));
        rows.add(new Bad("NUL in the directory (ProcessBuilder File)", ALL,
            (c, m) -> Command.from(new ProcessBuilder("true").directory(new File("/tmp/a\0b"))).mechanism(m),
            InvalidPathException.class, "Nul character not allowed"));
        // argv
        rows.add(new Bad("empty argv", ALL, (c, m) -> Command.of(List.of()).mechanism(m),
            IllegalArgumentException.class, "argv must not be empty"));
        rows.add(new Bad("empty argv (ProcessBuilder)", ALL, (c, m) -> Command.from(new ProcessBuilder()).mechanism(m),
            IllegalArgumentException.class, "argv must not be empty"));
        rows.add(new Bad("empty program name", ALL, (c, m) -> Command.of("").mechanism(m),
            IllegalArgumentException.class, "the program name must not be empty"));
        // environment names
        rows.add(new Bad("empty env name", ALL, (c, m) -> c.env("", "x"),
            IllegalArgumentException.class, "an environment variable name must not be empty"));
        rows.add(new Bad("empty env name (environment(Map))", ALL, (c, m) -> c.environment(Map.of("", "x")),
            IllegalArgumentException.class, "an environment variable name must not be empty"));
        rows.add(new Bad("'=' in an env name", ALL, (c, m) -> c.env("A=B", "x"),
            IllegalArgumentException.class, "environment variable name must not contain '=': A=B"));
        rows.add(new Bad("'=' in an env name (environment(Map))", ALL, (c, m) -> c.environment(Map.of("=A", "x")),
            IllegalArgumentException.class, "environment variable name must not contain '=': =A"));
        rows.add(new Bad("null env value", ALL, (c, m) -> c.env("A", null),
            NullPointerException.class, "value of A"));
        // the working directory and redirect files: found missing at start(), before any clone
        rows.add(new Bad("missing relative directory", ALL, (c, m) -> c.directory(Path.of(MISSING)).start(),
            SpawnException.class, "(in directory \"" + MISSING + "\"): Exec failed, error: 2 (No such file or directory) [step CHDIR]"));
        rows.add(new Bad("missing absolute directory", ALL, (c, m) -> c.directory(TMP.resolve(MISSING)).start(),
            SpawnException.class, "Exec failed, error: 2 (No such file or directory) [step CHDIR]"));
        rows.add(new Bad("missing stdin file", ALL,
            (c, m) -> c.stdin(Redirect.from(TMP.resolve(MISSING).resolve("in"))).start(),
            java.io.IOException.class, TMP.resolve(MISSING).resolve("in").toString()));
        rows.add(new Bad("stdout file in a missing directory", ALL,
            (c, m) -> c.stdout(Redirect.to(TMP.resolve(MISSING).resolve("out"))).start(),
            java.io.IOException.class, TMP.resolve(MISSING).resolve("out").toString()));
        rows.add(new Bad("stderr append file in a missing directory", ALL,
            (c, m) -> c.stderr(Redirect.appendTo(TMP.resolve(MISSING).resolve("err"))).run(),
            java.io.IOException.class, TMP.resolve(MISSING).resolve("err").toString()));
        rows.add(new Bad("stdin redirected to a file for writing", ALL, (c, m) -> c.stdin(Redirect.to(TMP.resolve("x"))),
            IllegalArgumentException.class, "stdin cannot be redirected to"));
        rows.add(new Bad("stdout read from a file", ALL, (c, m) -> c.stdout(Redirect.from(TMP.resolve("x"))),
            IllegalArgumentException.class, "stdout cannot be redirected to"));
        rows.add(new Bad("stdout into stdout", ALL, (c, m) -> c.stdout(Redirect.STDOUT),
            IllegalArgumentException.class, "stdout cannot be redirected to"));
        // keepFd
        rows.add(new Bad("keepFd: negative parent fd", ALL, (c, m) -> c.keepFd(-1, 3),
            IllegalArgumentException.class, "fd in parent must be >= 0: -1"));
        rows.add(new Bad("keepFd: child fd 2 (a stdio fd)", ALL, (c, m) -> c.keepFd(0, 2),
            IllegalArgumentException.class, "fd in child must be >= 3 (0-2 are set with stdin/stdout/stderr): 2"));
        rows.add(new Bad("keepFd: negative child fd", ALL, (c, m) -> c.keepFd(0, -5),
            IllegalArgumentException.class, "fd in child must be >= 3"));
        rows.add(new Bad("keepFd: child fd beyond nr_open", ALL, (c, m) -> c.keepFd(0, Integer.MAX_VALUE),
            IllegalArgumentException.class, "fd in child must be below the kernel's nr_open"));
        rows.add(new Bad("keepFd: the same child fd twice", ALL, (c, m) -> c.keepFd(0, 7).keepFd(1, 7),
            IllegalArgumentException.class, "fd 7 in the child is already given fd 0 of the parent"));
        rows.add(new Bad("keepFd: a parent fd that is not open", NATIVE, (c, m) -> c.keepFd(999_999, 5).run(),
            SpawnException.class, "error: 9 (Bad file descriptor)"));
        rows.add(new Bad("keepFd on the JDK mechanism", m -> m == Mechanism.JDK, (c, m) -> c.keepFd(0, 5).start(),
            UnsupportedOperationException.class, "mechanism JDK cannot set keepFd"));
        // limits, umask, ids, groups, timeouts
        rows.add(new Bad("negative soft limit", ALL, (c, m) -> c.limit(Resource.NOFILE, -1, 10),
            IllegalArgumentException.class, "limit NOFILE must not be negative: soft=-1, hard=10"));
        rows.add(new Bad("negative hard limit", ALL, (c, m) -> c.limit(Resource.NOFILE, 1, -10),
            IllegalArgumentException.class, "must not be negative: soft=1, hard=-10"));
        rows.add(new Bad("inverted limit (soft > hard)", ALL, (c, m) -> c.limit(Resource.NOFILE, 100, 10),
            IllegalArgumentException.class, "limit NOFILE: soft 100 is above hard 10"));
        rows.add(new Bad("umask above 0777", ALL, (c, m) -> c.umask(01000),
            IllegalArgumentException.class, "umask must be between 0 and 0777 (octal): 01000"));
        rows.add(new Bad("negative umask", ALL, (c, m) -> c.umask(-1),
            IllegalArgumentException.class, "umask must be between 0 and 0777"));
        rows.add(new Bad("negative uid", ALL, (c, m) -> c.user(-1, 0),
            IllegalArgumentException.class, "uid and gid must be >= 0: uid=-1, gid=0"));
        rows.add(new Bad("negative supplementary group", ALL, (c, m) -> c.user(0, 0, 1, -2),
            IllegalArgumentException.class, "supplementary group ids must be >= 0: -2"));
        rows.add(new Bad("negative process group", ALL, (c, m) -> c.processGroup(-1),
            IllegalArgumentException.class, "process group must be >= 0"));
        rows.add(new Bad("newSession with processGroup", ALL, (c, m) -> c.newSession().processGroup(0),
            IllegalArgumentException.class, "newSession and processGroup cannot be combined"));
        rows.add(new Bad("blocking SIGKILL", ALL, (c, m) -> c.signalMask(Signal.SIGKILL),
            IllegalArgumentException.class, "SIGKILL and SIGSTOP cannot be blocked"));
        rows.add(new Bad("zero timeout", ALL, (c, m) -> c.timeout(Duration.ZERO),
            IllegalArgumentException.class, "timeout must be positive"));
        rows.add(new Bad("negative grace", ALL, (c, m) -> c.timeout(Duration.ofSeconds(1), Duration.ofSeconds(-1)),
            IllegalArgumentException.class, "grace must not be negative"));
        rows.add(new Bad("negative maxOutput", ALL, (c, m) -> c.maxOutput(-1),
            IllegalArgumentException.class, "maxOutput must be >= 0: -1"));
        // an attribute the mechanism cannot do fails at start(), naming it
        rows.add(new Bad("limit on POSIX_SPAWN", m -> m == Mechanism.POSIX_SPAWN,
            (c, m) -> c.limit(Resource.NOFILE, 64, 64).start(),
            UnsupportedOperationException.class, "cannot set"));
        return rows;
    }

    static Stream<Arguments> cases() {
        List<Mechanism> available = Arrays.stream(Mechanism.values()).filter(Mechanism::isAvailable).toList();
        return rows().stream().flatMap(row -> available.stream().filter(row.applies())
            .map(m -> Arguments.of(row, m)));
    }

    private static final Map<String, Set<Mechanism>> PASSED = new ConcurrentHashMap<>();

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void isRefusedWithAMessageNothingSpawnedNothingLeaked(Bad bad, Mechanism m) throws Exception {
        Command base = Command.of("true").mechanism(m);
        base.output(); // warm up the loop's own fds before counting
        Map<Integer, String> fdsBefore = Health.fdTable(); // compared fd by fd: see Health.fdsOpenedSince
        Set<Long> childrenBefore = children();

        Throwable t = catchThrowable(() -> bad.attempt().run(base, m));

        assertThat(t).as(bad.name()).isInstanceOf(bad.type());
        assertThat(t.getMessage()).as(bad.name()).isNotNull().contains(bad.message());
        assertThat(children()).as("a child of this JVM was spawned for " + bad.name()).isEqualTo(childrenBefore);
        assertThat(Health.fdsOpenedSince(fdsBefore, 1000)).as("fds opened for " + bad.name() + " and still open").isEmpty();
        PASSED.computeIfAbsent(bad.name() + "\u0000" + t.getClass().getSimpleName() + ": " + t.getMessage(),
            k -> java.util.EnumSet.noneOf(Mechanism.class)).add(m);
    }

    @org.junit.jupiter.api.Test
    void aNullArgumentIsNamed() {
        Throwable t = catchThrowable(() -> Command.of("echo", (String) null));
        assertThat(t).isInstanceOf(NullPointerException.class);
        assertThat(t.getMessage()).isNotNull().contains("argument 1");
    }

    private static Set<Long> children() {
        return ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    @AfterAll
    static void report() {
        for (Bad row : rows()) {
            List<Map.Entry<String, Set<Mechanism>>> hits = PASSED.entrySet().stream()
                .filter(e -> e.getKey().startsWith(row.name() + "\u0000")).toList();
            if (hits.isEmpty()) {
                continue; // not run (filtered) or failed: the failure is in the test output
            }
            for (var e : hits) {
                String message = e.getKey().substring(e.getKey().indexOf('\u0000') + 1);
                Report.record("Bad input", row.name(), e.getValue().stream().map(Enum::name).collect(Collectors.joining(", ")),
                    Load.MODE, "1 malformed Command", "refused: `" + abbreviate(message) + "`",
                    "no child spawned, fds +0");
            }
        }
        Report.flush("Bad input");
    }

    private static String abbreviate(String s) {
        String one = s.replace('\n', ' ');
        return one.length() > 140 ? one.substring(0, 137) + "..." : one;
    }
}
