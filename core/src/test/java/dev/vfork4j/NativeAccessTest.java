package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A JVM that refuses native access: vfork4j says which flag to pass and falls back to the JDK. */
@Timeout(60)
class NativeAccessTest {

    @Test
    void deniedNativeAccessIsExplainedWithTheFlagAndFallsBackToJdk() throws Exception {
        Output out = ChildJvm.command(List.of("--illegal-native-access=deny"), SpawnProbe.class, "echo", "still works")
            .output();
        assertThat(out.status().success()).as(out.stderrText()).isTrue();
        assertThat(out.stdoutText())
            .contains("POSIX_SPAWN=native access is not enabled for vfork4j: start the JVM with --enable-native-access=ALL-UNNAMED")
            .contains("JDK=available")
            .contains("best=JDK")
            .contains("still works\n")
            .contains("status=exit code 0");
    }

    @Test
    void grantedNativeAccessUsesTheNativeMechanism() throws Exception {
        Output out = ChildJvm.command(List.of("--enable-native-access=ALL-UNNAMED", "--illegal-native-access=deny"),
            SpawnProbe.class).output();
        assertThat(out.stdoutText()).contains("POSIX_SPAWN=available").contains("best=" + Mechanism.best());
        assertThat(out.stderrText()).doesNotContain("WARNING");
    }
}
