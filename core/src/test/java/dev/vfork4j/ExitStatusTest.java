package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ExitStatusTest {

    @Test
    void exitedAndKilled() {
        ExitStatus ok = ExitStatus.exited(0);
        assertThat(ok.success()).isTrue();
        assertThat(ok.signal()).isZero();
        assertThat(ok.exitValue()).isZero();
        assertThat(ok).hasToString("exit code 0");

        ExitStatus killed = ExitStatus.killed(9, false);
        assertThat(killed.code()).isEqualTo(-1);
        assertThat(killed.success()).isFalse();
        assertThat(killed.signalled()).isTrue();
        assertThat(killed.exitValue()).isEqualTo(137);
        assertThat(killed).hasToString("killed by SIGKILL");
        assertThat(ExitStatus.killed(11, true)).hasToString("killed by SIGSEGV (core dumped)");
        assertThat(ExitStatus.killed(40, false)).hasToString("killed by signal 40");
    }

    @Test
    void rejectsContradictions() {
        assertThatThrownBy(() -> new ExitStatus(-1, 0, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ExitStatus(3, 9, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ExitStatus(0, 0, true)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void coreDumpIsReportedWhenTheKernelWroteOne(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        Child c = Command.of("sh", "-c", "ulimit -c unlimited 2>/dev/null; kill -SEGV $$")
            .mechanism(Mechanism.POSIX_SPAWN).directory(dir).stdout(Redirect.DISCARD).stderr(Redirect.DISCARD).start();
        c.waitFor();
        assertThat(c.exitStatus().signal()).isEqualTo(11);
        assertThat(c.exitValue()).isEqualTo(139);
        String pattern = dev.vfork4j.linux.Procfs.read(java.nio.file.Path.of("/proc/sys/kernel/core_pattern")).strip();
        boolean dumpedHere;
        try (var files = java.nio.file.Files.list(dir)) {
            dumpedHere = files.anyMatch(f -> f.getFileName().toString().startsWith("core"));
        }
        if (!pattern.startsWith("|") && !pattern.contains("/")) {
            // core_pattern names a file in the child's directory: the flag must match what is there.
            assertThat(c.exitStatus().coreDumped()).isEqualTo(dumpedHere);
        }
    }
}
