package dev.vfork4j.reliability;

import dev.vfork4j.Command;
import dev.vfork4j.Mechanism;
import dev.vfork4j.Signal;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Main class for a disposable JVM that {@link RecoveryTest} has put in a pids cgroup of its
 * own: it sets the group's pids.max to the number of tasks it holds now, so that no process or
 * thread can be created, tries what the mode says twice, raises the limit and tries again.
 * One line per fact, {@code key=value}.
 *
 * <ul>
 *   <li>{@code first-spawn MECHANISM|best [loop-first] GROUP}: the very first spawn of this JVM
 *       meets the limit: when the event loop's thread is to start, or, with {@code loop-first}
 *       (the loop started before the limit), at the clone that tries the mechanism.</li>
 *   <li>{@code spawner GROUP}: the JVM has spawned before; its first parentDeathSignal spawn
 *       meets the limit, when the spawner thread is to be started.</li>
 * </ul>
 */
public final class RecoveryProbe {
    public static void main(String[] args) throws Exception {
        Path group = Path.of(args[args.length - 1]);
        if (args[0].equals("first-spawn")) {
            Mechanism m = args[1].equals("best") ? null : Mechanism.valueOf(args[1]);
            Command c = m == null ? Command.of("true") : Command.of("true").mechanism(m);
            if (args[2].equals("loop-first")) {
                dev.vfork4j.loop.EventLoop.shared();
            }
            limit(group);
            FaultProbe.report("first", attempt(c));
            System.out.println("reasonWhileLimited=" + (m == null ? Mechanism.VFORK : m).unavailableReason().orElse("none"));
            System.out.println("bestWhileLimited=" + Mechanism.best());
            FaultProbe.report("second", attempt(c));
            unlimit(group);
            System.out.println("after=" + (m == null ? Command.of("echo", "again") : Command.of("echo", "again").mechanism(m))
                .output().stdoutText().strip());
            System.out.println("available=" + (m == null ? Mechanism.VFORK : m).unavailableReason().orElse("yes"));
        } else if (args[0].equals("spawner")) {
            Command.of("true").run(); // probe, event loop: everything but the spawner thread is made
            Command c = Command.of("true").parentDeathSignal(Signal.SIGKILL);
            limit(group);
            FaultProbe.report("first", attempt(c));
            FaultProbe.report("second", attempt(c));
            unlimit(group);
            System.out.println("after=" + Command.of("echo", "again").parentDeathSignal(Signal.SIGKILL).output()
                .stdoutText().strip());
        } else {
            throw new IllegalArgumentException(args[0]);
        }
        System.out.println("best=" + Mechanism.best());
        System.out.println("children=" + ProcessHandle.current().children().count());
    }

    /** No new task in the group from now on: pids.max is what it holds. */
    private static void limit(Path group) throws Exception {
        String current = Files.readString(group.resolve("pids.current")).strip();
        Files.writeString(group.resolve("pids.max"), current);
        System.out.println("limit=" + current);
    }

    private static void unlimit(Path group) throws Exception {
        Files.writeString(group.resolve("pids.max"), "max");
    }

    private static Throwable attempt(Command c) {
        try {
            c.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }
}
