package dev.vfork4j;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A cgroup v2 directory made for one test, and removed with everything in it at the end. The
 * test is skipped where no cgroup2 hierarchy is mounted or it cannot be written.
 */
final class TestCgroup implements AutoCloseable {
    private final Path dir;
    private final List<TestCgroup> below = new ArrayList<>();

    private TestCgroup(Path dir) {
        this.dir = dir;
    }

    /** The root of the cgroup2 hierarchy (cgroup v2 alone, or the "unified" one of a hybrid host). */
    static Path root() {
        Path root = Stream.of(Path.of("/sys/fs/cgroup/unified"), Path.of("/sys/fs/cgroup"))
            .filter(p -> Files.exists(p.resolve("cgroup.procs")) && Files.exists(p.resolve("cgroup.controllers")))
            .findFirst().orElse(null);
        assumeTrue(root != null, "no cgroup2 hierarchy mounted");
        return root;
    }

    /** A new cgroup directly below the root. */
    static TestCgroup create(String name) {
        return make(root().resolve("vfork4j-" + name + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime()));
    }

    private static TestCgroup make(Path dir) {
        try {
            Files.createDirectory(dir);
        } catch (IOException e) {
            assumeTrue(false, "cgroup2 not writable here: " + e);
        }
        return new TestCgroup(dir);
    }

    /** The cgroup {@code dir}, made by the test itself, to be removed the same way. */
    static TestCgroup adopt(Path dir) {
        return new TestCgroup(dir);
    }

    /** A cgroup below this one, removed with it. */
    TestCgroup child(String name) {
        TestCgroup c = make(dir.resolve(name));
        below.add(c);
        return c;
    }

    Path path() {
        return dir;
    }

    /** The pids listed in this cgroup's cgroup.procs now. */
    List<Long> members() throws IOException {
        return Files.readAllLines(dir.resolve("cgroup.procs")).stream().filter(l -> !l.isBlank())
            .map(l -> Long.parseLong(l.strip())).toList();
    }

    /** Kills whatever is left in it (cgroup.kill: only this test's own cgroup), and removes it. */
    @Override
    public void close() throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        for (TestCgroup c : below) {
            c.close();
        }
        try {
            Files.writeString(dir.resolve("cgroup.kill"), "1");
        } catch (IOException e) {
            // before Linux 5.14: kill the members one by one
            for (long pid : members()) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (Files.exists(dir) && System.nanoTime() < deadline) {
            try {
                Files.delete(dir);
            } catch (IOException busy) {
                try {
                    Thread.sleep(20); // members are still exiting
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // the test is being stopped: leave the rest to it
                    return;
                }
            }
        }
    }
}
