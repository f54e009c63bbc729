package dev.vfork4j.spawn.asm;

import static dev.vfork4j.linux.Linux.*;

import dev.vfork4j.linux.Arch;
import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.LibC;
import dev.vfork4j.linux.Posix;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The child routine of this JVM's architecture, the one every VFORK and FORK spawn runs:
 * installed once and mapped W^X, written into an anonymous read-write mapping, then made
 * read+exec with mprotect before the first call. Called through an ordinary FFM downcall, so
 * the calling thread is "in native" while it is suspended in clone3 and the JVM's safepoints do
 * not wait for it.
 *
 * <p>It has code for the step kinds a spawn needs and no other ({@link PlanLayout}): its child
 * makes raw system calls and nothing else, calls no function and writes no memory but the
 * plan's slot. The lab's kinds are in a routine of their own, {@link LabRoutine}, mapped by the
 * lab alone; an instance of this class is either.
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

    /** The shipped routine's program for {@code arch}: for tests and for inspection. */
    public static Program program(Arch arch) {
        return switch (arch) {
            case X86_64 -> X86ChildRoutine.build();
            case AARCH64 -> Aarch64ChildRoutine.build();
        };
    }

    /**
     * The routine's machine code, as {@link #program(Arch)} assembles it, in hex: installing it
     * then loads no assembler class and assembles nothing, which a fresh JVM's first spawn paid
     * for (some 10 ms). {@code ChildRoutineCodeTest} checks that the two agree and prints the text to
     * put here when they do not.
     */
    private static final String X86_64_CODE =
        "535541544155415641574889fbb80e000000bf02000000488d7358488d536041ba080000000f05b8b3010000488d3bbe" +
        "580000000f054885c074294989c4b80e000000bf02000000488d736031d241ba080000000f054c89e0415f415e415d41" +
        "5c5d5bc34c8b63684c8b6b704531f64531ff31ed4d39ee0f8319010000498b0c244883f9060f84cd000000498b442408" +
        "498b7c2410498b742418498b5424204d8b5424284d8b4424304d8b4c24380f05498b0c244883f90374464883f9027417" +
        "4883f9017408483d01f0ffff73174983c45049ffc6eb9d493b44244074f0498b442448eb0348f7d8488b4b7844893189" +
        "4104b8e7000000bf7f0000000f050f0b48f7d84883f808751e498b7c24284885ff7414498b442408498b742430498b54" +
        "24200f0548f7d84889c54883f80d74204883f80274984883f81474924883f874748c4883f81374864883f86e7480eb98" +
        "4989c7e976ffffff4d8b4424104531c94d85c00f8465ffffff49ffc149d1e873ef498b4424084c89cf498b74241831d2" +
        "41ba080000000f05483d01f0ffff0f8351ffffffebca49ffce4c89f84885c00f8543ffffff4889e84885c00f8537ffff" +
        "ffb802000000e92dffffff";
    private static final String AARCH64_CODE =
        "f353bda9f55b01a9f76302a9f30300aae81080d2400080d26162019162820191030180d2010000d4683680d260020091" +
        "010b80d2010000d4a00100b4f40300aae81080d2400080d261820191e2031faa030180d2010000d4e00314aaf76342a9" +
        "f55b41a9f353c3a8c0035fd6743640f9753a40f9f6031faaf7031faaf8031faadf0215eb020a0054890240f93f1900f1" +
        "a0070054880640f9800a40f9810e40f9821240f9831640f9841a40f9851e40f9010000d4890240f93f0d00f1e0020054" +
        "3f0900f1000100543f0500f1600000541ffc3fb12201005494420191d6060091e8ffff17892240f91f0009eb60ffff54" +
        "802640f902000014e00300cb693e40f9360100b9200500b9c80b80d2e00f80d2010000d400000000e00300cb1f2000f1" +
        "21010054891640f9e90000b4880640f9e00309aa811a40f9821240f9010000d4e00300cbf80300aa1f3400f180010054" +
        "1f0800f120fcff541f5000f1e0fbff541fd001f1a0fbff541f4c00f160fbff541fb801f120fbff54e1ffff17f70300aa" +
        "d6ffff178a0a40f9eb031faa6afaffb46b050091490140924afd41d389ffffb4880640f9e0030baa810e40f9e2031faa" +
        "030180d2010000d41ffc3fb1e2f9ff54f3ffff17d60600d1e00317aa80f9ffb5e00318aa40f9ffb5400080d2c8ffff17";

    /** The machine code of {@code arch}'s routine. */
    static byte[] code(Arch arch) {
        String hex = arch == Arch.X86_64 ? X86_64_CODE : AARCH64_CODE;
        byte[] bytes = new byte[hex.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (Character.digit(hex.charAt(2 * i), 16) << 4 | Character.digit(hex.charAt(2 * i + 1), 16));
        }
        return bytes;
    }

    static ChildRoutine install(Arch arch) {
        return map("the child routine", code(arch));
    }

    /**
     * {@code bytes} mapped W^X, as a routine to call.
     *
     * @throws IllegalStateException when they cannot be mapped now, naming {@code what}, with the ErrnoException as its cause
     */
    static ChildRoutine map(String what, byte[] bytes) {
        try {
            MemorySegment mapping = Posix.mapAnonymous(pageAligned(bytes.length), PROT_READ | PROT_WRITE, false);
            MemorySegment.copy(bytes, 0, mapping, ValueLayout.JAVA_BYTE, 0, bytes.length);
            Posix.protect(mapping, PROT_READ | PROT_EXEC);
            return new ChildRoutine(mapping);
        } catch (ErrnoException e) {
            throw new IllegalStateException("cannot map " + what + ": " + e.getMessage(), e);
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
