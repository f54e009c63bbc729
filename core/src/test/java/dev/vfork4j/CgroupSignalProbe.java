package dev.vfork4j;

import java.nio.file.Path;

/**
 * Main class for a disposable JVM started inside a test cgroup: starts {@code sleep 30} in each
 * cgroup given (its own, then the one above it), asks signalCgroup(SIGKILL) of each, and prints
 * what happened. Were its own cgroup signalled, this JVM would die before printing.
 */
public final class CgroupSignalProbe {
    private CgroupSignalProbe() {}

    public static void main(String[] args) throws Exception {
        Mechanism m = Mechanism.valueOf(args[0]);
        String[] names = {"own", "above"};
        for (int i = 0; i < 2; i++) {
            Child c = Command.of("sleep", "30").mechanism(m).cgroup(Path.of(args[i + 1]))
                .stdin(Redirect.DISCARD).stdout(Redirect.DISCARD).stderr(Redirect.DISCARD).start();
            try {
                c.signalCgroup(Signal.SIGKILL);
                System.out.println(names[i] + ": signalled");
            } catch (IllegalStateException e) {
                System.out.println(names[i] + ": refused: " + e.getMessage());
            }
            System.out.println(names[i] + ": child alive " + c.isAlive());
            c.destroyForcibly();
            c.waitFor();
        }
    }
}
