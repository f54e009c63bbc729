package dev.vfork4j.spawn.asm;

import java.util.function.Consumer;

/**
 * A step kind that a routine built on {@link X86ChildRoutine} or {@link Aarch64ChildRoutine}
 * handles beyond the spawn's own: its number in the step table and the code that runs such a
 * step. The builder emits a comparison against {@code kind} before the spawn's syscall path and
 * {@code code} after the spawn's code, followed by a jump to the next step; {@code code} may use
 * the registers the builder's class comment leaves to it, and reads the step through the
 * register that points to it. The lab's STORE and CALL are the only ones ({@link LabRoutine}).
 *
 * @param <A> the assembler of the architecture
 * @param kind the step kind's number ({@link PlanLayout})
 * @param name the label of its code in the listing
 * @param code emits the step's code, which falls through to the jump to the next step
 */
record ExtraKind<A>(int kind, String name, Consumer<A> code) {}
