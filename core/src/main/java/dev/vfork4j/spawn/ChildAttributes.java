package dev.vfork4j.spawn;

import dev.vfork4j.Resource;
import dev.vfork4j.Signal;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The process attributes a Command asks for, beyond program, environment, directory and
 * stdio. Immutable; {@link #toBuilder()} makes a changed copy. Values are validated by Command.
 *
 * @param processGroup   -1 for none, 0 for a group of its own, else the group to join
 * @param umask          -1 to inherit this JVM's
 * @param keptFds        fd in the child → fd in this JVM
 * @param signalMask     signals blocked in the child (empty by default)
 * @param contained      the child gets a cgroup v2 of its own, made for it and removed after it
 * @param containedParent where that cgroup is made: null for this JVM's own cgroup
 * @param glibcSignalsIgnored the child starts with glibc's two internal signals, 32 (SIGCANCEL)
 *                        and 33 (SIGSETXID), ignored, as the children of the JDK's default
 *                        mechanism start (glibc's posix_spawn in jspawnhelper sets them to
 *                        SIG_IGN, and its exec keeps that): for the agent alone, which gives
 *                        an application the JDK's children; no Command method sets it
 * @param jdkSignals     the child's signal dispositions are those of the JDK's children: every
 *                        signal this JVM ignores at the spawn stays ignored (exec keeps SIG_IGN)
 *                        but SIGPIPE, which is set to its default (the JDK's childproc does so,
 *                        JDK-8364611), rather than vfork4j's own rule ({@link SignalDefaults}):
 *                        for the agent alone; no Command method sets it
 */
public record ChildAttributes(boolean newSession, int processGroup, Signal parentDeathSignal, int umask,
                              Map<Resource, long[]> limits, Credentials credentials, boolean noNewPrivileges,
                              Path cgroup, SortedMap<Integer, Integer> keptFds, Set<Signal> signalMask,
                              boolean contained, Path containedParent, boolean glibcSignalsIgnored, boolean jdkSignals) {

    /** setgroups + setresgid + setresuid. */
    public record Credentials(int uid, int gid, int[] groups) {}

    /** No attribute: what a Command starts with. */
    public static final ChildAttributes NONE = new Builder().build();

    /**
     * A builder holding these attributes, for a copy with one changed.
     *
     * @return a new builder, independent of this value
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * The one place a ChildAttributes is assembled: a new attribute is a field and a setter
     * here, a record component, and the Command method that sets it.
     */
    public static final class Builder {
        private boolean newSession;
        private int processGroup = -1;
        private Signal parentDeathSignal;
        private int umask = -1;
        private final Map<Resource, long[]> limits = new EnumMap<>(Resource.class);
        private Credentials credentials;
        private boolean noNewPrivileges;
        private Path cgroup;
        private final SortedMap<Integer, Integer> keptFds = new TreeMap<>();
        private Set<Signal> signalMask = Set.of();
        private boolean contained;
        private Path containedParent;
        private boolean glibcSignalsIgnored;
        private boolean jdkSignals;

        private Builder() {}

        private Builder(ChildAttributes a) {
            newSession = a.newSession;
            processGroup = a.processGroup;
            parentDeathSignal = a.parentDeathSignal;
            umask = a.umask;
            limits.putAll(a.limits);
            credentials = a.credentials;
            noNewPrivileges = a.noNewPrivileges;
            cgroup = a.cgroup;
            keptFds.putAll(a.keptFds);
            signalMask = a.signalMask;
            contained = a.contained;
            containedParent = a.containedParent;
            glibcSignalsIgnored = a.glibcSignalsIgnored;
            jdkSignals = a.jdkSignals;
        }

        /** A session of the child's own. */
        public Builder newSession() {
            newSession = true;
            return this;
        }

        /** A group of the child's own ({@code pgid} 0), or the group {@code pgid} to join. */
        public Builder processGroup(int pgid) {
            processGroup = pgid;
            return this;
        }

        /** The signal the child gets when the thread that made it ends. */
        public Builder parentDeathSignal(Signal s) {
            parentDeathSignal = s;
            return this;
        }

        /** The child's umask. */
        public Builder umask(int mask) {
            umask = mask;
            return this;
        }

        /** The child's soft and hard limit of {@code r}. */
        public Builder limit(Resource r, long soft, long hard) {
            limits.put(r, new long[] {soft, hard});
            return this;
        }

        /** The child's user, group and supplementary groups. */
        public Builder credentials(Credentials c) {
            credentials = c;
            return this;
        }

        /** PR_SET_NO_NEW_PRIVS for the child. */
        public Builder noNewPrivileges() {
            noNewPrivileges = true;
            return this;
        }

        /** The cgroup directory the child starts in. */
        public Builder cgroup(Path p) {
            cgroup = p;
            return this;
        }

        /** This JVM's fd {@code inParent} as the child's fd {@code inChild}. */
        public Builder keepFd(int inParent, int inChild) {
            keptFds.put(inChild, inParent);
            return this;
        }

        /** The signals blocked in the child. */
        public Builder signalMask(Set<Signal> blocked) {
            signalMask = blocked.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(blocked));
            return this;
        }

        /** A cgroup of the child's own, made below {@code parent} (null: this JVM's cgroup). */
        public Builder contained(Path parent) {
            contained = true;
            containedParent = parent;
            return this;
        }

        /** Signals 32 and 33 ignored in the child, as in the JDK's: see {@link ChildAttributes#glibcSignalsIgnored()}. */
        public Builder glibcSignalsIgnored() {
            glibcSignalsIgnored = true;
            return this;
        }

        /** The JDK's children's signal dispositions: see {@link ChildAttributes#jdkSignals()}. */
        public Builder jdkSignals() {
            jdkSignals = true;
            return this;
        }

        /** The attributes, immutable; the builder can go on. */
        public ChildAttributes build() {
            return new ChildAttributes(newSession, processGroup, parentDeathSignal, umask, Map.copyOf(limits),
                credentials, noNewPrivileges, cgroup, Collections.unmodifiableSortedMap(new TreeMap<>(keptFds)),
                signalMask, contained, containedParent, glibcSignalsIgnored, jdkSignals);
        }
    }

    /**
     * The attributes set here. {@link #NONE}, what nearly every Command holds, answers without
     * allocating: every start asks.
     */
    public Set<Attribute> set() {
        if (this == NONE) {
            return Set.of();
        }
        Set<Attribute> set = EnumSet.noneOf(Attribute.class);
        if (newSession) {
            set.add(Attribute.NEW_SESSION);
        }
        if (processGroup >= 0) {
            set.add(Attribute.PROCESS_GROUP);
        }
        if (parentDeathSignal != null) {
            set.add(Attribute.PARENT_DEATH_SIGNAL);
        }
        if (umask >= 0) {
            set.add(Attribute.UMASK);
        }
        if (!limits.isEmpty()) {
            set.add(Attribute.LIMIT);
        }
        if (credentials != null) {
            set.add(Attribute.USER);
        }
        if (noNewPrivileges) {
            set.add(Attribute.NO_NEW_PRIVILEGES);
        }
        if (cgroup != null) {
            set.add(Attribute.CGROUP);
        }
        if (!keptFds.isEmpty()) {
            set.add(Attribute.KEEP_FD);
        }
        if (!signalMask.isEmpty()) {
            set.add(Attribute.SIGNAL_MASK);
        }
        if (contained) {
            set.add(Attribute.CONTAINED);
        }
        return set;
    }
}
