package dev.vfork4j.cli.lab;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.vfork4j.linux.Posix;
import dev.vfork4j.spawn.LabPlan;
import java.io.FileOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A disposable JVM that asks the kernel whether a child shares its address space, while the
 * child waits before its exec: {@code kcmp(getpid(), child, KCMP_VM)} is 0 exactly when both
 * use the same {@code mm_struct}. Children: VFORK and FORK lab children that sleep 300 ms, and
 * a child of glibc's own {@code posix_spawn}, held before its exec by a file action that opens
 * a FIFO for reading (it blocks until this JVM opens the FIFO for writing, 200 ms later).
 * {@code SharingProbe <program> <directory for the FIFO>}.
 */
public final class SharingProbe {
    private SharingProbe() {}

    private static final long HOLD_MS = 200;

    public static void main(String[] args) throws Exception {
        String program = args[0];
        Path fifo = Path.of(args[1], "posix_spawn.fifo");
        ProbeReport report = new ProbeReport(System.out);
        long self = ProcessHandle.current().pid();
        report.put("kcmpSelf", LabLibC.kcmp(self, self, LabLibC.KCMP_VM));

        for (LabPlan.Clone clone : new LabPlan.Clone[] {LabPlan.Clone.VFORK, LabPlan.Clone.FORK}) {
            CompletableFuture<Long> compared = compareWithChild(self, () -> { });
            try (LabPlan plan = new LabPlan()) {
                plan.sleep(Duration.ofMillis(300)).exit(0).start(clone);
                plan.waitFor();
            }
            report.put(clone.name().toLowerCase(Locale.ROOT) + ".kcmpVm", compared.get(5, TimeUnit.SECONDS));
        }

        try (Arena arena = Arena.ofConfined()) {
            MemorySegment path = arena.allocateFrom(fifo.toString());
            if (LabLibC.mkfifo(path, 0600) != 0) {
                report.put("problem", "mkfifo " + fifo + " failed");
                return;
            }
            CompletableFuture<Long> compared = compareWithChild(self, () -> {
                sleep(HOLD_MS);
                try (FileOutputStream release = new FileOutputStream(fifo.toFile())) {
                    release.flush();
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            MemorySegment actions = arena.allocate(LabLibC.FILE_ACTIONS_SIZE, 8);
            LabLibC.fileActionsInit(actions);
            LabLibC.fileActionsAddopen(actions, 0, path, LabLibC.O_RDONLY, 0);
            MemorySegment argv = arena.allocate(ADDRESS, 2);
            argv.setAtIndex(ADDRESS, 0, arena.allocateFrom(program));
            MemorySegment envp = arena.allocate(ADDRESS, 1);
            MemorySegment pid = arena.allocate(JAVA_INT);
            long t0 = System.nanoTime();
            int error = LabLibC.posixSpawn(pid, arena.allocateFrom(program), actions, MemorySegment.NULL, argv, envp);
            long held = System.nanoTime() - t0;
            LabLibC.fileActionsDestroy(actions);
            if (error != 0) {
                report.put("problem", "posix_spawn failed with errno " + error);
                return;
            }
            report.put("posix_spawn.kcmpVm", compared.get(5, TimeUnit.SECONDS));
            report.put("posix_spawn.heldMs", Math.round(held / 1e6));
            int pidfd = Posix.pidfdOpen(pid.get(JAVA_INT, 0));
            Posix.reap(pidfd);
            Posix.close(pidfd);
        } finally {
            Files.deleteIfExists(fifo);
        }
    }

    /**
     * On another thread: waits for this JVM's (only) child to appear, compares address spaces
     * with it, then runs {@code then}. -2 when no child appeared within 2 s.
     */
    private static CompletableFuture<Long> compareWithChild(long self, Runnable then) {
        return CompletableFuture.supplyAsync(() -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (System.nanoTime() < deadline) {
                var child = ProcessHandle.current().children().findFirst();
                if (child.isPresent()) {
                    long r = LabLibC.kcmp(self, child.get().pid(), LabLibC.KCMP_VM);
                    then.run();
                    return r;
                }
                sleep(1);
            }
            then.run();
            return -2L;
        }, r -> Thread.ofPlatform().start(r));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
