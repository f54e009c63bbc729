package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CommandTest {

    static java.util.stream.Stream<Mechanism> mechanisms() {
        return Mechanisms.available();
    }

    @Test
    void attributeMethodsReturnNewCommandsAndLeaveTheOriginalAlone() {
        Command base = Command.of("echo", "a");
        Command changed = base.env("X", "1").directory(Path.of("/tmp")).stdout(Redirect.DISCARD)
            .mechanism(Mechanism.JDK);
        assertThat(changed).isNotSameAs(base);
        assertThat(base.environment()).doesNotContainKey("X").isEqualTo(System.getenv());
        assertThat(base.directory()).isEmpty();
        assertThat(base.stdout()).isEmpty();
        assertThat(base.mechanism()).isEqualTo(Mechanism.best());
        assertThat(changed.environment()).containsEntry("X", "1");
        assertThat(changed.directory()).contains(Path.of("/tmp"));
        assertThat(changed.stdout()).contains(Redirect.DISCARD);
        assertThat(changed.mechanism()).isEqualTo(Mechanism.JDK);
        assertThat(changed.argv()).containsExactly("echo", "a");
    }

    @Test
    void argvIsCopiedNotShared() {
        List<String> argv = new java.util.ArrayList<>(List.of("echo", "a"));
        Command c = Command.of(argv);
        argv.add("b");
        assertThat(c.argv()).containsExactly("echo", "a");
        assertThatThrownBy(() -> c.argv().add("x")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void defaultMechanismIsBest() {
        assertThat(Command.of("true").mechanism()).isEqualTo(Mechanism.best());
    }

    @Test
    void rejectsEmptyArgv() {
        assertThatThrownBy(() -> Command.of(List.of()))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("argv must not be empty");
        assertThatThrownBy(() -> Command.of(""))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("program name must not be empty");
    }

    @Test
    void rejectsNulBytes() {
        assertThatThrownBy(() -> Command.of("ec\0ho"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("program name").hasMessageContaining("NUL");
        assertThatThrownBy(() -> Command.of("echo", "ok", "b\0d"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("argument 2").hasMessageContaining("NUL");
        assertThatThrownBy(() -> Command.of("env").env("A\0B", "v"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("variable name").hasMessageContaining("NUL");
        assertThatThrownBy(() -> Command.of("env").env("A", "v\0w"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("value of environment variable A");
        assertThatThrownBy(() -> Command.of("env").environment(Map.of("A", "v\0w")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        // A Path cannot even be made with a NUL byte; the JDK's InvalidPathException is an IllegalArgumentException.
        assertThatThrownBy(() -> Command.of("pwd").directory(Path.of("/tm\0p")))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsEmptyOrEqualsContainingVariableNames() {
        assertThatThrownBy(() -> Command.of("env").env("", "v"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be empty");
        assertThatThrownBy(() -> Command.of("env").env("A=B", "v"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not contain '='");
        assertThatThrownBy(() -> Command.of("env").environment(Map.of("", "v")))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Command.of("env").removeEnv("A=B"))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsRedirectsThatMakeNoSenseForTheStream() {
        assertThatThrownBy(() -> Command.of("cat").stdin(Redirect.STDOUT)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("stdin cannot be redirected");
        assertThatThrownBy(() -> Command.of("cat").stdin(Redirect.to(Path.of("x")))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Command.of("cat").stdout(Redirect.STDOUT)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Command.of("cat").stdout(Redirect.from(Path.of("x")))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Command.of("cat").stderr(Redirect.from(Path.of("x")))).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void environmentReplacesTheWholeEnvironment(Mechanism m) throws Exception {
        Output out = Command.of("/usr/bin/env").mechanism(m).environment(Map.of("ONLY", "this", "UNI", "ü→€")).output();
        Set<String> lines = out.stdoutText().lines().collect(Collectors.toSet());
        assertThat(lines).containsExactlyInAnyOrder("ONLY=this", "UNI=ü→€");
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void theInheritedEnvironmentReachesTheChildExactly(Mechanism m) throws Exception {
        for (int i = 0; i < 2; i++) { // twice: the second spawn reuses the environment laid out by the first
            Output out = Command.of("/usr/bin/env", "-0").mechanism(m).output();
            Set<String> entries = Set.of(out.stdoutText().split("\0"));
            Set<String> expected = System.getenv().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.toSet());
            assertThat(entries).isEqualTo(expected);
        }
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void envAndRemoveEnvEditTheInheritedEnvironment(Mechanism m) throws Exception {
        String someInherited = System.getenv().keySet().stream().filter(k -> !k.equals("PATH")).findFirst().orElseThrow();
        Output out = Command.of("/usr/bin/env").mechanism(m).env("VFORK4J_TEST", "yes").removeEnv(someInherited).output();
        Set<String> names = out.stdoutText().lines().map(l -> l.substring(0, l.indexOf('='))).collect(Collectors.toSet());
        assertThat(names).contains("VFORK4J_TEST", "PATH").doesNotContain(someInherited);
        assertThat(out.stdoutText()).contains("VFORK4J_TEST=yes\n");
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void directoryIsTheChildsWorkingDirectory(Mechanism m, @TempDir Path dir) throws Exception {
        Output out = Command.of("pwd").mechanism(m).directory(dir).output();
        assertThat(out.stdoutText().strip()).isEqualTo(dir.toRealPath().toString());
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void relativeProgramPathIsResolvedInTheChildsDirectory(Mechanism m, @TempDir Path dir) throws Exception {
        Path script = dir.resolve("hello.sh");
        Files.writeString(script, "#!/bin/sh\necho from-script\n");
        script.toFile().setExecutable(true);
        assertThat(Command.of("./hello.sh").mechanism(m).directory(dir).output().stdoutText()).isEqualTo("from-script\n");
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void argumentsReachTheChildExactly(Mechanism m) throws Exception {
        List<String> args = List.of("", " spaced  out ", "quote\"s'", "$HOME", "*", "ünïcödé 🚀", "new\nline");
        Command c = Command.of(java.util.stream.Stream.concat(
            java.util.stream.Stream.of("/usr/bin/printf", "%s\\0"), args.stream()).toList());
        String out = c.mechanism(m).output().stdoutText();
        assertThat(Arrays.asList(out.split("\0", -1))).containsExactlyElementsOf(
            java.util.stream.Stream.concat(args.stream(), java.util.stream.Stream.of("")).toList());
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void runInheritsAndReturnsTheStatus(Mechanism m) throws Exception {
        assertThat(Command.of("sh", "-c", "exit 42").mechanism(m).run()).isEqualTo(ExitStatus.exited(42));
        assertThat(Command.of("true").mechanism(m).run().success()).isTrue();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void runDoesNotStallOnExplicitPipes(Mechanism m) throws Exception {
        // 1 MB into a pipe nobody reads would block the child forever; run() drains it.
        ExitStatus s = Command.of("sh", "-c", "head -c 1000000 /dev/zero; cat; echo done")
            .mechanism(m).stdin(Redirect.PIPE).stdout(Redirect.PIPE).stderr(Redirect.PIPE).run();
        assertThat(s.success()).isTrue();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void outputCapturesBothStreamsWithoutDeadlock(Mechanism m) throws Exception {
        // 4 MB on each stream, interleaved: far beyond a pipe's 64 KiB.
        Output out = Command.of("sh", "-c", "for i in 1 2 3 4; do head -c 1048576 /dev/zero; head -c 1048576 /dev/zero >&2; done; exit 3")
            .mechanism(m).output();
        assertThat(out.stdout()).hasSize(4 << 20);
        assertThat(out.stderr()).hasSize(4 << 20);
        assertThat(out.status()).isEqualTo(ExitStatus.exited(3));
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void outputReadsStdinFromDevNull(Mechanism m) throws Exception {
        Output out = Command.of("sh", "-c", "cat; readlink /proc/self/fd/0").mechanism(m).output();
        assertThat(out.stdoutText()).isEqualTo("/dev/null\n");
    }

    @Test
    void fromProcessBuilderTakesEverything(@TempDir Path dir) {
        ProcessBuilder pb = new ProcessBuilder("cat", "-n").directory(dir.toFile())
            .redirectInput(dir.resolve("in").toFile())
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("out").toFile()))
            .redirectErrorStream(true);
        pb.environment().put("FROM_PB", "1");
        Command c = Command.from(pb);
        assertThat(c.argv()).containsExactly("cat", "-n");
        assertThat(c.directory()).contains(dir);
        assertThat(c.environment()).containsEntry("FROM_PB", "1");
        assertThat(c.stdin()).contains(Redirect.from(dir.resolve("in")));
        assertThat(c.stdout()).contains(Redirect.appendTo(dir.resolve("out")));
        assertThat(c.stderr()).contains(Redirect.STDOUT);

        Command d = Command.from(new ProcessBuilder("x").redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(new File("/tmp/e")).inheritIO().redirectError(ProcessBuilder.Redirect.to(new File("/tmp/e"))));
        assertThat(d.stdin()).contains(Redirect.INHERIT);
        assertThat(d.stdout()).contains(Redirect.INHERIT);
        assertThat(d.stderr()).contains(Redirect.to(Path.of("/tmp/e")));
        assertThat(Command.from(new ProcessBuilder("x").redirectOutput(ProcessBuilder.Redirect.DISCARD)).stdout())
            .contains(Redirect.DISCARD);
        assertThatThrownBy(() -> Command.from(new ProcessBuilder())).isInstanceOf(IllegalArgumentException.class);
    }
}
