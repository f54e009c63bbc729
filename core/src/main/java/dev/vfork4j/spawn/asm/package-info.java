/**
 * The child routine: the machine code a VFORK or FORK child runs between clone3 and exec, made
 * only of system calls, for x86_64 and aarch64 ({@code X86ChildRoutine},
 * {@code Aarch64ChildRoutine}, their assemblers), shipped as bytes and mapped W^X at first use
 * ({@code ChildRoutine}), and the layout of the plan it reads ({@code PlanLayout}).
 *
 * <p>May use: {@code dev.vfork4j.linux} and {@code dev.vfork4j.spawn} ({@code LayeringTest}).
 * Internal: not exported.
 */
package dev.vfork4j.spawn.asm;
