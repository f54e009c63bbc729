package dev.vfork4j.spawn.asm;

import static dev.vfork4j.spawn.asm.Aarch64Assembler.Reg.*;
import static dev.vfork4j.spawn.asm.PlanLayout.stepArg;
import static dev.vfork4j.spawn.asm.X86Assembler.Reg.*;

import dev.vfork4j.linux.Arch;
import java.util.List;

/**
 * The lab's child routine ({@code vfork4j lab}, through {@code LabPlan}): the shipped
 * {@link ChildRoutine}'s program with two step kinds more, which no spawn needs and no
 * {@code Command} can lay out. They make no syscall and leave a step's {@code nr},
 * {@code expected} and {@code errno} unused:
 * <ul>
 *   <li>STORE (4): writes the low 32 bits of a1 to the address a0 (the child writing into
 *       memory it may share with the parent).</li>
 *   <li>CALL (5): calls the C function at a0 with the arguments a1, a2, a3, on the child's own
 *       stack realigned down to 16 bytes as both ABIs require at a call; the result is ignored.
 *       The callee runs with the parent thread's thread pointer (TLS) and, under CLONE_VM, in
 *       the parent's memory: that is the point of the lab's exit()-versus-_exit experiment.
 *       On x86_64 it is called through r11 with al = 0 (no vector registers, should the callee
 *       be variadic); on AArch64 through x9 with {@code blr}.</li>
 * </ul>
 *
 * <p>Every other instruction is the shipped routine's, emitted by the same builders
 * ({@link X86ChildRoutine#build(List)}, {@link Aarch64ChildRoutine#build(List)}), so the lab
 * runs the spawn's steps as a spawn runs them. The lab's code is assembled and mapped W^X the
 * first time a lab plan starts, never by a spawn: the routine every spawn maps has no CALL or
 * STORE.
 */
public final class LabRoutine {
    private LabRoutine() {}

    /** The lab's step kinds: see the class comment. */
    public static final int KIND_STORE = 4, KIND_CALL = 5;

    private static final List<ExtraKind<X86Assembler>> X86_64_KINDS = List.of(
        new ExtraKind<>(KIND_STORE, "store", a -> { // *(int *) a0 = a1
            a.load(RCX, R12, stepArg(0));
            a.load(RAX, R12, stepArg(1));
            a.store32(RCX, 0, RAX);
        }),
        new ExtraKind<>(KIND_CALL, "call", a -> { // a0(a1, a2, a3), the stack aligned as the ABI needs at a call
            a.load(R11, R12, stepArg(0));
            a.load(RDI, R12, stepArg(1));
            a.load(RSI, R12, stepArg(2));
            a.load(RDX, R12, stepArg(3));
            a.and(RSP, -16);
            a.zero(RAX);
            a.call(R11);
        }));

    private static final List<ExtraKind<Aarch64Assembler>> AARCH64_KINDS = List.of(
        new ExtraKind<>(KIND_STORE, "store", a -> { // *(int *) a0 = a1
            a.ldr(X9, X20, stepArg(0));
            a.ldr(X10, X20, stepArg(1));
            a.str32(X10, X9, 0);
        }),
        new ExtraKind<>(KIND_CALL, "call", a -> { // a0(a1, a2, a3), sp 16-byte aligned as AAPCS64 requires
            a.ldr(X9, X20, stepArg(0));
            a.ldr(X0, X20, stepArg(1));
            a.ldr(X1, X20, stepArg(2));
            a.ldr(X2, X20, stepArg(3));
            a.mov(X10, SP);
            a.and(SP, X10, -16L);
            a.blr(X9);
        }));

    /** Assembled and mapped at the lab's first use; a failed map is tried again at the next. */
    private static volatile ChildRoutine installed;

    /**
     * The lab's routine for this JVM's architecture, assembled and mapped on first use.
     *
     * @throws IllegalStateException when it cannot be mapped now, with the ErrnoException as its cause
     */
    public static ChildRoutine get() {
        ChildRoutine r = installed;
        if (r == null) {
            synchronized (LabRoutine.class) {
                r = installed;
                if (r == null) {
                    r = ChildRoutine.map("the lab's child routine", program(Arch.require()).assemble());
                    installed = r;
                }
            }
        }
        return r;
    }

    /** The lab routine's program for {@code arch}: the shipped one's step kinds, then STORE and CALL. */
    public static Program program(Arch arch) {
        return switch (arch) {
            case X86_64 -> X86ChildRoutine.build(X86_64_KINDS);
            case AARCH64 -> Aarch64ChildRoutine.build(AARCH64_KINDS);
        };
    }
}
