package dev.vfork4j.cli.bench;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

/**
 * Whether one of this process's fds is a terminal: glibc's {@code isatty}. {@code bench} draws
 * its progress bar in place only when stderr is one; {@link System#console()} cannot tell,
 * since it looks at stdin and stdout, and {@code bench --json > file} still has a terminal on
 * stderr.
 */
final class Tty {
    private Tty() {}

    /** True when {@code fd} is a terminal; false too when native calls are not allowed here. */
    @SuppressWarnings("restricted") // a binding of one function
    static boolean isTerminal(int fd) {
        try {
            MethodHandle isatty = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().find("isatty").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT));
            return (int) isatty.invokeExact(fd) == 1;
        } catch (IllegalCallerException e) {
            return false; // no native access: draw no bar rather than fail
        } catch (Throwable t) {
            throw new AssertionError("isatty failed to link: " + t, t);
        }
    }
}
