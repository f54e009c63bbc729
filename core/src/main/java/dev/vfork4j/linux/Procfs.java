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

    private static volatile int nrOpen; // 0 until read

    /**
     * The largest fd number the kernel allows ({@code fs.nr_open}; 1048576 by default). Read
     * once it can be: when the file cannot be read now (no fd free), the default is returned and
     * the file is read again next time.
     */
    public static int nrOpen() {
        int n = nrOpen;
        if (n == 0) {
            long read = number("/proc/sys/fs/nr_open", -1);
            if (read <= 0) {
                return 1 << 20;
            }
            n = (int) Math.min(read, Integer.MAX_VALUE);
            nrOpen = n;
        }
        return n;
    }
}
