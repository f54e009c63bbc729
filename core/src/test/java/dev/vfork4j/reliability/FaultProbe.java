package dev.vfork4j.reliability;

import dev.vfork4j.Child;
import dev.vfork4j.Command;
import dev.vfork4j.Mechanism;
import dev.vfork4j.Redirect;
import dev.vfork4j.SpawnException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Main class for a disposable JVM started under a low RLIMIT_NOFILE ({@code ulimit -n}): starts
 * {@code sleep} children with piped stdio on the named mechanism, holding each, until a start fails;
 * prints what failed, kills and reaps what it holds, then starts {@code true} once more.
 * One line per fact, {@code key=value}, for {@link FaultTest} to read.
 */
public final class FaultProbe {
    public static void main(String[] args) throws Exception {
        if (args.length > 1 && args[1].equals("full")) {
            firstUseWithAFullTable(args[0].equals("best") ? null : Mechanism.valueOf(args[0]), Integer.parseInt(args[2]),
                args[3]);
            return;
        }
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

    /**
     * The first use of vfork4j in this JVM made while only {@code free} fds are left: two
     * attempts with the table full, then the fds are freed, the children counted (a child
     * started and never reaped would still be one, a zombie), and a child started again. Every
     * class of the library is loaded first (not initialised: that is what the first use does),
     * because reading a class file from target/classes needs an fd too.
     *
     * @param m     the mechanism, or null for the default ({@link Mechanism#best()})
     * @param verb  "run" (inherited stdio: no fd but the child's pidfd) or "output" (pipes)
     */
    static void firstUseWithAFullTable(Mechanism m, int free, String verb) throws Exception {
        preloadLibraryClasses();
        List<FileChannel> held = new ArrayList<>();
        try {
            while (held.size() < 100_000) {
                held.add(FileChannel.open(Path.of("/dev/null")));
            }
        } catch (IOException full) {
            // EMFILE: the table is full
        }
        for (int i = 0; i < free; i++) {
            held.removeLast().close();
        }
        Throwable first = attempt(m, verb);
        Throwable second = attempt(m, verb);
        for (FileChannel c : held) {
            c.close();
        }
        report("first", first);
        report("second", second);
        System.out.println("childrenLeft=" + ProcessHandle.current().children().count());
        try {
            Command again = Command.of("echo", "again");
            System.out.println("after=" + (m == null ? again : again.mechanism(m)).output().stdoutText().strip());
        } catch (Throwable t) {
            System.out.println("after=FAILED " + t);
        }
        System.out.println("best=" + Mechanism.best());
        if (m != null) {
            System.out.println("available=" + m.unavailableReason().orElse("yes"));
        }
        System.out.println("children=" + ProcessHandle.current().children().count());
    }

    private static Throwable attempt(Mechanism m, String verb) {
        Command c = Command.of("true");
        c = m == null ? c : c.mechanism(m);
        try {
            if (verb.equals("run")) {
                c.run();
            } else {
                c.output();
            }
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    /** Prints what {@code t} was as {@code which=…} facts for the test to read (RecoveryProbe's too). */
    static void report(String which, Throwable t) {
        System.out.println(which + "=" + (t == null ? "none" : t.getClass().getName()));
        System.out.println(which + "Message=" + (t == null ? "" : String.valueOf(t.getMessage()).replace('\n', ' ')));
        if (t instanceof SpawnException se) {
            System.out.println(which + "Step=" + se.step());
            System.out.println(which + "Errno=" + se.errnoName());
            System.out.println(which + "Cause=" + se.getCause());
        }
    }

    /** Loads, without initialising, every class of the library from its class directory (nothing to do from a jar). */
    private static void preloadLibraryClasses() throws Exception {
        Path root = Path.of(Command.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (!Files.isDirectory(root)) {
            return;
        }
        List<Path> classFiles;
        try (Stream<Path> files = Files.walk(root)) {
            classFiles = files.filter(f -> f.toString().endsWith(".class") && !f.endsWith("module-info.class")).toList();
        }
        for (Path f : classFiles) {
            String name = root.relativize(f).toString().replace('/', '.');
            Class.forName(name.substring(0, name.length() - ".class".length()), false, FaultProbe.class.getClassLoader());
        }
    }
}
