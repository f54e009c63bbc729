package dev.vfork4j;

import dev.vfork4j.spawn.Availability;
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
 */
public enum Mechanism {
    VFORK, POSIX_SPAWN, FORK, JDK;

    /**
     * True when this mechanism can start children in this JVM, on this kernel.
     *
     * @return true when {@link #unavailableReason()} is empty
     */
    public boolean isAvailable() {
        return unavailableReason().isEmpty();
    }

    /**
     * Why this mechanism cannot be used here; empty when it can. Probed for real at the first
     * question; a definitive answer is kept for the JVM's life, while a failure that passes (a
     * process or fd limit reached for the moment: EAGAIN, ENOMEM, EMFILE…) is reported as such
     * and probed again at the next question.
     *
     * @return the reason, or empty when the mechanism works here
     */
    public Optional<String> unavailableReason() {
        return Availability.unavailableReason(this);
    }

    /** True when this mechanism can honour the Command attribute named {@code attribute} ("umask", "keepFd", …). */
    boolean canSet(String attribute) {
        return switch (this) {
            case VFORK, FORK -> true;
            case POSIX_SPAWN -> Availability.posixSpawnCan(attribute);
            case JDK -> false;
        };
    }

    /**
     * The best available mechanism: VFORK, else POSIX_SPAWN, else JDK. A mechanism is passed over
     * only when it can never work here; one whose probe failed for a passing reason (EAGAIN,
     * EMFILE…) is still chosen, and starting a child with it fails with a SpawnException naming
     * the errno until the condition passes, rather than this JVM settling for a lesser
     * mechanism for its life.
     *
     * @return the mechanism {@link Command}s use when none is set
     */
    public static Mechanism best() {
        for (Mechanism m : new Mechanism[] {VFORK, POSIX_SPAWN}) {
            if (!Availability.definitelyUnavailable(m)) {
                return m;
            }
        }
        return JDK;
    }
}
