package dev.vfork4j.cli.bench;

import dev.vfork4j.Mechanism;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What {@code bench} can time: vfork4j's three native mechanisms, and the JDK's
 * {@code ProcessBuilder} in each of its launch modes. The JDK reads its mode once, from the
 * system property {@code jdk.lang.Process.launchMechanism}, when {@code ProcessImpl} is first
 * used, so each JDK mode needs a JVM of its own; vfork4j's mechanisms share the JVM of the
 * JDK's default mode.
 *
 * <p>The names are part of {@code bench --json}'s contract: the JDK's start with {@code JDK_}.
 */
enum BenchMechanism {
    VFORK(Mechanism.VFORK, null),
    POSIX_SPAWN(Mechanism.POSIX_SPAWN, null),
    /** Last in its JVM: a fork leaves the parent's pages write-protected, and the parent's next writes fault. */
    FORK(Mechanism.FORK, null),
    /** The JDK's default on Linux: posix_spawn of {@code lib/jspawnhelper}, which execs the program. */
    JDK_POSIX_SPAWN(null, "POSIX_SPAWN"),
    JDK_FORK(null, "FORK"),
    /** Deprecated in JDK 25, which warns on the JVM's stderr when it is chosen. */
    JDK_VFORK(null, "VFORK");

    /** The JDK's launch mode of the JVM that times vfork4j's own mechanisms: its default on Linux. */
    static final String DEFAULT_JDK_LAUNCH = "POSIX_SPAWN";

    private final Mechanism vfork4j;
    private final String jdkLaunchMechanism;

    BenchMechanism(Mechanism vfork4j, String jdkLaunchMechanism) {
        this.vfork4j = vfork4j;
        this.jdkLaunchMechanism = jdkLaunchMechanism;
    }

    /** The vfork4j mechanism this times, or null for a JDK launch mode. */
    Mechanism vfork4j() {
        return vfork4j;
    }

    boolean isJdk() {
        return vfork4j == null;
    }

    /** The value of {@code -Djdk.lang.Process.launchMechanism} of the JVM that times this. */
    String launchMechanismProperty() {
        return isJdk() ? jdkLaunchMechanism : DEFAULT_JDK_LAUNCH;
    }

    /** Every name, for messages: {@code VFORK, POSIX_SPAWN, …}. */
    static String names() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }

    /** The mechanism of that name, in any case. */
    static BenchMechanism parse(String name) {
        try {
            return valueOf(name.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + name + "' is not a mechanism; valid: " + names());
        }
    }
}
