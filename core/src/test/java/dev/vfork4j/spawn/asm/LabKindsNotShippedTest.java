package dev.vfork4j.spawn.asm;

import static dev.vfork4j.spawn.asm.PlanLayout.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vfork4j.linux.Arch;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The routine every spawn maps has no code for the lab's STORE and CALL steps: its child makes
 * system calls and nothing else, calls no function and writes no memory but the plan's slot.
 * The lab's routine is that same code with its two kinds added. Checked on what ships (the
 * program ChildRoutine's bytes are assembled from, {@code ChildRoutineCodeTest} checking that
 * they are) for both architectures.
 */
class LabKindsNotShippedTest {

    private static final List<Integer> SPAWN_KINDS =
        List.of(KIND_CHECK, KIND_IGNORE, KIND_EXPECT, KIND_EXEC, KIND_SIG_DEFAULT);

    /** An instruction that writes memory (a memory first operand, a push) or calls code. */
    private static final Pattern X86_WRITE_OR_CALL = Pattern.compile("(push|call) .*|\\w+ \\w+ ptr \\[.*");
    private static final Pattern AARCH64_WRITE_OR_CALL = Pattern.compile("(str\\w*|stp|stur\\w*|bl|blr|br) .*");

    @ParameterizedTest
    @EnumSource(Arch.class)
    void theShippedRoutineHandlesTheSpawnsStepKindsAndNoOther(Arch arch) {
        assertThat(ChildRoutine.program(arch).stepKinds()).containsExactlyInAnyOrderElementsOf(SPAWN_KINDS)
            .doesNotContain(LabRoutine.KIND_STORE, LabRoutine.KIND_CALL);
        assertThat(LabRoutine.program(arch).stepKinds())
            .containsExactlyInAnyOrder(KIND_CHECK, KIND_IGNORE, KIND_EXPECT, KIND_EXEC, KIND_SIG_DEFAULT,
                LabRoutine.KIND_STORE, LabRoutine.KIND_CALL);
    }

    @ParameterizedTest
    @EnumSource(Arch.class)
    void theShippedRoutineCallsNothingAndWritesOnlyTheSlotAndTheCallersSaveArea(Arch arch) {
        List<String> shipped = instructions(ChildRoutine.program(arch));
        List<String> writes = shipped.stream()
            .filter((arch == Arch.X86_64 ? X86_WRITE_OR_CALL : AARCH64_WRITE_OR_CALL).asMatchPredicate())
            .toList();
        // The callee-saved registers, pushed in the calling thread before the clone; then the
        // slot's {step index, errno}, through the slot pointer loaded from the plan just before.
        List<String> expected = arch == Arch.X86_64
            ? List.of("push rbx", "push rbp", "push r12", "push r13", "push r14", "push r15",
                "mov dword ptr [rcx], r14d", "mov dword ptr [rcx+4], eax")
            : List.of("stp x19, x20, [sp, #-48]!", "stp x21, x22, [sp, #16]", "stp x23, x24, [sp, #32]",
                "str w22, [x9]", "str w0, [x9, #4]");
        assertThat(writes).containsExactlyElementsOf(expected);
        int saves = expected.size() - 2;
        assertThat(shipped.subList(0, saves)).as("the saves come first").isEqualTo(expected.subList(0, saves));
        String slotLoad = arch == Arch.X86_64 ? "mov rcx, qword ptr [rbx+" + SLOT + "]" : "ldr x9, [x19, #" + SLOT + "]";
        int firstSlotStore = shipped.indexOf(expected.get(saves));
        assertThat(shipped.subList(firstSlotStore - 1, firstSlotStore + 2)).as("the stores go through the slot pointer")
            .isEqualTo(List.of(slotLoad, expected.get(saves), expected.get(saves + 1)));
    }

    @ParameterizedTest
    @EnumSource(Arch.class)
    void theLabRoutineIsTheShippedOneWithItsTwoKindsAdded(Arch arch) {
        List<String> shipped = instructions(ChildRoutine.program(arch));
        List<String> lab = instructions(LabRoutine.program(arch));
        assertThat(lab).containsSubsequence(shipped);
        // Per architecture: two compare-and-branch pairs, STORE's 3 instructions and CALL's 7,
        // each followed by a branch to the next step.
        assertThat(lab).hasSize(shipped.size() + 4 + (3 + 1) + (7 + 1));
        assertThat(lab).contains(arch == Arch.X86_64 ? "call r11" : "blr x9");
        assertThat(lab).contains(arch == Arch.X86_64 ? "mov dword ptr [rcx], eax" : "str w10, [x9]");
        assertThat(HexFormat.of().formatHex(ChildRoutine.code(arch)))
            .as("the bytes that ship are not the lab's")
            .isNotEqualTo(HexFormat.of().formatHex(LabRoutine.program(arch).assemble()));
    }

    /** The listing's instructions, labels left out and label numbers dropped (the two programs number theirs apart). */
    private static List<String> instructions(Program p) {
        return Arrays.stream(p.listing().split("\n"))
            .filter(l -> l.startsWith("    "))
            .map(l -> l.strip().replaceAll("\\b([a-z_]+)_\\d+\\b", "$1"))
            .toList();
    }
}
