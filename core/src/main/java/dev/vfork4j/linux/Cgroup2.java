package dev.vfork4j.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where the cgroup v2 hierarchy is mounted and which of its cgroups this JVM runs in, read
 * from {@code /proc/self/mountinfo} and {@code /proc/self/cgroup} (its "0::" line). A pure v2
 * host mounts it at {@code /sys/fs/cgroup}; a hybrid one (v1 controllers beside it) usually at
 * {@code /sys/fs/cgroup/unified}, with no controller of its own.
 *
 * @param mount    the mount point of the cgroup2 file system
 * @param root     the cgroup at that mount point (mountinfo's root field, "/" outside containers)
 * @param ownPath  this JVM's cgroup as /proc/self/cgroup names it
 */
public record Cgroup2(Path mount, String root, String ownPath) {

    /**
     * The cgroup2 mount that holds this JVM's cgroup, or empty when there is no cgroup2 mount or
     * no "0::" line (a v1-only host).
     *
     * @return the hierarchy, or empty, with no exception: every failure to read means "none"
     */
    public static Optional<Cgroup2> find() {
        String own = null;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                if (line.startsWith("0::")) {
                    own = line.substring(3);
                }
            }
            if (own == null) {
                return Optional.empty();
            }
            Cgroup2 best = null;
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                // id parent major:minor root mountpoint options [optional fields] - fstype source superoptions
                String[] f = line.split(" ");
                int dash = List.of(f).indexOf("-");
                if (f.length < 5 || dash < 0 || dash + 1 >= f.length || !f[dash + 1].equals("cgroup2")) {
                    continue;
                }
                String root = unescape(f[3]);
                if (isSameOrBelow(own, root)) {
                    best = new Cgroup2(Path.of(unescape(f[4])), root, own); // a later mount hides an earlier one
                }
            }
            return Optional.ofNullable(best);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** {@return the directory of this JVM's own cgroup} */
    public Path ownDirectory() {
        String rest = root.equals("/") ? ownPath : ownPath.substring(root.length());
        rest = rest.startsWith("/") ? rest.substring(1) : rest;
        return rest.isEmpty() ? mount : mount.resolve(rest);
    }

    /**
     * The controllers {@code dir} offers its children ({@code cgroup.controllers}), space-separated;
     * empty when there are none or the file cannot be read.
     *
     * @param dir a cgroup directory
     * @return the controllers' names
     */
    public static List<String> controllers(Path dir) {
        try {
            String s = Procfs.read(dir.resolve("cgroup.controllers")).strip();
            return s.isEmpty() ? List.of() : List.of(s.split(" "));
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * True when {@code dir} is a cgroup v2 directory (it has cgroup.procs and
     * cgroup.controllers, which v1 directories lack).
     *
     * @param dir a directory
     * @return whether it is one
     */
    public static boolean isCgroup2Directory(Path dir) {
        return Files.exists(dir.resolve("cgroup.procs")) && Files.exists(dir.resolve("cgroup.controllers"));
    }

    /**
     * Whether {@code path} is {@code ancestor} or a cgroup below it (both as /proc/PID/cgroup
     * writes them).
     *
     * @param path     a cgroup path
     * @param ancestor another
     * @return true when path is ancestor or below it
     */
    public static boolean isSameOrBelow(String path, String ancestor) {
        return path.equals(ancestor) || path.startsWith(ancestor.endsWith("/") ? ancestor : ancestor + "/");
    }

    /**
     * A field of /proc/self/mountinfo as it names the file: mountinfo writes space, tab, newline
     * and backslash as a backslash and three octal digits.
     *
     * @param s the field
     * @return the name
     */
    public static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
