package dev.vfork4j.cli;

import dev.vfork4j.linux.Cgroup2;
import dev.vfork4j.linux.Procfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code doctor} says about cgroup v2, which {@code Command.contained()} and
 * {@code run --contain} need: where the hierarchy is mounted, the JVM's own cgroup, whether
 * this user can make cgroups in it, and which controllers it has and hands on to the cgroups
 * made below it (none on a hybrid host, whose controllers are bound to the v1 hierarchies).
 *
 * @param mount          the cgroup2 mount point, or null when there is none
 * @param jvmCgroup      the JVM's cgroup as /proc/self/cgroup names it, or null
 * @param directory      its directory, or null
 * @param writable       whether this user can make a cgroup there
 * @param controllers    the controllers the JVM's cgroup has (cgroup.controllers)
 * @param delegated      those it enables for the cgroups below it (cgroup.subtree_control)
 */
record CgroupFinding(Path mount, String jvmCgroup, Path directory, boolean writable, List<String> controllers,
                     List<String> delegated) {

    static CgroupFinding probe() {
        Cgroup2 h = Cgroup2.find().orElse(null);
        if (h == null) {
            return new CgroupFinding(null, null, null, false, List.of(), List.of());
        }
        Path dir = h.ownDirectory();
        List<String> delegated;
        try {
            String s = Procfs.read(dir.resolve("cgroup.subtree_control")).strip();
            delegated = s.isEmpty() ? List.of() : List.of(s.split(" "));
        } catch (IOException e) {
            delegated = List.of();
        }
        return new CgroupFinding(h.mount(), h.ownPath(), dir, Files.isWritable(dir), Cgroup2.controllers(dir), delegated);
    }

    /** What contained() will do here, in one line. */
    String summary() {
        if (mount == null) {
            return "no: no cgroup2 mount holds this JVM's cgroup (checked /proc/self/mountinfo and /proc/self/cgroup)";
        }
        return writable ? "yes: children get a cgroup below " + directory
            : "no: " + directory + " is not writable by this user (a delegated cgroup can be given to contained(parent))";
    }

    void addTo(List<String> lines) {
        lines.add("cgroup v2");
        Diagnosis.row(lines, "  mount", mount == null ? "none" : mount.toString());
        if (mount != null) {
            Diagnosis.row(lines, "  jvm cgroup", jvmCgroup + " (" + directory + ")");
            Diagnosis.row(lines, "  writable", writable ? "yes" : "no");
            Diagnosis.row(lines, "  controllers", controllers.isEmpty() ? "none" : String.join(" ", controllers));
            Diagnosis.row(lines, "  delegated", delegated.isEmpty() ? "none (cgroup.subtree_control is empty)"
                : String.join(" ", delegated));
        }
        Diagnosis.row(lines, "  contained()", summary());
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mount", mount == null ? null : mount.toString());
        m.put("jvmCgroup", jvmCgroup);
        m.put("directory", directory == null ? null : directory.toString());
        m.put("writable", writable);
        m.put("controllers", controllers);
        m.put("delegated", delegated);
        m.put("contained", mount != null && writable);
        return m;
    }
}
