package dev.vfork4j.spawn.asm;

import static dev.vfork4j.spawn.asm.PlanLayout.*;
import static dev.vfork4j.spawn.asm.X86Assembler.Reg.*;

import dev.vfork4j.spawn.asm.X86Assembler.Cond;
import java.util.ArrayList;
import java.util.List;

/**
 * The child routine for x86_64: {@code long spawn(plan *p)}.
 *
 * <p>In the calling thread: block every signal, clone3, and (in the parent) restore the mask
 * and return the pid or -errno. In the child, on the stack the plan gave it: run each step as
 * a raw syscall, then execve the candidates; on failure store {step index, errno} in the slot
 * and exit_group(127). The child uses only registers, never returns and touches no memory but
 * the plan's: it calls nothing and writes only the slot.
 *
 * <p>{@link #build()} is the routine every spawn runs ({@link ChildRoutine}), with the step
 * kinds a spawn needs and no other. {@link #build(List)} adds the code of further kinds
 * ({@link ExtraKind}): the lab's routine is this one plus its STORE and CALL
 * ({@link LabRoutine}), so the two share every instruction of the spawn's kinds.
 *
 * <p>Registers: rbx = plan (callee-saved, so the child inherits it through clone3); in the
 * child r12 = current step, r13 = step count, r14 = step index, r15 = the EACCES an execve
 * candidate gave (0 if none), rbp = the last execve errno. Those are exactly the System V
 * callee-saved registers, so a C function called by an extra kind leaves them as they were.
 * A SIG_DEFAULT step keeps the signals still to reset in r8 and the signal number in r9: the
 * kernel's syscall entry preserves every register but rax, rcx and r11. An extra kind's code
 * may use every register but rbx and r12-r15 (and rbp, which must survive to the next EXEC),
 * and runs with rcx = its kind.
 */
final class X86ChildRoutine {
    private X86ChildRoutine() {}

    static final int SYS_RT_SIGPROCMASK = 14, SYS_CLONE3 = 435, SYS_EXIT_GROUP = 231;

    /** The routine with the spawn's step kinds only: the one that ships. */
    static Program build() {
        return build(List.of());
    }

