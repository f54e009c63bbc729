package dev.vfork4j;

import dev.vfork4j.spawn.Technique;
import java.util.List;
import java.util.Optional;

/**
 * How a child is created.
 *
 * <ul>
 *   <li>{@link #VFORK}: clone3 with CLONE_VM | CLONE_VFORK on a private stack, running a
 *       syscall-only child routine. Cost independent of the parent's size.</li>
 *   <li>{@link #POSIX_SPAWN}: glibc's posix_spawn (itself a CLONE_VM | CLONE_VFORK clone), one
 *       exec per spawn, exit tracked through a pidfd.</li>
 *   <li>{@link #FORK}: the child routine in a copy-on-write copy of the parent: for measuring
 *       what vfork saves. Never the default.</li>
 *   <li>{@link #JDK}: {@link ProcessBuilder#start()}, for comparison and as the last resort.</li>
 * </ul>
 *
 * Every mechanism runs the same program with the same arguments, environment, directory and
 * redirects. The process attributes of {@link Command} ({@code newSession()}, {@code umask(…)},
 * {@code keepFd(…)}…) are set by VFORK and FORK, some by POSIX_SPAWN and none by JDK; asking a
 * mechanism for one it cannot set fails at {@code start()} with an
 * {@link UnsupportedOperationException} naming the attribute.
 *
 * <p>VFORK, POSIX_SPAWN and FORK make native calls, which the JVM allows only with
 * {@code --enable-native-access=dev.vfork4j} (module path) or
 * {@code --enable-native-access=ALL-UNNAMED} (class path). Without the flag the JDK warns at
 * the first call; under {@code --illegal-native-access=deny} they are unavailable, their
 * {@link #unavailableReason()} names the flag, and {@link #best()} is JDK: see
 * {@linkplain dev.vfork4j##native-access the package documentation}.
 */
public enum Mechanism {
    /**
     * clone3 with CLONE_VM | CLONE_VFORK | CLONE_CLEAR_SIGHAND | CLONE_PIDFD, on a private stack:
     * the child shares this JVM's memory and runs a routine that makes only system calls, and
     * the thread that cloned it waits until it has called exec (or failed at a step, which comes
     * back as a {@link SpawnException} naming the step). The cost does not grow with the JVM's
     * size. Sets every process attribute. Needs Linux 5.9 (clone3, CLONE_CLEAR_SIGHAND,
     * close_range, pidfd_open) and native access. The default wherever it works.
     */
    VFORK,
    /**
     * glibc's posix_spawn, itself a CLONE_VM | CLONE_VFORK clone, with the child's exit
     * tracked through a pidfd. Sets {@code newSession}, {@code processGroup}, {@code keepFd} and
     * {@code signalMask}, no other attribute. Needs glibc 2.34
     * ({@code posix_spawn_file_actions_addclosefrom_np} and {@code addchdir_np}), pidfds
     * (Linux 5.4) and native access. The default where VFORK does not work.
     */
    POSIX_SPAWN,
    /**
     * The same child routine as VFORK in a copy-on-write copy of this JVM (clone3 without
     * CLONE_VM): its cost grows with the JVM's mapped memory, whose page tables are copied. For
     * measuring what vfork saves; never the default. Sets every process attribute; needs what
     * VFORK needs.
     */
    FORK,
    /**
     * {@link ProcessBuilder#start()}: always available, native access or not. Sets no process
     * attribute and cannot be a {@link Pipeline} stage. Its children report a death by signal
     * as exit code 128 + the signal's number (see {@link Child#exitStatus()}); without native
     * access they can be sent only SIGTERM and SIGKILL. The last resort, and the reference the
     * other mechanisms are compared with.
     */
    JDK;

    /**
     * True when this mechanism can start children in this JVM, on this kernel. Answered as
     * {@link #unavailableReason()} answers, probing for real at the first question (unless a
     * spawn has answered it already).
     *
     * @return true when {@link #unavailableReason()} is empty
     */
    public boolean isAvailable() {
        return unavailableReason().isEmpty();
    }

    /**
     * Why this mechanism cannot be used here; empty when it can. Probed for real at the first
     * question (for VFORK and FORK with a child of their own, unless a spawn with them has
     * answered it already); a definitive answer is kept for the JVM's life, while a failure that passes (a
     * process or fd limit reached for the moment: EAGAIN, ENOMEM, EMFILE…) is reported as such
     * and probed again at the next question.
     *
     * @return the reason, or empty when the mechanism works here
     */
    public Optional<String> unavailableReason() {
        return technique().unavailableReason();
    }

    /** The same mechanisms as vfork4j's internal table, in its order: a constant here is the one there of its ordinal. */
    private static final Technique[] TECHNIQUES = Technique.values();
    private static final Mechanism[] MECHANISMS = values();

    /** This mechanism's row in the internal table (what it can set, its launcher, its availability). */
    Technique technique() {
        return TECHNIQUES[ordinal()];
    }

    /** The mechanism of the table's row {@code t}. */
    static Mechanism of(Technique t) {
        return MECHANISMS[t.ordinal()];
    }

    /**
     * The order {@link #best()} tries the mechanisms in: VFORK, then POSIX_SPAWN, then JDK.
     * FORK is never in it: it is there to measure what VFORK saves.
     *
     * @return the mechanisms {@link #best()} chooses from, best first (an immutable list)
     */
    public static List<Mechanism> preferenceOrder() {
        Mechanism[] order = new Mechanism[Technique.PREFERENCE.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = of(Technique.PREFERENCE.get(i));
        }
        return List.of(order);
    }

    /**
     * The best available mechanism: the first of {@link #preferenceOrder()} (VFORK, else
     * POSIX_SPAWN, else JDK) that is not known never to work here. A mechanism is passed over
     * only when it can never work here; one whose probe failed for a passing reason (EAGAIN,
     * EMFILE…) is still chosen, and starting a child with it fails with a SpawnException naming
     * the errno until the condition passes, rather than this JVM settling for a lesser
     * mechanism for its life.
     *
     * <p>This makes no child: VFORK is chosen once native access, clone3 and close_range are
     * found to be there, and the first spawn tries its child routine. Should that spawn show
     * that VFORK cannot work here after all (a policy that refuses its clone, say), VFORK is
     * passed over from then on, and a Command that did not set its mechanism is started with the
     * next one, as if that had been known before.
     *
     * @return the mechanism {@link Command}s use when none is set
     */
    public static Mechanism best() {
        return of(Technique.best());
    }
}
