package dev.vfork4j.spawn;

import dev.vfork4j.SpawnException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The table of mechanisms: one constant per way of making a child, holding what it can set, the
 * launcher that makes its children and its availability, kept once a definitive answer is known.
 * The public {@code dev.vfork4j.Mechanism} maps onto it one-to-one (same names, same order);
 * adding a mechanism is a constant here, its launcher, its probe in {@link Availability} and
 * the public constant.
 */
public enum Technique {
    /** clone3 with CLONE_VM | CLONE_VFORK running the child routine: every attribute. */
    VFORK(true, EnumSet.allOf(Attribute.class)),
    /** glibc's posix_spawn: a session, a group, extra fds and the signal mask, nothing else. */
    POSIX_SPAWN(false, EnumSet.of(Attribute.NEW_SESSION, Attribute.PROCESS_GROUP, Attribute.KEEP_FD,
        Attribute.SIGNAL_MASK)),
    /** The child routine in a copy-on-write copy (clone3 without CLONE_VM): every attribute. */
    FORK(true, EnumSet.allOf(Attribute.class)),
    /** ProcessBuilder, started by the API itself (it makes a Process, not a {@link Spawned}): no attribute. */
    JDK(false, EnumSet.noneOf(Attribute.class));

    /**
     * The order a Command that chose no mechanism tries them in: the first that is not known
     * never to work here. FORK is never chosen: it is there to measure what VFORK saves.
     */
    public static final List<Technique> PREFERENCE = List.of(VFORK, POSIX_SPAWN, JDK);

    /** Whether its children run the child routine (and it is probed with a child of its own). */
    final boolean runsRoutine;
    private final Set<Attribute> settable;
    /** Its definitive availability once known (see {@link Availability}); read on every spawn without a lock. */
    volatile Availability.Answer known;

    Technique(boolean runsRoutine, Set<Attribute> settable) {
        this.runsRoutine = runsRoutine;
        this.settable = settable;
    }

    /**
     * True when it can set {@code attribute}.
     *
     * @param attribute the attribute a Command asks for
     * @return whether this mechanism's children get it
     */
    public boolean canSet(Attribute attribute) {
        return settable.contains(attribute);
    }

    /**
     * The mechanisms that can set {@code attribute}, in this table's order, as a message says
     * them: {@code "VFORK, POSIX_SPAWN or FORK"}.
     *
     * @param attribute the attribute
     * @return their names joined with commas and a final "or"
     */
    public static String whoCanSet(Attribute attribute) {
        List<String> names = new ArrayList<>();
        for (Technique t : values()) {
            if (t.canSet(attribute)) {
                names.add(t.name());
            }
        }
        int last = names.size() - 1;
        return last < 1 ? String.join("", names) : String.join(", ", names.subList(0, last)) + " or " + names.get(last);
    }

    /**
     * Whether it makes native calls: every mechanism but JDK, which needs no native access.
     *
     * @return false for JDK only
     */
    public boolean isNative() {
        return this != JDK;
    }

    /**
     * The launcher that makes its children, created at its first use (a JVM that never uses
     * POSIX_SPAWN does not load its launcher).
     *
     * @return the launcher; null for JDK, whose children ProcessBuilder makes
     */
    public Launcher launcher() {
        if (this == POSIX_SPAWN) {
            return PosixSpawn.LAUNCHER;
        }
        if (runsRoutine) {
            return this == VFORK ? Clones.VFORK : Clones.FORK;
        }
        return null;
    }

    private static final class Clones {
        static final Launcher VFORK = new CloneLauncher(true);
        static final Launcher FORK = new CloneLauncher(false);
    }

    private static final class PosixSpawn {
        static final Launcher LAUNCHER = new PosixSpawnLauncher();
    }

    /**
     * The first mechanism of {@link #PREFERENCE} not known never to work here (see
     * {@link #definitelyUnavailable()}); JDK at worst.
     *
     * @return the mechanism for a Command that chose none
     */
    public static Technique best() {
        for (Technique t : PREFERENCE) {
            if (!t.definitelyUnavailable()) {
                return t;
            }
        }
        return JDK;
    }

    /**
     * Why it cannot be used here; empty when it can. An explicit question: probes for real (for
     * VFORK and FORK with a child of their own) unless a spawn has answered it; a reason that
     * passes says so and is not kept.
     *
     * @return the reason, or empty
     */
    public Optional<String> unavailableReason() {
        return Availability.unavailableReason(this);
    }

    /**
     * True only when it is known never to work here; one whose probe failed for a passing
     * reason is not passed over.
     *
     * @return whether {@link #best()} passes it over
     */
    public boolean definitelyUnavailable() {
        return Availability.definitelyUnavailable(this);
    }

    /**
     * Checks that it can start a child now, before anything is acquired for the spawn.
     *
     * @param program   the program, for the exception's message
     * @param directory the child's directory, for the exception's message (null: this JVM's)
     * @throws UnsupportedOperationException when it never works here, with the reason
     * @throws SpawnException when its probe failed for a passing reason; the next call probes again
     */
    public void require(String program, Path directory) throws SpawnException {
        Availability.require(this, program, directory);
    }

    /** A spawn with it succeeded: it works here. Call after every successful spawn; a read once known. */
    public void worked() {
        Availability.worked(this);
    }

    /**
     * A spawn with it failed with {@code errno}: when its child routine had not been tried yet
     * and the errno does not pass, its probe decides whether it can work here at all.
     *
     * @param errno the spawn's errno
     * @return why it can never work here, or null when the failure stands as the request's own
     */
    public String afterFailedTrial(int errno) {
        return Availability.afterFailedTrial(this, errno);
    }
}
