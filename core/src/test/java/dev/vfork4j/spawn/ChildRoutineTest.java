package dev.vfork4j.spawn;

import static dev.vfork4j.linux.Linux.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vfork4j.SpawnException.Step;
import dev.vfork4j.linux.Arch;
import dev.vfork4j.linux.CallState;
import dev.vfork4j.linux.LibC;
import dev.vfork4j.linux.Posix;
import dev.vfork4j.linux.Siginfo;
import dev.vfork4j.spawn.asm.ChildRoutine;
import dev.vfork4j.spawn.asm.LabRoutine;
import dev.vfork4j.spawn.asm.PlanLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The child routine on hand-made plans: each step kind, the execvp rules, the slot and the reap. */
class ChildRoutineTest {
    private static final Arch.Sys SYS = Arch.require().sys;

    /** What came back from one run of a plan: the slot and the child's wait status. */
    record Result(long pid, int step, int errno, int siCode, int siStatus) {}

    static Result run(SpawnPlan plan, boolean shareMemory) throws Exception {
        return run(ChildRoutine.get(), plan, shareMemory);
    }

    static Result run(ChildRoutine routine, SpawnPlan plan, boolean shareMemory) throws Exception {
        MemorySegment slot = shareMemory ? plan.arena.allocate(ValueLayout.JAVA_INT, 2)
            : Posix.mapAnonymous(4096, PROT_READ | PROT_WRITE, true);
        try {
            long flags = CLONE_VFORK | CLONE_PIDFD | CLONE_CLEAR_SIGHAND | (shareMemory ? CLONE_VM : 0);
            MemorySegment header = plan.build(flags, -1, slot);
            long pid = routine.call(header);
            assertThat(pid).as("clone3 result").isPositive();
            int pidfd = header.get(ValueLayout.JAVA_INT, PlanLayout.PIDFD);
            assertThat(pidfd).isGreaterThan(2);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment info = a.allocate(Siginfo.LAYOUT);
                assertThat(LibC.waitid(CallState.allocate(a), P_PIDFD, pidfd, info, WEXITED)).isZero();
                Posix.close(pidfd);
                return new Result(pid, slot.get(ValueLayout.JAVA_INT, 0), slot.get(ValueLayout.JAVA_INT, 4),
                    Siginfo.code(info), Siginfo.status(info));
            }
        } finally {
            if (!shareMemory) {
                Posix.unmap(slot);
            }
        }
    }

    private static void exec(SpawnPlan plan, String path, List<String> argv) {
        plan.exec(SYS.execve(), plan.cString(path), NativeStrings.array(plan.arena, argv),
            NativeStrings.environment(plan.arena, java.util.Map.of()));
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void execsTheFirstCandidateThatExistsAndReportsNothing(boolean vm) throws Exception {
        try (SpawnPlan plan = new SpawnPlan()) {
            exec(plan, "/nonexistent/true", List.of("true"));
            exec(plan, "/bin/sh", List.of("sh", "-c", "exit 7"));
            Result r = run(plan, vm);
            assertThat(r.step()).isEqualTo(-1);
            assertThat(r.siCode()).isEqualTo(CLD_EXITED);
            assertThat(r.siStatus()).isEqualTo(7);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aFailingCheckStepReportsItsIndexAndErrnoAndExits127(boolean vm) throws Exception {
        try (SpawnPlan plan = new SpawnPlan()) {
            plan.check(Step.UMASK, null, SYS.umask(), 022);                       // 0: succeeds
            plan.check(Step.CHDIR, null, SYS.chdir(), plan.cString("/nonexistent").address()); // 1: ENOENT
            exec(plan, "/bin/true", List.of("true"));
            Result r = run(plan, vm);
            assertThat(r.step()).isEqualTo(1);
            assertThat(r.errno()).isEqualTo(ENOENT);
            assertThat(r.siStatus()).isEqualTo(127);
            assertThat(plan.stepName(r.step())).isEqualTo(Step.CHDIR);
        }
    }

    @Test
    void anIgnoredStepsFailureDoesNotStopThePlan() throws Exception {
        try (SpawnPlan plan = new SpawnPlan()) {
            plan.ignore(Step.FDS, SYS.dup3(), 987_654, 5, 0); // EBADF, ignored
            exec(plan, "/bin/true", List.of("true"));
            Result r = run(plan, true);
            assertThat(r.step()).isEqualTo(-1);
            assertThat(r.siStatus()).isZero();
        }
    }

    @Test
    void anExpectStepReportsItsOwnErrnoWhenTheResultDiffers() throws Exception {
        try (SpawnPlan plan = new SpawnPlan()) {
            plan.expect(Step.PARENT_DEATH_SIGNAL, null, SYS.getppid(), LibC.getpid(), ESRCH); // 0: holds
            plan.expect(Step.PARENT_DEATH_SIGNAL, null, SYS.getppid(), -42, E2BIG);          // 1: differs
            Result r = run(plan, true);
            assertThat(r.step()).isEqualTo(1);
            assertThat(r.errno()).isEqualTo(E2BIG);
        }
    }

    @Test
    void execSearchRemembersEaccesOverLaterEnoent(@TempDir Path dir) throws Exception {
        Path notExecutable = Files.writeString(dir.resolve("prog"), "#!/bin/sh\n");
        try (SpawnPlan plan = new SpawnPlan()) {
            exec(plan, dir.resolve("missing").toString(), List.of("x"));
            exec(plan, notExecutable.toString(), List.of("x"));
            exec(plan, dir.resolve("missing-too").toString(), List.of("x"));
            Result r = run(plan, true);
            assertThat(r.errno()).isEqualTo(EACCES);
            assertThat(r.step()).isEqualTo(2);
        }
    }

    @Test
    void execSearchStopsAtAnErrorOtherThanNotFound(@TempDir Path dir) throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage"), "\u0001\u0002 not an executable");
        garbage.toFile().setExecutable(true);
        try (SpawnPlan plan = new SpawnPlan()) {
            exec(plan, garbage.toString(), List.of("x"));
            exec(plan, "/bin/true", List.of("true")); // never reached
            Result r = run(plan, true);
            assertThat(r.errno()).isEqualTo(ENOEXEC);
            assertThat(r.step()).isZero();
        }
    }

    private static void execWithShell(SpawnPlan plan, String path, List<String> argv) {
        MemorySegment file = plan.cString(path);
        MemorySegment args = NativeStrings.array(plan.arena, argv);
        MemorySegment shell = plan.cString(NativeStrings.shell());
        plan.exec(SYS.execve(), file, args, NativeStrings.environment(plan.arena, java.util.Map.of()), shell,
            NativeStrings.shellArray(plan.arena, shell, file, args, argv.size()));
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aFileInNoExecutableFormatIsRunByTheShellWithItsPathAndTheOtherArguments(boolean vm, @TempDir Path dir)
        throws Exception {
        Path out = dir.resolve("out");
        Path script = Files.writeString(dir.resolve("script"), "printf '%s\\n' \"$0\" \"$@\" > '" + out + "'\nexit 5\n");
        script.toFile().setExecutable(true);
        try (SpawnPlan plan = new SpawnPlan()) {
            exec(plan, dir.resolve("missing").toString(), List.of("x"));
            execWithShell(plan, script.toString(), List.of("argv0 is not passed on", "a", "b c", ""));
            exec(plan, "/bin/true", List.of("true")); // never reached: the shell ran
            Result r = run(plan, vm);
            assertThat(r.step()).isEqualTo(-1);
            assertThat(r.siStatus()).isEqualTo(5);
        }
        // {"/bin/sh", path, argv[1], ...}: $0 is the path, argv[0] is dropped, as execvp and the JDK do.
        assertThat(Files.readString(out)).isEqualTo(script + "\na\nb c\n\n");
    }

    @Test
    void withOnlyOneArgumentTheShellGetsThePathAlone(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        Path script = Files.writeString(dir.resolve("script"), "echo \"$# $0\" > '" + out + "'\n");
        script.toFile().setExecutable(true);
        try (SpawnPlan plan = new SpawnPlan()) {
            execWithShell(plan, script.toString(), List.of("script"));
            assertThat(run(plan, true).siStatus()).isZero();
        }
        assertThat(Files.readString(out)).isEqualTo("0 " + script + "\n");
    }

    @Test
    void theShellIsTriedOnlyAfterEnoexec(@TempDir Path dir) throws Exception {
        // Not executable: EACCES, remembered, and the search goes on without running the shell.
        Path notExecutable = Files.writeString(dir.resolve("script"), "touch '" + dir.resolve("ran") + "'\n");
        try (SpawnPlan plan = new SpawnPlan()) {
            execWithShell(plan, notExecutable.toString(), List.of("x"));
            Result r = run(plan, true);
            assertThat(r.errno()).isEqualTo(EACCES);
        }
        assertThat(dir.resolve("ran")).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aSignalDefaultStepResetsExactlyTheSignalsInItsSet(boolean vm, @TempDir Path dir) throws Throwable {
        int sigusr1 = 10, sigurg = 23;
        Path out = dir.resolve("status");
        try (AutoCloseable _ = dev.vfork4j.linux.NativeSignal.ignore(sigusr1);
             AutoCloseable _ = dev.vfork4j.linux.NativeSignal.ignore(sigurg);
             SpawnPlan plan = new SpawnPlan()) {
            plan.signalDefaults(Step.SIGNAL_MASK, null, SignalDefaults.rtSigactionNr(),
                SignalDefaults.bit(sigusr1) | SignalDefaults.bit(13) | SignalDefaults.bit(64));
            exec(plan, "/bin/sh", List.of("sh", "-c", "cat /proc/self/status > '" + out + "'"));
            Result r = run(plan, vm);
            assertThat(r.step()).isEqualTo(-1);
            assertThat(r.siStatus()).isZero();
        }
        long ignored = dev.vfork4j.linux.NativeSignal.ignored(Files.readString(out));
        assertThat(ignored & SignalDefaults.bit(sigusr1)).as("SIGUSR1, in the set: reset").isZero();
        assertThat(ignored & SignalDefaults.bit(sigurg)).as("SIGURG, not in the set: still ignored").isNotZero();
    }

    @Test
    void aSignalDefaultStepThatFailsReportsItsIndexAndErrno() throws Exception {
        try (SpawnPlan plan = new SpawnPlan()) {
            plan.check(Step.UMASK, null, SYS.umask(), 022);
            // SIGKILL's action cannot be changed: EINVAL.
            plan.signalDefaults(Step.SIGNAL_MASK, null, SignalDefaults.rtSigactionNr(),
                SignalDefaults.bit(1) | SignalDefaults.bit(9));
            exec(plan, "/bin/true", List.of("true"));
            Result r = run(plan, true);
            assertThat(r.step()).isEqualTo(1);
            assertThat(r.errno()).isEqualTo(EINVAL);
            assertThat(r.siStatus()).isEqualTo(127);
        }
    }

    @Test
    void withNoCandidatesTheChildReportsEnoent() throws Exception {
        try (SpawnPlan plan = new SpawnPlan()) {
            plan.check(Step.UMASK, null, SYS.umask(), 022);
            Result r = run(plan, true);
            assertThat(r.errno()).isEqualTo(ENOENT);
            assertThat(r.step()).isZero();
        }
    }

    @Test
    void theChildNeverWritesOutsideThePlanInSharedMemory() throws Exception {
        // With CLONE_VM the child runs in this JVM's memory: a canary next to the plan must be untouched.
        try (SpawnPlan plan = new SpawnPlan()) {
            MemorySegment canary = plan.arena.allocate(4096);
            canary.fill((byte) 0x5A);
            plan.check(Step.CHDIR, null, SYS.chdir(), plan.cString("/nonexistent").address());
            run(plan, true);
            for (long i = 0; i < canary.byteSize(); i++) {
                assertThat(canary.get(ValueLayout.JAVA_BYTE, i)).isEqualTo((byte) 0x5A);
            }
        }
    }

    @Test
    void childStacksAreReusedWhenNoChildCanStillBeOnThem() throws Exception {
        long flags = CLONE_VFORK | CLONE_PIDFD | CLONE_VM;
        long first;
        try (SpawnPlan plan = new SpawnPlan()) {
            first = plan.build(flags, -1, plan.arena.allocate(8)).get(ValueLayout.JAVA_LONG, PlanLayout.CLONE_ARGS + 40);
        }
        try (SpawnPlan plan = new SpawnPlan()) {
            long second = plan.build(flags, -1, plan.arena.allocate(8)).get(ValueLayout.JAVA_LONG, PlanLayout.CLONE_ARGS + 40);
            assertThat(second).as("the stack given back is taken again").isEqualTo(first);
        }
        // Sharing memory without waiting for the exec: the child may still be on its stack, never reused.
        long shared;
        try (SpawnPlan plan = new SpawnPlan()) {
            shared = plan.build(CLONE_VM, -1, plan.arena.allocate(8)).get(ValueLayout.JAVA_LONG, PlanLayout.CLONE_ARGS + 40);
        }
        try (SpawnPlan plan = new SpawnPlan()) {
            long next = plan.build(flags, -1, plan.arena.allocate(8)).get(ValueLayout.JAVA_LONG, PlanLayout.CLONE_ARGS + 40);
            assertThat(next).isNotEqualTo(shared);
        }
    }

    @Test
    void aStoreStepWritesThroughTheLabsRoutineAndNeverThroughTheShippedOne() throws Exception {
        // The shipped routine has no code for kind 4: it runs the step as the syscall its nr
        // field names (0: read on x86_64, io_setup on aarch64, here with a bad fd or count)
        // under CHECK's rule, and the cell, which a child sharing this memory would change, stays.
        for (ChildRoutine routine : List.of(ChildRoutine.get(), LabRoutine.get())) {
            try (SpawnPlan plan = new SpawnPlan()) {
                MemorySegment cell = plan.arena.allocate(ValueLayout.JAVA_INT);
                cell.set(ValueLayout.JAVA_INT, 0, 10);
                plan.labStep(LabRoutine.KIND_STORE, cell.address(), 999);
                plan.ignore(null, SYS.exitGroup(), 0);
                Result r = run(routine, plan, true);
                assertThat(r.siCode()).isEqualTo(CLD_EXITED);
                assertThat(cell.get(ValueLayout.JAVA_INT, 0)).as(routine == LabRoutine.get() ? "lab" : "shipped")
                    .isEqualTo(routine == LabRoutine.get() ? 999 : 10);
            }
        }
    }

    @Test
    void theLabsRoutineIsMappedApartAndReadAndExecuteOnlyToo() throws Exception {
        assertThat(LabRoutine.get().code().address()).isNotEqualTo(ChildRoutine.get().code().address());
        assertThat(mapping(LabRoutine.get().code().address()).split(" ")[1]).isEqualTo("r-xp");
    }

    private static String mapping(long start) throws Exception {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream()
            .filter(l -> {
                String[] range = l.split(" ")[0].split("-");
                return Long.parseUnsignedLong(range[0], 16) <= start && start < Long.parseUnsignedLong(range[1], 16);
            }).findFirst().orElseThrow();
    }

    @Test
    void theRoutineIsMappedReadAndExecuteOnly() throws Exception {
        assertThat(mapping(ChildRoutine.get().code().address()).split(" ")[1]).isEqualTo("r-xp");
    }
}
