package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The public API in a JVM that refuses native access ({@code --illegal-native-access=deny} and
 * no {@code --enable-native-access}): every call works, through the JDK mechanism, or refuses
 * with an UnsupportedOperationException that names the flag to pass, never with an
 * ExceptionInInitializerError or NoClassDefFoundError. Run by core/pom.xml's own surefire
 * execution, {@code native-access-denied}, which sets the JVM up so and the property
 * {@code vfork4j.test.deny}; in any other JVM the class is skipped.
 */
@Timeout(60)
class NativeAccessDenyTest {
    private static final String FLAG = "--enable-native-access=ALL-UNNAMED";

    @BeforeAll
    static void inADenyingJvm() {
        assumeTrue(Boolean.getBoolean("vfork4j.test.deny"),
            "runs in the native-access-denied surefire execution (./mvnw -pl core verify)");
        assertThat(ProcessHandle.current().info().arguments().orElseThrow())
            .as("this execution must deny native access and not grant it")
            .contains("--illegal-native-access=deny")
            .noneMatch(a -> a.startsWith("--enable-native-access"));
    }

    /** Asserts {@code t} is the clean refusal: UnsupportedOperationException naming the flag. */
    private static void refusedWithTheFlag(Throwable t) {
        assertThat(t).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining(FLAG);
    }

    @Test
    void mechanismsSayWhichFlagIsMissingAndBestIsJdk() {
        assertThat(Mechanism.best()).isEqualTo(Mechanism.JDK);
        assertThat(Mechanism.JDK.isAvailable()).isTrue();
        for (Mechanism m : List.of(Mechanism.VFORK, Mechanism.POSIX_SPAWN, Mechanism.FORK)) {
            assertThat(m.isAvailable()).isFalse();
            assertThat(m.unavailableReason()).get().asString().contains(FLAG);
        }
    }

    @Test
    void everyVerbWorksThroughTheJdk(@TempDir Path dir) throws Exception {
        Output out = Command.of("echo", "hello").output();
        assertThat(out.stdoutText()).isEqualTo("hello\n");
        assertThat(out.status()).isEqualTo(ExitStatus.exited(0));
        assertThat(Command.of("sh", "-c", "exit 3").run()).isEqualTo(ExitStatus.exited(3));
        assertThat(Command.of("echo", "async").outputAsync().get(30, TimeUnit.SECONDS).stdoutText()).isEqualTo("async\n");
        assertThat(Command.of("cat").stdin(ByteBuffer.wrap("buffer".getBytes())).output().stdoutText()).isEqualTo("buffer");
        assertThat(Command.of("cat").stdin(new ByteArrayInputStream("stream".getBytes())).output().stdoutText())
            .isEqualTo("stream");
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        Command.of("echo", "consumed").onStdout(b -> {
            byte[] chunk = new byte[b.remaining()];
            b.get(chunk);
            seen.writeBytes(chunk);
        }).run();
        assertThat(seen.toString(StandardCharsets.UTF_8)).isEqualTo("consumed\n");
        assertThat(Command.of("sh", "-c", "echo $X; pwd").env("X", "from env").directory(dir).output().stdoutText())
            .isEqualTo("from env\n" + dir.toRealPath() + "\n");
        Path file = dir.resolve("out.txt");
        Command.of("echo", "to a file").stdout(Redirect.to(file)).run();
        assertThat(Files.readString(file)).isEqualTo("to a file\n");
        assertThat(Command.of("cat").stdin(Redirect.from(file)).output().stdoutText()).isEqualTo("to a file\n");
        assertThat(Command.of("sh", "-c", "echo err >&2").stderr(Redirect.STDOUT).output().stdoutText()).isEqualTo("err\n");
        assertThat(catchThrowable(() -> Command.of("sleep", "30").timeout(Duration.ofMillis(200)).output()))
            .isInstanceOf(ProcessTimeoutException.class);
        assertThat(catchThrowable(() -> Command.of("vfork4j-no-such-program").run())).isInstanceOf(SpawnException.class)
            .hasMessageContaining("vfork4j-no-such-program");
    }

