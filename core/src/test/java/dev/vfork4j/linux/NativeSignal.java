package dev.vfork4j.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * What native code in the JVM does to signal dispositions (a library ignoring SIGPIPE): glibc's
 * {@code sigaction} called through FFM, for tests. {@link #ignore} returns a handle that puts
 * back exactly the action that was there, HotSpot's handler included.
 */
public final class NativeSignal {
    private NativeSignal() {}

    @SuppressWarnings("restricted") // a binding, for tests
    private static final MethodHandle SIGACTION = Linker.nativeLinker().downcallHandle(
        Linker.nativeLinker().defaultLookup().find("sigaction").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));

    /** glibc's struct sigaction: 152 bytes on x86_64 and aarch64; sa_handler comes first. */
    private static final long SIZE = 256;

    /** Sets {@code signal} to SIG_IGN in this process; closing the result restores what it was. */
    public static AutoCloseable ignore(int signal) throws Throwable {
        Arena arena = Arena.ofShared();
        MemorySegment ignore = arena.allocate(SIZE, 8);
        ignore.set(JAVA_LONG, 0, 1); // SIG_IGN, no flags, empty mask
        MemorySegment old = arena.allocate(SIZE, 8);
        if ((int) SIGACTION.invokeExact(signal, ignore, old) != 0) {
            arena.close();
            throw new IllegalStateException("sigaction(" + signal + ", SIG_IGN) failed");
        }
        return () -> {
            try {
                if ((int) SIGACTION.invokeExact(signal, old, MemorySegment.NULL) != 0) {
                    throw new IllegalStateException("sigaction(" + signal + ") could not restore the old action");
                }
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            } finally {
                arena.close();
            }
        };
    }

    /** The signals ignored in this process now, from /proc/self/status SigIgn (bit n-1 for signal n). */
    public static long ignoredNow() throws java.io.IOException {
        return ignored(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/status")));
    }

    /** SigIgn of a /proc/PID/status text. */
    public static long ignored(String status) {
        String line = status.lines().filter(l -> l.startsWith("SigIgn:")).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no SigIgn line in: " + status));
        return Long.parseUnsignedLong(line.substring(7).strip(), 16);
    }
}
