package dev.vfork4j.spawn.asm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vfork4j.linux.Arch;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The machine code ChildRoutine installs is kept as text, so a fresh JVM's first spawn assembles
 * nothing: it must be exactly what the assemblers make of the routine, for each architecture,
 * or a change to a routine or an assembler would never reach the children.
 */
class ChildRoutineCodeTest {

    @ParameterizedTest
    @EnumSource(Arch.class)
    void theInstalledCodeIsTheAssembledRoutine(Arch arch) {
        byte[] assembled = ChildRoutine.program(arch).assemble();
        assertThat(HexFormat.of().formatHex(ChildRoutine.code(arch)))
            .as("ChildRoutine's " + arch + " code is stale: put this text in it")
            .isEqualTo(HexFormat.of().formatHex(assembled));
    }
}
