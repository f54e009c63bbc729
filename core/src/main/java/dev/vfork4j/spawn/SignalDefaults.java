package dev.vfork4j.spawn;

import dev.vfork4j.linux.Arch;
import dev.vfork4j.linux.CallState;
import dev.vfork4j.linux.LibC;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Which signals a child must have set to SIG_DFL before its exec: every signal but those this
 * JVM inherited as ignored (exec keeps SIG_IGN, so {@code nohup} and {@code trap '' HUP} reach
 * the program, as with any shell), and SIGPIPE always, as the JDK's children have it
 * (childproc.c, JDK-8364611). A signal that native code in this JVM (a library, an agent)
 * set to SIG_IGN after the launch is therefore not passed on, nor is the ignored SIGPIPE that
 * many libraries set.
 *
 * <p>What the JVM inherited is recorded once, when vfork4j first spawns or probes a native
 * mechanism: no library can see the dispositions of its process at exec time later on, so
 * this is the earliest point it has. A signal that native code ignored before that point is
 * taken to have been ignored at launch. HotSpot itself ignores no signal.
 *
 * <p>The record asks the kernel (rt_sigaction with no new action, 64 times, once): no fd is
 * needed, so it cannot fail for want of one, and it is the kernel's own view, as
 * {@code /proc/self/status} SigIgn shows it.
 *
 * <p>The agent's children follow the JDK's rule instead ({@link ChildAttributes#jdkSignals()}):
 * every signal the JVM ignores at the spawn stays ignored but SIGPIPE, as ProcessBuilder's
 * children have it. That also spares their spawn 61 of the 62 rt_sigaction calls (some 15 µs).
 */
final class SignalDefaults {
    private SignalDefaults() {}

    static final int SIGKILL = 9, SIGPIPE = 13, SIGSTOP = 19;
    /** glibc's internal signals, SIGCANCEL (32) and SIGSETXID (33), whose handlers glibc installs itself. */
    static final long GLIBC_INTERNAL = bit(32) | bit(33);

    /** rt_sigaction(2): 13 on x86_64, 134 on aarch64. */
    static long rtSigactionNr() {
        return Arch.require() == Arch.X86_64 ? 13 : 134;
    }

    /** The signals ignored when first asked, bit n-1 for signal n; null until recorded. */
    private static volatile Long ignoredAtLaunch;

    /** Records what this JVM ignores now as what it inherited, unless already recorded. */
    static long ignoredAtLaunch() {
        Long known = ignoredAtLaunch;
        if (known == null) {
            synchronized (SignalDefaults.class) {
                known = ignoredAtLaunch;
                if (known == null) {
                    known = ignoredNow();
                    ignoredAtLaunch = known;
                }
            }
        }
        return known;
    }

    /**
     * The signals a child sets to SIG_DFL: every one not ignored at launch, and SIGPIPE. Never
     * SIGKILL or SIGSTOP, whose action cannot be changed.
     */
    static long toDefault() {
        long set = ~ignoredAtLaunch() | bit(SIGPIPE);
        return set & ~bit(SIGKILL) & ~bit(SIGSTOP);
    }

    /**
     * The signals a child with attributes {@code a} sets to SIG_DFL: as {@link #toDefault()},
     * without glibc's internal signals when {@code a} has them ignored; SIGPIPE alone when
     * {@code a} asks for the JDK's children's dispositions ({@link ChildAttributes#jdkSignals()}:
     * what this JVM ignores stays ignored, and CLONE_CLEAR_SIGHAND has set what has a handler to
     * its default, as exec does).
     */
    static long toDefault(ChildAttributes a) {
        if (a.jdkSignals()) {
            return bit(SIGPIPE);
        }
        return a.glibcSignalsIgnored() ? toDefault() & ~GLIBC_INTERNAL : toDefault();
    }

    /**
     * As {@link #toDefault(ChildAttributes)}, for glibc's posix_spawn, whose child sets every
     * handled signal to SIG_DFL but glibc's own two, which it sets to SIG_IGN unless they are in
     * the set: with the JDK's dispositions and without {@link ChildAttributes#glibcSignalsIgnored()}
     * (the JDK's FORK mechanism, whose exec leaves them at default where this JVM has handlers
     * for them), the set also holds those of the two that this JVM does not ignore now.
     */
    static long toDefaultForPosixSpawn(ChildAttributes a) {
        if (a.jdkSignals() && !a.glibcSignalsIgnored()) {
            return toDefault(a) | (GLIBC_INTERNAL & ~ignoredNow(GLIBC_INTERNAL));
        }
        return toDefault(a);
    }

    static long bit(int signal) {
        return 1L << (signal - 1);
    }

    /** The signals whose disposition is SIG_IGN in this process now. */
    static long ignoredNow() {
        return ignoredNow(-1L);
    }

    /** Those of {@code among} (bit n-1 for signal n) whose disposition is SIG_IGN in this process now. */
    static long ignoredNow(long among) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            MemorySegment old = arena.allocate(32, 8); // struct sigaction as the kernel lays it out
            long nr = rtSigactionNr();
            long ignored = 0;
            for (int signal = 1; signal <= 64; signal++) {
                if ((among & bit(signal)) == 0) {
                    continue;
                }
                // Without a new action this only reads the current one; it cannot fail for 1-64.
                if (LibC.syscall(st, nr, signal, 0, old.address(), 8) == 0
                    && old.get(ValueLayout.JAVA_LONG, 0) == 1 /* SIG_IGN */) {
                    ignored |= bit(signal);
                }
            }
            return ignored;
        }
    }
}