    /** The routine with the spawn's step kinds and {@code extra}. */
    static Program build(List<ExtraKind<X86Assembler>> extra) {
        X86Assembler a = new X86Assembler();
        Label child = a.label("child");
        Label next = a.label("next");
        Label advance = a.label("advance");
        Label expect = a.label("expect");
        Label failed = a.label("failed");
        Label report = a.label("report");
        Label execFailed = a.label("exec_failed");
        Label remember = a.label("remember");
        Label exhausted = a.label("exhausted");
        List<Label> extraCode = new ArrayList<>();
        for (ExtraKind<X86Assembler> e : extra) {
            extraCode.add(a.label(e.name()));
        }
        Label classify = a.label("classify");
        Label sigDefault = a.label("sig_default");
        Label sigNext = a.label("sig_next");

        for (X86Assembler.Reg r : new X86Assembler.Reg[] {RBX, RBP, R12, R13, R14, R15}) {
            a.push(r);
        }
        a.mov(RBX, RDI);
        // rt_sigprocmask(SIG_SETMASK, &all, &saved, 8): no signal reaches this thread or the child.
        a.mov32(RAX, SYS_RT_SIGPROCMASK);
        a.mov32(RDI, SIG_SETMASK);
        a.lea(RSI, RBX, SIGSET_ALL);
        a.lea(RDX, RBX, SIGSET_SAVED);
        a.mov32(R10, 8);
        a.syscall();
        // clone3(&clone_args, sizeof clone_args)
        a.mov32(RAX, SYS_CLONE3);
        a.lea(RDI, RBX, CLONE_ARGS);
        a.mov32(RSI, CLONE_ARGS_SIZE);
        a.syscall();
        a.test(RAX, RAX);
        a.j(Cond.E, child);
        // Parent (after the child's exec or exit, with CLONE_VFORK): restore the mask, return rax.
        a.mov(R12, RAX);
        a.mov32(RAX, SYS_RT_SIGPROCMASK);
        a.mov32(RDI, SIG_SETMASK);
        a.lea(RSI, RBX, SIGSET_SAVED);
        a.zero(RDX);
        a.mov32(R10, 8);
        a.syscall();
        a.mov(RAX, R12);
        for (X86Assembler.Reg r : new X86Assembler.Reg[] {R15, R14, R13, R12, RBP, RBX}) {
            a.pop(r);
        }
        a.ret();

        a.bind(child);
        a.load(R12, RBX, STEPS);
        a.load(R13, RBX, COUNT);
        a.zero(R14);
        a.zero(R15);
        a.zero(RBP);
        a.bind(next);
        a.cmp(R14, R13);
        a.j(Cond.AE, exhausted);
        a.load(RCX, R12, STEP_KIND);
        for (int i = 0; i < extra.size(); i++) {
            a.cmp(RCX, extra.get(i).kind());
            a.j(Cond.E, extraCode.get(i));
            a.program.handles(extra.get(i).kind());
        }
        a.cmp(RCX, KIND_SIG_DEFAULT); // makes its own syscalls
        a.j(Cond.E, sigDefault);
        a.program.handles(KIND_SIG_DEFAULT);
        a.load(RAX, R12, STEP_NR);
        a.load(RDI, R12, stepArg(0));
        a.load(RSI, R12, stepArg(1));
        a.load(RDX, R12, stepArg(2));
        a.load(R10, R12, stepArg(3));
        a.load(R8, R12, stepArg(4));
        a.load(R9, R12, stepArg(5));
        a.syscall();
        a.load(RCX, R12, STEP_KIND); // syscall clobbered rcx and r11
        a.cmp(RCX, KIND_EXEC);
        a.j(Cond.E, execFailed);
        a.cmp(RCX, KIND_EXPECT);
        a.j(Cond.E, expect);
        a.cmp(RCX, KIND_IGNORE);
        a.j(Cond.E, advance);
        a.cmp(RAX, -4095); // CHECK (and any kind not named above): -4095..-1 is an errno
        a.j(Cond.AE, failed);
        a.program.handles(KIND_EXEC);
        a.program.handles(KIND_EXPECT);
        a.program.handles(KIND_IGNORE);
        a.program.handles(KIND_CHECK);
        a.bind(advance);
        a.add(R12, STEP_SIZE);
        a.inc(R14);
        a.jmp(next);

        a.bind(expect);
        a.cmp(RAX, R12, STEP_EXPECTED);
        a.j(Cond.E, advance);
        a.load(RAX, R12, STEP_ERRNO);
        a.jmp(report);

        a.bind(failed);
        a.neg(RAX);
        a.bind(report); // rax = errno, r14 = step index
        a.load(RCX, RBX, SLOT);
        a.store32(RCX, 0, R14);
        a.store32(RCX, 4, RAX);
        a.mov32(RAX, SYS_EXIT_GROUP);
        a.mov32(RDI, EXIT_CODE);
        a.syscall();
        a.ud2();

        a.bind(execFailed); // execve returned: rax = -errno
        a.neg(RAX);
        // ENOEXEC with a shell given: run the file as a script without #!, as execvp does.
        a.cmp(RAX, ENOEXEC);
        a.j(Cond.NE, classify);
        a.load(RDI, R12, stepArg(3));
        a.test(RDI, RDI);
        a.j(Cond.E, classify);
        a.load(RAX, R12, STEP_NR);
        a.load(RSI, R12, stepArg(4));
        a.load(RDX, R12, stepArg(2));
        a.syscall();
        a.neg(RAX); // returned: this errno stands for the candidate's
        a.bind(classify);
        a.mov(RBP, RAX);
        a.cmp(RAX, EACCES);
        a.j(Cond.E, remember);
        for (int errno : EXEC_CONTINUE) {
            a.cmp(RAX, errno);
            a.j(Cond.E, advance);
        }
        a.jmp(report); // any other error ends the search
        a.bind(remember);
        a.mov(R15, RAX);
        a.jmp(advance);

        a.bind(sigDefault); // SIG_DEFAULT: rt_sigaction(n, a1, NULL, 8) for each signal n in the set a0
        a.load(R8, R12, stepArg(0));
        a.zero(R9);
        a.bind(sigNext);
        a.test(R8, R8);
        a.j(Cond.E, advance);
        a.inc(R9);
        a.shr(R8); // CF = the bit of signal r9
        a.j(Cond.AE, sigNext);
        a.load(RAX, R12, STEP_NR);
        a.mov(RDI, R9);
        a.load(RSI, R12, stepArg(1));
        a.zero(RDX);
        a.mov32(R10, 8);
        a.syscall();
        a.cmp(RAX, -4095);
        a.j(Cond.AE, failed);
        a.jmp(sigNext);

        a.bind(exhausted); // every candidate failed: EACCES if one gave it, else the last errno
        a.dec(R14);
        a.mov(RAX, R15);
        a.test(RAX, RAX);
        a.j(Cond.NE, report);
        a.mov(RAX, RBP);
        a.test(RAX, RAX);
        a.j(Cond.NE, report);
        a.mov32(RAX, ENOENT);
        a.jmp(report);

        for (int i = 0; i < extra.size(); i++) {
            a.bind(extraCode.get(i));
            extra.get(i).code().accept(a);
            a.jmp(advance);
        }
        return a.program();
    }
}
