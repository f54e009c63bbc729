package dev.vfork4j.spawn.asm;

import static dev.vfork4j.spawn.asm.Aarch64Assembler.Reg.*;
import static dev.vfork4j.spawn.asm.PlanLayout.*;

import dev.vfork4j.spawn.asm.Aarch64Assembler.Cond;
import java.util.ArrayList;
import java.util.List;

/**
 * The child routine for AArch64: {@code long spawn(plan *p)}, the same algorithm as
 * {@link X86ChildRoutine} on the same {@link PlanLayout}.
 *
 * <p>In the calling thread: block every signal, clone3, and (in the parent) restore the mask
 * and return the pid or -errno. In the child, on the stack the plan gave it: run each step as
 * a raw syscall, then execve the candidates; on failure store {step index, errno} in the slot
 * and exit_group(127). The child uses only registers, never returns and touches no memory but
 * the plan's: it calls nothing and writes only the slot.
 *
 * <p>{@link #build()} is the routine every spawn runs ({@link ChildRoutine}); {@link #build(List)}
 * adds the code of further step kinds ({@link ExtraKind}), as the lab's routine adds STORE and
 * CALL ({@link LabRoutine}).
 *
 * <p>Linux AArch64 system calls take their number in x8 and arguments in x0..x5, return in x0
 * and preserve every other register. After clone3 the child has the parent's registers (x0 = 0)
 * on a fresh sp, so everything it needs lives in registers, none on the stack.
 *
 * <p>Registers: x19 = plan (callee-saved, so the child inherits it through clone3); in the
 * parent x20 = the clone3 result while the mask is restored; in the child x20 = current step,
 * x21 = step count, x22 = step index, x23 = the EACCES an execve candidate gave (0 if none),
 * x24 = the last execve errno, x9, x10 and x11 = scratch (a SIG_DEFAULT step keeps the signals
 * still to reset in x10 and the signal number in x11 across its system calls). x19..x24 are
 * saved on the caller's stack in pairs (48 bytes, keeping sp 16-byte aligned) and restored
 * before {@code ret}; x29 and x30 are never touched, as svc preserves x30 and the routine calls
 * nothing. An extra kind's code may use every register but x19..x24 and runs with x9 = its
 * kind; x19..x24 are AAPCS64 callee-saved, so a C function it calls leaves them as they were
 * (it may overwrite x30: the child never returns).
 */
final class Aarch64ChildRoutine {
    private Aarch64ChildRoutine() {}

    static final int SYS_RT_SIGPROCMASK = 135, SYS_CLONE3 = 435, SYS_EXIT_GROUP = 94;

    private static final int SAVE_AREA = 48;

    /** The routine with the spawn's step kinds only: the one that ships. */
    static Program build() {
        return build(List.of());
    }

