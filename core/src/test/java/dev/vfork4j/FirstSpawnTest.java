package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fresh JVM's first spawn (issue 13): no probe child comes before it. The first VFORK spawn
 * tries the child routine itself; when that spawn shows VFORK cannot work here, a Command that
 * did not choose its mechanism is started with the next best, and one that chose VFORK is
 * refused as it was when a probe child found it out first.
 */
@Timeout(120)
class FirstSpawnTest {
    private static final String NATIVE = "--enable-native-access=ALL-UNNAMED";

    private static Map<String, String> facts(Output out) {
        assertThat(out.status()).as(out.stderrText() + out.stdoutText()).isEqualTo(ExitStatus.exited(0));
        Map<String, String> facts = new LinkedHashMap<>();
        for (String line : out.stdoutText().lines().toList()) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                facts.putIfAbsent(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return facts;
    }

    /**
     * Counted with strace: every clone3 with CLONE_VFORK in a JVM whose main runs one Command.
     * Before, VFORK's availability probe cloned a child of its own (which exited 127 without an
     * exec) before the first real one: two.
     */
    @Test
    void theFirstRunMakesOneChildNotAProbeChildFirst(@TempDir Path dir) throws Exception {
        assumeTrue(Mechanism.best() == Mechanism.VFORK, "counts VFORK's clones");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/strace")), "needs strace");
        Path trace = dir.resolve("trace");
        List<String> argv = new ArrayList<>(List.of("/usr/bin/strace", "-f", "-qq", "-e", "trace=clone3", "-e",
            "signal=none", "-o", trace.toString()));
        argv.addAll(ChildJvm.argv(List.of(NATIVE), FirstSpawnProbe.class, "run"));
        Map<String, String> f = facts(ChildJvm.fresh(Command.of(argv)).output());
        assertThat(f.get("status")).isEqualTo("exit code 0");
        List<String> vforks = Files.readAllLines(trace).stream().filter(l -> l.contains("CLONE_VFORK")).toList();
        assertThat(vforks).as("clone3 calls with CLONE_VFORK").hasSize(1);
    }

    @Test
    void aFirstSpawnThatFindsVforkRefusedStartsWithPosixSpawn() throws Exception {
        assumeTrue(Mechanism.POSIX_SPAWN.isAvailable());
        Map<String, String> f = facts(ChildJvm.command(List.of(NATIVE), FirstSpawnProbe.class, "refused", "best")
            .output());
        assertThat(f.get("bestBefore")).as("nothing but a clone tells: VFORK is tried").isEqualTo("VFORK");
        assertThat(f.get("failure")).as(f.toString()).isNull();
        assertThat(f.get("mechanism")).isEqualTo("POSIX_SPAWN");
        assertThat(f.get("stdout")).isEqualTo("started");
        assertThat(f.get("status")).isEqualTo("exit code 0");
        assertThat(f.get("bestAfter")).isEqualTo("POSIX_SPAWN");
        assertThat(f.get("vforkReason")).contains("clone3").contains("ENOSYS");
        assertThat(f.get("explicitVfork")).startsWith("mechanism VFORK is not available here: ").contains("ENOSYS");
        assertThat(f.get("again")).isEqualTo("again");
        assertThat(f.get("children")).isEqualTo("0");
    }

    @Test
    void aFirstSpawnThatChoseVforkWhereItIsRefusedIsRefusedAsBefore() throws Exception {
        assumeTrue(Mechanism.POSIX_SPAWN.isAvailable());
        Map<String, String> f = facts(ChildJvm.command(List.of(NATIVE), FirstSpawnProbe.class, "refused", "VFORK")
            .output());
        assertThat(f.get("failure")).as(f.toString()).isEqualTo(UnsupportedOperationException.class.getName());
        assertThat(f.get("message")).startsWith("mechanism VFORK is not available here: clone3(")
            .contains("ENOSYS");
        assertThat(f.get("bestAfter")).isEqualTo("POSIX_SPAWN");
        assertThat(f.get("again")).isEqualTo("again");
        assertThat(f.get("children")).isEqualTo("0");
    }
}
