package dev.vfork4j.loop;

import dev.vfork4j.Command;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Main class for a disposable JVM of {@link LoopThreadAtExitTest}: where the event loop's thread
 * waits before and while the JVM shuts down, one fact per line ({@code key=value}), read from
 * {@code /proc/self/task/<tid>/syscall} (the system call a blocked thread is in). Every wait is
 * bounded (5 s).
 */
public final class ExitProbe {
    public static void main(String[] args) throws Exception {
        Command.of("true").run(); // the shared loop runs from now on
        Path loop = loopThread();
        System.out.println("before=" + settled(loop, true));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // Shutdown hooks run at once, in no set order: wait for the loop to leave epoll_wait.
            System.out.println("duringShutdown=" + settled(loop, false));
            try {
                System.out.println("hookChild=" + Command.of("echo", "in a hook").timeout(Duration.ofSeconds(5))
                    .output().stdoutText().strip());
            } catch (Exception e) {
                System.out.println("hookChild=" + e);
            }
            System.out.flush();
        }));
    }

    /** The task directory of the thread named vfork4j-loop. */
    private static Path loopThread() throws IOException {
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                if (Files.readString(t.resolve("comm")).strip().equals("vfork4j-loop")) {
                    return t;
                }
            }
        }
        throw new IllegalStateException("no vfork4j-loop thread");
    }

    /**
     * The system call the thread is blocked in once it is (or is not, per {@code inEpoll}) in an
     * epoll wait, "epoll" or "elsewhere"; what it was last seen in after 5 s otherwise.
     */
    private static String settled(Path thread, boolean inEpoll) {
        String last = "?";
        long end = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < end) {
            try {
                last = Files.readString(thread.resolve("syscall")).strip().split(" ")[0];
            } catch (IOException e) {
                return "gone"; // the thread ended: not in epoll_wait either
            }
            if (isEpollWait(last) == inEpoll && !last.equals("running")) {
                return inEpoll ? "epoll" : "elsewhere";
            }
            Thread.onSpinWait();
        }
        return "stuck in syscall " + last;
    }

    /** epoll_wait, epoll_pwait or epoll_pwait2 on x86_64 (232, 281, 441) or aarch64 (22, 441). */
    private static boolean isEpollWait(String nr) {
        boolean x86 = System.getProperty("os.arch").equals("amd64");
        return x86 ? nr.equals("232") || nr.equals("281") || nr.equals("441") : nr.equals("22") || nr.equals("441");
    }
}
