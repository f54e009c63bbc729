package dev.vfork4j.bench.startup;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The user + system CPU time of this JVM's children that have been waited for,
 * {@code getrusage(RUSAGE_CHILDREN)}: read before and after one measured JVM runs (and is
 * reaped by {@code Process.waitFor}), the difference is what that JVM and its own children
 * used. Used by the runner only, never by a measured program.
 */
final class ChildrenCpu {
    private ChildrenCpu() {}

    private static final int RUSAGE_CHILDREN = -1;
    /** struct rusage on 64-bit Linux: ru_utime and ru_stime, two struct timeval (long, long), then 14 longs. */
    private static final long RUSAGE_SIZE = 144;

    @SuppressWarnings("restricted") // a binding of one function
    private static final class Holder {
        static final MethodHandle GETRUSAGE = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getrusage").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    }

    /** Nanoseconds of CPU used by the reaped children so far. */
    static long nanos() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment usage = arena.allocate(RUSAGE_SIZE, 8);
            int r = (int) Holder.GETRUSAGE.invokeExact(RUSAGE_CHILDREN, usage);
            if (r != 0) {
                throw new IllegalStateException("getrusage(RUSAGE_CHILDREN) failed");
            }
            long micros = usage.get(ValueLayout.JAVA_LONG, 0) * 1_000_000 + usage.get(ValueLayout.JAVA_LONG, 8)
                + usage.get(ValueLayout.JAVA_LONG, 16) * 1_000_000 + usage.get(ValueLayout.JAVA_LONG, 24);
            return micros * 1000;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("getrusage downcall failed to link", t);
        }
    }
}