    @Test
    void aJdkChildAnswersEveryChildMethod() throws Exception {
        Child c = Command.of("sh", "-c", "read line; echo got $line").start();
        assertThat(c.mechanism()).isEqualTo(Mechanism.JDK);
        assertThat(c.pid()).isPositive();
        assertThat(c.isAlive()).isTrue();
        assertThat(c.toHandle().pid()).isEqualTo(c.pid());
        assertThat(c.info()).isNotNull();
        assertThat(c.toString()).contains(String.valueOf(c.pid()));
        c.getOutputStream().write("it\n".getBytes());
        c.getOutputStream().close();
        assertThat(c.stdoutLines().toList()).containsExactly("got it");
        assertThat(c.waitFor()).isZero();
        assertThat(c.exitValue()).isZero();
        assertThat(c.exitStatus()).isEqualTo(ExitStatus.exited(0));
        assertThat(c.onExit().get(30, TimeUnit.SECONDS)).isSameAs(c);
        assertThat(c.isAlive()).isFalse();
    }

    @Test
    void signalsTheJdkCanSendWorkAndOthersRefuseWithTheFlag() throws Exception {
        Child c = Command.of("sleep", "30").start();
        try {
            refusedWithTheFlag(catchThrowable(() -> c.signal(Signal.SIGUSR1)));
            refusedWithTheFlag(catchThrowable(() -> c.killTree(Signal.SIGUSR1)));
            assertThat(c.isAlive()).as("a refused signal was not sent").isTrue();
            c.signal(Signal.SIGTERM);
            assertThat(c.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            c.destroyForcibly();
        }
        Child tree = Command.of("sh", "-c", "sleep 30 & wait").start();
        tree.killTree(Signal.SIGKILL);
        assertThat(tree.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Child forced = Command.of("sleep", "30").start();
        forced.destroyForcibly();
        assertThat(forced.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    static Stream<Function<Command, Command>> nativeOnlyAttributes() {
        return Stream.of(Command::newSession, c -> c.processGroup(0), c -> c.parentDeathSignal(Signal.SIGKILL),
            c -> c.umask(022), c -> c.limit(Resource.NOFILE, 64, 64), Command::noNewPrivileges,
            c -> c.keepFd(0, 3), c -> c.signalMask(Signal.SIGUSR1), c -> c.user(0, 0));
    }

    @ParameterizedTest
    @MethodSource("nativeOnlyAttributes")
    void anAttributeOnlyANativeMechanismCanSetRefusesWithTheFlag(Function<Command, Command> attribute) {
        refusedWithTheFlag(catchThrowable(() -> attribute.apply(Command.of("true")).run()));
    }

    @ParameterizedTest
    @EnumSource(value = Mechanism.class, names = {"VFORK", "POSIX_SPAWN", "FORK"})
    void aNativeMechanismAskedForRefusesWithTheFlag(Mechanism m) {
        refusedWithTheFlag(catchThrowable(() -> Command.of("true").mechanism(m).run()));
        refusedWithTheFlag(catchThrowable(() -> Command.of("true").mechanism(m).start()));
        refusedWithTheFlag(catchThrowable(() -> Command.of("true").mechanism(m).output()));
    }

    @Test
    void pipelinesRefuseWithTheFlagBeforeMakingAnyPipe() {
        Pipeline p = Pipeline.of(Command.of("echo", "a"), Command.of("cat"));
        refusedWithTheFlag(catchThrowable(p::output));
        refusedWithTheFlag(catchThrowable(p::start));
        refusedWithTheFlag(catchThrowable(p::output)); // the same the second time: nothing was left half-initialised
        assertThat(p.toString()).isEqualTo("Pipeline[echo a | cat]");
    }

    @Test
    void vfork4jStartIsTheJdksStart() throws Exception {
        Process p = Vfork4j.start(new ProcessBuilder("echo", "drop-in"));
        assertThat(new String(p.getInputStream().readAllBytes())).isEqualTo("drop-in\n");
        assertThat(p.waitFor()).isZero();
        assertThat(Command.from(new ProcessBuilder("echo", "from").redirectErrorStream(true)).output().stdoutText())
            .isEqualTo("from\n");
    }
}
