package dev.vfork4j.reliability;

import dev.vfork4j.Child;
import dev.vfork4j.Command;
import dev.vfork4j.Mechanism;
import dev.vfork4j.Redirect;
import dev.vfork4j.SpawnException;
import java.util.ArrayList;
import java.util.List;

/**
 * Main class for a disposable JVM started under a low RLIMIT_NOFILE ({@code ulimit -n}): starts
 * {@code sleep} children with piped stdio on the named mechanism, holding each, until a start fails;
 * prints what failed, kills and reaps what it holds, then starts {@code true} once more.
 * One line per fact, {@code key=value}, for {@link FaultTest} to read.
 */
public final class FaultProbe {
    public static void main(String[] args) throws Exception {
        Mechanism m = Mechanism.valueOf(args[0]);
        if (args.length > 1 && args[1].equals("warm")) {
            // Load the classes a failed start and a kill use while fds are still free: the test
            // runs from target/classes, where each class load opens a file (a jar stays open).
            try {
                Command.of("vfork4j-no-such-program").mechanism(m).start();
            } catch (SpawnException expected) {
                // the error path's classes are loaded now
            }
            Child c = Command.of("sleep", "30").mechanism(m).stdin(Redirect.PIPE).stdout(Redirect.PIPE)
                .stderr(Redirect.PIPE).start();
            c.destroyForcibly();
            c.waitFor();
            c.getInputStream().close();
            c.getErrorStream().close();
            c.getOutputStream().close();
            Command.of("echo").mechanism(m).output();
        }
        // "pipes": each child holds three pipes and a pidfd; "bare": only its pidfd, so the
        // limit is met where the child itself is made rather than at the redirects
        boolean pipes = args.length < 3 || args[2].equals("pipes");
        Redirect io = pipes ? Redirect.PIPE : Redirect.DISCARD;
        List<Child> held = new ArrayList<>();
        Throwable failure = null;
        try {
            while (held.size() < 10_000) {
                held.add(Command.of("sleep", "30").mechanism(m).stdin(io).stdout(io).stderr(io).start());
            }
        } catch (Throwable t) {
            failure = t;
        }
        System.out.println("held=" + held.size());
        System.out.println("failure=" + (failure == null ? "none" : failure.getClass().getName()));
        System.out.println("message=" + (failure == null ? "" : String.valueOf(failure.getMessage()).replace('\n', ' ')));
        if (failure instanceof SpawnException se) {
            System.out.println("step=" + se.step());
            System.out.println("errno=" + se.errnoName());
        } else if (failure != null) {
            failure.printStackTrace(System.out);
        }
        for (Child c : held) {
            c.destroyForcibly();
            c.waitFor();
            if (pipes) {
                c.getInputStream().close();
                c.getErrorStream().close();
                c.getOutputStream().close();
            }
        }
        System.gc();
        Thread.sleep(200);
        try {
            System.out.println("after=" + Command.of("echo", "again").mechanism(m).output().stdoutText().strip());
        } catch (Throwable t) {
            System.out.println("after=FAILED " + t);
        }
        System.out.println("children=" + ProcessHandle.current().children().count());
    }
}
