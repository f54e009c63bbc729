package dev.vfork4j.loop;

import dev.vfork4j.Child;
import dev.vfork4j.Command;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * Main class for a disposable JVM of {@link LoopThreadAtExitTest}: where the event loop's thread
 * waits before and while the JVM shuts down, one fact per line ({@code key=value}), read from
 * {@code /proc/self/task/<tid>/syscall} (the system call a blocked thread is in). Every wait is
 * bounded (5 s).
 */
public final class ExitProbe {
    public static void main(String[] args) throws Exception {
        Command.of("true").run(); // the shared loop runs from now on
        Path loop = thread("vfork4j-loop");
        System.out.println("before=" + settled(loop, ExitProbe::isEpollWait, "epoll", true));
        // A platform thread waiting for its child waits in poll(2), in native code too.
        Child sleeper = Command.of("sleep", "30").start();
        Thread waiter = new Thread(() -> {
            try {
                sleeper.waitFor();
            } catch (InterruptedException e) {
                // the JVM exits
            }
        }, "probe-waiter");
        waiter.setDaemon(true);
        waiter.start();
        Path waiting = thread("probe-waiter");
        System.out.println("waiterBefore=" + settled(waiting, ExitProbe::isPoll, "poll", true));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // Shutdown hooks run at once, in no set order: wait for the loop to leave epoll_wait.
            System.out.println("duringShutdown=" + settled(loop, ExitProbe::isEpollWait, "epoll", false));
            System.out.println("waiterDuringShutdown=" + settled(waiting, ExitProbe::isPoll, "poll", false));
            sleeper.destroyForcibly();
            try {
                System.out.println("hookChild=" + Command.of("echo", "in a hook").timeout(Duration.ofSeconds(5))
                    .output().stdoutText().strip());
            } catch (Exception e) {
                System.out.println("hookChild=" + e);
            }
            System.out.flush();
        }));
    }

    /** The task directory of the thread named {@code name} (at most 15 characters, as comm keeps them), waiting 5 s for it. */
    private static Path thread(String name) throws IOException, InterruptedException {
        long end = System.nanoTime() + 5_000_000_000L;
        do {
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
                for (Path t : tasks) {
                    if (Files.readString(t.resolve("comm")).strip().equals(name)) {
                        return t;
                    }
                }
            }
            Thread.sleep(1);
        } while (System.nanoTime() < end);
        throw new IllegalStateException("no " + name + " thread");
    }

    /**
     * Waits until the thread is (or is not, per {@code inIt}) blocked in a system call that
     * {@code call} recognises: {@code name} or "elsewhere" then; what it was last seen in after
     * 5 s otherwise.
     */
    private static String settled(Path thread, Predicate<String> call, String name, boolean inIt) {
        String last = "?";
        long end = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < end) {
            try {
                last = Files.readString(thread.resolve("syscall")).strip().split(" ")[0];
            } catch (IOException e) {
                return "gone"; // the thread ended: not in epoll_wait either
            }
            if (call.test(last) == inIt && !last.equals("running")) {
                return inIt ? name : "elsewhere";
            }
            Thread.onSpinWait();
        }
        return "stuck in syscall " + last;
    }

    /** poll or ppoll on x86_64 (7, 271), ppoll on aarch64 (73). */
    private static boolean isPoll(String nr) {
        boolean x86 = System.getProperty("os.arch").equals("amd64");
        return x86 ? nr.equals("7") || nr.equals("271") : nr.equals("73");
    }

    /** epoll_wait, epoll_pwait or epoll_pwait2 on x86_64 (232, 281, 441) or aarch64 (22, 441). */
    private static boolean isEpollWait(String nr) {
        boolean x86 = System.getProperty("os.arch").equals("amd64");
        return x86 ? nr.equals("232") || nr.equals("281") || nr.equals("441") : nr.equals("22") || nr.equals("441");
    }
}
