package dev.vfork4j.spawn;

import static dev.vfork4j.spawn.asm.PlanLayout.*;

import dev.vfork4j.SpawnException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One spawn laid out in native memory for the child routine: the step table, the strings
 * and arrays the steps point to, the child's stack and the clone3 arguments, all in one
 * confined Arena freed when the spawn is over. The child reads nothing else.
 */
final class SpawnPlan implements AutoCloseable {
    /**
     * The shipped routine's child uses no stack of its own (it calls nothing); this leaves room
     * for the kernel. A lab plan, whose child may call C functions, gives its own size.
     */
    static final int STACK_SIZE = 32 * 1024;

    private record Step(int kind, long nr, long[] args, long expected, int errno, SpawnException.Step name,
                        String detail) {}

    final Arena arena = Arena.ofConfined();
    private final List<Step> steps = new ArrayList<>();
    private MemorySegment stack;
    private boolean stackPooled;

    /**
     * Child stacks, reused: a fresh one would be allocated and zeroed (32 KiB) for every spawn.
     * Reuse is safe because clone3 returns only after the child has exec'd or exited
     * (CLONE_VFORK), so no child is still on a stack given back. At most {@link #POOLED} are
     * kept; the memory of those is never freed, the others go with the spawn's arena.
     */
    private static final ConcurrentLinkedQueue<MemorySegment> STACKS =
        new ConcurrentLinkedQueue<>();
    private static final AtomicInteger POOLED_COUNT = new AtomicInteger();
    static final int POOLED = 32;

    /** A step whose failure fails the spawn at {@code name}. */
    void check(SpawnException.Step name, String detail, long nr, long... args) {
        steps.add(new Step(KIND_CHECK, nr, args, 0, 0, name, detail));
    }

    /** A step whose result does not matter. */
    void ignore(SpawnException.Step name, long nr, long... args) {
        steps.add(new Step(KIND_IGNORE, nr, args, 0, 0, name, null));
    }

    /** A step whose result must be {@code expected}, else the spawn fails with {@code errno}. */
    void expect(SpawnException.Step name, String detail, long nr, long expected, int errno) {
        steps.add(new Step(KIND_EXPECT, nr, new long[0], expected, errno, name, detail));
    }

    /** execve of one candidate path, with no fallback when the file is not an executable format. */
    void exec(long execveNr, MemorySegment path, MemorySegment argv, MemorySegment envp) {
        steps.add(new Step(KIND_EXEC, execveNr, new long[] {path.address(), argv.address(), envp.address()},
            0, 0, SpawnException.Step.EXEC, null));
    }

    /**
     * execve of one candidate path; when the kernel refuses it with ENOEXEC, execve of
     * {@code shell} with {@code shellArgv} ({"/bin/sh", path, argv[1], ...}) and the same envp.
     */
    void exec(long execveNr, MemorySegment path, MemorySegment argv, MemorySegment envp, MemorySegment shell,
              MemorySegment shellArgv) {
        steps.add(new Step(KIND_EXEC, execveNr, new long[] {path.address(), argv.address(), envp.address(),
            shell.address(), shellArgv.address()}, 0, 0, SpawnException.Step.EXEC, null));
    }

    /**
     * Sets every signal in {@code signals} (bit n-1 for signal n) to SIG_DFL with
     * {@code rt_sigaction}; a failure fails the spawn at {@code name}.
     */
    void signalDefaults(SpawnException.Step name, String detail, long rtSigactionNr, long signals) {
        signalAction(name, detail, rtSigactionNr, signals, 0 /* SIG_DFL */);
    }

    /** As {@link #signalDefaults}, to SIG_IGN. */
    void signalsIgnored(SpawnException.Step name, String detail, long rtSigactionNr, long signals) {
        signalAction(name, detail, rtSigactionNr, signals, 1 /* SIG_IGN */);
    }

    private void signalAction(SpawnException.Step name, String detail, long rtSigactionNr, long signals, long handler) {
        // The kernel's struct sigaction with the handler, no flags, no restorer and an empty mask:
        // the SIG_DEFAULT step sets each signal of the set to it, whichever handler it names.
        MemorySegment action = arena.allocate(32, 8);
        action.set(ValueLayout.JAVA_LONG, 0, handler);
        steps.add(new Step(KIND_SIG_DEFAULT, rtSigactionNr, new long[] {signals, action.address()}, 0, 0, name, detail));
    }

