package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A JVM that spawns through the child routine (its availability probe and one child) loads the
 * shipped routine's bytes and nothing of the lab's: not the lab's routine, with its STORE and
 * CALL, nor the assemblers that would make it. Seen in the class-load log of a disposable JVM.
 */
class SpawnLoadsNoLabCodeTest {

    @ParameterizedTest
    @EnumSource(value = Mechanism.class, names = {"VFORK", "FORK"})
    void aSpawnMapsTheShippedRoutineAndLoadsNoneOfTheLabs(Mechanism mechanism) throws Exception {
        Output out = ChildJvm.command(List.of("--enable-native-access=ALL-UNNAMED",
            "-Dvfork4j.test.mechanism=" + mechanism, "-Xlog:class+load=info:stdout"), SpawnProbe.class, "echo", "hi").output();
        assertThat(out.status().success()).as(out.stderrText()).isTrue();
        assertThat(out.stdoutText()).contains("hi\nstatus=exit code 0")
            .containsPattern("\\] dev\\.vfork4j\\.spawn\\.asm\\.ChildRoutine source:")
            // Program itself may be loaded, never used: Preload's getDeclaredMethods() of
            // ChildRoutine resolves the return type of its program(Arch).
            .doesNotContainPattern("\\] dev\\.vfork4j\\.spawn\\.(LabPlan|asm\\.(LabRoutine|ExtraKind|\\w+Assembler|\\w+ChildRoutine))\\b");
    }
}
