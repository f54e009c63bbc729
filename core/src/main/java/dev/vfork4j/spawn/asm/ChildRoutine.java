package dev.vfork4j.spawn.asm;

import static dev.vfork4j.linux.Linux.*;

import dev.vfork4j.linux.Arch;
import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.LibC;
import dev.vfork4j.linux.Posix;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The child routine of this JVM's architecture, generated once and mapped W^X: written into
 * an anonymous read-write mapping, then made read+exec with mprotect before the first call.
 * Called through an ordinary FFM downcall, so the calling thread is "in native" while it is
 * suspended in clone3 and the JVM's safepoints do not wait for it.
 */
public final class ChildRoutine {
    /**
     * Installed at first use, not in a static initialiser: a failed install (mmap: ENOMEM) fails
     * that use and the next tries again, where a failed initialiser would leave the class
     * unusable for the JVM's life.
     */
    private static volatile ChildRoutine installed;

    private final MemorySegment code;

    private ChildRoutine(MemorySegment code) {
        this.code = code;
    }

    /**
     * The routine, installed on first use.
     *
     * @throws IllegalStateException when it cannot be mapped now, with the ErrnoException as its cause
     */
    public static ChildRoutine get() {
        ChildRoutine r = installed;
        if (r == null) {
            synchronized (ChildRoutine.class) {
                r = installed;
                if (r == null) {
                    r = install(Arch.require());
                    installed = r;
                }
            }
        }
        return r;
    }

    /** The program for {@code arch}: for tests and for inspection. */
    public static Program program(Arch arch) {
        return switch (arch) {
            case X86_64 -> X86ChildRoutine.build();
            case AARCH64 -> Aarch64ChildRoutine.build();
        };
    }

    static ChildRoutine install(Arch arch) {
        byte[] bytes = program(arch).assemble();
        try {
            MemorySegment mapping = Posix.mapAnonymous(pageAligned(bytes.length), PROT_READ | PROT_WRITE, false);
            MemorySegment.copy(bytes, 0, mapping, ValueLayout.JAVA_BYTE, 0, bytes.length);
            Posix.protect(mapping, PROT_READ | PROT_EXEC);
            return new ChildRoutine(mapping);
        } catch (ErrnoException e) {
            throw new IllegalStateException("cannot map the child routine: " + e.getMessage(), e);
        }
    }

    private static long pageAligned(int length) {
        return (length + 4095L) & ~4095L;
    }

    /** Runs the routine on {@code plan}: returns the child's pid, or -errno when clone3 failed. */
    public long call(MemorySegment plan) {
        // Through LibC's one downcall handle rather than one of its own: a downcall shape of
        // its own would cost a fresh JVM's first spawn several milliseconds more.
        return LibC.callAddress(code, plan.address());
    }

    /** The mapped code (read+exec). */
    public MemorySegment code() {
        return code;
    }
}
