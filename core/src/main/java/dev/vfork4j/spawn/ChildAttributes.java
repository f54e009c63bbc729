package dev.vfork4j.spawn;

import dev.vfork4j.Resource;
import dev.vfork4j.Signal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The process attributes a Command asks for, beyond program, environment, directory and
 * stdio. Immutable; every {@code with} returns a copy. Values are validated by Command.
 *
 * @param processGroup   -1 for none, 0 for a group of its own, else the group to join
 * @param umask          -1 to inherit this JVM's
 * @param keptFds        fd in the child → fd in this JVM
 * @param signalMask     signals blocked in the child (empty by default)
 */
public record ChildAttributes(boolean newSession, int processGroup, Signal parentDeathSignal, int umask,
                              Map<Resource, long[]> limits, Credentials credentials, boolean noNewPrivileges,
                              Path cgroup, SortedMap<Integer, Integer> keptFds, Set<Signal> signalMask) {

    /** setgroups + setresgid + setresuid. */
    public record Credentials(int uid, int gid, int[] groups) {}

    public static final ChildAttributes NONE = new ChildAttributes(false, -1, null, -1, Map.of(), null, false, null,
        new TreeMap<>(), Set.of());

    public ChildAttributes withNewSession() {
        return new ChildAttributes(true, processGroup, parentDeathSignal, umask, limits, credentials, noNewPrivileges,
            cgroup, keptFds, signalMask);
    }

    public ChildAttributes withProcessGroup(int pgid) {
        return new ChildAttributes(newSession, pgid, parentDeathSignal, umask, limits, credentials, noNewPrivileges,
            cgroup, keptFds, signalMask);
    }

    public ChildAttributes withParentDeathSignal(Signal s) {
        return new ChildAttributes(newSession, processGroup, s, umask, limits, credentials, noNewPrivileges,
            cgroup, keptFds, signalMask);
    }

    public ChildAttributes withUmask(int mask) {
        return new ChildAttributes(newSession, processGroup, parentDeathSignal, mask, limits, credentials,
            noNewPrivileges, cgroup, keptFds, signalMask);
    }

    public ChildAttributes withLimit(Resource r, long soft, long hard) {
        Map<Resource, long[]> copy = new EnumMap<>(Resource.class);
        copy.putAll(limits);
        copy.put(r, new long[] {soft, hard});
        return new ChildAttributes(newSession, processGroup, parentDeathSignal, umask, Map.copyOf(copy), credentials,
            noNewPrivileges, cgroup, keptFds, signalMask);
    }

    public ChildAttributes withCredentials(Credentials c) {
        return new ChildAttributes(newSession, processGroup, parentDeathSignal, umask, limits, c, noNewPrivileges,
            cgroup, keptFds, signalMask);
    }

    public ChildAttributes withNoNewPrivileges() {
        return new ChildAttributes(newSession, processGroup, parentDeathSignal, umask, limits, credentials, true,
            cgroup, keptFds, signalMask);
    }

    public ChildAttributes withCgroup(Path p) {
        return new ChildAttributes(newSession, processGroup, parentDeathSignal, umask, limits, credentials,
            noNewPrivileges, p, keptFds, signalMask);
    }

    public ChildAttributes withKeptFd(int inParent, int inChild) {
        TreeMap<Integer, Integer> copy = new TreeMap<>(keptFds);
        copy.put(inChild, inParent);
        return new ChildAttributes(newSession, processGroup, parentDeathSignal, umask, limits, credentials,
            noNewPrivileges, cgroup, java.util.Collections.unmodifiableSortedMap(copy), signalMask);
    }

    public ChildAttributes withSignalMask(Set<Signal> blocked) {
        Set<Signal> copy = blocked.isEmpty() ? Set.of() : java.util.Collections.unmodifiableSet(EnumSet.copyOf(blocked));
        return new ChildAttributes(newSession, processGroup, parentDeathSignal, umask, limits, credentials,
            noNewPrivileges, cgroup, keptFds, copy);
    }

    /** The attributes set here, by the name of the Command method that set them. */
    public List<String> setAttributes() {
        List<String> names = new ArrayList<>();
        if (newSession) {
            names.add("newSession");
        }
        if (processGroup >= 0) {
            names.add("processGroup");
        }
        if (parentDeathSignal != null) {
            names.add("parentDeathSignal");
        }
        if (umask >= 0) {
            names.add("umask");
        }
        if (!limits.isEmpty()) {
            names.add("limit");
        }
        if (credentials != null) {
            names.add("user");
        }
        if (noNewPrivileges) {
            names.add("noNewPrivileges");
        }
        if (cgroup != null) {
            names.add("cgroup");
        }
        if (!keptFds.isEmpty()) {
            names.add("keepFd");
        }
        if (!signalMask.isEmpty()) {
            names.add("signalMask");
        }
        return names;
    }

    /** What glibc's posix_spawn can do: a session, a group, extra fds and the signal mask. */
    static final Set<String> POSIX_SPAWN_CAN = Set.of("newSession", "processGroup", "keepFd", "signalMask");
}
