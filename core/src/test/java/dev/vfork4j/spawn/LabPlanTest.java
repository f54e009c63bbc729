package dev.vfork4j.spawn;

import static dev.vfork4j.linux.Linux.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vfork4j.linux.Arch;
import dev.vfork4j.linux.CallState;
import dev.vfork4j.linux.LibC;
import dev.vfork4j.linux.Posix;
import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The lab's step kinds (STORE, CALL) and clone flags on real children. Every CALL here is of a
 * libc function that touches only memory the test owns, so running it in a child that shares
 * this JVM's memory is harmless.
 */
class LabPlanTest {

    private static MemorySegment libc(String name) {
        return Linker.nativeLinker().defaultLookup().find(name).orElseThrow();
    }

    @ParameterizedTest
    @EnumSource(LabPlan.Clone.class)
    void aStoreReachesTheParentOnlyWhenTheChildSharesItsMemory(LabPlan.Clone clone) throws Exception {
        try (Arena arena = Arena.ofConfined(); LabPlan plan = new LabPlan()) {
            MemorySegment val = arena.allocate(ValueLayout.JAVA_INT);
            val.set(ValueLayout.JAVA_INT, 0, 10);
            plan.store(val, 999).exit(0).start(clone);
            LabPlan.Ended ended = plan.waitFor();
            assertThat(ended.exitCode()).isZero();
            assertThat(ended.failedStep()).isEqualTo(-1);
            assertThat(val.get(ValueLayout.JAVA_INT, 0)).isEqualTo(clone == LabPlan.Clone.VFORK ? 999 : 10);
        }
    }

    @ParameterizedTest
    @EnumSource(LabPlan.Clone.class)
    void aCallPassesThreeArgumentsToTheFunction(LabPlan.Clone clone) throws Exception {
        // write(fd, buf, n) through libc: the bytes arrive in the pipe whatever the memory model.
        int[] pipe = Posix.pipe();
        try (Arena arena = Arena.ofConfined(); LabPlan plan = new LabPlan()) {
            MemorySegment text = arena.allocateFrom("from the child");
            plan.call("write", libc("write"), pipe[1], text.address(), 14).exit(3).start(clone);
            assertThat(plan.waitFor().exitCode()).isEqualTo(3);
            MemorySegment buf = arena.allocate(64);
            long n = LibC.read(CallState.allocate(arena), pipe[0], buf, 64);
            assertThat(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE)).asString().isEqualTo("from the child");
        } finally {
            Posix.close(pipe[0]);
            Posix.close(pipe[1]);
        }
    }

    @ParameterizedTest
    @EnumSource(LabPlan.Clone.class)
    void aCalledFunctionThatNeverReturnsEndsTheChild(LabPlan.Clone clone) throws Exception {
        try (LabPlan plan = new LabPlan()) {
            plan.call("_exit", libc("_exit"), 42).exit(1).start(clone);
            assertThat(plan.waitFor().exitCode()).isEqualTo(42);
        }
    }

    @Test
    void aCallRealignsAStackTopThatIsNotSixteenByteAligned() throws Exception {
        // snprintf keeps SSE values on its stack; the child's stack top is made 8 bytes off on purpose.
        try (Arena arena = Arena.ofConfined(); LabPlan plan = new LabPlan()) {
            MemorySegment buf = arena.allocate(32);
            plan.stackSize(64 * 1024 - 8);
            plan.call("snprintf", libc("snprintf"), buf.address(), 32, arena.allocateFrom("aligned").address())
                .call("snprintf", libc("snprintf"), buf.address() + 16, 16, arena.allocateFrom("twice").address())
                .exit(0).start(LabPlan.Clone.VFORK);
            assertThat(plan.waitFor().exitCode()).isZero();
            assertThat(buf.getString(0)).isEqualTo("aligned");
            assertThat(buf.getString(16)).isEqualTo("twice");
        }
    }

    @Test
    void onlyCloneVforkHoldsTheCallerUntilTheExec() throws Exception {
        Duration sleep = Duration.ofMillis(150);
        for (LabPlan.Clone clone : LabPlan.Clone.values()) {
            try (LabPlan plan = new LabPlan()) {
                LabPlan.Started s = plan.sleep(sleep).exec(List.of("true")).start(clone);
                long held = TimeUnit.NANOSECONDS.toMillis(s.heldNanos());
                if (clone == LabPlan.Clone.FORK_NO_WAIT) {
                    assertThat(held).as("held by %s", clone).isLessThan(sleep.toMillis());
                } else {
                    assertThat(held).as("held by %s", clone).isGreaterThanOrEqualTo(sleep.toMillis());
                }
                LabPlan.Ended ended = plan.waitFor();
                assertThat(ended.exitCode()).isZero();
                assertThat(ended.failedStep()).isEqualTo(-1);
            }
        }
    }

    @Test
    void anotherThreadSeesThePidfdWhileTheCallerIsHeld() throws Exception {
        try (LabPlan plan = new LabPlan()) {
            plan.sleep(Duration.ofMillis(300)).exit(0);
            CompletableFuture<Integer> seen = CompletableFuture.supplyAsync(() -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (plan.pidfdWhileHeld() < 0 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                return plan.pidfdWhileHeld();
            });
            LabPlan.Started s = plan.start(LabPlan.Clone.VFORK);
            assertThat(seen.get(5, TimeUnit.SECONDS)).isGreaterThan(2);
            assertThat(s.heldNanos()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
        }
    }

    @Test
    void aFailingStepIsReportedWithItsDescription() throws Exception {
        try (LabPlan plan = new LabPlan()) {
            plan.readOneByte(987_654).exit(0).start(LabPlan.Clone.VFORK);
            LabPlan.Ended ended = plan.waitFor();
            assertThat(ended.exitCode()).isEqualTo(127);
            assertThat(ended.failedStep()).isZero();
            assertThat(ended.failedStepDescription()).isEqualTo("read(987654, 1)");
            assertThat(ended.errno()).isEqualTo(EBADF);
        }
    }

    @Test
    void closeKillsAndReapsAChildStillRunning() throws Exception {
        long pid;
        try (LabPlan plan = new LabPlan()) {
            pid = plan.sleep(Duration.ofSeconds(30)).exit(0).start(LabPlan.Clone.FORK_NO_WAIT).pid();
        }
        assertThat(ProcessHandle.of(pid)).isEmpty();
    }

    @Test
    void theNanosleepNumberIsTheArchitecturesOwn() {
        assertThat(Arch.require().sys.nanosleep()).isEqualTo(Arch.require() == Arch.X86_64 ? 35 : 101);
    }
}
