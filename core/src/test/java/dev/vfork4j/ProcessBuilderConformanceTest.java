package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The same ProcessBuilder through {@code pb.start()} and through {@link Vfork4j#start} on each
 * mechanism: the same exception (a subclass at most) with the same message and cause, or the
 * same exit value, output, files left behind and {@code toString()}/{@code info()} shape.
 */
@Timeout(60)
class ProcessBuilderConformanceTest {

    /**
     * One input. {@code pb} builds a fresh builder whose files live under the given root; a
     * child that {@code waitsForInput} is certainly running until its stdin gets a line.
     */
    record Case(String name, Function<Path, ProcessBuilder> pb, Function<String, String> stdoutView, boolean waitsForInput) {
        Case(String name, Function<Path, ProcessBuilder> pb) {
            this(name, pb, Function.identity(), false);
        }

        Case(String name, Function<Path, ProcessBuilder> pb, Function<String, String> stdoutView) {
            this(name, pb, stdoutView, false);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        // ProcessBuilder.start()'s own checks
        cases.add(new Case("empty command", root -> new ProcessBuilder().command(List.of())));
        cases.add(new Case("null argument", root -> new ProcessBuilder().command(Arrays.asList("echo", null))));
        cases.add(new Case("null program", root -> new ProcessBuilder().command(Arrays.asList((String) null))));
        cases.add(new Case("NUL in an argument", root -> new ProcessBuilder("echo", "a\0b")));
        cases.add(new Case("NUL in the program", root -> new ProcessBuilder("ec\0ho")));
        cases.add(new Case("NUL in a redirect file", root -> new ProcessBuilder("cat").redirectInput(new File("in\0put"))));
        // programs that cannot run
        cases.add(new Case("empty program name", root -> new ProcessBuilder("")));
        cases.add(new Case("empty program name, with arguments", root -> new ProcessBuilder("", "x")));
        cases.add(new Case("missing program", root -> new ProcessBuilder("vfork4j-no-such-program")));
        cases.add(new Case("missing absolute path", root -> new ProcessBuilder("/nonexistent/vfork4j/prog")));
        cases.add(new Case("missing program, in a directory",
            root -> new ProcessBuilder("vfork4j-no-such-program").directory(root.toFile())));
        cases.add(new Case("file without execute permission", root -> {
            Path file = write(root.resolve("script"), "#!/bin/sh\necho hi\n");
            setPermissions(file, "rw-r--r--");
            return new ProcessBuilder(file.toString());
        }));
        cases.add(new Case("directory as the program", root -> new ProcessBuilder(root.toString())));
        // working directories
        cases.add(new Case("missing directory", root -> new ProcessBuilder("pwd").directory(root.resolve("missing").toFile())));
        cases.add(new Case("file as the directory", root -> new ProcessBuilder("pwd")
            .directory(write(root.resolve("plain"), "").toFile())));
        cases.add(new Case("missing directory and missing program",
            root -> new ProcessBuilder("vfork4j-no-such-program").directory(root.resolve("missing").toFile())));
        // redirect files
        cases.add(new Case("missing stdin file", root -> new ProcessBuilder("cat").redirectInput(root.resolve("in").toFile())));
        cases.add(new Case("missing stdin file, in a directory", root -> new ProcessBuilder("cat")
            .directory(root.toFile()).redirectInput(root.resolve("in").toFile())));
        cases.add(new Case("stdout file in a missing directory",
            root -> new ProcessBuilder("echo").redirectOutput(root.resolve("no/out").toFile())));
        cases.add(new Case("stderr append file in a missing directory", root -> new ProcessBuilder("echo")
            .redirectError(ProcessBuilder.Redirect.appendTo(root.resolve("no/err").toFile()))));
        cases.add(new Case("stdout and stderr files", root -> new ProcessBuilder("sh", "-c", "echo out; echo err >&2")
            .redirectOutput(write(root.resolve("out"), "old out, longer than the new\n").toFile())
            .redirectError(ProcessBuilder.Redirect.appendTo(write(root.resolve("err"), "kept\n").toFile()))));
        // redirectErrorStream with a redirectError file: the file is still created or truncated
        cases.add(new Case("merged stderr, error file truncated", root -> new ProcessBuilder("sh", "-c", "echo out; echo err >&2")
            .redirectErrorStream(true).redirectError(write(root.resolve("err"), "old content\n").toFile())));
        cases.add(new Case("merged stderr, error file created", root -> new ProcessBuilder("sh", "-c", "echo out; echo err >&2")
            .redirectErrorStream(true).redirectError(root.resolve("err").toFile())));
        cases.add(new Case("merged stderr, error file appended", root -> new ProcessBuilder("sh", "-c", "echo out; echo err >&2")
            .redirectErrorStream(true).redirectError(ProcessBuilder.Redirect.appendTo(write(root.resolve("err"), "kept\n").toFile()))));
        cases.add(new Case("merged stderr, error file in a missing directory", root -> new ProcessBuilder("echo")
            .redirectErrorStream(true).redirectError(root.resolve("no/err").toFile())));
        cases.add(new Case("merged stderr, error file and a missing program", root -> new ProcessBuilder("vfork4j-no-such-program")
            .redirectErrorStream(true).redirectError(root.resolve("err").toFile())));
        cases.add(new Case("merged stderr, stdout to a file", root -> new ProcessBuilder("sh", "-c", "echo out; echo err >&2")
            .redirectErrorStream(true).redirectOutput(root.resolve("out").toFile())));
        // environments
        cases.add(new Case("empty variable name", root -> {
            ProcessBuilder pb = new ProcessBuilder("env", "-0");
            pb.environment().clear();
            pb.environment().put("", "C:=\\");
            pb.environment().put("A", "1=2");
            return pb;
        }));
        cases.add(new Case("environment left alone", root -> new ProcessBuilder("env", "-0"),
            ProcessBuilderConformanceTest::sortedEntries));
        cases.add(new Case("empty environment", root -> {
            ProcessBuilder pb = new ProcessBuilder("/usr/bin/env", "-0");
            pb.environment().clear();
            return pb;
        }));
        // children that run
        cases.add(new Case("streams and exit value", root -> new ProcessBuilder("sh", "-c",
            "read line; echo \"out $line\"; echo err >&2; exit 3"), Function.identity(), true));
        cases.add(new Case("arguments and directory", root -> new ProcessBuilder("sh", "-c", "pwd; printf '[%s]' \"$@\"",
            "sh", "a b", "", "ü\tx").directory(root.toFile())));
        cases.add(new Case("killed by a signal", root -> new ProcessBuilder("sh", "-c", "read line; kill -TERM $$"),
            Function.identity(), true));
        return cases;
    }

    static Stream<Arguments> casesOnEachMechanism() {
        return cases().stream().flatMap(c -> Mechanisms.available().map(m -> Arguments.of(c, m)));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("casesOnEachMechanism")
    void behavesAsProcessBuilderStart(Case c, Mechanism m, @TempDir Path dir) throws Exception {
        Path jdkRoot = Files.createDirectory(dir.resolve("jdk"));
        Path ourRoot = Files.createDirectory(dir.resolve("vfork4j"));
        Outcome jdk = Outcome.of(c, jdkRoot, ProcessBuilder::start);
        Outcome ours = Outcome.of(c, ourRoot, pb -> Vfork4j.start(pb, m));

        if (jdk.failure() != null) {
            assertThat(ours.failure()).as("what vfork4j threw (it started %s)", ours).isInstanceOf(jdk.failure().getClass());
            assertThat(ours.message()).isEqualTo(jdk.message());
            assertThat(ours.cause()).isEqualTo(jdk.cause());
        } else {
            assertThat(ours.failure()).as("vfork4j threw").isNull();
            assertThat(ours.exitValue()).isEqualTo(jdk.exitValue());
            assertThat(ours.stdout()).isEqualTo(jdk.stdout());
            assertThat(ours.stderr()).isEqualTo(jdk.stderr());
            // The JDK's fields first; vfork4j's own after them.
            if (c.waitsForInput()) {
                assertThat(jdk.running()).isEqualTo("Process[pid=N, exitValue=\"not exited\"]");
                assertThat(ours.running()).startsWith(chop(jdk.running()) + ", mechanism=" + m).endsWith("]");
            }
            assertThat(jdk.exited()).isEqualTo("Process[pid=N, exitValue=" + jdk.exitValue() + "]");
            assertThat(ours.exited()).startsWith(chop(jdk.exited()) + ", mechanism=" + m).endsWith("]");
            assertThat(ours.info()).isEqualTo(jdk.info());
        }
        assertThat(ours.files()).as("the files left behind").isEqualTo(jdk.files());
    }

    static Stream<Mechanism> mechanisms() {
        return Mechanisms.available();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void startIsLoggedAsProcessBuilderStartLogsIt(Mechanism m, @TempDir Path dir) throws Exception {
        try (CapturedLog log = new CapturedLog("java.lang.ProcessBuilder")) {
            for (Level level : List.of(Level.FINE, Level.FINER)) { // System.Logger's DEBUG and TRACE
                log.loggerLevel(level);
                Process jdk = new ProcessBuilder("true", "an argument", "").directory(dir.toFile()).start();
                Process ours = Vfork4j.start(new ProcessBuilder("true", "an argument", "").directory(dir.toFile()), m);
                jdk.waitFor();
                ours.waitFor();
                LogRecord expected = log.only(jdk.pid());
                LogRecord actual = log.only(ours.pid());
                assertThat(expected.getLevel()).isEqualTo(level);
                assertThat(actual.getLevel()).isEqualTo(expected.getLevel());
                assertThat(actual.getMessage().replace("pid: " + ours.pid(), "pid: N"))
                    .isEqualTo(expected.getMessage().replace("pid: " + jdk.pid(), "pid: N"));
                assertThat(actual.getThrown()).hasMessage(expected.getThrown().getMessage());
            }
            log.loggerLevel(Level.INFO);
            Process quiet = Vfork4j.start(new ProcessBuilder("true"), m);
            quiet.waitFor();
            assertThat(log.of(quiet.pid())).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void commandLogsTheSameWayUnderItsOwnName(Mechanism m, @TempDir Path dir) throws Exception {
        try (CapturedLog log = new CapturedLog("dev.vfork4j.Command")) {
            log.loggerLevel(Level.FINE);
            Child child = Command.of("true", "an argument").directory(dir).mechanism(m).start();
            child.waitFor();
            LogRecord debug = log.only(child.pid());
            assertThat(debug.getLevel()).isEqualTo(Level.FINE);
            assertThat(debug.getMessage()).isEqualTo("Command.start(): pid: " + child.pid() + ", dir: " + dir + ", cmd: \"true\"");
            assertThat(debug.getThrown()).hasMessage("Command.start() debug");

            log.loggerLevel(Level.FINER);
            ExitStatus status = Command.of("true", "an argument").mechanism(m).run();
            assertThat(status.success()).isTrue();
            LogRecord trace = log.records().getLast();
            assertThat(trace.getLevel()).isEqualTo(Level.FINER);
            assertThat(trace.getMessage()).matches("Command\\.start\\(\\): pid: \\d+, dir: null, cmd: \"true\" \"an argument\"");
        }
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void aLogThatThrowsFailsTheStartAndLeavesNoChild(Mechanism m) throws Exception {
        // pb.start() would throw too, leaving its child running; vfork4j reaps it first.
        try (CapturedLog log = new CapturedLog("dev.vfork4j.Command") {
            @Override
            public void publish(LogRecord record) {
                throw new IllegalStateException("this handler is broken");
            }
        }) {
            log.loggerLevel(Level.FINE);
            List<Long> before = ProcessHandle.current().children().map(ProcessHandle::pid).toList();
            assertThat(catchThrowable(() -> Command.of("sleep", "30").mechanism(m).start()))
                .isInstanceOf(IllegalStateException.class).hasMessage("this handler is broken");
            assertThat(ProcessHandle.current().children().filter(p -> !before.contains(p.pid()))
                .filter(p -> p.info().command().orElse("").endsWith("sleep"))).isEmpty();
        }
    }

    /** The records of one java.util.logging logger (System.Logger's default backend), restored on close. */
    private static class CapturedLog extends Handler implements AutoCloseable {
        private final Logger logger;
        private final Level oldLevel;
        private final boolean oldUseParentHandlers;
        private final List<LogRecord> records = new CopyOnWriteArrayList<>();

        CapturedLog(String name) {
            logger = Logger.getLogger(name);
            oldLevel = logger.getLevel();
            oldUseParentHandlers = logger.getUseParentHandlers();
            setLevel(Level.ALL);
            logger.setUseParentHandlers(false); // no stack traces on the console
            logger.addHandler(this);
        }

        /** The logger's level: what it lets through to this handler. */
        void loggerLevel(Level level) {
            logger.setLevel(level);
        }

        List<LogRecord> records() {
            return records;
        }

        /** The records that name {@code pid}. */
        List<LogRecord> of(long pid) {
            return records.stream().filter(r -> r.getMessage().contains("pid: " + pid + ",")).toList();
        }

        LogRecord only(long pid) {
            List<LogRecord> found = of(pid);
            assertThat(found).as("records of pid %d among %s", pid, records.stream().map(LogRecord::getMessage).toList()).hasSize(1);
            return found.getFirst();
        }

        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {
            logger.removeHandler(this);
            logger.setLevel(oldLevel);
            logger.setUseParentHandlers(oldUseParentHandlers);
        }
    }

    private static String chop(String s) {
        return s.substring(0, s.length() - 1);
    }

    interface Starter {
        Process start(ProcessBuilder pb) throws IOException;
    }

    /** What one start did, with the root directory and the pid replaced by placeholders. */
    record Outcome(Throwable failure, String message, String cause, int exitValue, String stdout, String stderr,
                   String running, String exited, String info, Map<String, String> files) {

        static Outcome of(Case c, Path root, Starter starter) throws Exception {
            ProcessBuilder pb = c.pb().apply(root);
            Process p;
            try {
                p = starter.start(pb);
            } catch (IOException | RuntimeException e) {
                Throwable cause = e.getCause();
                return new Outcome(e, normalize(e.getMessage(), root),
                    cause == null ? null : cause.getClass().getName() + ": " + normalize(cause.getMessage(), root),
                    -1, null, null, null, null, null, files(root));
            }
            String running = p.toString().replaceFirst("pid=" + p.pid(), "pid=N");
            if (pb.redirectInput() == ProcessBuilder.Redirect.PIPE) {
                try (OutputStream in = p.getOutputStream()) {
                    in.write("line\n".getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // the child did not read: not what is compared
                }
            }
            String stdout = c.stdoutView().apply(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            int exitValue = p.waitFor();
            String exited = p.toString().replaceFirst("pid=" + p.pid(), "pid=N");
            return new Outcome(null, null, null, exitValue, normalize(stdout, root), normalize(stderr, root),
                running, exited, p.info().toString(), files(root));
        }

        private static String normalize(String s, Path root) {
            return s == null ? null : s.replace(root.toString(), "<root>");
        }

        /** Every file under root with its content: what a start created, truncated or appended to. */
        private static Map<String, String> files(Path root) throws IOException {
            Map<String, String> files = new TreeMap<>();
            try (Stream<Path> all = Files.walk(root)) {
                for (Path f : all.filter(Files::isRegularFile).toList()) {
                    files.put(root.relativize(f).toString(), Files.readString(f));
                }
            }
            return files;
        }
    }

    private static String sortedEntries(String environ) {
        return String.join("\n", Stream.of(environ.split("\0")).sorted().toList());
    }

    private static Path write(Path file, String content) {
        try {
            return Files.writeString(file, content);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void setPermissions(Path file, String permissions) {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
