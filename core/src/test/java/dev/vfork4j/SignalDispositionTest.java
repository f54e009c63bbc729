package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vfork4j.linux.NativeSignal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A child starts with an empty signal mask and default dispositions, except that a signal the
 * JVM inherited as ignored stays ignored, as exec keeps it (so {@code nohup} works). SIGPIPE
 * always starts at SIG_DFL, as the JDK's children have it (JDK-8364611), and a signal that
 * native code in the JVM ignored after launch is not passed on.
 */
@Timeout(120)
class SignalDispositionTest {

    static final int SIGHUP = 1, SIGUSR1 = 10, SIGUSR2 = 12, SIGPIPE = 13;

    static Stream<Mechanism> nativeMechanisms() {
        return Mechanisms.nativeOnes();
    }

    static Stream<Mechanism> mechanisms() {
        return Mechanisms.available();
    }

    static long bit(int signal) {
        return 1L << (signal - 1);
    }

    @BeforeAll
    static void firstUse() throws Exception {
        // vfork4j records the dispositions the JVM inherited at its first spawn: make sure that
        // happened before a test here ignores anything, as it does in an application that uses
        // vfork4j before a library ignores a signal.
        Command.of("true").mechanism(Mechanism.best()).run();
    }

    static Map<String, Long> signalMasks(String statusText) {
        return statusText.lines().filter(l -> l.matches("Sig(Blk|Ign|Cgt):.*")).collect(Collectors.toMap(
            l -> l.substring(0, 6), l -> Long.parseUnsignedLong(l.substring(7).strip(), 16)));
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void childHasEmptyMaskAndNoHandlers(Mechanism m) throws Exception {
        // Block SIGUSR1 and SIGWINCH in this thread first: the child must not inherit the mask.
        Map<String, Long> child;
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            var st = dev.vfork4j.linux.CallState.allocate(arena);
            var set = arena.allocate(java.lang.foreign.ValueLayout.JAVA_LONG);
            var old = arena.allocate(java.lang.foreign.ValueLayout.JAVA_LONG);
            set.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, (1L << 9) | (1L << 27));
            long sysRtSigprocmask = dev.vfork4j.linux.Arch.require().sysRtSigprocmask;
            assertThat(dev.vfork4j.linux.LibC.syscall(st, sysRtSigprocmask, 0 /* SIG_BLOCK */, set.address(), old.address(), 8)).isZero();
            try {
                child = signalMasks(Command.of("cat", "/proc/self/status").mechanism(m).output().stdoutText());
            } finally {
                dev.vfork4j.linux.LibC.syscall(st, sysRtSigprocmask, 2 /* SIG_SETMASK */, old.address(), 0, 8);
            }
        }
        assertThat(child.get("SigBlk")).isZero();
        assertThat(child.get("SigCgt")).as("cat installs no handlers; none may survive exec").isZero();
        long ours = signalMasks(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/status"))).get("SigIgn");
        assertThat(child.get("SigIgn") & ~ours).as("nothing ignored that this JVM does not ignore").isZero();
    }

    /** SigIgn of a child started by {@code m} (or ProcessBuilder when {@code m} is null). */
    static long childIgnores(Mechanism m) throws Exception {
        if (m == null) {
            Process p = new ProcessBuilder("cat", "/proc/self/status").start();
            String status = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor()).isZero();
            return NativeSignal.ignored(status);
        }
        return NativeSignal.ignored(Command.of("cat", "/proc/self/status").mechanism(m).output().stdoutText());
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void sigpipeIgnoredByNativeCodeStartsAtDefaultInTheChildAsWithProcessBuilder(Mechanism m) throws Throwable {
        try (AutoCloseable _ = NativeSignal.ignore(SIGPIPE)) {
            assertThat(NativeSignal.ignoredNow() & bit(SIGPIPE)).as("this JVM ignores SIGPIPE now").isNotZero();
            assertThat(childIgnores(null) & bit(SIGPIPE)).as("ProcessBuilder's child").isZero();
            assertThat(childIgnores(m) & bit(SIGPIPE)).as(m + "'s child").isZero();
        }
        assertThat(NativeSignal.ignoredNow() & bit(SIGPIPE)).as("restored").isZero();
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void aSignalIgnoredByNativeCodeSinceLaunchIsNotPassedOn(Mechanism m) throws Throwable {
        // ProcessBuilder's child would keep it ignored: the JDK resets SIGPIPE alone.
        try (AutoCloseable _ = NativeSignal.ignore(SIGUSR1)) {
            assertThat(childIgnores(m) & bit(SIGUSR1)).as(m + "'s child").isZero();
        }
    }

    @Test
    void whatTheJvmInheritedAsIgnoredStaysIgnoredAndWhatNativeCodeIgnoredSinceDoesNot() throws Exception {
        // A JVM started under `trap '' HUP PIPE` (nohup ignores HUP the same way) inherits both
        // as SIG_IGN; after vfork4j's first spawn, "native code" in it ignores SIGUSR2.
        List<String> jvm = ChildJvm.argv(List.of("--enable-native-access=ALL-UNNAMED"), SignalProbe.class,
            String.valueOf(SIGUSR2));
        List<String> argv = new ArrayList<>(List.of("sh", "-c", "trap '' HUP PIPE; exec \"$@\"", "sh"));
        argv.addAll(jvm);
        Output out = ChildJvm.fresh(Command.of(argv)).output();
        assertThat(out.status().success()).as(out.stderrText()).isTrue();
        Map<String, Long> ignored = new LinkedHashMap<>();
        out.stdoutText().lines().forEach(l -> ignored.put(l.substring(0, l.indexOf('=')),
            Long.parseUnsignedLong(l.substring(l.indexOf('=') + 1), 16)));
        long jvmIgnores = ignored.remove("jvm");
        // HotSpot installs its own SIGPIPE handler even over an inherited SIG_IGN.
        assertThat(jvmIgnores & (bit(SIGHUP) | bit(SIGUSR2))).as("the disposable JVM's own SigIgn")
            .isEqualTo(bit(SIGHUP) | bit(SIGUSR2));
        long jdk = ignored.remove("ProcessBuilder");
        assertThat(jdk & bit(SIGHUP)).as("ProcessBuilder's child keeps SIGHUP ignored").isNotZero();
        assertThat(jdk & bit(SIGPIPE)).as("ProcessBuilder's child has SIGPIPE at its default").isZero();
        assertThat(ignored.keySet()).containsAll(Mechanisms.nativeOnes().map(Mechanism::name).toList());
        Mechanisms.nativeOnes().forEach(m -> {
            long child = ignored.get(m.name());
            assertThat(child & bit(SIGHUP)).as(m + ": SIGHUP, ignored at launch, stays ignored").isNotZero();
            assertThat(child & bit(SIGPIPE)).as(m + ": SIGPIPE starts at its default, as with ProcessBuilder").isZero();
            assertThat(child & bit(SIGUSR2)).as(m + ": SIGUSR2, ignored since launch, is not passed on").isZero();
        });
    }
}
