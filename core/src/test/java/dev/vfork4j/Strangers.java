package dev.vfork4j;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Unrelated processes that provably hold a given pid number: started with plain ProcessBuilder
 * (not through vfork4j) right after /proc/sys/kernel/ns_last_pid was set to the number before
 * it. Other processes on the machine fork too, so it is retried until the pid is the one asked for.
 */
final class Strangers {
    private Strangers() {}

    private static final Path LAST_PID = Path.of("/proc/sys/kernel/ns_last_pid");

    /**
     * {@code argv} started as pid {@code pid}, or the test is skipped (ns_last_pid not writable,
     * or the number could not be won in 500 tries).
     */
    static Process withPid(long pid, String... argv) throws IOException, InterruptedException {
        assumeTrue(Files.isWritable(LAST_PID), "ns_last_pid is not writable here (needs root in the pid namespace)");
        for (int attempt = 0; attempt < 500; attempt++) {
            try {
                Files.writeString(LAST_PID, Long.toString(pid - 1));
            } catch (IOException e) {
                assumeTrue(false, "cannot write ns_last_pid: " + e);
            }
            Process p = new ProcessBuilder(List.of(argv)).redirectErrorStream(true).start();
            if (p.pid() == pid) {
                return p;
            }
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        assumeTrue(false, "could not start a process as pid " + pid + " in 500 tries (the machine forks too fast)");
        throw new AssertionError("unreachable");
    }

    /** A session and group leader ({@code setsid sleep 30}) whose pid, pgid and sid are {@code pid}. */
    static Process groupLeaderWithPid(long pid) throws IOException, InterruptedException {
        Process p = withPid(pid, "setsid", "sleep", "30");
        // setsid(1) calls setsid(2) and execs sleep in the same process (a JDK child leads no group).
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (pgid(pid) != pid && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        if (pgid(pid) != pid) {
            p.destroyForcibly();
            throw new AssertionError("the stranger " + pid + " did not become a group leader");
        }
        return p;
    }

    /** The process group of {@code pid}, or -1 when it is gone. */
    static long pgid(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[2]); // state, ppid, pgrp
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