    /**
     * A step of one of the lab's kinds ({@code LabRoutine.KIND_STORE}, {@code KIND_CALL}), laid
     * out for {@code LabPlan}: only the lab's routine has code for them, and no spawn adds one.
     */
    void labStep(int kind, long... args) {
        steps.add(new Step(kind, 0, args, 0, 0, null, null));
    }

    /** A NUL-terminated copy of {@code s}, encoded as the JDK encodes paths and arguments, for a step to point to. */
    MemorySegment cString(String s) {
        return dev.vfork4j.linux.PlatformStrings.cString(arena, s);
    }

    SpawnException.Step stepName(int index) {
        return steps.get(index).name();
    }

    String stepDetail(int index) {
        return steps.get(index).detail();
    }

    int size() {
        return steps.size();
    }

    /**
     * Lays out the header: clone3 arguments, masks, the step table. {@code slot} receives
     * {step index, errno} from a child that fails; it must be shared memory when the child
     * does not share this process's memory.
     */
    MemorySegment build(long cloneFlags, int cgroupFd, MemorySegment slot) {
        return build(cloneFlags, cgroupFd, slot, STACK_SIZE);
    }

    /** As {@link #build(long, int, MemorySegment)}, with a child stack of {@code stackSize} bytes (a multiple of 16). */
    MemorySegment build(long cloneFlags, int cgroupFd, MemorySegment slot, int stackSize) {
        MemorySegment table = arena.allocate((long) STEP_SIZE * Math.max(1, steps.size()), 8);
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            long base = (long) i * STEP_SIZE;
            table.set(ValueLayout.JAVA_LONG, base + STEP_KIND, s.kind());
            table.set(ValueLayout.JAVA_LONG, base + STEP_NR, s.nr());
            for (int a = 0; a < s.args().length; a++) {
                table.set(ValueLayout.JAVA_LONG, base + stepArg(a), s.args()[a]);
            }
            table.set(ValueLayout.JAVA_LONG, base + STEP_EXPECTED, s.expected());
            table.set(ValueLayout.JAVA_LONG, base + STEP_ERRNO, s.errno());
        }
        // A pooled stack is given back when the plan closes: only safe when no child can still
        // be on it by then, i.e. clone3 waited for the exec (CLONE_VFORK) or the child runs on
        // its own copy of memory (no CLONE_VM).
        boolean reusable = stackSize == STACK_SIZE
            && ((cloneFlags & dev.vfork4j.linux.Linux.CLONE_VFORK) != 0 || (cloneFlags & dev.vfork4j.linux.Linux.CLONE_VM) == 0);
        stack = reusable ? STACKS.poll() : null;
        stackPooled = reusable && (stack != null || POOLED_COUNT.incrementAndGet() <= POOLED);
        if (stack == null) {
            stack = stackPooled ? Arena.global().allocate(stackSize, 16) : arena.allocate(stackSize, 16);
        }
        MemorySegment plan = arena.allocate(SIZE, 8);
        plan.set(ValueLayout.JAVA_LONG, CLONE_ARGS, cloneFlags);                      // flags
        plan.set(ValueLayout.JAVA_LONG, CLONE_ARGS + 8, plan.address() + PIDFD);      // pidfd
        plan.set(ValueLayout.JAVA_LONG, CLONE_ARGS + 32, dev.vfork4j.linux.Linux.SIGCHLD); // exit_signal
        plan.set(ValueLayout.JAVA_LONG, CLONE_ARGS + 40, stack.address());            // stack
        plan.set(ValueLayout.JAVA_LONG, CLONE_ARGS + 48, stackSize);                   // stack_size
        plan.set(ValueLayout.JAVA_LONG, CLONE_ARGS + 80, Math.max(0, cgroupFd));       // cgroup
        plan.set(ValueLayout.JAVA_LONG, SIGSET_ALL, -1L);
        plan.set(ValueLayout.JAVA_LONG, STEPS, table.address());
        plan.set(ValueLayout.JAVA_LONG, COUNT, steps.size());
        plan.set(ValueLayout.JAVA_LONG, SLOT, slot.address());
        plan.set(ValueLayout.JAVA_INT, PIDFD, -1);
        slot.set(ValueLayout.JAVA_INT, 0, -1);
        slot.set(ValueLayout.JAVA_INT, 4, 0);
        return plan;
    }

    @Override
    public void close() {
        if (stackPooled) {
            STACKS.add(stack);
        }
        arena.close();
    }
}
