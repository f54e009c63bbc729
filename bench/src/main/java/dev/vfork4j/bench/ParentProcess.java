package dev.vfork4j.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * What the parent looks like to the kernel when a benchmark starts: the size figures are
 * about what a clone has to copy (page tables for FORK, the fd table for every mechanism
 * without CLONE_FILES), so each trial prints them and the figures can be checked against them.
 */
final class ParentProcess {
    private ParentProcess() {}

    /** {@code VmRSS}, {@code VmPTE} (page tables), open fds and the Java heap's limit, on one line. */
    static String describe() {
        Runtime rt = Runtime.getRuntime();
        return "parent pid " + ProcessHandle.current().pid()
            + ": VmRSS " + status("VmRSS") + ", VmPTE " + status("VmPTE")
            + ", " + openFds() + " fds open, heap max " + rt.maxMemory() / (1024 * 1024) + " MiB, in use "
            + (rt.totalMemory() - rt.freeMemory()) / (1024 * 1024) + " MiB";
    }

    static long openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count() - 1; // the directory stream's own fd
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String status(String field) {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(line -> line.startsWith(field + ":"))
                .map(line -> line.substring(field.length() + 1).strip())
                .findFirst().orElse("?");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
