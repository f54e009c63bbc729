package dev.vfork4j.spawn;

import static dev.vfork4j.linux.Linux.*;

import dev.vfork4j.Resource;
import dev.vfork4j.Signal;
import dev.vfork4j.SpawnException;
import dev.vfork4j.SpawnException.Step;
import dev.vfork4j.linux.Arch;
import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.LibC;
import dev.vfork4j.linux.Posix;
import dev.vfork4j.spawn.asm.ChildRoutine;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * VFORK and FORK: clone3 through the child routine, which runs the plan's steps as raw
 * syscalls on its own stack and execs. VFORK shares this process's memory (CLONE_VM) and
 * costs the same whatever the JVM's size; FORK is a copy-on-write copy, for measuring what
 * vfork saves. Both wait for the exec (CLONE_VFORK), so a failing step comes back as a
 * SpawnException naming it, and both clear every signal handler in the child
 * (CLONE_CLEAR_SIGHAND) so no JVM handler can ever run there.
 *
 * <p>Order of the steps (each a raw syscall): setsid/setpgid, setgroups, setresgid,
 * setresuid, chdir, PR_SET_PDEATHSIG and the getppid check, the fds (the child shares this
 * process's fd table until close_range(bound, ~0, CLOSE_RANGE_UNSHARE) gives it a copy of the
 * low fds it needs; then dup3 into place and close_range around the kept ones), prlimit64, umask, PR_SET_NO_NEW_PRIVS,
 * the signal dispositions ({@link SignalDefaults}: SIG_DFL for SIGPIPE and for every signal
 * not ignored at launch, since CLONE_CLEAR_SIGHAND resets handlers but keeps SIG_IGN), the
 * signal mask, then execve over the candidate paths, each with /bin/sh as the fallback for a
 * script without {@code #!} (ENOEXEC), as execvp and the JDK do.
 */
public final class CloneLauncher implements Launcher {
    private final boolean shareMemory;

    /** @param shareMemory true for VFORK (CLONE_VM), false for FORK */
    public CloneLauncher(boolean shareMemory) {
        this.shareMemory = shareMemory;
    }

    /**
     * The standard streams are opened here, on the caller's thread (as the JDK opens redirect
     * files): an open that blocks (a FIFO with no writer) holds up this caller only, never the
     * spawner thread that every parentDeathSignal spawn goes through.
     *
     * @throws java.io.InterruptedIOException a parentDeathSignal spawn whose caller was
     *     interrupted while waiting for the spawner thread (nothing is left behind)
     */
    @Override
    public Spawned spawn(SpawnRequest r) throws IOException {
        routine(r); // installed at the first spawn: no probe child comes before it (see Availability)
        FdLimit.check(r); // before anything is opened
        Stdio stdio = Stdio.open(r);
        if (r.attributes().parentDeathSignal() != null && !SpawnerThread.isCurrent()) {
            return SpawnerThread.run(r, () -> spawnHere(r, stdio), stdio::close);
        }
        try (stdio) {
            return spawnHere(r, stdio);
        }
    }

    /** Makes the child with {@code stdio}, which the caller closes afterwards (a no-op for what was handed over). */
    private Spawned spawnHere(SpawnRequest r, Stdio stdio) throws SpawnException {
        Arch.Sys sys = Arch.require().sys;
        ChildAttributes a = r.attributes();
        List<Integer> toClose = new ArrayList<>();
        MemorySegment sharedSlot = null;
        long toDefault = SignalDefaults.toDefault(a);
        try (SpawnPlan plan = new SpawnPlan(); LowFds.Loan loan = LowFds.borrow()) {
            if (a.newSession()) {
                plan.check(Step.SESSION, "setsid", sys.setsid());
            }
            if (a.processGroup() >= 0) {
                plan.check(Step.PROCESS_GROUP, "setpgid(0, " + a.processGroup() + ")", sys.setpgid(), 0, a.processGroup());
            }
            if (a.credentials() != null) {
                var c = a.credentials();
                MemorySegment groups = plan.arena.allocate(ValueLayout.JAVA_INT, Math.max(1, c.groups().length));
                MemorySegment.copy(c.groups(), 0, groups, ValueLayout.JAVA_INT, 0, c.groups().length);
                plan.check(Step.CREDENTIALS, "setgroups", sys.setgroups(), c.groups().length, groups.address());
                plan.check(Step.CREDENTIALS, "setresgid(" + c.gid() + ")", sys.setresgid(), c.gid(), c.gid(), c.gid());
                plan.check(Step.CREDENTIALS, "setresuid(" + c.uid() + ")", sys.setresuid(), c.uid(), c.uid(), c.uid());
            }
            if (r.directory() != null) {
                plan.check(Step.CHDIR, null, sys.chdir(), plan.cString(r.directory().toString()).address());
            }
            if (a.parentDeathSignal() != null) {
                plan.check(Step.PARENT_DEATH_SIGNAL, "prctl(PR_SET_PDEATHSIG)", sys.prctl(), PR_SET_PDEATHSIG,
                    a.parentDeathSignal().number());
                // The JVM may have died between the clone and the prctl: then the child has a new parent.
                plan.expect(Step.PARENT_DEATH_SIGNAL, "the parent died before the child could watch it",
                    sys.getppid(), LibC.getpid(), ESRCH);
            }
            planFds(plan, sys, stdio, a.keptFds(), loan, toClose);
            for (Map.Entry<Resource, long[]> e : a.limits().entrySet()) {
                MemorySegment rlim = plan.arena.allocate(ValueLayout.JAVA_LONG, 2);
                rlim.set(ValueLayout.JAVA_LONG, 0, rlimit(e.getValue()[0]));
                rlim.set(ValueLayout.JAVA_LONG, 8, rlimit(e.getValue()[1]));
                plan.check(Step.RLIMIT, "prlimit64(" + e.getKey() + ")", sys.prlimit64(), 0, e.getKey().number(),
                    rlim.address(), 0);
            }
            if (a.umask() >= 0) {
                plan.ignore(Step.UMASK, sys.umask(), a.umask());
            }
            if (a.noNewPrivileges()) {
                plan.check(Step.NO_NEW_PRIVS, "prctl(PR_SET_NO_NEW_PRIVS)", sys.prctl(), PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
            }
            plan.signalDefaults(Step.SIGNAL_MASK, "rt_sigaction(SIG_DFL) of the signals not ignored at launch",
                SignalDefaults.rtSigactionNr(), toDefault);
            if (a.glibcSignalsIgnored()) {
                plan.signalsIgnored(Step.SIGNAL_MASK, "rt_sigaction(SIG_IGN) of signals 32 and 33, as the JDK's children have them",
                    SignalDefaults.rtSigactionNr(), SignalDefaults.GLIBC_INTERNAL);
            }
            MemorySegment mask = plan.arena.allocate(ValueLayout.JAVA_LONG);
            for (Signal s : a.signalMask()) {
                mask.set(ValueLayout.JAVA_LONG, 0, mask.get(ValueLayout.JAVA_LONG, 0) | (1L << (s.number() - 1)));
            }
            plan.check(Step.SIGNAL_MASK, "rt_sigprocmask", Arch.require().sysRtSigprocmask, 2 /* SIG_SETMASK */,
                mask.address(), 0, 8);
            MemorySegment argv = NativeStrings.array(plan.arena, r.argv());
            MemorySegment envp = NativeStrings.environment(plan.arena, r.environment());
            MemorySegment shell = plan.cString(NativeStrings.shell());
            for (String candidate : ExecCandidates.of(r.program())) {
                MemorySegment path = plan.cString(candidate);
                plan.exec(sys.execve(), path, argv, envp, shell,
                    NativeStrings.shellArray(plan.arena, shell, path, argv, r.argv().size()));
            }

            int cgroupFd = -1;
            if (a.cgroup() != null) {
                try {
                    cgroupFd = Posix.open(a.cgroup().toString(), O_RDONLY, 0);
                    toClose.add(cgroupFd);
                } catch (ErrnoException e) {
                    throw Failures.spawnException(r, Step.CGROUP, e.errno(), a.cgroup().toString());
                }
            }
            MemorySegment slot;
            if (shareMemory) {
                slot = plan.arena.allocate(ValueLayout.JAVA_INT, 2);
            } else {
                try {
                    sharedSlot = Posix.mapAnonymous(4096, PROT_READ | PROT_WRITE, true);
                } catch (ErrnoException e) {
                    throw Failures.spawnException(r, Step.CLONE, e.errno(), "mmap of the error slot");
                }
                slot = sharedSlot;
            }
            long flags = CLONE_VFORK | CLONE_PIDFD | CLONE_CLEAR_SIGHAND | CLONE_FILES | (shareMemory ? CLONE_VM : 0)
                | (cgroupFd >= 0 ? CLONE_INTO_CGROUP : 0);
            MemorySegment header = plan.build(flags, cgroupFd, slot);

            ChildRoutine routine = routine(r);
            StartTime.Clock clock = StartTime.Clock.in(plan.arena);
            long before = clock.bootNanos();
            long pid = routine.call(header);
            long after = clock.bootNanos();

            if (pid < 0) {
                int errno = (int) -pid;
                boolean cgroupProblem = cgroupFd >= 0 && errno != EAGAIN && errno != ENOMEM;
                throw Failures.spawnException(r, cgroupProblem ? Step.CGROUP : Step.CLONE, errno,
                    cgroupProblem ? a.cgroup().toString() : "clone3");
            }
            int pidfd = header.get(ValueLayout.JAVA_INT, dev.vfork4j.spawn.asm.PlanLayout.PIDFD);
            int failedStep = slot.get(ValueLayout.JAVA_INT, 0);
            if (failedStep >= 0) {
                int errno = slot.get(ValueLayout.JAVA_INT, 4);
                Posix.reap(pidfd);
                Posix.close(pidfd);
                throw Failures.spawnException(r, plan.stepName(failedStep), errno, plan.stepDetail(failedStep));
            }
            Spawned s = new Spawned(pid, pidfd, stdio.parentEnd(0), stdio.parentEnd(1), stdio.parentEnd(2),
                StartTime.tick(before, after));
            stdio.handOver();
            return s;
        } finally {
            for (int fd : toClose) {
                Posix.close(fd);
            }
            if (sharedSlot != null) {
                Posix.unmap(sharedSlot);
            }
        }
    }

    /**
     * Takes the fd slots a spawn lends its child's standard streams ({@link LowFds}) now, while
     * this JVM's fd numbers are presumably still low, rather than at the first spawn. For the
     * agent's warm-up at premain; never throws.
     */
    public static void reserveLowFds() {
        LowFds.reserve();
    }

    /**
     * The child routine, installed at the first call: an mmap or mprotect that fails (ENOMEM, or
     * EACCES where a policy forbids executable mappings) fails the spawn at CLONE, naming it.
     */
    private static ChildRoutine routine(SpawnRequest r) throws SpawnException {
        try {
            return ChildRoutine.get();
        } catch (IllegalStateException e) {
            if (e.getCause() instanceof ErrnoException cause) {
                throw Failures.spawnException(r, Step.CLONE, cause.errno(),
                    "the child routine could not be set up: " + cause.getMessage());
            }
            throw e;
        }
    }

    /**
     * Probes this mechanism for real: a child that runs one step bound to fail (getppid
     * compared with -1) must come back through the slot with ESRCH and be reaped through its
     * pidfd. Whether the answer is definitive is decided by the errno: EAGAIN, ENOMEM, EMFILE…
     * say "not now", and the caller probes again at the next spawn.
     */
    Availability.Answer probe() {
        Arch.Sys sys = Arch.require().sys;
        MemorySegment sharedSlot = null;
        try (SpawnPlan plan = new SpawnPlan()) {
            plan.expect(Step.EXEC, "probe", sys.getppid(), -1, ESRCH);
            MemorySegment slot = shareMemory ? plan.arena.allocate(ValueLayout.JAVA_INT, 2)
                : (sharedSlot = Posix.mapAnonymous(4096, PROT_READ | PROT_WRITE, true));
            long flags = CLONE_VFORK | CLONE_PIDFD | CLONE_CLEAR_SIGHAND | (shareMemory ? CLONE_VM : 0);
            MemorySegment header = plan.build(flags, -1, slot);
            long pid = ChildRoutine.get().call(header);
            if (pid < 0) {
                return cloneFailure((int) -pid);
            }
            int pidfd = header.get(ValueLayout.JAVA_INT, dev.vfork4j.spawn.asm.PlanLayout.PIDFD);
            Posix.reap(pidfd);
            Posix.close(pidfd);
            int step = slot.get(ValueLayout.JAVA_INT, 0);
            int errno = slot.get(ValueLayout.JAVA_INT, 4);
            return step == 0 && errno == ESRCH ? Availability.Answer.AVAILABLE : Availability.Answer.definitive(
                "the child routine's probe came back with step " + step + ", errno " + errno + " instead of 0, ESRCH");
        } catch (ErrnoException e) {
            return setUpFailure(e); // FORK's shared slot
        } catch (RuntimeException e) {
            if (e instanceof IllegalStateException && e.getCause() instanceof ErrnoException cause) {
                return setUpFailure(cause); // the routine's own mapping
            }
            return Availability.Answer.definitive("the child routine could not run: " + e);
        } finally {
            if (sharedSlot != null) {
                Posix.unmap(sharedSlot);
            }
        }
    }

    /** An mmap for the probe failed: ENOMEM passes, anything else is a verdict. */
    private static Availability.Answer setUpFailure(ErrnoException e) {
        String problem = "the child routine could not be set up: " + e.getMessage();
        return Availability.isTransient(e.errno()) ? new Availability.Answer(problem, e.errno(), Step.CLONE)
            : Availability.Answer.definitive(problem);
    }

    /** What clone3 failing with {@code errno} in the probe says about this mechanism. */
    private Availability.Answer cloneFailure(int errno) {
        String call = "clone3(" + (shareMemory ? "CLONE_VM | " : "") + "CLONE_VFORK | CLONE_CLEAR_SIGHAND | CLONE_PIDFD) failed: "
            + Availability.describe(errno);
        if (Availability.isTransient(errno)) {
            return new Availability.Answer(call, errno, Step.CLONE);
        }
        return Availability.Answer.definitive(call + switch (errno) {
            case ENOSYS -> ": this kernel has no clone3 (Linux 5.3 or newer is needed)";
            case EINVAL -> ": this kernel refuses one of the flags (CLONE_CLEAR_SIGHAND needs Linux 5.5 or newer)";
            case EPERM -> ": refused by a seccomp policy or a security module";
            default -> "";
        });
    }

    private static long rlimit(long value) {
        return value == Resource.UNLIMITED ? RLIM_INFINITY : value;
    }

    /**
     * dup3 every source into its target, then close_range around the targets kept. A source
     * that is itself a target number (or below one) is first copied above every target in the
     * parent, so placing one fd can never overwrite the source of another. The standard
     * streams' sources are first copied onto {@link LowFds}' low slots where one fits and is worth
     * it, so the unshare copies only the low part of this process's fd table.
     */
    private static void planFds(SpawnPlan plan, Arch.Sys sys, Stdio stdio, Map<Integer, Integer> kept,
                                LowFds.Loan loan, List<Integer> toClose) throws SpawnException {
        int maxTarget = kept.isEmpty() ? 2 : Math.max(2, ((java.util.SortedMap<Integer, Integer>) kept).lastKey());
        List<int[]> moves = new ArrayList<>(); // {source, target}
        for (int target = 0; target < 3; target++) {
            if (stdio.source(target) != Stdio.INHERIT) {
                moves.add(new int[] {stdio.source(target), target});
            }
        }
        for (Map.Entry<Integer, Integer> e : kept.entrySet()) {
            if (!Posix.isOpen(e.getValue())) {
                throw Failures.spawnException(stdio.request(), Step.FDS, EBADF,
                    "keepFd(" + e.getValue() + ", " + e.getKey() + "): fd " + e.getValue() + " is not open");
            }
            moves.add(new int[] {e.getValue(), e.getKey()});
        }
        int bound = maxTarget + 1; // every fd the child keeps or copies from is below this
        for (int[] m : moves) {
            int slot = m[1] < 3 ? loan.place(m[0], maxTarget) : -1;
            if (slot >= 0) {
                m[0] = slot;
            } else if (m[0] <= maxTarget) {
                try {
                    m[0] = Posix.dupCloexec(m[0], maxTarget + 1);
                } catch (ErrnoException e) {
                    throw Failures.spawnException(stdio.request(), Step.FDS, e.errno(), FdLimit.movingFailed(m[0], maxTarget, e));
                }
                toClose.add(m[0]);
            }
            bound = Math.max(bound, m[0] + 1);
        }
        // The child shares this process's fd table (CLONE_FILES) until this first fd step, which
        // gives it a private copy of fds 0..bound-1 only and drops the rest: a JVM with 10,000
        // open fds no longer pays for copying them all into every child and closing them there.
        // No earlier step touches fds, so nothing reaches this process's table.
        plan.check(Step.FDS, "close_range(" + bound + ", ~0, CLOSE_RANGE_UNSHARE)", SYS_CLOSE_RANGE, bound,
            0xFFFF_FFFFL, CLOSE_RANGE_UNSHARE);
        for (int[] m : moves) {
            plan.check(Step.FDS, "dup3(" + m[0] + ", " + m[1] + ")", sys.dup3(), m[0], m[1], 0);
        }
        if (stdio.stderrToStdout()) {
            plan.check(Step.FDS, "dup3(1, 2)", sys.dup3(), 1, 2, 0);
        }
        // The unshare left only fds below bound: close the ones among them that are not kept
        // (kept is sorted). With nothing kept or copied from, bound is 3 and no step is needed.
        long from = 3;
        for (int target : kept.keySet()) {
            closeRange(plan, from, target - 1L);
            from = target + 1L;
        }
        closeRange(plan, from, bound - 1L);
    }

    private static void closeRange(SpawnPlan plan, long first, long last) {
        if (first <= last) {
            plan.check(Step.FDS, "close_range(" + first + ", " + last + ")", SYS_CLOSE_RANGE, first, last, 0);
        }
    }
}
