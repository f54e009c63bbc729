package dev.vfork4j.conformance;

import static dev.vfork4j.conformance.StreamCases.attempt;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * waitFor in its three forms, exitValue before the exit, isAlive, destroy and destroyForcibly,
 * onExit, toString, and Thread.interrupt while waiting.
 */
final class LifecycleCases {

    private LifecycleCases() {}

    static void register(Cases c) {
        c.add("life/exitValue-before-exit", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sleep", "30"));
            if (p != null) {
                t.line("exitValue", attempt(t, p::exitValue));
                t.line("isAlive", p.isAlive());
                t.line("toString", p.toString());
                p.destroy();
                t.exit("sleep", p);
                t.line("toString", p.toString());
            }
        });
        c.add("life/waitFor-timeouts-on-a-running-child", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sleep", "30"));
            if (p != null) {
                t.line("waitFor(0 s)", p.waitFor(0, TimeUnit.SECONDS));
                t.line("waitFor(-5 s)", p.waitFor(-5, TimeUnit.SECONDS));
                t.line("waitFor(50 ms)", p.waitFor(50, TimeUnit.MILLISECONDS));
                t.line("waitFor(1 ns)", p.waitFor(1, TimeUnit.NANOSECONDS));
                t.line("waitFor(Duration 50 ms)", attempt(t, () -> p.waitFor(Duration.ofMillis(50))));
                t.line("waitFor(Duration ZERO)", attempt(t, () -> p.waitFor(Duration.ZERO)));
                t.line("waitFor(Duration negative)", attempt(t, () -> p.waitFor(Duration.ofSeconds(-1))));
                t.line("waitFor(1, null)", attempt(t, () -> p.waitFor(1, null)));
                t.line("waitFor(0, null)", attempt(t, () -> p.waitFor(0, null)));
                t.line("waitFor(null Duration)", attempt(t, () -> p.waitFor(null)));
                p.destroyForcibly();
                t.exit("sleep", p);
            }
        });
        c.add("life/waitFor-timeouts-on-an-exited-child", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "exit 9"));
            if (p != null) {
                t.exit("sh", p);
                t.line("waitFor(0 s)", p.waitFor(0, TimeUnit.SECONDS));
                t.line("waitFor(-1 s)", p.waitFor(-1, TimeUnit.SECONDS));
                t.line("waitFor(Long.MAX_VALUE days)", p.waitFor(Long.MAX_VALUE, TimeUnit.DAYS));
                t.line("waitFor(1, null)", attempt(t, () -> p.waitFor(1, null)));
                t.line("waitFor(Duration ZERO)", attempt(t, () -> p.waitFor(Duration.ZERO)));
                t.line("waitFor(null Duration)", attempt(t, () -> p.waitFor(null)));
                t.line("waitFor()", p.waitFor());
                t.line("exitValue", p.exitValue());
            }
        });
        c.add("life/waitFor-with-a-long-timeout-returns-at-exit", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sleep", "0.2"));
            if (p != null) {
                t.line("waitFor(1 day)", p.waitFor(1, TimeUnit.DAYS));
                t.line("exitValue", p.exitValue());
            }
        });
        c.add("life/isAlive-transitions", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "read x; exit 4"));
            if (p != null) {
                t.line("isAlive before", p.isAlive());
                p.getOutputStream().write('\n');
                p.getOutputStream().flush();
                t.exit("sh", p);
                t.line("isAlive after", p.isAlive());
                t.line("handle isAlive after", p.toHandle().isAlive());
            }
        });
        c.add("life/supportsNormalTermination", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sleep", "30"));
            if (p != null) {
                t.line("process", p.supportsNormalTermination());
                t.line("handle", p.toHandle().supportsNormalTermination());
                p.destroyForcibly();
                t.exit("sleep", p);
            }
        });
        c.add("life/destroy-is-SIGTERM", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sleep", "30"));
            if (p != null) {
                p.destroy();
                t.exit("sleep", p);
            }
        });
        c.add("life/destroyForcibly-is-SIGKILL-and-returns-this", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sleep", "30"));
            if (p != null) {
                t.line("returns this", p.destroyForcibly() == p);
                t.exit("sleep", p);
            }
        });
        c.add("life/destroy-ignored-by-child-then-forcibly", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"));
            if (p != null) {
                t.line("ready", p.inputReader().readLine());
                p.destroy();
                t.line("exited within 300 ms of SIGTERM", p.waitFor(300, TimeUnit.MILLISECONDS));
                p.destroyForcibly();
                t.exit("sh", p);
            }
        });
        c.add("life/destroy-after-exit-is-harmless", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "exit 6"));
            if (p != null) {
                t.exit("sh", p);
                p.destroy();
                p.destroyForcibly();
                t.line("exitValue still", p.exitValue());
                t.line("handle destroy after exit", p.toHandle().destroy());
            }
        });
        c.add("life/destroy-twice", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sleep", "30"));
            if (p != null) {
                p.destroy();
                p.destroy();
                t.exit("sleep", p);
            }
        });
        c.add("life/exec-replaced-shell-destroyed", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "exec sleep 30"));
            if (p != null) {
                p.destroy();
                t.exit("sh", p);
            }
        });
        c.add("life/onExit-completes-with-this", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "sleep 0.1; exit 12"));
            if (p != null) {
                CompletableFuture<Process> f = p.onExit();
                t.line("done before", f.isDone() && p.isAlive());
                Process q = f.get(30, TimeUnit.SECONDS);
                t.line("same process", q == p);
                t.line("exitValue", q.exitValue());
                t.line("new future each call", p.onExit() != f);
                t.line("isAlive inside thenApply", p.onExit().thenApply(Process::isAlive).get());
            }
        });
        c.add("life/onExit-cancel-does-not-affect-process", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "sleep 0.2; exit 2"));
            if (p != null) {
                CompletableFuture<Process> f = p.onExit();
                t.line("cancel", f.cancel(true));
                t.line("second onExit", p.onExit().get(30, TimeUnit.SECONDS).exitValue());
            }
        });
        c.add("life/onExit-of-destroyed-child", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sleep", "30"));
            if (p != null) {
                CompletableFuture<Integer> code = p.onExit().thenApply(Process::exitValue);
                p.destroyForcibly();
                t.line("onExit exitValue", code.get(30, TimeUnit.SECONDS));
            }
        });
        c.add("life/interrupted-before-waitFor", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sleep", "30"));
            if (p != null) {
                Thread.currentThread().interrupt();
                t.line("waitFor", attempt(t, p::waitFor));
                t.line("interrupt status after", Thread.currentThread().isInterrupted());
                Thread.currentThread().interrupt();
                t.line("waitFor(timeout)", attempt(t, () -> p.waitFor(5, TimeUnit.SECONDS)));
                t.line("interrupt status after", Thread.interrupted());
                t.line("still alive", p.isAlive());
                p.destroy();
                t.exit("sleep", p);
            }
        });
        c.add("life/interrupted-before-waitFor-of-exited-child", t -> {
            Process p = t.start("true", new ProcessBuilder("true"));
            if (p != null) {
                t.exit("true", p);
                Thread.currentThread().interrupt();
                t.line("waitFor", attempt(t, p::waitFor));
                t.line("interrupt status after", Thread.interrupted());
                Thread.currentThread().interrupt();
                t.line("waitFor(timeout)", attempt(t, () -> p.waitFor(1, TimeUnit.SECONDS)));
                t.line("interrupt status after", Thread.interrupted());
            }
        });
        for (boolean timed : new boolean[] {false, true}) {
            for (boolean virtual : new boolean[] {false, true}) {
                String name = "life/interrupted-during-waitFor" + (timed ? "-timed" : "") + (virtual ? "-virtual" : "-platform");
                c.add(name, t -> {
                    Process p = t.start("sleep", new ProcessBuilder("sleep", "30"));
                    if (p != null) {
                        String[] result = new String[2];
                        Thread waiter = (virtual ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
                            result[0] = attempt(t, () -> timed ? p.waitFor(20, TimeUnit.SECONDS) : p.waitFor());
                            result[1] = String.valueOf(Thread.currentThread().isInterrupted());
                        });
                        Thread.sleep(200);
                        waiter.interrupt();
                        waiter.join(10_000);
                        t.line("waiter", result[0]);
                        t.line("interrupt status after", result[1]);
                        t.line("child still alive", p.isAlive());
                        p.destroy();
                        t.exit("sleep", p);
                    }
                });
            }
        }
        c.add("life/interrupted-during-stream-read", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sh", "-c", "exec sleep 30"));
            if (p != null) {
                String[] result = new String[2];
                Thread reader = Thread.ofPlatform().start(() -> {
                    result[0] = attempt(t, () -> p.getInputStream().read());
                    result[1] = String.valueOf(Thread.currentThread().isInterrupted());
                });
                Thread.sleep(200);
                reader.interrupt();
                reader.join(500);
                // The JDK's pipe read does not answer interrupts: the reader goes on until the child ends.
                t.line("reader still blocked after the interrupt", reader.isAlive());
                p.destroy();
                reader.join(10_000);
                t.line("reader", result[0]);
                t.line("interrupt status after", result[1]);
                t.exit("sleep", p);
            }
        });
        c.add("life/interrupted-during-stream-read-virtual", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sh", "-c", "exec sleep 30"));
            if (p != null) {
                String[] result = new String[2];
                Thread reader = Thread.ofVirtual().start(() -> {
                    result[0] = attempt(t, () -> p.getInputStream().read());
                    result[1] = String.valueOf(Thread.currentThread().isInterrupted());
                });
                Thread.sleep(200);
                reader.interrupt();
                reader.join(500);
                t.line("reader still blocked after the interrupt", reader.isAlive());
                p.destroy();
                reader.join(10_000);
                t.line("reader", result[0]);
                t.line("interrupt status after", result[1]);
                t.exit("sleep", p);
            }
        });
        c.add("life/toString-shapes", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "read x; exit 17"));
            if (p != null) {
                t.line("running", p.toString());
                t.line("handle", t.normalise(p.toHandle().toString().replace(Long.toString(p.pid()), "PID")));
                p.getOutputStream().close();
                t.exit("sh", p);
                t.line("exited", p.toString());
            }
        });
        c.add("life/pid-stable-and-matches-handle", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sleep", "30"));
            if (p != null) {
                long pid = p.pid();
                t.line("pid > 0", pid > 0);
                t.line("handle pid same", p.toHandle().pid() == pid);
                t.line("not this jvm", pid != ProcessHandle.current().pid());
                p.destroy();
                t.exit("sleep", p);
                t.line("pid same after exit", p.pid() == pid);
            }
        });
        c.add("life/destroy-from-another-thread-while-waiting", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sleep", "30"));
            if (p != null) {
                Thread killer = Thread.ofPlatform().start(() -> {
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    p.destroy();
                });
                t.line("waitFor", p.waitFor());
                killer.join();
            }
        });
        c.add("life/onExit-completes-on-which-thread", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sleep", "0.2"));
            if (p != null) {
                String where = p.onExit().thenApply(x -> {
                    Thread th = Thread.currentThread();
                    return th.getName().replaceAll("\\d+", "N") + " daemon=" + th.isDaemon() + " virtual=" + th.isVirtual();
                }).get(30, TimeUnit.SECONDS);
                t.line("dependent ran on", where);
                // Not recorded: where a dependent of toHandle().onExit() runs once the child is gone,
                // which the JDK itself answers either way (the caller, or a pool thread).
                p.toHandle().onExit().get(30, TimeUnit.SECONDS);
            }
        });
        c.add("life/waited-after-the-starting-thread-ended", t -> {
            Process[] started = new Process[1];
            Thread starter = Thread.ofPlatform().start(() -> started[0] = t.start("sh", new ProcessBuilder("sh", "-c", "sleep 0.3; exit 8")));
            starter.join();
            if (started[0] != null) {
                t.line("alive after its starter ended", started[0].isAlive());
                t.exit("sh", started[0]);
            }
        });
        c.add("life/many-waitFor-calls", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "exit 33"));
            if (p != null) {
                int[] codes = new int[5];
                for (int i = 0; i < codes.length; i++) {
                    codes[i] = p.waitFor();
                }
                t.line("codes", java.util.Arrays.toString(codes));
            }
        });
    }
}
