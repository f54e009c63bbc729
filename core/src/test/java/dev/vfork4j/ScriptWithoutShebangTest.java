package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An executable file without {@code #!} (a "traditional" shell script) is run with /bin/sh
 * when execve refuses it with ENOEXEC, as execvp and ProcessBuilder run it: argv becomes
 * {"/bin/sh", path, argv[1], ...}, so the script's $0 is its path. Compared with
 * ProcessBuilder for every mechanism, by path and through PATH lookup.
 */
@Timeout(120)
class ScriptWithoutShebangTest {

    static Stream<Mechanism> mechanisms() {
        return Mechanisms.available();
    }

    /** Prints its $0, its arguments one per line, and exits 3. */
    static Path script(Path dir, String name) throws IOException {
        Path s = Files.writeString(dir.resolve(name), "echo hi \"$0\" \"$@\"\nprintf '[%s]\\n' \"$@\"\nexit 3\n");
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwxr-xr-x"));
        return s;
    }

    /** Exit code and stdout of argv run by ProcessBuilder, in the same shape as {@link #viaVfork4j}. */
    static String viaProcessBuilder(List<String> argv, Path dir) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Process p = pb.start();
        String stdout = new String(p.getInputStream().readAllBytes());
        return p.waitFor() + "|" + stdout;
    }

    static String viaVfork4j(Mechanism m, List<String> argv, Path dir) throws Exception {
        Command c = Command.of(argv).mechanism(m);
        Output out = (dir == null ? c : c.directory(dir)).output();
        return out.status().code() + "|" + out.stdoutText();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void byItsPathWithArguments(Mechanism m, @TempDir Path dir) throws Exception {
        Path s = script(dir, "no-shebang");
        List<String> argv = List.of(s.toString(), "a", "b c", "");
        String jdk = viaProcessBuilder(argv, null);
        assertThat(jdk).isEqualTo("3|hi " + s + " a b c \n[a]\n[b c]\n[]\n");
        assertThat(viaVfork4j(m, argv, null)).isEqualTo(jdk);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void byARelativePathInTheChildsDirectoryWithoutArguments(Mechanism m, @TempDir Path dir) throws Exception {
        script(dir, "no-shebang");
        List<String> argv = List.of("./no-shebang");
        String jdk = viaProcessBuilder(argv, dir);
        assertThat(jdk).isEqualTo("3|hi ./no-shebang\n[]\n");
        assertThat(viaVfork4j(m, argv, dir)).isEqualTo(jdk);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void throughVfork4jStartOfAProcessBuilder(Mechanism m, @TempDir Path dir) throws Exception {
        Path s = script(dir, "no-shebang");
        ProcessBuilder pb = new ProcessBuilder(s.toString(), "x").redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = Command.from(pb).mechanism(m).start(); // Vfork4j.start(pb) with mechanism m
        String stdout = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor() + "|" + stdout).isEqualTo(viaProcessBuilder(pb.command(), null));
    }

    @Test
    void throughPathLookupWithArguments(@TempDir Path dir) throws Exception {
        Path s = script(dir, "vfork4j-no-shebang-script");
        // PATH lookup uses this JVM's PATH (as ProcessBuilder does), so the lookup runs in a JVM
        // started with the script's directory on its PATH.
        List<String> jvm = ChildJvm.argv(List.of("--enable-native-access=ALL-UNNAMED"), ScriptProbe.class,
            "vfork4j-no-shebang-script", "a", "b c");
        Output out = ChildJvm.fresh(Command.of(jvm)).env("PATH", dir + ":" + System.getenv("PATH")).output();
        assertThat(out.status().success()).as(out.stderrText()).isTrue();
        Map<String, String> results = new LinkedHashMap<>();
        for (String line : out.stdoutText().lines().toList()) {
            int eq = line.indexOf('=');
            results.put(line.substring(0, eq), line.substring(eq + 1));
        }
        String jdk = results.remove("ProcessBuilder");
        assertThat(jdk).isEqualTo("3|" + java.util.HexFormat.of().formatHex(
            ("hi " + s + " a b c\n[a]\n[b c]\n").getBytes()));
        List<String> mechanisms = new ArrayList<>(results.keySet());
        assertThat(mechanisms).as("every available mechanism ran").containsAll(
            Mechanisms.available().map(Mechanism::name).toList());
        assertThat(results).allSatisfy((mechanism, result) -> assertThat(result).as(mechanism).isEqualTo(jdk));
    }
}
