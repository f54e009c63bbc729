package dev.vfork4j.reliability;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** What this JVM holds that a leak would grow: open fds, threads, zombie children, RSS. */
public record Health(int fdCount, int threadCount, int zombieCount, long rssKbytes, long childCount) {

    static Health now() throws IOException {
        return new Health(openFds(), osThreads(), zombies().size(),
            rssKb(), ProcessHandle.current().children().count());
    }

    static int openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count() - 1; // less the listing's own fd
        }
    }

    /** Kernel threads of this JVM (/proc/self/task): platform threads, carriers, GC and JIT threads. */
    static int osThreads() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/task"))) {
            return (int) s.count();
        }
    }

    static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** This JVM's children in state Z, from /proc/PID/stat. */
    public static List<Long> zombies() throws IOException {
        long self = ProcessHandle.current().pid();
        List<Long> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                String stat;
                try {
                    stat = Files.readString(p.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (f[0].equals("Z") && Long.parseLong(f[1]) == self) {
                    found.add(Long.parseLong(p.getFileName().toString()));
                }
            }
        }
        return found;
    }

    /**
     * The fd count once it has stayed the same for 100 ms (at most 3 s): a "before" count taken
     * right after System.gc() can otherwise include an fd about to be closed (by a Cleaner, such
     * as the JDK's for an unclosed stream of an earlier test's child, or by the event loop), and
     * the test then sees one fd fewer afterwards (seen once in FaultTest, FORK: 35 before, 34
     * after, every other count 34).
     */
    static int quietFds() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 3_000_000_000L;
        int count = openFds();
        long since = System.nanoTime();
        while (System.nanoTime() - since < 100_000_000L && System.nanoTime() < deadline) {
            Thread.sleep(5);
            int now = openFds();
            if (now != count) {
                count = now;
                since = System.nanoTime();
            }
        }
        return count;
    }

    /**
     * This JVM's open fds, by number, each with what it points to (the link in /proc/self/fd):
     * for telling the fds a test opened from those something else closed meanwhile. The
     * listing's own fd is left out.
     */
    static Map<Integer, String> fdTable() throws IOException {
        String listing = "/proc/" + ProcessHandle.current().pid() + "/fd";
        Map<Integer, String> table = new TreeMap<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (!target.equals(listing)) {
                        table.put(Integer.parseInt(fd.getFileName().toString()), target);
                    }
                } catch (IOException closedMeanwhile) {
                    // not open any more
                }
            }
        }
        return table;
    }

    /**
     * The fds open now that {@code before} did not hold (the same number pointing to the same
     * thing), once none is left or after {@code millis} (the loop hands exits over): a leak,
     * whatever an earlier test's Cleaner or children closed meanwhile (a count fell by 6 during
     * FuzzTest in two full builds, with "before" taken after 100 quiet ms). FuzzTest, FaultTest,
     * SignalStormTest and BadInputTest assert with it.
     */
    static Map<Integer, String> fdsOpenedSince(Map<Integer, String> before, long millis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (true) {
            Map<Integer, String> opened = new TreeMap<>(fdTable());
            opened.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())));
            if (opened.isEmpty() || System.nanoTime() >= deadline) {
                return opened;
            }
            Thread.sleep(5);
        }
    }

    /** Waits up to {@code millis} for the fd count to come back to {@code expected} (the loop hands exits over). */
    static int fdsSettledTo(int expected, long millis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        int now = openFds();
        while (now != expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
            now = openFds();
        }
        return now;
    }
}
