package dev.vfork4j;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vfork4j.linux.LibC;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent's way in: the child's environment is the bytes the JDK would hand execve, not
 * Strings re-encoded. A block of the JDK's (ProcessEnvironment.toEnvironmentBlock) reaches the
 * child byte for byte and in its order, undecodable bytes included; no block (a builder whose
 * environment was never touched) gives the child the process's {@code environ} as it is at the
 * spawn, with what native code set after {@link System#getenv()} took its copy, in environ's
 * order, as the JDK's child gets it. And asked to, the child ignores glibc's signals 32 and 33,
 * as the children of the JDK's default mechanism do.
 */
@Timeout(60)
@SuppressWarnings("restricted") // setenv(3) and unsetenv(3) of the test's own, and reading environ's strings
class ProcessImplStartTest {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SETENV = LINKER.downcallHandle(LINKER.defaultLookup().find("setenv").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle UNSETENV = LINKER.downcallHandle(LINKER.defaultLookup().find("unsetenv").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, ADDRESS));

    static Stream<Mechanism> nativeMechanisms() {
        return Mechanisms.nativeOnes();
    }

    /** What {@code env -0} prints: each variable's bytes followed by a NUL, in the order execve was given them. */
    private static byte[] childEnv(byte[] block, int envc, Mechanism m) throws Exception {
        Child c = ProcessImplStart.start(List.of("env", "-0"), block, envc, null, new boolean[] {false, false, true},
            new int[] {-1, -1, -1}, false, m, false);
        return outputOf(c);
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void theJdksBlockReachesTheChildByteForByte(Mechanism m) throws Exception {
        // 0xff 0xfe decode in no charset the JDK may use for sun.jnu.encoding but ISO-8859-1; an
        // empty name, '=' in a value and a name given twice pass as they are, in this order.
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] entry : new byte[][] {{'R', 'A', 'W', '=', 'a', (byte) 0xff, (byte) 0xfe, 'b'}, "=empty name".getBytes(),
            "B=x=y".getBytes(), "A=first".getBytes(), "A=second".getBytes()}) {
            b.write(entry);
            b.write(0);
        }
        byte[] block = b.toByteArray();
        assertThat(HexFormat.of().formatHex(childEnv(block, 5, m))).isEqualTo(HexFormat.of().formatHex(block));
        assertThat(childEnv(new byte[0], 0, m)).as("an empty block: no variable").isEmpty();
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void noBlockGivesTheProcessEnvironAsItIsAtTheSpawn(Mechanism m) throws Throwable {
        String name = "VFORK4J_SET_NATIVELY_" + m;
        assertThat(System.getenv()).as("the JVM's copy is made").isNotEmpty();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment n = arena.allocateFrom(name);
            assertThat((int) SETENV.invokeExact(n, arena.allocateFrom("after getenv's copy"), 1)).isZero();
            try {
                assertThat(System.getenv(name)).as("not in the JVM's copy").isNull();
                byte[] seen = childEnv(null, 0, m);
                assertThat(new String(seen, ISO_8859_1))
                    .contains(name + "=after getenv's copy\0");
                // Exactly environ's strings, in environ's order (nothing changes it meanwhile).
                assertThat(HexFormat.of().formatHex(seen)).isEqualTo(HexFormat.of().formatHex(environBytes()));
            } finally {
                assertThat((int) UNSETENV.invokeExact(n)).isZero();
            }
            assertThat(new String(childEnv(null, 0, m), ISO_8859_1)).as("unset natively")
                .doesNotContain(name + "=");
        }
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void signals32And33AreIgnoredWhenAskedAsInTheJdksChildren(Mechanism m) throws Exception {
        // The JDK's default mechanism here (POSIX_SPAWN: glibc's posix_spawn of jspawnhelper) is the reference.
        Process jdk = new ProcessBuilder("grep", "^SigIgn", "/proc/self/status").start();
        String theirs = new String(jdk.getInputStream().readAllBytes(), ISO_8859_1);
        assertThat(jdk.waitFor()).isZero();
        assertThat(bits(theirs) & GLIBC_INTERNAL).as("the JDK's child ignores 32 and 33: %s", theirs).isEqualTo(GLIBC_INTERNAL);
        assertThat(sigIgn(m, true)).isEqualTo(theirs);
        // Not asked (the JDK's FORK mechanism): the child ignores what this JVM ignores (a JVM the
        // JDK started, as surefire's is, inherited 32 so; glibc has since put a handler on 33).
        String jvm = Files.readAllLines(Path.of("/proc/self/status")).stream()
            .filter(l -> l.startsWith("SigIgn:")).findFirst().orElseThrow();
        assertThat(bits(sigIgn(m, false)) & GLIBC_INTERNAL).as("not asked: as this JVM's %s", jvm).isEqualTo(bits(jvm) & GLIBC_INTERNAL);
    }

    private static long bits(String sigIgnLine) {
        return Long.parseLong(sigIgnLine.substring("SigIgn:".length()).strip(), 16);
    }

    private static final long GLIBC_INTERNAL = 3L << 31; // bit n-1 for signal n

    private static String sigIgn(Mechanism m, boolean glibcSignalsIgnored) throws Exception {
        Child c = ProcessImplStart.start(List.of("grep", "^SigIgn", "/proc/self/status"), null, 0, null, new boolean[] {false, false, true},
            new int[] {-1, -1, -1}, false, m, glibcSignalsIgnored);
        return new String(outputOf(c), ISO_8859_1);
    }

    /** The child's stdout, once it has exited 0; its pipes closed (no fd left for a Cleaner to close during a later test). */
    private static byte[] outputOf(Child c) throws Exception {
        c.getOutputStream().close();
        try (var out = c.getInputStream()) {
            byte[] bytes = out.readAllBytes();
            assertThat(c.waitFor()).isZero();
            return bytes;
        }
    }

    /** environ's strings as {@code env -0} prints them. */
    private static byte[] environBytes() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        MemorySegment array = LibC.environ().reinterpret(Long.MAX_VALUE);
        for (long i = 0; array.getAtIndex(JAVA_LONG, i) != 0; i++) {
            MemorySegment s = MemorySegment.ofAddress(array.getAtIndex(JAVA_LONG, i)).reinterpret(Long.MAX_VALUE);
            for (long j = 0; s.get(JAVA_BYTE, j) != 0; j++) {
                b.write(s.get(JAVA_BYTE, j));
            }
            b.write(0);
        }
        return b.toByteArray();
    }
}
