package dev.vfork4j.bench.startup;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The floor of the startup benchmark: the least any FFM program pays for its first child,
 * with no vfork4j class in the JVM. {@code Linker.nativeLinker()}, two downcall handles
 * (posix_spawn, and waitpid capturing errno as vfork4j's calls do), then posix_spawn + waitpid
 * of {@code /bin/true} with this JVM's environment and standard streams. Prints one line,
 * {@code startup <main entry> <child exited> <status>} in System.nanoTime units, read by
 * {@link StartupBenchmark}, then the instant each step ended ({@link StartupLine#phase}); the
 * timed part ends before anything is printed.
 *
 * <p>No string concatenation and no lambda anywhere on the way: either would bootstrap
 * invokedynamic machinery that the program itself does not need and put its cost on the
 * floor. Exit 1 when posix_spawn or waitpid fails.
 */
public final class FfmFloor {
    private FfmFloor() {}

    @SuppressWarnings("restricted") // FFM with no library between: the floor is made of restricted calls
    public static void main(String[] args) throws Throwable {
        long mainEntry = System.nanoTime();
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        long linkerReady = System.nanoTime();
        // int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
        //                 const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
        // returns the error number itself: no errno to capture.
        MethodHandle posixSpawn = linker.downcallHandle(libc.find("posix_spawn").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        long spawnHandleReady = System.nanoTime();
        // pid_t waitpid(pid_t pid, int *status, int options), -1 + errno on failure (EINTR).
        Linker.Option errnoOption = Linker.Option.captureCallState("errno");
        MethodHandle waitpid = linker.downcallHandle(libc.find("waitpid").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
            errnoOption);
        VarHandle errnoHandle = Linker.Option.captureStateLayout()
            .varHandle(MemoryLayout.PathElement.groupElement("errno"));
        // char **environ: this JVM's environment, as a child started by vfork4j or the JDK gets it.
        MemorySegment environ = libc.find("environ").orElseThrow()
            .reinterpret(ValueLayout.ADDRESS.byteSize()).get(ValueLayout.ADDRESS, 0);
        long waitHandleReady = System.nanoTime();

        int status;
        long argumentsReady;
        long spawned;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment path = arena.allocateFrom("/bin/true");
            MemorySegment argv = arena.allocate(ValueLayout.ADDRESS, 2);
            argv.setAtIndex(ValueLayout.ADDRESS, 0, path);
            argv.setAtIndex(ValueLayout.ADDRESS, 1, MemorySegment.NULL);
            MemorySegment pid = arena.allocate(ValueLayout.JAVA_INT);
            argumentsReady = System.nanoTime();
            int error = (int) posixSpawn.invokeExact(pid, path, MemorySegment.NULL, MemorySegment.NULL, argv, environ);
            spawned = System.nanoTime();
            if (error != 0) {
                System.err.print("posix_spawn(/bin/true) failed, error ");
                System.err.println(error);
                System.exit(1);
            }
            MemorySegment wstatus = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment callState = arena.allocate(Linker.Option.captureStateLayout());
            int child = pid.get(ValueLayout.JAVA_INT, 0);
            while (true) {
                int r = (int) waitpid.invokeExact(callState, child, wstatus, 0);
                if (r == child) {
                    break;
                }
                int errno = (int) errnoHandle.get(callState, 0L);
                if (errno != 4) { // EINTR: ask again
                    System.err.print("waitpid failed, errno ");
                    System.err.println(errno);
                    System.exit(1);
                }
            }
            status = wstatus.get(ValueLayout.JAVA_INT, 0);
        }
        long childExited = System.nanoTime();
        StartupLine.print(mainEntry, childExited, status);
        StartupLine.phase("Linker.nativeLinker() and its default lookup", linkerReady);
        StartupLine.phase("the first downcall handle (posix_spawn)", spawnHandleReady);
        StartupLine.phase("an errno-capturing downcall handle (waitpid), errno's VarHandle, environ", waitHandleReady);
        StartupLine.phase("argv in a confined Arena", argumentsReady);
        StartupLine.phase("posix_spawn of /bin/true (the first call through a handle)", spawned);
        StartupLine.phase("waitpid until it exited", childExited);
    }
}
