package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A child starts with an empty signal mask and default dispositions, except that a signal the
 * JVM inherited as ignored stays ignored, as exec keeps it (so {@code nohup} works).
 */
@Timeout(120)
class SignalDispositionTest {

    static Stream<Mechanism> nativeMechanisms() {
        return Mechanisms.nativeOnes();
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

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void signalIgnoredWhenTheJvmStartedStaysIgnoredInTheChild(Mechanism m) throws Exception {
        // A JVM started under `trap '' HUP` (what nohup does) inherits SIGHUP as SIG_IGN ...
        List<String> jvm = ChildJvm.argv(List.of("--enable-native-access=ALL-UNNAMED", "-Dvfork4j.test.mechanism=" + m),
            SpawnProbe.class, "sh", "-c", "grep SigIgn /proc/self/status");
        List<String> argv = new ArrayList<>(List.of("sh", "-c", "trap '' HUP; exec \"$@\"", "sh"));
        argv.addAll(jvm);
        Output out = Command.of(argv).output();
        assertThat(out.status().success()).as(out.stderrText()).isTrue();
        String line = out.stdoutText().lines().filter(l -> l.startsWith("SigIgn:")).findFirst().orElseThrow();
        long ignored = Long.parseUnsignedLong(line.substring(7).strip(), 16);
        // ... and passes it on to the child it spawns, as exec would.
        assertThat(ignored & 1L).as("SIGHUP (bit 0) ignored in the grandchild").isEqualTo(1L);
    }
}
