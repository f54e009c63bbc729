package dev.vfork4j.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads small /proc files. Not with {@code Files.readString}: for a file whose size is 0 it
 * first reads one byte, and numeric /proc/sys files (fs/nr_open, kernel/pid_max) return
 * nothing to a read at an offset, so "1048576" comes back as "1".
 */
public final class Procfs {
    private Procfs() {}

    /** The whole file, lines joined with '\n', trailing newline removed. */
    public static String read(Path file) throws IOException {
        return String.join("\n", Files.readAllLines(file));
    }

    /** A numeric /proc/sys value, or {@code fallback} when it cannot be read. */
    public static long number(String file, long fallback) {
        try {
            return Long.parseLong(read(Path.of(file)).strip());
        } catch (IOException | RuntimeException e) {
            return fallback;
        }
    }
}
