package dev.vfork4j.loop;

import static dev.vfork4j.linux.Linux.EPOLLIN;
import static dev.vfork4j.linux.Linux.EPOLLONESHOT;

import dev.vfork4j.Child;
import dev.vfork4j.Command;
import dev.vfork4j.ProcessTimeoutException;
import dev.vfork4j.Redirect;
import dev.vfork4j.Signal;
import dev.vfork4j.linux.Posix;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Main class for a disposable JVM (dev.vfork4j.reliability.RecoveryTest) that does to the
 * shared event loop what must not happen in the test JVM. One line per fact, {@code key=value};
 * every wait is bounded, so a loop that hangs shows as {@code hung}, not as a stuck JVM.
 *
 * <ul>
 *   <li>{@code throwing-handler}: a default uncaught-exception handler that throws, and a task,
 *       a deadline and an epoll handler on the loop that throw (a RuntimeException, an Error, a
 *       StackOverflowError); then output(), waitFor(), a stream and a timeout must still work.</li>
 *   <li>{@code death}: children waiting in every way the loop serves (waitFor, a blocking read, a
 *       capture with a pending timeout, a buffer written into a stdin that is never read), then
 *       the loop dies (epoll_wait fails); each wait must fail, later calls too, and new
 *       children must be served by a new loop.</li>
 * </ul>
 */
public final class LoopProbe {
    private static final Map<String, String> FACTS = new LinkedHashMap<>();

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "throwing-handler" -> throwingHandler();
            case "death" -> death();
            default -> throw new IllegalArgumentException(args[0]);
        }
        FACTS.forEach((k, v) -> System.out.println(k + "=" + v.replace('\n', ' ')));
        System.out.flush();
        Runtime.getRuntime().halt(0); // children started with parentDeathSignal(SIGKILL) die with this JVM
    }

    private static void throwingHandler() throws Exception {
        Command.of("true").run(); // the shared loop exists
        AtomicInteger reported = new AtomicInteger();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            reported.incrementAndGet();
            throw new IllegalStateException("the default uncaught-exception handler throws too");
        });
        EventLoop loop = EventLoop.shared();
        loop.execute(() -> {
            throw new IllegalArgumentException("a task throws");
        });
        loop.schedule(System.nanoTime(), () -> {
            throw new AssertionError("a deadline throws an Error");
        });
        loop.execute(LoopProbe::recurse);
        int[] pipe = Posix.pipe();
        loop.poller().add(pipe[0], EPOLLIN | EPOLLONESHOT, events -> {
            throw new IllegalStateException("an epoll handler throws");
        });
        try (var out = new java.io.FileOutputStream("/proc/self/fd/" + pipe[1])) {
            out.write(1);
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (reported.get() < 4 && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        FACTS.put("reported", String.valueOf(reported.get()));
        loop.poller().remove(pipe[0]);
        Posix.close(pipe[0]);
        Posix.close(pipe[1]);

        FACTS.put("output", bounded(() -> Command.of("echo", "still served").output().stdoutText().strip()));
        FACTS.put("waitFor", bounded(() -> String.valueOf(Command.of("sh", "-c", "exit 3").start().waitFor())));
        FACTS.put("stream", bounded(() -> {
            Child c = Command.of("echo", "streamed").start();
            return new String(c.getInputStream().readAllBytes()).strip();
        }));
        FACTS.put("timeout", bounded(() -> {
            try {
                Command.of("sleep", "30").timeout(Duration.ofMillis(200), Duration.ZERO).output();
                return "no timeout";
            } catch (ProcessTimeoutException e) {
                return "ProcessTimeoutException";
            }
        }));
    }

    private static int recurse() {
        return recurse() + 1; // StackOverflowError on the loop thread
    }

    private static void death() throws Exception {
        Command sleeper = Command.of("sleep", "30").parentDeathSignal(Signal.SIGKILL);
        Child waited = sleeper.stdout(Redirect.PIPE).start();
        Child read = sleeper.stdout(Redirect.PIPE).start();
        CompletableFuture<String> waitFor = failure(() -> waited.waitFor());
        CompletableFuture<String> blockingRead = failure(() -> read.getInputStream().read());
        CompletableFuture<String> capture = failure(() -> sleeper.timeout(Duration.ofSeconds(25)).output());
        CompletableFuture<String> feed = failure(() -> sleeper.stdin(ByteBuffer.allocate(4 << 20)).output());
        Child written = sleeper.stdin(Redirect.PIPE).start();
        CompletableFuture<String> blockingWrite = failure(() -> {
            OutputStream in = written.getOutputStream();
            in.write(new byte[4 << 20]); // more than the pipe holds: waits for the loop
            return null;
        });
        Thread.sleep(500); // every one of them is waiting on the loop by now

        EventLoop old = EventLoop.shared();
        old.breakEpollForTest();
        FACTS.put("death", bounded(() -> {
            while (old.death() == null) {
                Thread.sleep(5);
            }
            return old.death().getMessage();
        }));
        FACTS.put("waitFor", settled(waitFor));
        FACTS.put("blockingRead", settled(blockingRead));
        FACTS.put("capture", settled(capture));
        FACTS.put("feed", settled(feed));
        FACTS.put("blockingWrite", settled(blockingWrite));
        FACTS.put("waitForAgain", settled(failure(() -> waited.waitFor())));
        FACTS.put("readAgain", settled(failure(() -> read.getInputStream().read())));
        FACTS.put("newLoop", String.valueOf(EventLoop.shared() != old && EventLoop.shared().death() == null));
        FACTS.put("after", bounded(() -> Command.of("echo", "again").output().stdoutText().strip()));
        FACTS.put("afterWithTimeout", bounded(() -> {
            try {
                Command.of("sleep", "30").timeout(Duration.ofMillis(200), Duration.ZERO).output();
                return "no timeout";
            } catch (ProcessTimeoutException e) {
                return "ProcessTimeoutException";
            }
        }));
    }

    /** Runs {@code call} on a thread of its own; completes with what it threw ("returned" if nothing). */
    private static CompletableFuture<String> failure(Callable<?> call) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread.ofPlatform().daemon(true).start(() -> {
            try {
                call.call();
                f.complete("returned");
            } catch (Throwable t) {
                f.complete(t.getClass().getSimpleName() + ": " + t.getMessage());
            }
        });
        return f;
    }

    private static String settled(CompletableFuture<String> f) throws Exception {
        try {
            return f.get(10, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return "hung";
        }
    }

    private static String bounded(Callable<String> call) throws Exception {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread.ofPlatform().daemon(true).start(() -> {
            try {
                f.complete(call.call());
            } catch (Throwable t) {
                f.complete("FAILED " + t);
            }
        });
        return settled(f);
    }
}
