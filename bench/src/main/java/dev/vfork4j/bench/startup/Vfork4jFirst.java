package dev.vfork4j.bench.startup;

import dev.vfork4j.Command;
import dev.vfork4j.ExitStatus;
import dev.vfork4j.Mechanism;

/**
 * A fresh JVM's first child through vfork4j, as a user's main method starts it:
 * {@code Command.of("/bin/true").mechanism(m).run()}, standard streams inherited. With no
 * argument (or {@code default}) the mechanism is not set, so the first run also decides
 * {@code Mechanism.best()}. Prints {@link StartupLine}'s line; exits 1 when the child did not
 * exit 0.
 *
 * <pre>{@code java --enable-native-access=ALL-UNNAMED -cp startup.jar:vfork4j.jar \
 *     dev.vfork4j.bench.startup.Vfork4jFirst [VFORK|POSIX_SPAWN|FORK|default]}</pre>
 */
public final class Vfork4jFirst {
    private Vfork4jFirst() {}

    public static void main(String[] args) throws Exception {
        long mainEntry = System.nanoTime();
        Command command = Command.of("/bin/true");
        if (args.length > 0 && !args[0].equals("default")) {
            command = command.mechanism(named(args[0]));
        }
        ExitStatus status = command.run();
        long childExited = System.nanoTime();
        StartupLine.print(mainEntry, childExited, status.exitValue());
        if (!status.success()) {
            System.exit(1);
        }
    }

    /**
     * The constant, as a user's program names it. Not {@code Mechanism.valueOf}: a JVM's first
     * {@code Enum.valueOf} builds the enum's constant directory by reflection, which spins a
     * method accessor (some 5 ms) that a program writing {@code Mechanism.VFORK} never pays.
     */
    private static Mechanism named(String name) {
        return switch (name) {
            case "VFORK" -> Mechanism.VFORK;
            case "POSIX_SPAWN" -> Mechanism.POSIX_SPAWN;
            case "FORK" -> Mechanism.FORK;
            case "JDK" -> Mechanism.JDK;
            default -> throw new IllegalArgumentException("no mechanism " + name);
        };
    }
}
