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

    /** True when this mechanism can start children in this JVM, on this kernel. */
    public boolean isAvailable() {
        return unavailableReason().isEmpty();
    }

    /** Why this mechanism cannot be used here; empty when it can. Probed once, for real. */
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

    /** The best available mechanism: VFORK, else POSIX_SPAWN, else JDK. */
    public static Mechanism best() {
        for (Mechanism m : new Mechanism[] {VFORK, POSIX_SPAWN}) {
            if (m.isAvailable()) {
                return m;
            }
        }
        return JDK;
    }
}