    /** The routine with the spawn's step kinds and {@code extra}. */
    static Program build(List<ExtraKind<Aarch64Assembler>> extra) {
        Aarch64Assembler a = new Aarch64Assembler();
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
        for (ExtraKind<Aarch64Assembler> e : extra) {
            extraCode.add(a.label(e.name()));
        }
        Label classify = a.label("classify");
        Label sigDefault = a.label("sig_default");
        Label sigNext = a.label("sig_next");

        a.stpPre(X19, X20, SP, -SAVE_AREA);
        a.stp(X21, X22, SP, 16);
        a.stp(X23, X24, SP, 32);
        a.mov(X19, X0);
        // rt_sigprocmask(SIG_SETMASK, &all, &saved, 8): no signal reaches this thread or the child.
        a.movz(X8, SYS_RT_SIGPROCMASK);
        a.movz(X0, SIG_SETMASK);
        a.add(X1, X19, SIGSET_ALL);
        a.add(X2, X19, SIGSET_SAVED);
        a.movz(X3, 8);
        a.svc();
        // clone3(&clone_args, sizeof clone_args)
        a.movz(X8, SYS_CLONE3);
        a.add(X0, X19, CLONE_ARGS);
        a.movz(X1, CLONE_ARGS_SIZE);
        a.svc();
        a.cbz(X0, child);
        // Parent (after the child's exec or exit, with CLONE_VFORK): restore the mask, return x0.
        a.mov(X20, X0);
        a.movz(X8, SYS_RT_SIGPROCMASK);
        a.movz(X0, SIG_SETMASK);
        a.add(X1, X19, SIGSET_SAVED);
        a.mov(X2, XZR);
        a.movz(X3, 8);
        a.svc();
        a.mov(X0, X20);
        a.ldp(X23, X24, SP, 32);
        a.ldp(X21, X22, SP, 16);
        a.ldpPost(X19, X20, SP, SAVE_AREA);
        a.ret();

        a.bind(child);
        a.ldr(X20, X19, STEPS);
        a.ldr(X21, X19, COUNT);
        a.mov(X22, XZR);
        a.mov(X23, XZR);
        a.mov(X24, XZR);
        a.bind(next);
        a.cmp(X22, X21);
        a.b(Cond.HS, exhausted);
        a.ldr(X9, X20, STEP_KIND);
        for (int i = 0; i < extra.size(); i++) {
            a.cmp(X9, extra.get(i).kind());
            a.b(Cond.EQ, extraCode.get(i));
            a.program.handles(extra.get(i).kind());
        }
        a.cmp(X9, KIND_SIG_DEFAULT); // makes its own system calls
        a.b(Cond.EQ, sigDefault);
        a.program.handles(KIND_SIG_DEFAULT);
        a.ldr(X8, X20, STEP_NR);
        a.ldr(X0, X20, stepArg(0));
        a.ldr(X1, X20, stepArg(1));
        a.ldr(X2, X20, stepArg(2));
        a.ldr(X3, X20, stepArg(3));
        a.ldr(X4, X20, stepArg(4));
        a.ldr(X5, X20, stepArg(5));
        a.svc();
        a.ldr(X9, X20, STEP_KIND);
        a.cmp(X9, KIND_EXEC);
        a.b(Cond.EQ, execFailed);
        a.cmp(X9, KIND_EXPECT);
        a.b(Cond.EQ, expect);
        a.cmp(X9, KIND_IGNORE);
        a.b(Cond.EQ, advance);
        // CHECK (and any kind not named above): -4095..-1 is an errno. cmn x0, #4095 carries
        // exactly when x0 >= -4095 unsigned.
        a.cmp(X0, -4095);
        a.b(Cond.HS, failed);
        a.program.handles(KIND_EXEC);
        a.program.handles(KIND_EXPECT);
        a.program.handles(KIND_IGNORE);
        a.program.handles(KIND_CHECK);
        a.bind(advance);
        a.add(X20, X20, STEP_SIZE);
        a.add(X22, X22, 1);
        a.b(next);

        a.bind(expect);
        a.ldr(X9, X20, STEP_EXPECTED);
        a.cmp(X0, X9);
        a.b(Cond.EQ, advance);
        a.ldr(X0, X20, STEP_ERRNO);
        a.b(report);

        a.bind(failed);
        a.neg(X0, X0);
        a.bind(report); // x0 = errno, x22 = step index
        a.ldr(X9, X19, SLOT);
        a.str32(X22, X9, 0);
        a.str32(X0, X9, 4);
        a.movz(X8, SYS_EXIT_GROUP);
        a.movz(X0, EXIT_CODE);
        a.svc();
        a.udf();

        a.bind(execFailed); // execve returned: x0 = -errno
        a.neg(X0, X0);
        // ENOEXEC with a shell given: run the file as a script without #!, as execvp does.
        a.cmp(X0, ENOEXEC);
        a.b(Cond.NE, classify);
        a.ldr(X9, X20, stepArg(3));
        a.cbz(X9, classify);
        a.ldr(X8, X20, STEP_NR);
        a.mov(X0, X9);
        a.ldr(X1, X20, stepArg(4));
        a.ldr(X2, X20, stepArg(2));
        a.svc();
        a.neg(X0, X0); // returned: this errno stands for the candidate's
        a.bind(classify);
        a.mov(X24, X0);
        a.cmp(X0, EACCES);
        a.b(Cond.EQ, remember);
        for (int errno : EXEC_CONTINUE) {
            a.cmp(X0, errno);
            a.b(Cond.EQ, advance);
        }
        a.b(report); // any other error ends the search
        a.bind(remember);
        a.mov(X23, X0);
        a.b(advance);

        a.bind(sigDefault); // SIG_DEFAULT: rt_sigaction(n, a1, NULL, 8) for each signal n in the set a0
        a.ldr(X10, X20, stepArg(0));
        a.mov(X11, XZR);
        a.bind(sigNext);
        a.cbz(X10, advance);
        a.add(X11, X11, 1);
        a.and(X9, X10, 1L); // the bit of signal x11
        a.lsr(X10, X10, 1);
        a.cbz(X9, sigNext);
        a.ldr(X8, X20, STEP_NR);
        a.mov(X0, X11);
        a.ldr(X1, X20, stepArg(1));
        a.mov(X2, XZR);
        a.movz(X3, 8);
        a.svc();
        a.cmp(X0, -4095);
        a.b(Cond.HS, failed);
        a.b(sigNext);

        a.bind(exhausted); // every candidate failed: EACCES if one gave it, else the last errno
        a.sub(X22, X22, 1);
        a.mov(X0, X23);
        a.cbnz(X0, report);
        a.mov(X0, X24);
        a.cbnz(X0, report);
        a.movz(X0, ENOENT);
        a.b(report);

        for (int i = 0; i < extra.size(); i++) {
            a.bind(extraCode.get(i));
            extra.get(i).code().accept(a);
            a.b(advance);
        }
        return a.program();
    }
}
