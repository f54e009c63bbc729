package dev.vfork4j.spawn;

import static dev.vfork4j.linux.Linux.*;

import dev.vfork4j.linux.Arch;
import dev.vfork4j.linux.CallState;
import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.LibC;
import dev.vfork4j.linux.Posix;
import dev.vfork4j.linux.Siginfo;
import dev.vfork4j.spawn.asm.LabRoutine;
import dev.vfork4j.spawn.asm.PlanLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One child of the lab's child routine ({@link LabRoutine}), for {@code vfork4j lab} only:
 * exported to the CLI module alone, never used by {@code Command}. Where a spawn's plan holds
 * only syscalls that lead to an exec, a lab plan can also have the child write into memory
 * ({@link #store}), call a C function ({@link #call}) and sleep, and be cloned with flags no
 * launcher uses ({@link Clone#FORK_NO_WAIT}). The lab uses these to show, live, what the seed
 * documents say vfork does. The first lab plan to start assembles and maps the lab's routine;
 * no spawn ever does.
 *
 * <p>Every child is cloned with {@code CLONE_PIDFD | CLONE_CLEAR_SIGHAND} and exit signal
 * SIGCHLD, as the launchers' are, and starts with every signal blocked (the routine blocks them
 * around clone3 and the child inherits that mask) unless a step changes its mask.
 *
 * <p>A plan runs once. Use: add steps, {@link #start}, {@link #waitFor}, {@link #close} — all from
 * one thread, except {@link #pidfdWhileHeld()}, which any thread may call. A child that is still
 * running at {@code close} is killed (SIGKILL) and reaped first: its plan's memory is freed only
 * once nothing can read it.
 *
 * <p>Steps that touch memory or call C code in a child that shares this process's memory
 * (VFORK) act on this JVM itself: the lab runs those only in disposable JVMs.
 */
public final class LabPlan implements AutoCloseable {

    /** The clone3 flags of a lab child, on top of {@code CLONE_PIDFD | CLONE_CLEAR_SIGHAND}. */
    public enum Clone {
        /** {@code CLONE_VM | CLONE_VFORK}: vfork4j's VFORK, the child borrows this process's memory. */
        VFORK(CLONE_VM | CLONE_VFORK),
        /** {@code CLONE_VFORK}: vfork4j's FORK, a copy-on-write copy; the caller still waits for the exec. */
        FORK(CLONE_VFORK),
        /** No flag: fork(2) as libc does it, a copy-on-write copy, and the caller goes on at once. */
        FORK_NO_WAIT(0);

        final long flags;

        Clone(long flags) {
            this.flags = flags;
        }
    }

    /** The clone3 result and how long the calling thread was held in it. */
    public record Started(long pid, long heldNanos) {}

    /**
     * How the child ended. {@code failedStep} is -1, or the index of the step that failed with
     * {@code errno} (the child then exits 127), described by {@code failedStepDescription}.
     */
    public record Ended(int exitCode, int signal, int failedStep, String failedStepDescription, int errno) {
        public boolean exitedNormally() {
            return signal == 0;
        }
    }

    /** Syscall numbers only the lab needs. */
    private static final long SYS_READ = Arch.require() == Arch.X86_64 ? 0 : 63;

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final int SLOT_PIDFD = 8; // after {step index, errno}

    private final Arch.Sys sys = Arch.require().sys;
    private final SpawnPlan plan = new SpawnPlan();
    private final List<String> descriptions = new ArrayList<>();
    /** MAP_SHARED, so it is read the same way after any kind of child; it also receives the pidfd. */
    private final MemorySegment slot;
    private long blockedDuringSpawn = -1L;
    private int stackSize = 256 * 1024;
    private Started started;
    private int pidfd = -1;
    private Ended ended;

    public LabPlan() throws ErrnoException {
        slot = Posix.mapAnonymous(4096, PROT_READ | PROT_WRITE, true);
        INT.setVolatile(slot, (long) SLOT_PIDFD, -1);
    }

    /** The child writes {@code value} into the first four bytes of {@code cell}. */
    public LabPlan store(MemorySegment cell, int value) {
        if (cell.byteSize() < 4) {
            throw new IllegalArgumentException("a STORE step writes 4 bytes, the cell has " + cell.byteSize());
        }
        plan.labStep(LabRoutine.KIND_STORE, cell.address(), value);
        descriptions.add("store " + value + " at 0x" + Long.toHexString(cell.address()));
        return this;
    }

    /** The child calls {@code function} (a C function pointer) with up to three integer or pointer arguments. */
    public LabPlan call(String name, MemorySegment function, long... args) {
        if (args.length > 3) {
            throw new IllegalArgumentException("a CALL step passes at most 3 arguments, not " + args.length);
        }
        long[] all = new long[1 + args.length];
        all[0] = function.address();
        System.arraycopy(args, 0, all, 1, args.length);
        plan.labStep(LabRoutine.KIND_CALL, all);
        descriptions.add("call " + name);
        return this;
    }

    /** The child sleeps (nanosleep; signals are blocked, so nothing interrupts it). */
    public LabPlan sleep(Duration duration) {
        MemorySegment ts = plan.arena.allocate(ValueLayout.JAVA_LONG, 2);
        ts.set(ValueLayout.JAVA_LONG, 0, duration.toSeconds());
        ts.set(ValueLayout.JAVA_LONG, 8, duration.toNanosPart());
        plan.ignore(null, sys.nanosleep(), ts.address(), 0);
        descriptions.add("nanosleep(" + duration.toMillis() + " ms)");
        return this;
    }

    /** Any syscall, its result ignored. */
    public LabPlan syscall(String description, long nr, long... args) {
        if (args.length > 6) {
            throw new IllegalArgumentException("a syscall takes at most 6 arguments");
        }
        plan.ignore(null, nr, args);
        descriptions.add(description);
        return this;
    }

    /** setpgid(0, 0): the child leads a new process group. A failure fails the child. */
    public LabPlan newProcessGroup() {
        plan.check(null, null, sys.setpgid(), 0, 0);
        descriptions.add("setpgid(0, 0)");
        return this;
    }

    /** The child unblocks every signal (rt_sigprocmask with an empty set). */
    public LabPlan unblockAllSignals() {
        MemorySegment empty = plan.arena.allocate(ValueLayout.JAVA_LONG);
        plan.check(null, null, Arch.require().sysRtSigprocmask, 2 /* SIG_SETMASK */, empty.address(), 0, 8);
        descriptions.add("rt_sigprocmask(SIG_SETMASK, {})");
        return this;
    }

    /** read(fd, buffer, 1): a failure (-errno) fails the child with that errno. */
    public LabPlan readOneByte(int fd) {
        MemorySegment buffer = plan.arena.allocate(8);
        plan.check(null, null, SYS_READ, fd, buffer.address(), 1);
        descriptions.add("read(" + fd + ", 1)");
        return this;
    }

    /** execve of {@code argv} (its first element found as execvp would), with this JVM's environment. */
    public LabPlan exec(List<String> argv) {
        MemorySegment args = NativeStrings.array(plan.arena, argv);
        MemorySegment envp = NativeStrings.environment(plan.arena, System.getenv());
        for (String candidate : ExecCandidates.of(argv.getFirst())) {
            plan.exec(sys.execve(), plan.cString(candidate), args, envp);
            descriptions.add("execve(" + candidate + ")");
        }
        return this;
    }

    /** exit_group(status): the raw _exit, no libc clean-up. */
    public LabPlan exit(int status) {
        plan.ignore(null, sys.exitGroup(), status);
        descriptions.add("exit_group(" + status + ")");
        return this;
    }

    /**
     * Leaves {@code signal} unblocked in the calling thread while the routine runs (it blocks all
     * 64 otherwise), so it can be delivered to that thread during clone3 and the vfork wait.
     */
    public LabPlan deliverableDuringSpawn(int signal) {
        blockedDuringSpawn &= ~(1L << (signal - 1));
        return this;
    }

    /** The child's stack size (256 KiB unless changed): for tests that misalign its top on purpose. */
    LabPlan stackSize(int bytes) {
        stackSize = bytes;
        return this;
    }

    /** Runs the routine: clones the child, which runs the steps. Returns once clone3 returned. */
    public Started start(Clone clone) throws ErrnoException {
        if (started != null) {
            throw new IllegalStateException("a lab plan runs once");
        }
        MemorySegment header = plan.build(clone.flags | CLONE_PIDFD | CLONE_CLEAR_SIGHAND, -1, slot, stackSize);
        header.set(ValueLayout.JAVA_LONG, PlanLayout.SIGSET_ALL, blockedDuringSpawn);
        // clone3 writes the pidfd before the caller starts waiting: into the shared slot, where
        // another thread can read it while this one is held (the arena is confined to this one).
        header.set(ValueLayout.JAVA_LONG, PlanLayout.CLONE_ARGS + 8, slot.address() + SLOT_PIDFD);
        long t0 = System.nanoTime();
        long pid = LabRoutine.get().call(header);
        long held = System.nanoTime() - t0;
        if (pid < 0) {
            throw Posix.failure("clone3(" + clone + ")", (int) -pid);
        }
        pidfd = (int) INT.getVolatile(slot, (long) SLOT_PIDFD);
        started = new Started(pid, held);
        return started;
    }

    /** The child's pidfd as soon as clone3 made it, or -1: for another thread while the caller is held. */
    public int pidfdWhileHeld() {
        return (int) INT.getVolatile(slot, (long) SLOT_PIDFD);
    }

    /** Waits for the child to end and reaps it (blocking; EINTR is retried). */
    public Ended waitFor() throws ErrnoException {
        if (ended != null) {
            return ended;
        }
        if (started == null) {
            throw new IllegalStateException("not started");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(a);
            MemorySegment info = a.allocate(Siginfo.LAYOUT);
            while (LibC.waitid(st, P_PIDFD, pidfd, info, WEXITED) < 0) {
                if (CallState.errno(st) != EINTR) {
                    throw Posix.failure("waitid(P_PIDFD, " + pidfd + ")", CallState.errno(st));
                }
            }
            int code = Siginfo.code(info);
            int status = Siginfo.status(info);
            int step = slot.get(ValueLayout.JAVA_INT, 0);
            ended = new Ended(code == CLD_EXITED ? status : -1, code == CLD_EXITED ? 0 : status, step,
                step >= 0 && step < descriptions.size() ? descriptions.get(step) : null, slot.get(ValueLayout.JAVA_INT, 4));
        }
        Posix.close(pidfd);
        pidfd = -1;
        return ended;
    }

    /** What each step does, in order: for reports. */
    public List<String> steps() {
        return List.copyOf(descriptions);
    }

    @Override
    public void close() {
        try {
            if (started != null && ended == null) {
                Posix.pidfdSendSignal(pidfd, 9 /* SIGKILL */);
                waitFor();
            }
        } catch (ErrnoException e) {
            throw new IllegalStateException("cannot reap a lab child: " + e.getMessage(), e);
        } finally {
            plan.close();
            Posix.unmap(slot);
        }
    }
}
