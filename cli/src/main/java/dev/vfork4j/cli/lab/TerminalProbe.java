package dev.vfork4j.cli.lab;

import dev.vfork4j.linux.CallState;
import dev.vfork4j.linux.LibC;
import dev.vfork4j.linux.Posix;
import dev.vfork4j.linux.Siginfo;
import dev.vfork4j.spawn.LabPlan;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A disposable JVM for the SIGTTIN experiment, started as the leader of a new session (so it
 * has no controlling terminal). It opens a pseudo-terminal, which becomes its controlling
 * terminal with its own process group in the foreground, and spawns a VFORK child that moves to
 * a process group of its own (the background), unblocks every signal and reads one byte from
 * the terminal before it would exit. Reports whether the child was stopped, and by which
 * signal, while the spawning thread was still held, then kills the child (SIGKILL) and
 * reports how the spawning thread came back.
 */
public final class TerminalProbe {
    private TerminalProbe() {}

    static final int SIGKILL = 9, SIGTTIN = 21;
    private static final int WSTOPPED = 2, WNOHANG = 1, WNOWAIT = 0x01000000, CLD_STOPPED = 5, P_PIDFD = 3;

    public static void main(String[] args) throws Exception {
        ProbeReport report = new ProbeReport(System.out);
        int pid = (int) ProcessHandle.current().pid();
        report.put("sessionLeader", LabLibC.getsid(0) == pid);
        int master = LabLibC.posixOpenpt(LabLibC.O_RDWR | LabLibC.O_NOCTTY);
        String name = master >= 0 && LabLibC.grantpt(master) == 0 && LabLibC.unlockpt(master) == 0
            ? LabLibC.ptsname(master) : null;
        if (name == null) {
            report.put("problem", "no pseudo-terminal (posix_openpt, grantpt, unlockpt or ptsname failed)");
            return;
        }
        int slave;
        try (Arena a = Arena.ofConfined()) {
            slave = LabLibC.open(a.allocateFrom(name), LabLibC.O_RDWR); // no O_NOCTTY: it becomes ours
        }
        boolean foreground = slave >= 0 && LabLibC.tcgetpgrp(slave) == LabLibC.getpgrp();
        report.put("controllingTerminal", foreground);
        if (!foreground) {
            report.put("problem", "the pseudo-terminal " + name + " did not become this session's controlling terminal");
            return;
        }

        // A plan belongs to the thread that made it: the spawning thread makes, starts and closes it.
        AtomicReference<LabPlan> shared = new AtomicReference<>();
        CompletableFuture<LabPlan.Ended> spawner = CompletableFuture.supplyAsync(() -> {
            try (LabPlan plan = new LabPlan()) {
                plan.newProcessGroup().unblockAllSignals().readOneByte(slave).exit(0);
                shared.set(plan);
                plan.start(LabPlan.Clone.VFORK);
                return plan.waitFor();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, r -> Thread.ofPlatform().start(r));

        int pidfd = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline && !spawner.isDone()
            && (shared.get() == null || (pidfd = shared.get().pidfdWhileHeld()) < 0)) {
            Thread.sleep(1);
        }
        int stoppedBy = 0;
        long t0 = System.nanoTime();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(a);
            MemorySegment info = a.allocate(Siginfo.LAYOUT);
            while (pidfd >= 0 && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2)) {
                info.fill((byte) 0);
                if (LibC.waitid(st, P_PIDFD, pidfd, info, WSTOPPED | WNOHANG | WNOWAIT) == 0
                    && Siginfo.pid(info) != 0 && Siginfo.code(info) == CLD_STOPPED) {
                    stoppedBy = Siginfo.status(info);
                    break;
                }
                if (spawner.isDone()) {
                    break;
                }
                Thread.sleep(5);
            }
        }
        report.put("childStoppedBySignal", stoppedBy);
        if (stoppedBy != 0) {
            Thread.sleep(300); // a stopped child stays stopped: does the spawning thread stay held?
        }
        report.put("spawnerHeldWhileChildStopped", !spawner.isDone());
        report.put("heldMs", Math.round((System.nanoTime() - t0) / 1e6));
        if (!spawner.isDone() && pidfd >= 0) {
            Posix.pidfdSendSignal(pidfd, SIGKILL);
        }
        LabPlan.Ended ended = spawner.get(5, TimeUnit.SECONDS);
        report.put("childEnded", ended.exitedNormally()
            ? (ended.failedStep() >= 0 ? ended.failedStepDescription() + " failed with errno " + ended.errno()
                : "exit " + ended.exitCode() + " (the read returned)")
            : "killed by signal " + ended.signal());
        Posix.close(slave);
        Posix.close(master);
    }
}
